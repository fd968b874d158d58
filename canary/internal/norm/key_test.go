package norm

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEmailKey(t *testing.T) {
	tests := []struct{ in, want, why string }{
		{"j.smith@mail.example", "jsmith@mail.example", "local dots dropped"},
		{"jsmith@mail.example", "jsmith@mail.example", "no dots: itself"},
		{"j.s.mith@mail.example", "jsmith@mail.example", "every local dot"},
		{"a.b", "a.b", "no @: returned as is"},
		{".a.@x.example", "a@x.example", "dots at the edges too"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, EmailKey(tt.in), tt.why)
		assert.Equal(t, tt.want, string(AppendEmailKey([]byte("prefix"), tt.in)[len("prefix"):]), "buffer path: %s", tt.why)
	}
}
