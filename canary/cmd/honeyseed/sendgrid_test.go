package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/inbound"
)

// eventCounter counts the events a handler passes on.
type eventCounter struct{ n atomic.Int32 }

func (c *eventCounter) HandleEvent(context.Context, canary.Event) error { c.n.Add(1); return nil }

// TestServeSendGridPublicKey: with only sendgrid_public_key set, serve
// mounts /sendgrid and takes signed posts alone.
func TestServeSendGridPublicKey(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	require.NoError(t, err)
	events := &eventCounter{}
	mux, err := webhookMux(serveConfig{SendGridPublicKey: base64.StdEncoding.EncodeToString(der)}, events, inbound.NewMemoryReplayStore(16), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	body := url.Values{"to": {"ann.lee0@mail.example"}, "from": {"credit@scam.example"}, "text": {"Call us."}}.Encode()
	send := func(signed bool) int {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/sendgrid", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if signed {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			sum := sha256.Sum256([]byte(ts + body))
			sig, err := ecdsa.SignASN1(rand.Reader, priv, sum[:])
			require.NoError(t, err)
			req.Header.Set(inbound.SendGridSignatureHeader, base64.StdEncoding.EncodeToString(sig))
			req.Header.Set(inbound.SendGridTimestampHeader, ts)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusForbidden, send(false), "unsigned")
	assert.Equal(t, http.StatusOK, send(true), "signed by the policy's key")
	assert.Equal(t, int32(1), events.n.Load())

	_, err = webhookMux(serveConfig{SendGridPublicKey: "not a key"}, events, inbound.NewMemoryReplayStore(16), slog.New(slog.DiscardHandler))
	assert.ErrorIs(t, err, canary.ErrInvalidConfig, "a bad key fails serve at start")
}
