package plant

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

func TestCheckDomains(t *testing.T) {
	host := Shape{Domains: DomainProfile{SmallRepeats: []int{80, 15, 4, 1}}} // 95% of small domains hold 2 or fewer
	cases := []struct {
		seeds, domains int
		want           bool
		reason         string
	}{
		{30, 15, true, "30 seeds, 2 a domain: 15 domains"},
		{30, 14, false, "one short"},
		{1, 1, true, "one seed, one domain"},
		{0, 0, true, "no seeds"},
	}
	for _, c := range cases {
		cfg := canary.Config{EmailDomains: make([]string, c.domains)}
		err := host.CheckDomains(cfg, c.seeds)
		if c.want {
			assert.NoError(t, err, c.reason)
			continue
		}
		require.ErrorIs(t, err, ErrTooFewDomains, c.reason)
		var de *DomainShortageError
		require.True(t, errors.As(err, &de))
		assert.Equal(t, DomainShortageError{Seeds: 30, Need: 15, Have: 14, PerDomain: 2}, *de)
		assert.Equal(t, "plant: 30 seeds need at least 15 owned domains or mailboxes for this table (its small domains hold at most 2 addresses each); the config has 14", err.Error())
	}
	assert.Equal(t, 30, Shape{}.DomainsNeeded(30), "a host without small domains: one seed a domain")
}

func TestMaxPerSmallDomain(t *testing.T) {
	cases := []struct {
		repeats []int
		want    int
		reason  string
	}{
		{nil, 1, "no small domains"},
		{[]int{10}, 1, "each used once"},
		{[]int{90, 5, 5}, 2, "95% reached at two"},
		{[]int{50, 0, 50}, 3, "half at three"},
		{[]int{0, 0, 0, 1}, 4, "the last bucket counts the rest"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, DomainProfile{SmallRepeats: c.repeats}.MaxPerSmallDomain(), c.reason)
	}
}

func TestBlendFollowsTheHost(t *testing.T) {
	s := Shape{
		Columns:   []ColumnProfile{{Name: "phone", Role: "phone", Rows: 100, Nulls: 30}},
		Messiness: Messiness{AllCaps: 0.1, LowerCase: 0.05, CapitalEmail: 0.2},
	}
	seeds := testSeeds(1000)
	out, err := s.Blend(seeds, [32]byte{5})
	require.NoError(t, err)
	phones, caps, lower, capMail := 0, 0, 0, 0
	for i, sd := range out {
		if sd.Phone != "" {
			phones++
			assert.Equal(t, seeds[i].Phone, sd.Phone, "a phone is kept or dropped, never changed")
		}
		n := sd.Name.String()
		switch {
		case n == strings.ToUpper(n):
			caps++
		case n == strings.ToLower(n):
			lower++
		}
		if sd.Email != seeds[i].Email {
			capMail++
			assert.True(t, strings.EqualFold(sd.Email, seeds[i].Email), "only the case changes")
			a, err := canary.NormalizeEmail(sd.Email)
			require.NoError(t, err)
			b, err := canary.NormalizeEmail(seeds[i].Email)
			require.NoError(t, err)
			assert.Equal(t, b, a, "the seed matches as before")
		}
		assert.Equal(t, canary.NormalizeName(seeds[i].Name.String()), canary.NormalizeName(n), "names match as before")
	}
	assert.Equal(t, 700, phones, "exactly the host's 70% keep a phone")
	assert.InDelta(t, 100, caps, 30)
	assert.InDelta(t, 50, lower, 25)
	assert.InDelta(t, 200, capMail, 40)

	plain, err := Shape{}.Blend(seeds[:3], [32]byte{1})
	require.NoError(t, err)
	assert.Equal(t, seeds[:3], plain, "an unlearned shape changes nothing")
}

func TestCapitalizeLocal(t *testing.T) {
	cases := []struct{ in, want, reason string }{
		{"john.smith@mail.example", "John.Smith@mail.example", "each word"},
		{"jsmith87@mail.example", "Jsmith87@mail.example", "one word"},
		{"maría_lópez@mail.example", "María_López@mail.example", "accents kept, ASCII capitals only"},
		{"@x", "@x", "no local part"},
		{"nodomain", "nodomain", "not an address"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, capitalizeLocal(c.in), c.reason)
	}
}

func TestApplySetsPhonesAndHouseholds(t *testing.T) {
	cases := []struct {
		shape         Shape
		cfg           canary.Config
		wantPhoneless float64
		wantHouse     bool
		reason        string
	}{
		{Shape{Columns: []ColumnProfile{{Role: "phone", Rows: 10, Nulls: 3}}, Sharing: PhoneSharing{Shared: 4, Households: 3}},
			canary.Config{}, 0.3, true, "30% without a phone; three of four shared numbers are households"},
		{Shape{Columns: []ColumnProfile{{Role: "phone", Rows: 10, Nulls: 3}}, Sharing: PhoneSharing{Shared: 4, Households: 1}},
			canary.Config{Phoneless: 0.5}, 0.5, false, "the config's own share stays; shared numbers across families"},
		{Shape{}, canary.Config{}, 0, false, "nothing learned, nothing changed"},
	}
	for _, c := range cases {
		got := c.shape.Apply(c.cfg)
		assert.InDelta(t, c.wantPhoneless, got.Phoneless, 1e-9, c.reason)
		assert.Equal(t, c.wantHouse, got.Households, c.reason)
	}
}
