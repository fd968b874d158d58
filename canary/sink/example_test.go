package sink_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/sink"
)

func ExampleJSONLines() {
	var out bytes.Buffer
	s := sink.NewJSONLines(&out, sink.JSONLinesOptions{})
	a := canarytest.AlertFor(2, canary.ChannelSMS)
	ctx := context.Background()
	_ = s.Send(ctx, a)
	_ = s.Send(ctx, a) // a retry of a delivered alert: written once

	var doc struct {
		Message string
		Event   struct{ Kind, Action, ID string }
		Source  struct{ Address string }
	}
	lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
	_ = json.Unmarshal(lines[0], &doc)
	fmt.Println("lines:", len(lines))
	fmt.Println(doc.Event.Kind, doc.Event.Action, doc.Event.ID)
	fmt.Println(doc.Source.Address)
	fmt.Println(doc.Message)
	// Output:
	// lines: 1
	// alert canary-contact 04dc0275-ee59-5fa6-bedb-6bd4fc1721c1
	// +12025550102
	// canary sms from "+12025550102" touched 1 seed in support-db/eu (3 events); likely leak: support-db/eu (100%)
}

func ExampleSlog() {
	// Keep the example's output short: drop the time and the honeyseed fields.
	// (Only the last group: Go 1.26's handlers misplace the attributes that
	// follow a group ReplaceAttr has emptied.)
	short := func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 || len(groups) > 0 && groups[0] == "honeyseed" {
			return slog.Attr{}
		}
		return a
	}
	l := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: short}))
	s := sink.NewSlog(l, sink.SlogOptions{})
	_ = s.Send(context.Background(), canarytest.AlertFor(3, canary.ChannelCall))
	// Output:
	// level=WARN msg="canary call from \"+12025550103\" touched 1 seed in support-db/eu (3 events); likely leak: support-db/eu (100%)" @timestamp=2026-11-03T14:08:00Z ecs.version=8.11.0 event.kind=alert event.category=[intrusion_detection] event.type=[info] event.action=canary-contact event.id=368ce654-9056-5817-b740-553b6776e1f5 event.module=honeyseed event.dataset=honeyseed.alert event.provider=twilio event.start=2026-11-03T14:08:00Z event.end=2026-11-03T14:28:00Z event.duration=1200000000000 rule.name="canary record contacted" rule.ruleset=honeyseed rule.description="A planted canary customer record was contacted or found: the data it was planted in has left." observer.vendor=honeyseed observer.product=honeyseed source.address=+12025550103
}

// A dispatcher tells a failure worth retrying, and when, from one it should
// report to a person.
func ExampleHTTPError() {
	w, err := sink.NewWebhook("https://siem.example/hooks/honeyseed", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", sink.WebhookOptions{})
	if err != nil {
		panic(err)
	}
	now := time.Now()
	err = w.Send(context.Background(), canarytest.AlertFor(1, canary.ChannelEmail))
	var he *sink.HTTPError
	switch {
	case err == nil:
		// delivered
	case errors.Is(err, sink.ErrPermanent):
		// report the sink; retrying will not help
	case errors.As(err, &he) && he.RetryAfter > 0:
		_ = now.Add(he.RetryAfter) // the next attempt, as the target asked
	default:
		// retry with backoff
	}
}

func ExampleNewSyslog() {
	s, err := sink.NewSyslog("tcp", "siem.example:6514", sink.SyslogOptions{
		Facility: sink.FacilityLocal4,
		Labels:   map[string]string{"env": "prod"},
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	// Hand s to the Watcher's dispatcher; it connects on the first alert.
}
