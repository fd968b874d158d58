package stdwebhook

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The specification's reference vector (standard-webhooks, libraries/go webhook_test.go).
func TestReferenceVector(t *testing.T) {
	key, err := Key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	require.NoError(t, err)
	got := base64.StdEncoding.EncodeToString(MAC(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", []byte(`{"test": 2432232314}`)))
	assert.Equal(t, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", got)
}

func TestKey(t *testing.T) {
	tests := []struct {
		in   string
		want error
		why  string
	}{
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", nil, "prefixed, padded"},
		{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", nil, "without the prefix"},
		{"whsec_" + base64.RawStdEncoding.EncodeToString(make([]byte, 25)), nil, "unpadded"},
		{"", ErrNotBase64, "empty"},
		{"whsec_not base64!", ErrNotBase64, "not base64"},
		{"whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 16)), ErrTooShort, "16 bytes"},
	}
	for _, tt := range tests {
		_, err := Key(tt.in)
		assert.ErrorIs(t, err, tt.want, tt.why)
		if tt.want == nil {
			assert.NoError(t, err, tt.why)
		}
	}
}
