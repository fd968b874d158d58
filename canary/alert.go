package canary

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Alert is what a watch.Watcher raises when an event touches seeds: the evidence a
// security team needs to act, and what it needs to find the leak.
type Alert struct {
	ID      uuid.UUID // stable across redeliveries: sinks deduplicate on it
	Channel Channel
	Source  string // the receiver: "smtp", "twilio", ...
	Sender  string // the scammer's address or number, as received: intelligence
	Subject string // of the first mail, at most 200 bytes
	Remote  string // the network peer that handed the first event over (an SMTP client's IP)
	Seeds   []Seed // the seeds touched, each once
	Hits    []Hit
	// RetiredSeeds are the seeds among Seeds that had been retired
	// (Seed.RetiredAt) when an event of the group touched them: the data
	// was copied while they were planted, and has been held since.
	RetiredSeeds []uuid.UUID

	FirstSeen time.Time // the first event of the group
	LastSeen  time.Time // the latest event joined to it
	Count     int       // events grouped into this alert; at least 1

	// Revision numbers what sinks are sent of this alert: 0 the first, raised
	// by each update a grouped repeat sends (see package watch). A receiver
	// keeps, per ID, the document with the highest Revision. RevisedAt is when
	// the current revision was raised (zero for revision 0: FirstSeen).
	Revision  int
	RevisedAt time.Time

	// Evidence holds bounded excerpts around each hit, never a whole message.
	Evidence []string
	// EventIDs are the carriers' IDs of the grouped events (Event.ID), so that a
	// redelivered message is not counted twice.
	EventIDs []string

	// Suppressed alerts come from the operator's own traffic: they are recorded
	// and kept, but not sent to sinks. SuppressedBy says which rule matched.
	Suppressed   bool
	SuppressedBy string

	// Attribution ranks the placements that may have leaked the seeds, most likely first.
	Attribution []Suspect
}

// Clone returns a copy of a that shares no slice or map with it.
func (a Alert) Clone() Alert {
	a.Seeds = cloneSeeds(a.Seeds)
	a.Hits = slices.Clone(a.Hits)
	a.RetiredSeeds = slices.Clone(a.RetiredSeeds)
	for i := range a.Hits {
		a.Hits[i].Seed = a.Hits[i].Seed.Clone()
		a.Hits[i].Candidates = cloneSeeds(a.Hits[i].Candidates)
	}
	a.Evidence = slices.Clone(a.Evidence)
	a.EventIDs = slices.Clone(a.EventIDs)
	a.Attribution = slices.Clone(a.Attribution)
	for i := range a.Attribution {
		a.Attribution[i].Seeds = slices.Clone(a.Attribution[i].Seeds)
		a.Attribution[i].Reasons = slices.Clone(a.Attribution[i].Reasons)
	}
	return a
}

func cloneSeeds(seeds []Seed) []Seed {
	out := slices.Clone(seeds)
	for i := range out {
		out[i] = out[i].Clone()
	}
	return out
}

// Suspect is one placement that may have leaked tripped seeds, with the window in
// which the data must have left it.
type Suspect struct {
	Placement string
	// Score is the estimated probability that this placement is the source,
	// given the tripped seeds: from 0 to 1, summing to about 1 over the suspects.
	Score float64
	// Seeds are the tripped seeds planted in this placement.
	Seeds []uuid.UUID
	// After and Before bound when the data left: after the latest PlantedAt of
	// the tripped seeds here, before the first contact with any of them.
	After, Before time.Time
	// Reasons explain the ranking in plain words.
	Reasons []string
}

// Sink delivers alerts to people or systems: a log, a SIEM, a chat channel.
//
// Send is called with at-least-once semantics: after a crash or a failed attempt
// the same alert (same ID) comes again, possibly with a higher Count, so a Sink
// should deliver idempotently by Alert.ID where its target allows. Send is
// called concurrently for different alerts, must not keep the alert after it
// returns, and returns an error to be retried later with backoff.
//
// A Send error may say more: one that wraps ErrSinkPermanent reports a target
// that refuses for good (a revoked webhook), and the Watcher reports the sink as
// failing at once; one with a method RetryDelay() time.Duration asks for at least
// that wait before the next attempt (an HTTP Retry-After).
type Sink interface {
	Send(ctx context.Context, a Alert) error
}
