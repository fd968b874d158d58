package sink

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The example of the Standard Webhooks specification's reference libraries
// (libraries/go/webhook_test.go, TestWebhookSign in standard-webhooks/standard-webhooks).
func TestWebhookSignatureSpecVector(t *testing.T) {
	key, err := parseWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	require.NoError(t, err)
	keys := &webhookKeys{keys: [][]byte{key}}
	got := keys.signature("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	assert.Equal(t, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", got)
}
