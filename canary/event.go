package canary

import (
	"context"
	"fmt"
	"time"
)

// Event is one contact or text to check against the seeds: a mail, an SMS, a call,
// or any text (a chat message, a paste, a slice of a leaked dump).
type Event struct {
	Channel  Channel // ChannelEmail, ChannelSMS, ChannelCall, ChannelText
	From, To string  // sender and recipient as received: addresses or numbers in any form
	Subject  string
	Body     string
	At       time.Time // when it arrived
	Source   string    // "smtp", "twilio", "scan:dump.sql", ...

	// ID is the carrier's own identifier (Message-ID, MessageSid, ...), kept as
	// evidence and used to recognise a redelivery of the same message.
	ID string
	// Remote is the network peer that handed the event over (an SMTP client's IP).
	Remote string
	// Header holds message headers as received (canonical MIME keys), bounded by
	// the receiver; nil for channels without headers.
	Header map[string][]string
	// Envelope holds SMTP envelope recipients, which may differ from To.
	Envelope []string
	// Auth lists the sender identities the receiver verified (a DKIM
	// signature aligned with From, a trusted upstream Authentication-Results,
	// an authenticated channel), never what the event merely claims. Only
	// these let a Watcher treat an event as the operator's own traffic. A
	// receiver sets it; nil means nothing was verified.
	Auth []SenderAuth `json:",omitempty"`
}

// SenderAuth is one sender identity a receiver verified.
type SenderAuth struct {
	// Domain is the domain of the message's From address, once a check
	// proved the mail comes from that domain's owner; "" for other channels.
	Domain string
	// Number is the sender's number as an authenticated channel vouches for
	// it; "" for mail.
	Number string
	// Method says how, for the record: "dkim d=acme.example", "dmarc pass
	// (dkim d=acme.example)", "authres mx.acme.example: dmarc=pass".
	Method string
}

// EventHandler takes events from a receiver. HandleEvent returns nil only once
// the event is safely recorded (for a Watcher: once any alert it raised is in the
// outbox), so a receiver may then acknowledge it to the sender. It is called
// concurrently.
type EventHandler interface {
	HandleEvent(ctx context.Context, ev Event) error
}

// Confidence says how sure a Hit is.
type Confidence uint8

const (
	// Exact: the value seen is the planted value after normalization.
	Exact Confidence = iota + 1
	// Likely: the value matched after a rewriting that could, rarely, join two
	// different values: a national-format number read with an assumed country,
	// or an address that differs from the planted one only by dots.
	Likely
	// Ambiguous: the value belongs to several seeds (a shared phone number) and
	// nothing in the event says which; Hit.Candidates lists them.
	Ambiguous
)

var confidenceNames = [...]string{Exact: "exact", Likely: "likely", Ambiguous: "ambiguous"}

func (c Confidence) String() string {
	if int(c) < len(confidenceNames) && confidenceNames[c] != "" {
		return confidenceNames[c]
	}
	return "unknown"
}

// MarshalText encodes c as its name ("exact").
func (c Confidence) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText decodes a confidence name.
func (c *Confidence) UnmarshalText(b []byte) error {
	for i, n := range confidenceNames {
		if n != "" && n == string(b) {
			*c = Confidence(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown confidence %q", ErrInvalidInput, b)
}

// Hit is one seed value found in an event or a scanned stream.
type Hit struct {
	Seed       Seed       // for an Ambiguous hit, the first candidate
	Field      Field      // FieldEmail, FieldPhone, FieldTicket, FieldName
	Value      string     // the raw text that matched
	Evidence   string     // where it was seen, for people: "to", "from", "subject@12", "body@1234", "line 3 byte 80"
	Confidence Confidence // how sure the match is
	Candidates []Seed     // every seed an Ambiguous hit may be; nil otherwise

	// Where it was seen, for programs; Evidence says the same in words.
	Part   string // the part of the event: "to", "envelope", "from", "subject" or "body"; "" for Scan
	Offset int64  // byte offset of Value in Part (Match) or in the stream (Scan)
	Line   int    // 1-based line of Value in the stream, for Scan; 0 for Match
}
