package watch

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/honeyseed/honeyseed/canary"
)

// alertIDAsBefore is the alert ID as it was first computed: IDs already
// stored, and made by other processes, must keep matching.
func alertIDAsBefore(seeds []canary.Seed, ch canary.Channel, sender string, window int64) uuid.UUID {
	ids := make([]string, len(seeds))
	for i, s := range seeds {
		ids[i] = s.ID.String()
	}
	sort.Strings(ids)
	key := strings.Join(ids, ",") + "|" + ch.String() + "|" + sender + "|" + strconv.FormatInt(window, 10)
	return uuid.NewSHA1(alertNamespace, []byte(key))
}

func TestAlertIDUnchanged(t *testing.T) {
	seed := func(s string) canary.Seed { return canary.Seed{ID: uuid.MustParse(s)} }
	a, b := seed("ffffffff-0000-5000-8000-000000000001"), seed("0a1b2c3d-4e5f-5a6b-9c7d-8e9fa0b1c2d3")
	c := seed("0a1b2c3d-4e5f-5a6b-9c7d-8e9fa0b1c2d4")
	for _, tc := range []struct {
		name   string
		seeds  []canary.Seed
		ch     canary.Channel
		sender string
		window int64
	}{
		{"one seed", []canary.Seed{a}, canary.ChannelEmail, "scam@refund-desk.example", 1764547200},
		{"seeds out of order", []canary.Seed{a, c, b}, canary.ChannelSMS, "+447700900001", 1764547200},
		{"no sender, negative window", []canary.Seed{b}, canary.ChannelCall, "", -3600},
		{"no seeds", nil, canary.ChannelText, "x", 0},
	} {
		assert.Equal(t, alertIDAsBefore(tc.seeds, tc.ch, tc.sender, tc.window), alertIDOf(tc.seeds, tc.ch, tc.sender, tc.window), tc.name)
	}
	// Many seeds, and IDs that differ only in their last bytes or their first.
	var many []canary.Seed
	for i := range 40 {
		id := uuid.New()
		switch i % 3 {
		case 0:
			id = a.ID
			id[15] = byte(255 - i)
		case 1:
			id = b.ID
			id[0] = byte(i)
		}
		many = append(many, canary.Seed{ID: id})
	}
	for n := range len(many) {
		assert.Equal(t, alertIDAsBefore(many[:n], canary.ChannelSMS, "+1", 7), alertIDOf(many[:n], canary.ChannelSMS, "+1", 7), "%d seeds", n)
	}
	// Sorting works on a copy: the alert lists seeds in the order seen.
	seeds := []canary.Seed{a, c, b}
	alertIDOf(seeds, canary.ChannelSMS, "", 0)
	assert.Equal(t, []canary.Seed{a, c, b}, seeds)
}

func alertIDOf(seeds []canary.Seed, ch canary.Channel, sender string, window int64) uuid.UUID {
	id, _ := alertID(nil, seeds, ch, []byte(sender), window)
	return id
}

// TestAppendUUID checks the in-place hex against uuid's own String, after
// other bytes, on random IDs and on all-zero and all-ones ones.
func TestAppendUUID(t *testing.T) {
	ids := []uuid.UUID{{}, uuid.Max}
	for range 1000 {
		ids = append(ids, uuid.New())
	}
	for _, id := range ids {
		assert.Equal(t, "x"+id.String(), string(appendUUID([]byte("x"), id)))
	}
}
