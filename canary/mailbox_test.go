package canary

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/internal/norm"
)

// Gmail refuses underscores in its addresses, so no stranger holds these:
// they stand for mailboxes the operator created.
var ownedMailboxes = []string{"m_kelly_1987@gmail.com", "Sarah_Connor@gmail.com", "blue_sky_77@gmail.com"}

func TestGenerateUsesOnlyListedMailboxes(t *testing.T) {
	ctx := context.Background()
	reg := NewMemoryRegistry()
	cfg := demo(21)
	cfg.Registry = reg
	cfg.Mailboxes = ownedMailboxes
	listed := map[string]bool{}
	for _, m := range ownedMailboxes {
		listed[strings.ToLower(m)] = true
	}
	used := map[string]Seed{}
	for i, placement := range []string{"a", "b", "c"} {
		g, err := NewGenerator(cfg) // a new generator each time: the registry alone remembers
		require.NoError(t, err)
		seeds, err := g.Generate(placement, 200)
		require.NoError(t, err)
		require.NoError(t, reg.Add(ctx, seeds...), "no mailbox given twice")
		for _, s := range seeds {
			domain := s.Email[strings.LastIndexByte(s.Email, '@')+1:]
			if slices.Contains(publicMailboxDomains, domain) {
				require.True(t, listed[s.Email], "%s: a public-provider address not listed as owned", s.Email)
			} else {
				require.Contains(t, cfg.EmailDomains, domain)
			}
			if listed[s.Email] {
				_, again := used[s.Email]
				require.False(t, again, "%s given to two seeds", s.Email)
				used[s.Email] = s
			}
		}
		if i == 0 {
			assert.Len(t, used, len(ownedMailboxes), "the first call takes every free mailbox")
		}
	}
	kelly := used["m_kelly_1987@gmail.com"]
	assert.Equal(t, "Kelly", kelly.Name.Family, "the local part names the family")
	assert.True(t, strings.HasPrefix(kelly.Name.Given, "M"), "and the initial: %q", kelly.Name.Given)
	assert.Equal(t, Name{Given: "Sarah", Family: "Connor"}, used["sarah_connor@gmail.com"].Name)
	assert.NotEmpty(t, used["blue_sky_77@gmail.com"].Name.Given, "a handle gets any name")
}

func TestGeneratorNeverInventsPublicAddresses(t *testing.T) {
	for _, seed := range []byte{1, 2, 3} {
		cfg := demo(seed)
		cfg.EmailDomains = nil
		cfg.Mailboxes = ownedMailboxes
		g, err := NewGenerator(cfg)
		require.NoError(t, err, "mailboxes alone are enough")
		seeds, err := g.Generate("a", len(ownedMailboxes))
		require.NoError(t, err)
		var got []string
		for _, s := range seeds {
			got = append(got, s.Email)
		}
		want := []string{"blue_sky_77@gmail.com", "m_kelly_1987@gmail.com", "sarah_connor@gmail.com"}
		slices.Sort(got)
		assert.Equal(t, want, got, "exactly the listed mailboxes, each once")

		_, err = g.Generate("a", 1)
		var ce *CapacityError
		require.ErrorAs(t, err, &ce, "no mailbox left and no domain: nothing is made up")
		assert.ErrorIs(t, err, ErrPoolExhausted)
		assert.Equal(t, CapacityError{Seeds: 1, Need: 1, Resource: "mailboxes", Free: 0, Where: "Mailboxes (3, no EmailDomains)"}, *ce)
	}
	cfg := demo(1)
	cfg.EmailDomains = []string{"gmail.com"}
	_, err := NewGenerator(cfg)
	assert.ErrorIs(t, err, ErrInvalidConfig, "a public provider as a domain is still refused")
}

func TestMailboxConfigRejects(t *testing.T) {
	cases := []struct {
		mailboxes []string
		why       string
	}{
		{[]string{"not an address"}, "not an email address"},
		{[]string{"sarah_connor@gmail.com", "Sarah_Connor@GMAIL.com"}, "the same mailbox twice, by case"},
		{[]string{"s.connor@mail.example", "sconnor@mail.example"}, "the same mailbox twice, by dots"},
	}
	for _, c := range cases {
		cfg := demo(1)
		cfg.Mailboxes = c.mailboxes
		_, err := NewGenerator(cfg)
		assert.ErrorIs(t, err, ErrInvalidConfig, c.why)
		assert.ErrorContains(t, err, "Mailboxes[", c.why)
	}
}

func TestCapacityCheckedBeforeWork(t *testing.T) {
	cfg := demo(7)
	cfg.TicketMin, cfg.TicketMax = 10_400_000, 10_400_099
	g, err := NewGenerator(cfg)
	require.NoError(t, err)
	_, err = g.Generate("a", 101)
	assert.EqualError(t, err, "canary: 101 seeds need 101 ticket numbers; the range TM-10400000..TM-10400099 has 100 free")
	assert.Empty(t, g.emails, "the refusal came before any draw")

	// Registered tickets in the range count against it.
	reg := NewMemoryRegistry()
	cfg.Registry = reg
	g, err = NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("a", 60)
	require.NoError(t, err)
	require.NoError(t, reg.Add(context.Background(), seeds...))
	g, err = NewGenerator(cfg)
	require.NoError(t, err)
	_, err = g.Generate("b", 41)
	var ce *CapacityError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, uint64(40), ce.Free)
	_, err = g.Generate("b", 40)
	assert.NoError(t, err, "exactly what is left fits")
}

func TestRetiredNumbersReturnAfterQuarantine(t *testing.T) {
	ctx := context.Background()
	reg := NewMemoryRegistry()
	now := testNow
	cfg := demo(8)
	cfg.Registry = reg
	cfg.PhonePool = FictionalPhones("US", 1)
	cfg.Now = func() time.Time { return now }
	g, err := NewGenerator(cfg)
	require.NoError(t, err)
	old, err := g.Generate("a", 2)
	require.NoError(t, err)
	require.NoError(t, reg.Add(ctx, old...))

	tryB := func(c Config) error {
		g, err := NewGenerator(c)
		require.NoError(t, err)
		_, err = g.Generate("b", 1)
		return err
	}
	var ce *CapacityError
	require.ErrorAs(t, tryB(cfg), &ce, "the only number is a's")
	assert.Equal(t, "phone numbers", ce.Resource)

	retired := now
	for _, s := range old {
		require.NoError(t, reg.Retire(ctx, s.ID, retired))
	}
	now = retired.Add(DefaultPhoneQuarantine - time.Hour)
	assert.ErrorAs(t, tryB(cfg), &ce, "still in quarantine")

	now = retired.Add(DefaultPhoneQuarantine + time.Hour)
	never := cfg
	never.PhoneQuarantine = -1
	assert.ErrorAs(t, tryB(never), &ce, "a negative quarantine never frees a number")
	g, err = NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("b", 1)
	require.NoError(t, err, "past the quarantine the number serves b")
	assert.Equal(t, old[0].Phone, seeds[0].Phone)

	// One active seed keeps the number with its placement.
	s := old[0]
	s.ID, s.Email, s.Ticket, s.ExpiresAt = uuid.New(), "still.here@mail.example", "", time.Time{}
	require.NoError(t, reg.Add(ctx, s))
	assert.True(t, errors.As(tryB(cfg), &ce), "an active seed holds the number")
}

func TestMailboxKeysIgnoreDots(t *testing.T) {
	// A mailbox registered by a seed is used, whatever dots the config writes.
	ctx := context.Background()
	reg := NewMemoryRegistry()
	cfg := demo(9)
	cfg.Registry = reg
	cfg.Mailboxes = []string{"sarah.connor@mail.example"}
	g, err := NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err := g.Generate("a", 1)
	require.NoError(t, err)
	require.NoError(t, reg.Add(ctx, seeds...))
	cfg.Mailboxes = []string{"sarahconnor@mail.example"}
	g, err = NewGenerator(cfg)
	require.NoError(t, err)
	seeds, err = g.Generate("b", 50)
	require.NoError(t, err)
	for _, s := range seeds {
		assert.NotEqual(t, norm.EmailKey("sarah.connor@mail.example"), norm.EmailKey(s.Email))
	}
}
