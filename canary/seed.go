package canary

import (
	"fmt"
	"maps"
	"time"

	"github.com/google/uuid"
)

// Name is a person's name as planted.
type Name struct {
	Given  string
	Family string // for Spanish seeds, both surnames: "García López"
}

// String returns "Given Family".
func (n Name) String() string {
	switch {
	case n.Given == "":
		return n.Family
	case n.Family == "":
		return n.Given
	}
	return n.Given + " " + n.Family
}

// Seed is one canary customer record.
//
// Email, Phone and Ticket are what trip the wire: each is registered under its
// normalized form and matched in every formatting. Name is planted to be
// believable and resolves a phone number shared by several seeds, but never
// alerts on its own.
type Seed struct {
	ID        uuid.UUID
	Placement string            // where it is planted, e.g. "support-db/eu" or "export/2026-11-crm"
	Name      Name              // Given, Family
	Email     string            // as planted
	Phone     string            // E.164, "" when none
	Ticket    string            // a support ticket reference in the host's own format
	Fields    map[string]string // anything else planted (city, company, ...)
	CreatedAt time.Time         // the record's apparent creation time in the host system
	PlantedAt time.Time         // when it became visible there
	ExpiresAt time.Time         // zero: never
	// RetiredAt is when the seed was taken out of the host (Registry.Retire);
	// zero while it is planted. A retired seed still trips: a copy of the
	// data taken before then can surface later.
	RetiredAt time.Time
}

// Clone returns a copy of s that shares no memory with it.
func (s Seed) Clone() Seed {
	s.Fields = maps.Clone(s.Fields)
	return s
}

// Active reports whether the seed is planted at t: planted, and neither
// expired nor retired.
func (s Seed) Active(t time.Time) bool {
	if !s.PlantedAt.IsZero() && t.Before(s.PlantedAt) {
		return false
	}
	end := s.EndedAt()
	return end.IsZero() || t.Before(end)
}

// RetiredBy reports whether the seed had been retired at t: a hit then is on
// data copied while it was planted.
func (s Seed) RetiredBy(t time.Time) bool {
	return !s.RetiredAt.IsZero() && !t.Before(s.RetiredAt)
}

// EndedAt is when the seed stopped being visible in the host: the earlier of
// ExpiresAt and RetiredAt that is set, or zero for a seed still planted.
func (s Seed) EndedAt() time.Time {
	switch {
	case s.RetiredAt.IsZero():
		return s.ExpiresAt
	case s.ExpiresAt.IsZero() || s.RetiredAt.Before(s.ExpiresAt):
		return s.RetiredAt
	}
	return s.ExpiresAt
}

// maxSeedText bounds each text field of a seed: far above any real name or
// address, and small enough for registries to store lengths compactly.
const maxSeedText = 1024

// validate checks what every registry needs of a seed before it is stored.
func (s Seed) validate() error {
	switch {
	case s.ID == uuid.Nil:
		return fmt.Errorf("%w: no ID", ErrInvalidSeed)
	case s.Placement == "":
		return fmt.Errorf("%w: seed %s has no placement", ErrInvalidSeed, s.ID)
	case s.Email == "" && s.Phone == "" && s.Ticket == "":
		return fmt.Errorf("%w: seed %s has no email, phone or ticket to trip on", ErrInvalidSeed, s.ID)
	case !s.ExpiresAt.IsZero() && !s.PlantedAt.IsZero() && s.ExpiresAt.Before(s.PlantedAt):
		return fmt.Errorf("%w: seed %s expires before it is planted", ErrInvalidSeed, s.ID)
	}
	for _, f := range []string{s.Name.Given, s.Name.Family, s.Email, s.Phone, s.Ticket} {
		if len(f) > maxSeedText {
			return fmt.Errorf("%w: seed %s has a field of %d bytes", ErrInvalidSeed, s.ID, len(f))
		}
	}
	for _, t := range []time.Time{s.CreatedAt, s.PlantedAt, s.ExpiresAt, s.RetiredAt} {
		if !t.IsZero() && (t.Year() < 1900 || t.Year() > 2200) {
			return fmt.Errorf("%w: seed %s has a time in %d", ErrInvalidSeed, s.ID, t.Year())
		}
	}
	return nil
}

// Field names a part of a seed that can be matched.
type Field uint8

// The fields a Hit can name.
const (
	FieldEmail Field = iota + 1
	FieldPhone
	FieldTicket
	FieldName
)

var fieldNames = [...]string{FieldEmail: "email", FieldPhone: "phone", FieldTicket: "ticket", FieldName: "name"}

func (f Field) String() string {
	if int(f) < len(fieldNames) && fieldNames[f] != "" {
		return fieldNames[f]
	}
	return fmt.Sprintf("Field(%d)", uint8(f))
}

// MarshalText encodes f as its name ("email").
func (f Field) MarshalText() ([]byte, error) {
	if int(f) >= len(fieldNames) || fieldNames[f] == "" {
		return nil, fmt.Errorf("%w: unknown field %d", ErrInvalidInput, uint8(f))
	}
	return []byte(fieldNames[f]), nil
}

// UnmarshalText decodes a field name.
func (f *Field) UnmarshalText(b []byte) error {
	for i, n := range fieldNames {
		if n != "" && n == string(b) {
			*f = Field(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown field %q", ErrInvalidInput, b)
}

// Channel says how a contact reached a seed.
type Channel uint8

// The channels of an Event.
const (
	ChannelEmail Channel = iota + 1 // mail to or from a seed address
	ChannelSMS                      // a text message to a seed number
	ChannelCall                     // a voice call to a seed number
	ChannelText                     // any other text: a chat message, a paste, a leaked dump
)

var channelNames = [...]string{ChannelEmail: "email", ChannelSMS: "sms", ChannelCall: "call", ChannelText: "text"}

func (c Channel) String() string {
	if int(c) < len(channelNames) && channelNames[c] != "" {
		return channelNames[c]
	}
	return fmt.Sprintf("Channel(%d)", uint8(c))
}

// MarshalText encodes c as its name ("sms").
func (c Channel) MarshalText() ([]byte, error) {
	if int(c) >= len(channelNames) || channelNames[c] == "" {
		return nil, fmt.Errorf("%w: unknown channel %d", ErrInvalidInput, uint8(c))
	}
	return []byte(channelNames[c]), nil
}

// UnmarshalText decodes a channel name.
func (c *Channel) UnmarshalText(b []byte) error {
	for i, n := range channelNames {
		if n != "" && n == string(b) {
			*c = Channel(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown channel %q", ErrInvalidInput, b)
}
