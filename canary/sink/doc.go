// Package sink delivers honeyseed alerts to people and systems: a log, a file a
// SIEM ingests, a signed webhook, a Slack channel, a syslog server. Each sink
// implements [canary.Sink]; the Watcher records every alert in its outbox first
// and then calls the sinks, retrying with backoff, so a sink only has to
// deliver one alert well and say when it could not.
//
//	jsonl, err := sink.OpenJSONLines("/var/log/honeyseed/alerts.jsonl", sink.JSONLinesOptions{})
//	hook, err := sink.NewWebhook("https://siem.example/hooks/honeyseed", os.Getenv("HONEYSEED_WEBHOOK_SECRET"), sink.WebhookOptions{})
//	chat, err := sink.NewSlack(os.Getenv("HONEYSEED_SLACK_WEBHOOK"), sink.SlackOptions{})
//	sys, err := sink.NewSyslog("tcp", "siem.example:514", sink.SyslogOptions{})
//	logs := sink.NewSlog(logger, sink.SlogOptions{})
//
// Every constructor takes an options struct, by value, whose zero value is
// ready to use; each field says its default.
//
// # Sinks
//
//   - [Slog] logs one record per alert: the one-line summary as the message,
//     the ECS document as nested attribute groups.
//   - [JSONLines] writes one ECS document per line to a writer, or to a file
//     opened for appending with mode 0600 by [OpenJSONLines].
//   - [Webhook] POSTs the ECS document signed as Standard Webhooks says
//     (webhook-id, webhook-timestamp, webhook-signature), so receivers verify
//     it with that project's libraries.
//   - [Slack] posts a short Block Kit message to an incoming webhook.
//   - [Syslog] sends RFC 5424 messages over UDP or TCP, with a structured data
//     element [SDID] naming the alert and the ECS document as MSG.
//
// There is no fan-out sink: the outbox keeps a delivery per alert and sink,
// so that one failing sink is retried alone and the others are not sent
// duplicates.
//
// # Delivery
//
// Delivery is at least once: the dispatcher calls Send again until it returns
// nil, after a crash too. Every sink here remembers the IDs of the last 4096
// messages it delivered (the RecentIDs option) and turns a repeated Send into a
// no-op, and two concurrent Sends of one message reach the target once. A
// message is one revision of an alert ([MessageID]: the alert ID, or for an
// update a UUID derived from the alert ID and Alert.Revision), so a retry is
// dropped and an update of a grouped alert (more events, sent by package
// watch at the 10th, 100th… repeat and at least hourly) is not. That covers a
// process's lifetime. Across restarts:
//
//   - JSONLines opened with OpenJSONLines reads back the event.id and
//     honeyseed.revision in the last MiB of its file, so it writes a recent
//     message once, restarts included.
//   - Webhook sends the MessageID as webhook-id, as Standard Webhooks means
//     it (one message, the same on every retry); receivers dedupe on it. The
//     payload's event.id is the alert ID, so a receiver keeps one case per
//     alert and replaces it by the update with the highest honeyseed.revision.
//   - Every ECS document has the alert ID as event.id and its revision as
//     honeyseed.revision; a SIEM can use event.id as the document ID
//     (Elasticsearch: an ingest pipeline setting _id from event.id) to index
//     each alert once, the latest revision overwriting the earlier.
//   - Slack and Syslog may repeat an alert that was in flight during a crash.
//
// A failed Send returns an error starting with "sink: ". An answer other than
// 2xx from a webhook or Slack is an [*HTTPError], with RetryAfter set when the
// target asked for a delay (429, 503); one that retrying cannot fix wraps
// [ErrPermanent], for the dispatcher to report rather than retry forever. A
// canceled context gives an error wrapping context.Canceled, and the alert is
// not counted as sent.
//
// # The ECS document
//
// [NewDocument] turns an alert into the document every sink but Slack sends,
// named after the Elastic Common Schema ([ECSVersion]) so that Elastic, and
// SIEMs that map ECS, ingest it without a custom mapping. What ECS has no field
// for goes under honeyseed.*, as ECS asks of custom fields.
//
//	Field                      From the alert
//	@timestamp                 FirstSeen: the first contact of the group
//	message                    a one-line summary ("update N: " first for an update): channel, sender, seeds, placements, count, likely leak
//	labels                     the sink's Labels option (e.g. env: prod)
//	ecs.version                ECSVersion
//	event.kind                 "alert"
//	event.category, event.type ["intrusion_detection"], ["info"]; ["info", "change"] for an update
//	event.action               "canary-contact" (email, SMS, call) or "canary-exposed" (found in text)
//	event.id                   ID: the same on every redelivery and update
//	event.module, event.dataset "honeyseed", "honeyseed.alert"
//	event.provider             Source: the receiver ("smtp", "twilio", "scan:dump.sql")
//	event.start, event.end     FirstSeen, LastSeen
//	event.duration             LastSeen - FirstSeen, in nanoseconds
//	rule.name, rule.ruleset    "canary record contacted", "honeyseed"
//	observer.vendor, .product  "honeyseed"
//	email.from.address         Sender, for mail
//	email.to.address           the seed addresses the mail was sent to (hits in To or the envelope)
//	email.direction            "inbound"
//	source.address             Sender, for SMS, calls and text: the number as received
//	honeyseed.channel          Channel: "email", "sms", "call", "text"
//	honeyseed.count            Count: events grouped into the alert
//	honeyseed.revision         Revision: 0 the first message, then 1, 2, … for each update
//	honeyseed.placement        the placements of the tripped seeds, sorted
//	honeyseed.suppressed       Suppressed, and honeyseed.suppressed_by: SuppressedBy
//	honeyseed.seeds[]          id, placement, retired and retired_at (a seed retired before the hit),
//	                           matches[]: field, value, evidence, confidence, candidates
//	honeyseed.evidence[]       Evidence: bounded excerpts
//	honeyseed.event_ids[]      EventIDs: the carriers' message IDs
//	honeyseed.attribution[]    Attribution: placement, score, seeds, after, before, reasons
//
// ECS has no field for a count of grouped events (event.sequence orders events
// of a source) nor for a phone number; hence honeyseed.count and
// source.address. The email subject is not in an Alert, so email.subject is
// never set.
//
// # What an alert reveals
//
// An alert names canary records, and canaries work only while an insider
// cannot tell them from real customers. A document carries, for each tripped
// seed, its ID, its placement and the text that matched (Hit.Value): what the
// leaked copy and the scammer already have. It carries none of the seed's other
// planted values; the ID finds them in the registry. Route documents to places
// with the access control of your SIEM. The Slack message carries no planted
// value at all, only fields and counts: a chat channel is the widest audience
// an alert has, and one canary address seen there teaches its readers the
// domain and the patterns of all of them.
//
// Secrets stay secret: the webhook secret never appears in an error message or
// in fmt output of a Webhook, and neither does a Slack webhook URL, whose path
// is its credential (errors name the scheme and host only). Text from outside
// (the sender, evidence, a target's answer) is bounded, made valid UTF-8, and
// escaped for where it goes: quoted in the summary, escaped as Slack markup so a
// sender cannot post links or mentions, escaped as a syslog PARAM-VALUE, and
// cut to a short, control-free snippet in an HTTPError. A webhook or Slack sink
// never follows a redirect, and refuses plain http to anything but loopback
// unless AllowHTTP is set.
//
// # Writing another sink
//
// Build on [NewDocument] so that every destination sees the same fields, and
// run the conformance test of package canarytest against it:
//
//	func TestConformance(t *testing.T) {
//		canarytest.TestSink(t, canarytest.SinkHarness{New: newKafkaHarness, Idempotent: true})
//	}
package sink
