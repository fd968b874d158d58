package norm

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAppendEmailQuotedEmptyLocal: full-width quotes fold to `""`, a quoted
// local part with nothing in it, which is refused, not indexed past its end.
func TestAppendEmailQuotedEmptyLocal(t *testing.T) {
	for _, s := range []string{"\uff02\uff02@x.example", "a \uff02\uff02@x.example"} {
		got, reason := AppendEmail([]byte("kept"), s)
		assert.Equal(t, "kept", string(got), "%q: dst as given", s)
		assert.NotEmpty(t, reason, "%q", s)
	}
	got, reason := AppendEmail(nil, "\uff02ann\uff02@x.example")
	assert.Empty(t, reason)
	assert.Equal(t, "ann@x.example", string(got), "a quoted local part loses its quotes")
}
