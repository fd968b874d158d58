package places

import (
	"io/fs"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTablesHoldThousandsOfPlaces(t *testing.T) {
	for region, least := range map[string]int{"US": 15000, "GB": 4000, "ES": 6000} {
		assert.GreaterOrEqual(t, Count(region), least, region)
	}
	assert.Zero(t, Count("FR"), "unknown region")
}

func TestDrawFollowsPopulation(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{1}))
	counts := map[string]int{}
	const n = 50000
	for range n {
		p, ok := Draw(r, "US", "")
		require.True(t, ok)
		counts[p.Name+", "+p.Admin1]++
	}
	assert.Greater(t, counts["New York, NY"], counts["Chicago, IL"], "the largest city is drawn most")
	assert.Greater(t, counts["Chicago, IL"], counts["Boise, ID"])
	assert.Greater(t, len(counts), 3000, "the long tail of small towns is drawn too")
}

func TestDrawWithinAdmin(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{2}))
	cases := []struct{ region, admin, reason string }{
		{"US", "TX", "a state"},
		{"GB", "SCT", "a nation"},
		{"ES", "Andalucía", "an autonomous community"},
	}
	for _, c := range cases {
		for range 200 {
			p, ok := Draw(r, c.region, c.admin)
			require.True(t, ok, c.reason)
			assert.Equal(t, c.admin, p.Admin1, c.reason)
		}
	}
	_, ok := Draw(r, "US", "ZZ")
	assert.False(t, ok, "unknown admin area")
	_, ok = Draw(r, "FR", "")
	assert.False(t, ok, "unknown region")
}

func TestForNumberFitsTheArea(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{3}))
	cases := []struct {
		number, region, admin, reason string
	}{
		{"+14155550132", "US", "CA", "San Francisco's 415, a number for fiction with an area"},
		{"+12125550102", "US", "NY", "Manhattan's 212"},
		{"+13055550111", "US", "FL", "305 geocodes to Florida alone at its NPA"},
		{"+441612345678", "GB", "ENG", "Manchester's 0161"},
		{"+441312345678", "GB", "SCT", "Edinburgh's 0131"},
	}
	for _, c := range cases {
		_, code := AreaCode(c.number)
		for range 100 {
			p, ok := ForNumber(r, c.number)
			require.True(t, ok, c.reason)
			assert.Equal(t, c.region, p.Region, c.reason)
			assert.Equal(t, c.admin, p.Admin1, "%s: %s", c.reason, p.Name)
			assert.Contains(t, p.AreaCodes(), code, "%s: %s", c.reason, p.Name)
			assert.True(t, Fits(c.number, p.Region, p.Name, p.Admin1), "%s: %s", c.reason, p.Name)
		}
	}
	for _, n := range []string{"+447700900123", "+441632960123", "+34912345678", "+33123456789", "not a number"} {
		_, ok := ForNumber(r, n)
		assert.False(t, ok, "%s has no area the tables know", n)
	}
}

func TestFits(t *testing.T) {
	cases := []struct {
		number, region, name, admin string
		want                        bool
		reason                      string
	}{
		{"+14155550132", "US", "San Francisco", "CA", true, "415 serves San Francisco"},
		{"+14155550132", "US", "san francisco", "", true, "names compare ignoring case; admin optional"},
		{"+14155550132", "US", "Boston", "MA", false, "415 is not Boston's"},
		{"+16175550100", "US", "Boston", "MA", true, "617 is"},
		{"+442071234567", "GB", "London", "", true, "020 serves London"},
		{"+442071234567", "GB", "Leeds", "", false, "Leeds is 0113"},
		{"+447700900123", "GB", "London", "", false, "a mobile fits nowhere"},
		{"+14155550132", "US", "Nowhere Town", "", false, "unknown place"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Fits(c.number, c.region, c.name, c.admin), c.reason)
	}
}

func TestPostcodeShapes(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{4}))
	shapes := map[string]*regexp.Regexp{
		"US": regexp.MustCompile(`^\d{5}$`),
		"GB": regexp.MustCompile(`^[A-Z]{1,2}\d{1,2} \d[ABD-HJLNP-UW-Z]{2}$`),
		"ES": regexp.MustCompile(`^(0[1-9]|[1-4]\d|5[0-2])\d{3}$`),
	}
	for region, re := range shapes {
		missing := 0
		for range 2000 {
			p, ok := Draw(r, region, "")
			require.True(t, ok)
			pc := p.Postcode(r)
			if pc == "" {
				missing++
				continue
			}
			assert.Regexp(t, re, pc, "%s %s", region, p.Name)
		}
		assert.Less(t, missing, 20, "%s: nearly every place has a postcode", region)
	}
}

func TestPostcodeAgreesWithPlace(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{5}))
	cases := []struct {
		region, name, admin, prefix, reason string
	}{
		{"US", "Chicago", "IL", "60", "Chicago ZIP codes are 606xx"},
		{"GB", "Leeds", "", "LS", "Leeds is the LS area"},
		{"GB", "Hull", "", "HU", "Hull, renamed from GeoNames' Kingston upon Hull"},
		{"ES", "Málaga", "", "29", "province 29"},
		{"ES", "Bilbao", "", "48", "Bizkaia, 48"},
	}
	for _, c := range cases {
		p, ok := Lookup(c.region, c.name, c.admin)
		require.True(t, ok, c.reason)
		for range 20 {
			assert.True(t, strings.HasPrefix(p.Postcode(r), c.prefix), c.reason)
		}
	}
	ny, ok := Lookup("US", "New York", "NY")
	require.True(t, ok, "GeoNames' New York City is written New York")
	assert.Contains(t, ny.AreaCodes(), "212")
}

func TestCityKeepsItsContract(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{6}))
	name, pc := City(r, "GB")
	assert.NotEmpty(t, name)
	assert.NotEmpty(t, pc)
	name, pc = City(r, "FR")
	assert.Empty(t, name+pc, "unknown region")
}

func TestEmbeddedSize(t *testing.T) {
	var size int64
	require.NoError(t, fs.WalkDir(files, "data", func(path string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		if !d.IsDir() {
			info, err := d.Info()
			require.NoError(t, err)
			size += info.Size()
		}
		return nil
	}))
	assert.Less(t, size, int64(1<<20), "embedded place data stays under 1 MB")
}

func TestCompany(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{3}))
	for _, region := range []string{"US", "GB", "ES"} {
		c := Company(r, region, "Brennan")
		assert.True(t, strings.Contains(c, "Brennan"), "%s: %q carries the family name", region, c)
	}
	assert.Empty(t, Company(r, "US", ""))
}
