package canary_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
)

// matchFixture is a matcher over canarytest.MatchSeeds.
func matchFixture(t *testing.T) (*canary.Matcher, []canary.Seed) {
	t.Helper()
	seeds := canarytest.MatchSeeds()
	reg := canary.NewMemoryRegistry()
	require.NoError(t, reg.Add(context.Background(), seeds...))
	m, err := canary.NewMatcher(reg)
	require.NoError(t, err)
	return m, seeds
}

func TestMatchFindsEveryFormatting(t *testing.T) {
	m, seeds := matchFixture(t)
	jessica, shared, uk := seeds[1], seeds[3], seeds[5]
	tests := []struct {
		ev       canary.Event
		field    canary.Field
		seed     uuid.UUID
		evidence string
		conf     canary.Confidence
		why      string
	}{
		{canary.Event{Channel: canary.ChannelEmail, To: "jessica.smith@mail.example"}, canary.FieldEmail, jessica.ID, "to", canary.Exact, "plain recipient"},
		{canary.Event{Channel: canary.ChannelEmail, To: `"Jessica" <Jessica.Smith+invoice@MAIL.example>`}, canary.FieldEmail, jessica.ID, "to", canary.Exact, "display name, case and tag"},
		{canary.Event{Channel: canary.ChannelEmail, To: "a@b.example, jessicа.smith@mail.example"}, canary.FieldEmail, jessica.ID, "to", canary.Exact, "second of a list, with a Cyrillic а"},
		{canary.Event{Channel: canary.ChannelEmail, To: "jessicasmith@mail.example"}, canary.FieldEmail, jessica.ID, "to", canary.Likely, "dots dropped: same mailbox only if the domain ignores dots"},
		{canary.Event{Channel: canary.ChannelEmail, From: "jessica.smith@mail.example", To: "support@shop.example"}, canary.FieldEmail, jessica.ID, "from", canary.Exact, "seed as sender: spoofing a customer"},
		{canary.Event{Channel: canary.ChannelEmail, To: "x@y.example", Envelope: []string{"jessica.smith@mail.example"}}, canary.FieldEmail, jessica.ID, "envelope", canary.Exact, "bcc: only in the envelope"},
		{canary.Event{Channel: canary.ChannelText, Body: `<a href="mailto:jessica.smith@mail.example?subject=x">`}, canary.FieldEmail, jessica.ID, "body@16", canary.Exact, "mailto link in HTML"},
		{canary.Event{Channel: canary.ChannelText, Body: "https://t.example/u?e=jessica.smith%40mail.example&x=1"}, canary.FieldEmail, jessica.ID, "body@22", canary.Exact, "URL-encoded address"},
		{canary.Event{Channel: canary.ChannelSMS, To: "+14155550132"}, canary.FieldPhone, jessica.ID, "to", canary.Exact, "SMS to E.164"},
		{canary.Event{Channel: canary.ChannelCall, To: "+1 (415) 555-0132"}, canary.FieldPhone, jessica.ID, "to", canary.Exact, "call, formatted"},
		{canary.Event{Channel: canary.ChannelText, Body: "call 415.555.0132 now"}, canary.FieldPhone, jessica.ID, "body@5", canary.Likely, "dotted national in the default region"},
		{canary.Event{Channel: canary.ChannelText, Body: "1-415-555-0132"}, canary.FieldPhone, jessica.ID, "body@0", canary.Likely, "NANP trunk"},
		{canary.Event{Channel: canary.ChannelText, Body: "tel:+14155550132"}, canary.FieldPhone, jessica.ID, "body@4", canary.Exact, "tel URI"},
		{canary.Event{Channel: canary.ChannelText, Body: "ring +44 (0)7700 900123"}, canary.FieldPhone, uk.ID, "body@5", canary.Exact, "UK with (0)"},
		{canary.Event{Channel: canary.ChannelText, Body: "ring 0044 7700 900123"}, canary.FieldPhone, uk.ID, "body@5", canary.Exact, "00 international prefix"},
		{canary.Event{Channel: canary.ChannelText, Body: "ring 07700 900123"}, canary.FieldPhone, uk.ID, "body@5", canary.Likely, "UK national with its trunk 0"},
		{canary.Event{Channel: canary.ChannelText, Body: "ring 447700900123"}, canary.FieldPhone, uk.ID, "body@5", canary.Likely, "international without +"},
		{canary.Event{Channel: canary.ChannelText, Subject: "Re: ticket tm-10000002"}, canary.FieldTicket, seeds[2].ID, "subject@11", canary.Exact, "ticket in subject, lower case"},
		{canary.Event{Channel: canary.ChannelText, Body: "Ticket#TM-10000002."}, canary.FieldTicket, seeds[2].ID, "body@7", canary.Exact, "ticket glued to a label"},
		{canary.Event{Channel: canary.ChannelSMS, To: "+12125550150", Body: "Hi Maria, your refund is ready"}, canary.FieldPhone, shared.ID, "to", canary.Likely, "shared number resolved by the given name"},
		{canary.Event{Channel: canary.ChannelSMS, To: "+12125550150", Body: "Mrs LÓPEZ, call us"}, canary.FieldPhone, shared.ID, "to", canary.Likely, "shared number resolved by the family name, any case and accent"},
	}
	for _, tt := range tests {
		hits, err := m.Match(context.Background(), tt.ev)
		require.NoError(t, err, tt.why)
		h, ok := findHit(hits, tt.field)
		if !assert.True(t, ok, "%s: no %s hit in %+v", tt.why, tt.field, hits) {
			continue
		}
		assert.Equal(t, tt.seed, h.Seed.ID, tt.why)
		assert.Equal(t, tt.evidence, h.Evidence, tt.why)
		assert.Equal(t, tt.evidence, structuredEvidence(h), "%s: the fields say what Evidence says", tt.why)
		assert.Equal(t, tt.conf, h.Confidence, tt.why)
		assert.NotEmpty(t, h.Value, tt.why)
	}
}

// structuredEvidence writes a Match hit's Part and Offset as Evidence does.
func structuredEvidence(h canary.Hit) string {
	if h.Part == "subject" || h.Part == "body" {
		return fmt.Sprintf("%s@%d", h.Part, h.Offset)
	}
	return h.Part
}

func TestMatchSharedNumberAmbiguous(t *testing.T) {
	m, seeds := matchFixture(t)
	for _, body := range []string{"Your parcel is waiting", "Maria and David, hello", ""} {
		hits, err := m.Match(context.Background(), canary.Event{Channel: canary.ChannelSMS, To: "+1 212 555 0150", Body: body})
		require.NoError(t, err)
		require.Len(t, hits, 1, body)
		assert.Equal(t, canary.Ambiguous, hits[0].Confidence, "%q names no single seed", body)
		assert.ElementsMatch(t, []uuid.UUID{seeds[3].ID, seeds[4].ID}, []uuid.UUID{hits[0].Candidates[0].ID, hits[0].Candidates[1].ID})
	}
}

func TestMatchNeverInvents(t *testing.T) {
	m, seeds := matchFixture(t)
	for _, ev := range []canary.Event{
		{Channel: canary.ChannelEmail, To: "someone.else@mail.example", Body: "Dear Jessica Smith"},
		{Channel: canary.ChannelSMS, To: "+14155550133", Body: "Jessica"},
		{Channel: canary.ChannelText, Body: "order 4155550132999 shipped"},
		{Channel: canary.ChannelText, Body: "ID4155550132 and TM-10000002X"},
		{Channel: canary.ChannelText, Body: "jessica.smith@mail.example.org"},
		{Channel: canary.ChannelText, Body: seeds[1].Name.String() + " " + seeds[3].Name.String()},
		{Channel: canary.ChannelText, Body: strings.Repeat("\x00\xff@", 1000)},
		{Channel: canary.ChannelText},
	} {
		hits, err := m.Match(context.Background(), ev)
		require.NoError(t, err)
		assert.Empty(t, hits, "%+v", ev)
	}
}

func TestMatchReportsEachSeedOnce(t *testing.T) {
	m, seeds := matchFixture(t)
	hits, err := m.Match(context.Background(), canary.Event{
		Channel: canary.ChannelEmail,
		To:      seeds[1].Email,
		Body:    "write to " + seeds[1].Email + " or call 415 555 0132, ticket " + seeds[1].Ticket,
	})
	require.NoError(t, err)
	fields := map[canary.Field]int{}
	for _, h := range hits {
		assert.Equal(t, seeds[1].ID, h.Seed.ID)
		fields[h.Field]++
	}
	assert.Equal(t, map[canary.Field]int{canary.FieldEmail: 1, canary.FieldPhone: 1, canary.FieldTicket: 1}, fields)
	e, _ := findHit(hits, canary.FieldEmail)
	assert.Equal(t, "to", e.Evidence, "the first place seen wins")
}

func TestMatchBadInput(t *testing.T) {
	m, _ := matchFixture(t)
	_, err := m.Match(context.Background(), canary.Event{Channel: 0})
	assert.ErrorIs(t, err, canary.ErrInvalidInput)
	long := strings.Repeat("x", 2<<20) + " jessica.smith@mail.example"
	hits, err := m.Match(context.Background(), canary.Event{Channel: canary.ChannelText, Body: long})
	require.NoError(t, err)
	assert.Empty(t, hits, "text past the bound is not examined")
	_, err = canary.NewMatcher(nil)
	assert.ErrorIs(t, err, canary.ErrInvalidConfig)
	_, err = canary.NewMatcher(canary.NewMemoryRegistry(), canary.WithRegions("XX"))
	assert.ErrorIs(t, err, canary.ErrInvalidConfig)
}

func TestMatchDotInsensitiveDomain(t *testing.T) {
	reg := canary.NewMemoryRegistry()
	s := canarytest.Seed(1, "crm")
	s.Email = "j.smith@mail.example"
	require.NoError(t, reg.Add(context.Background(), s))
	m, err := canary.NewMatcher(reg, canary.WithDotInsensitiveDomains("MAIL.example"))
	require.NoError(t, err)
	hits, err := m.Match(context.Background(), canary.Event{Channel: canary.ChannelEmail, To: "jsmith@mail.example"})
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.Equal(t, canary.Exact, hits[0].Confidence)
}

func findHit(hits []canary.Hit, f canary.Field) (canary.Hit, bool) {
	for _, h := range hits {
		if h.Field == f {
			return h, true
		}
	}
	return canary.Hit{}, false
}

// TestMatchHitsOwnTheirSeeds: Match hands out seeds that share nothing with
// the registry, although MatchFunc's scratch hits share its Fields maps.
func TestMatchHitsOwnTheirSeeds(t *testing.T) {
	ctx := context.Background()
	seeds := canarytest.MatchSeeds()
	for i := range seeds {
		seeds[i].Fields = map[string]string{"city": "Springfield"}
	}
	reg := canary.NewMemoryRegistry()
	require.NoError(t, reg.Add(ctx, seeds...))
	m, err := canary.NewMatcher(reg)
	require.NoError(t, err)
	jessica, maria := seeds[1], seeds[3]

	for _, ev := range []canary.Event{
		{Channel: canary.ChannelEmail, To: jessica.Email},
		{Channel: canary.ChannelSMS, To: maria.Phone, Body: "Hello, call us back"}, // Ambiguous: two candidates
	} {
		hits, err := m.Match(ctx, ev)
		require.NoError(t, err)
		require.Len(t, hits, 1, "%+v", ev)
		hits[0].Seed.Fields["city"] = "changed"
		for _, c := range hits[0].Candidates {
			c.Fields["city"] = "changed"
		}
		for _, id := range []uuid.UUID{jessica.ID, maria.ID, seeds[4].ID} {
			got, err := reg.Get(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, "Springfield", got.Fields["city"], "the registry's seed %s is untouched", id)
		}
		again, err := m.Match(ctx, ev)
		require.NoError(t, err)
		assert.Equal(t, "Springfield", again[0].Seed.Fields["city"], "a later match sees the registry's value")
	}
}

// TestMatchFuncLendsMatchHits: MatchFunc sees the hits Match returns, and
// its callback's error comes back.
func TestMatchFuncLendsMatchHits(t *testing.T) {
	ctx := context.Background()
	m, seeds := matchFixture(t)
	for _, ev := range []canary.Event{
		{Channel: canary.ChannelEmail, To: seeds[1].Email, Subject: "ticket " + seeds[2].Ticket},
		{Channel: canary.ChannelSMS, To: seeds[3].Phone, Body: "Hi Maria, your refund is ready"},
		{Channel: canary.ChannelSMS, To: seeds[3].Phone, Body: "Hello"},
	} {
		want, err := m.Match(ctx, ev)
		require.NoError(t, err)
		require.NotEmpty(t, want)
		calls := 0
		err = m.MatchFunc(ctx, ev, func(hits []canary.Hit) error {
			calls++
			assert.Equal(t, want, hits)
			return canary.ErrNotFound
		})
		assert.ErrorIs(t, err, canary.ErrNotFound, "the callback's error")
		assert.Equal(t, 1, calls)
	}
	err := m.MatchFunc(ctx, canary.Event{Channel: canary.ChannelEmail, To: "nobody@elsewhere.example"}, func([]canary.Hit) error {
		t.Error("called for an event that touches no seed")
		return nil
	})
	assert.NoError(t, err)
	err = m.MatchFunc(ctx, canary.Event{}, func([]canary.Hit) error { return nil })
	assert.ErrorIs(t, err, canary.ErrInvalidInput, "no channel")
}

// TestMatchFullWidthQuotedAddress: full-width quotes around nothing fold to
// `""@`, which once indexed past the end of the local part; a hostile body
// holding one must cost a miss, not the receiver.
func TestMatchFullWidthQuotedAddress(t *testing.T) {
	m, seeds := matchFixture(t)
	hits, err := m.Match(context.Background(), canary.Event{Channel: canary.ChannelEmail,
		From: "\uff02\uff02@mail.example", Body: "write to \uff02\uff02@mail.example or " + seeds[1].Email})
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.Equal(t, seeds[1].ID, hits[0].Seed.ID)
}
