package inbound

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// sendGridKey is a signing key pair as a SendGrid signing policy has one:
// the private half signs in tests, the public half is what SendGrid shows.
type sendGridKey struct {
	priv   *ecdsa.PrivateKey
	public string // base64 DER SubjectPublicKeyInfo
}

func newSendGridKey(t testing.TB) sendGridKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	require.NoError(t, err)
	return sendGridKey{priv: priv, public: base64.StdEncoding.EncodeToString(der)}
}

// sign returns the signature header value of body at timestamp ts.
func (k sendGridKey) sign(t testing.TB, ts, body string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(ts + body))
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, sum[:])
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(sig)
}

// otherS turns a valid signature into its second valid form, (r, n-s).
func otherS(t testing.TB, sig string) string {
	t.Helper()
	der, err := base64.StdEncoding.DecodeString(sig)
	require.NoError(t, err)
	var rs struct{ R, S *big.Int }
	_, err = asn1.Unmarshal(der, &rs)
	require.NoError(t, err)
	rs.S = new(big.Int).Sub(elliptic.P256().Params().N, rs.S)
	out, err := asn1.Marshal(rs)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(out)
}

func TestSendGridSignedHandler(t *testing.T) {
	key := newSendGridKey(t)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	clock := newClock(now)
	rec := &recorder{}
	h, err := NewSendGridHandler(SendGridConfig{PublicKey: key.public, Options: Options{Handler: rec, Now: clock.Now}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	body, ctype := formBody(t, sendGridParsed)
	ts := strconv.FormatInt(now.Unix(), 10)
	good := key.sign(t, ts, body)
	headers := func(sig, ts string) http.Header {
		h := http.Header{}
		if sig != "" {
			h.Set(SendGridSignatureHeader, sig)
		}
		if ts != "" {
			h.Set(SendGridTimestampHeader, ts)
		}
		return h
	}
	old := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)

	for _, tc := range []struct {
		name   string
		body   string
		header http.Header
		want   int
		why    string
	}{
		{"tampered body", body[:len(body)-3] + "xx\n", headers(good, ts), http.StatusForbidden, "the signature covers the body"},
		{"other timestamp", body, headers(good, strconv.FormatInt(now.Unix()+1, 10)), http.StatusForbidden, "and the timestamp"},
		{"other key", body, headers(newSendGridKey(t).sign(t, ts, body), ts), http.StatusForbidden, "signed by someone else"},
		{"unsigned", body, headers("", ""), http.StatusForbidden, "a signing policy refuses unsigned posts"},
		{"no timestamp", body, headers(good, ""), http.StatusForbidden, "both headers are needed"},
		{"not base64", body, headers("%%%", ts), http.StatusForbidden, "a malformed signature"},
		{"oversized signature", body, headers(base64.StdEncoding.EncodeToString(make([]byte, 300)), ts), http.StatusForbidden, "bounded"},
		{"stale", body, headers(key.sign(t, old, body), old), http.StatusForbidden, "validly signed, but outside the replay window"},
		{"valid", body, headers(good, ts), http.StatusOK, "signed by the policy's key, now"},
		{"replayed", body, headers(good, ts), http.StatusForbidden, "accepted once"},
		{"replayed, other form of s", body, headers(otherS(t, good), ts), http.StatusForbidden, "a malleated signature is the same post"},
		{"replayed, signed again", body, headers(key.sign(t, ts, body), ts), http.StatusForbidden, "a fresh signature over the same timestamp and body is the same post"},
	} {
		status, _ := post(t, srv.URL+"/sendgrid", ctype, tc.body, tc.header)
		assert.Equal(t, tc.want, status, "%s: %s", tc.name, tc.why)
	}
	evs := rec.take()
	require.Len(t, evs, 1, "only the valid post became an event")
	assert.Equal(t, "ann.lee0@mail.example", evs[0].To)

	// SendGrid's retry of a post is signed anew with a new timestamp.
	clock.set(now.Add(time.Minute))
	ts2 := strconv.FormatInt(now.Add(time.Minute).Unix(), 10)
	status, _ := post(t, srv.URL+"/sendgrid", ctype, body, headers(key.sign(t, ts2, body), ts2))
	assert.Equal(t, http.StatusOK, status, "a retry carries a new timestamp")
}

func TestSendGridSignedWithToken(t *testing.T) {
	key := newSendGridKey(t)
	rec := &recorder{}
	h, err := NewSendGridHandler(SendGridConfig{PublicKey: key.public, Token: "tok-123", Options: Options{Handler: rec}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	body, ctype := formBody(t, sendGridParsed)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	hdr := http.Header{SendGridSignatureHeader: {key.sign(t, ts, body)}, SendGridTimestampHeader: {ts}}
	status, _ := post(t, srv.URL+"/sendgrid", ctype, body, hdr)
	assert.Equal(t, http.StatusForbidden, status, "signed, but without the URL token")
	status, _ = post(t, srv.URL+"/sendgrid/tok-123", ctype, body, hdr)
	assert.Equal(t, http.StatusOK, status, "signed and with the token")
}

func TestParseSendGridPublicKey(t *testing.T) {
	key := newSendGridKey(t)
	der, err := base64.StdEncoding.DecodeString(key.public)
	require.NoError(t, err)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	rsaDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	p384DER, err := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	require.NoError(t, err)
	for _, tc := range []struct {
		in  string
		ok  bool
		why string
	}{
		{key.public, true, "base64 DER, as SendGrid shows it"},
		{"  " + key.public + "\n", true, "surrounding space from a copy and paste"},
		{string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), true, "the same in PEM"},
		{string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), false, "another PEM block"},
		{"not base64!", false, "not base64"},
		{base64.StdEncoding.EncodeToString([]byte("junk")), false, "not DER"},
		{base64.StdEncoding.EncodeToString(rsaDER), false, "an RSA key"},
		{base64.StdEncoding.EncodeToString(p384DER), false, "another curve"},
	} {
		k, err := ParseSendGridPublicKey(tc.in)
		if tc.ok {
			assert.NoError(t, err, tc.why)
			assert.True(t, k.Equal(&key.priv.PublicKey), tc.why)
		} else {
			assert.Error(t, err, tc.why)
		}
	}
	_, err = NewSendGridHandler(SendGridConfig{PublicKey: "junk", Options: Options{Handler: &recorder{}}})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig)
}

// FuzzVerifySendGrid: whatever the headers and body, verification answers
// without panicking, and never accepts what the key did not sign.
func FuzzVerifySendGrid(f *testing.F) {
	key := newSendGridKey(f)
	f.Add(key.sign(f, "1700000000", "body"), "1700000000", []byte("body"))
	f.Add("MEUCIQ==", "x", []byte{})
	f.Add("", "", []byte("body"))
	pub := &key.priv.PublicKey
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/sendgrid", nil)
		r.Header.Set(SendGridSignatureHeader, sig)
		r.Header.Set(SendGridTimestampHeader, ts)
		if verifySendGrid(pub, r, body) == nil && !(ts == "1700000000" && string(body) == "body") {
			t.Fatalf("accepted a signature over %q %q", ts, body)
		}
	})
}
