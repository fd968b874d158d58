// Package inbound receives contact with canary seeds: mail to their addresses,
// texts and calls to their numbers, and anything else a system can post. Each
// receiver turns what arrives into a [canary.Event] and hands it to a
// [canary.EventHandler], normally a watch.Watcher, which matches it against
// the seeds and raises the alert.
//
// # Receivers
//
//   - [SMTPServer], from [NewSMTPServer]: the mail exchanger of the canary
//     domains. It accepts a recipient only if the registry holds a seed with
//     that address (after [canary.NormalizeEmail]), refuses every other with
//     550 5.1.1, and never relays. Each message becomes one event: From, To,
//     Subject and Message-ID from the header (RFC 2047 words decoded), the
//     body as text (text/plain preferred, else HTML rendered; multipart,
//     quoted-printable, base64 and legacy charsets read), the header fields in
//     Event.Header, the envelope recipients in Event.Envelope and the client's
//     IP in Event.Remote. Source is "smtp".
//   - [NewTwilioSMSHandler] and [NewTwilioVoiceHandler]: Twilio's incoming
//     message and call webhooks, verified by X-Twilio-Signature. Source "twilio".
//   - [NewSendGridHandler]: SendGrid Inbound Parse, parsed or raw. Source "sendgrid".
//   - [NewMailgunHandler]: messages forwarded by a Mailgun route, verified by
//     their HMAC signature. Source "mailgun".
//   - [NewPostmarkHandler]: Postmark's inbound webhook. Source "postmark".
//   - [NewWebhookHandler]: one event as JSON, signed as Standard Webhooks
//     specifies, for every other channel. Source "webhook" or "webhook:<source>".
//
// The HTTP handlers accept POST only and share [Options].
//
// # Wiring
//
// Give every receiver the same handler, and mount the webhooks on an HTTPS
// server:
//
//	var watcher canary.EventHandler = w // a *watch.Watcher
//
//	mx, err := inbound.NewSMTPServer(inbound.SMTPConfig{
//		Addr: ":25", Domain: "mx.canary.example", Registry: reg, Handler: watcher, Logger: log,
//	})
//	go mx.ListenAndServe()
//	defer mx.Close()
//
//	opts := inbound.Options{Handler: watcher, Logger: log}
//	sms, err := inbound.NewTwilioSMSHandler(inbound.TwilioConfig{
//		AuthToken: inbound.Secret(os.Getenv("TWILIO_AUTH_TOKEN")),
//		PublicURL: "https://hooks.canary.example/twilio/sms",
//		Options:   opts,
//	})
//	mux := http.NewServeMux()
//	mux.Handle("/twilio/sms", sms)
//
// # Acknowledgement
//
// A receiver acknowledges only what is recorded: the SMTP server answers 250
// to a message, and a handler 200 to a post, only after HandleEvent returned
// nil, which for a Watcher means any alert is in its outbox. If HandleEvent
// fails, the SMTP server answers 451 and the handlers 503 with Retry-After,
// so the sender retries; a replay cache releases the key of a delivery that
// was not recorded, so the retry is not taken for a replay. Carrier IDs
// (Message-ID, MessageSid, Postmark's MessageID, webhook-id) are kept in
// Event.ID, and a message without one gets a digest of its content, so that
// a redelivery is recognisable downstream.
//
// # Security
//
// Everything that arrives is hostile input, from a scammer or from someone
// who has learned an endpoint's URL.
//
//   - Authenticity. Twilio requests must carry a valid X-Twilio-Signature
//     (HMAC-SHA1 under the auth token over the URL and the sorted
//     parameters); set [TwilioConfig.PublicURL] when a proxy changes the scheme,
//     host or path the handler sees. Mailgun posts must carry the HMAC-SHA256
//     of timestamp and token under the webhook signing key. Standard Webhooks
//     posts must carry a "v1" HMAC-SHA256 of id, timestamp and body under the
//     whsec_ secret (at least 24 bytes). SendGrid Inbound Parse and Postmark
//     sign nothing: their handlers require basic-auth credentials written into
//     the destination URL, or for SendGrid a secret token in the URL path or
//     query, so they must be served over HTTPS only. Every MAC and credential
//     is compared in constant time. Secrets are [Secret] values, which log as
//     REDACTED. Twilio's SharedKey signing, announced by an
//     X-Twilio-Webhooks-Signature-Settings header, is not supported.
//   - Replay. Mailgun and Standard Webhooks posts carry a timestamp: one
//     further than the window (default five minutes) from the injectable clock,
//     either way, is refused, and each token or webhook-id is accepted once
//     within it, from a bounded cache. Twilio and the unsigned providers carry
//     no timestamp: a replayed request repeats its carrier ID in Event.ID.
//   - Refusals. A forged, stale or replayed request gets 403 and no event; a
//     malformed one 400; a body over [Options.MaxBodyBytes] 413; a wrong
//     method 405. The caller is told the status only; the cause goes to the
//     optional [log/slog.Logger].
//   - Bounds. Bodies are read through http.MaxBytesReader. The SMTP server
//     bounds message size (552 past it), recipients (452), line length and
//     time per command and message. Header fields kept in Event.Header are
//     bounded in count and bytes, fields and body are cut on a rune boundary,
//     MIME trees in parts and depth, and every string is valid UTF-8 (invalid
//     bytes become U+FFFD). Parsing reads each byte a bounded number of times.
//   - Nothing lost. The recipient of a message is a seed before its data is
//     read, so a message is never refused for being malformed: what could not
//     be read is described under [NoteHeader] in Event.Header, and the rest is
//     kept. A message too large, or with a line too long, is refused, but the
//     part that arrived is recorded first.
//   - Probing. The SMTP server tells a prober which addresses of the canary
//     domains are seeds, as any mail server does. Every address of those
//     domains in the stolen data is a seed anyway, so a probe teaches nothing
//     the data did not; what a careful insider could notice is the domain
//     itself, which is why seeds use believable domains. A probe that stops
//     before DATA records no event.
//
// # Changes to the core API
//
// [canary.Event] has no field for parse notes; they travel in Event.Header
// under [NoteHeader], and a header of that name in a message is dropped.
package inbound
