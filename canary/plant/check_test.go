package plant

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

func TestCheckFindsDeletedAndEditedCanaries(t *testing.T) {
	forEachHost(t, func(t *testing.T, h *host) {
		newCustomers(t, h)
		m := customersMapping()
		seeds := testSeeds(8)
		require.NoError(t, Insert(t.Context(), h.db, m, seeds))
		edit := func(query string, args ...any) {
			t.Helper()
			_, err := h.db.Exec(h.q(query), args...)
			require.NoError(t, err)
		}

		// What an insider covering their tracks does, and what a host's own
		// software does to every row.
		edit("DELETE FROM customers WHERE email = ?", seeds[0].Email)
		edit("UPDATE customers SET email = ? WHERE email = ?", "someone.else@mail.example", seeds[1].Email)
		edit("UPDATE customers SET phone = ? WHERE email = ?", "(415) 555-0199", seeds[2].Email)
		edit("UPDATE customers SET last_name = ?, city = ? WHERE email = ?", "Doe", "Nowhere", seeds[3].Email)
		edit("UPDATE customers SET email = upper(email) WHERE email = ?", seeds[4].Email)
		edit("UPDATE customers SET phone = ? WHERE email = ?", seeds[5].Phone, seeds[5].Email)
		edit("UPDATE customers SET first_name = upper(first_name) WHERE email = ?", seeds[6].Email)
		before := snapshot(t, h, "customers")

		r, err := Check(t.Context(), h.db, m, seeds)
		require.NoError(t, err)
		assert.Equal(t, before, snapshot(t, h, "customers"), "Check only reads")
		assert.False(t, r.Clean())

		assert.Equal(t, []canary.Seed{seeds[0]}, r.Missing, "a deleted row is missing")
		assert.ElementsMatch(t, ids(seeds[4], seeds[5], seeds[6], seeds[7]), ids(r.OK...),
			"upper-cased email, the phone rewritten as E.164, a name in capitals: the host's software, not tampering")
		altered := map[string][]string{}
		for _, a := range r.Altered {
			for _, c := range a.Changes {
				altered[a.Seed.Email] = append(altered[a.Seed.Email], c.Column)
			}
		}
		assert.Equal(t, map[string][]string{
			seeds[1].Email: {"email"},
			seeds[2].Email: {"phone"},
			seeds[3].Email: {"last_name", "city"},
		}, altered, "a changed email is found by the ticket and reported, not lost")
		for _, a := range r.Altered {
			if a.Seed.ID == seeds[2].ID {
				assert.Equal(t, []Change{{Column: "phone", Want: mustFormat(t, National, seeds[2].Phone), Got: "(415) 555-0199"}}, a.Changes)
			}
		}
	})
}

func TestCheckClean(t *testing.T) {
	h := newSQLite(t)
	newCustomers(t, h)
	seeds := testSeeds(3)
	seeds[1].Phone = "" // a seed without a number
	require.NoError(t, Insert(t.Context(), h.db, customersMapping(), seeds))
	r, err := Check(t.Context(), h.db, customersMapping(), seeds)
	require.NoError(t, err)
	assert.True(t, r.Clean())
	assert.Len(t, r.OK, 3)

	m := customersMapping()
	m.Phone = "mobile"
	_, err = Check(t.Context(), h.db, m, seeds)
	assert.ErrorIs(t, err, ErrNoColumn)
}

func ids(seeds ...canary.Seed) []string {
	out := make([]string, len(seeds))
	for i, s := range seeds {
		out[i] = s.ID.String()
	}
	return out
}

func mustFormat(t *testing.T, f PhoneFormat, e164 string) string {
	t.Helper()
	s, err := f.Format(e164)
	require.NoError(t, err)
	return s
}
