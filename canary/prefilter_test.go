package canary

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noShape hides MemoryRegistry's Shaper: the matcher must find the same hits
// without the filter.
type noShape struct{ Registry }

func TestMatchSameWithAndWithoutShape(t *testing.T) {
	ctx := context.Background()
	reg := NewMemoryRegistry()
	s := Seed{ID: uuid.New(), Placement: "p", Name: Name{"Jessica", "Smith"}, Email: "jessica.smith@mail.example",
		Phone: "+447700900123", Ticket: "TM-10400132"}
	require.NoError(t, reg.Add(ctx, s))
	shaped, err := NewMatcher(reg)
	require.NoError(t, err)
	plain, err := NewMatcher(noShape{reg})
	require.NoError(t, err)
	for _, body := range []string{
		"JESSICA.SMITH+x@Mail.Example, 07700 900123, ticket tm 10400132? no: tm-10400132",
		"mailto:jessica.smith%40mail.example +44 (0)7700 900123",
		"jessica.smith@mail.example.org 0044 7700 900124 TM-10400133",
	} {
		a, err := shaped.Match(ctx, Event{Channel: ChannelText, Body: body})
		require.NoError(t, err)
		b, err := plain.Match(ctx, Event{Channel: ChannelText, Body: body})
		require.NoError(t, err)
		assert.Equal(t, b, a, body)
	}
	empty, err := NewMatcher(NewMemoryRegistry())
	require.NoError(t, err)
	hits, err := empty.Match(ctx, Event{Channel: ChannelText, Body: "jessica.smith@mail.example"})
	require.NoError(t, err)
	assert.Empty(t, hits)
}
