package inbound

import (
	"time"

	"github.com/honeyseed/honeyseed/canary"
)

// imapEvent turns a message read from mailbox into an event, through the same
// parsing as the SMTP receiver's. at is the server's arrival time
// (INTERNALDATE), which a second reading of the message repeats: with the
// Message-ID (or digest) in Event.ID, it makes the alert of a message read
// twice the same alert, counted once.
func imapEvent(raw []byte, mailbox string, at time.Time, lim messageLimits, n notes) canary.Event {
	m := parseMessage(raw, lim, n)
	ev := m.event("imap")
	ev.At = at
	ev.Envelope = []string{mailbox}
	toOrEnvelope(&ev)
	return ev
}
