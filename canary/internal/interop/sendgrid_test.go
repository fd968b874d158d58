package interop

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/inbound"
)

// TestSendGridOfficialVerifier checks honeyseed's reading of SendGrid's
// signed webhooks against SendGrid's own verifier (@sendgrid/eventwebhook):
// for signatures made here over timestamp and body with a P-256 key, valid,
// in their second valid form (r, n-s), and tampered with in each part, the
// official verifier and the Inbound Parse handler give the same verdict, and
// it is the expected one. The key is passed to both as SendGrid shows it.
func TestSendGridOfficialVerifier(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	require.NoError(t, err)
	publicKey := base64.StdEncoding.EncodeToString(der)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	sign := func(k *ecdsa.PrivateKey, ts, body string) string {
		sum := sha256.Sum256([]byte(ts + body))
		sig, err := ecdsa.SignASN1(rand.Reader, k, sum[:])
		require.NoError(t, err)
		return base64.StdEncoding.EncodeToString(sig)
	}
	highS := func(sig string) string {
		b, err := base64.StdEncoding.DecodeString(sig)
		require.NoError(t, err)
		var rs struct{ R, S *big.Int }
		_, err = asn1.Unmarshal(b, &rs)
		require.NoError(t, err)
		rs.S.Sub(elliptic.P256().Params().N, rs.S)
		b, err = asn1.Marshal(rs)
		require.NoError(t, err)
		return base64.StdEncoding.EncodeToString(b)
	}

	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	rec := &recorder{}
	h, err := inbound.NewSendGridHandler(inbound.SendGridConfig{PublicKey: publicKey, Options: inbound.Options{Handler: rec, Now: func() time.Time { return now }}})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	// Each case is its own post (its own subject), so none is a replay of another.
	type signed struct{ body, ctype, ts, sig string }
	post := func(i int) signed {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for k, v := range map[string]string{
			"from": "credit@scam.example", "to": "ann.lee0@mail.example", "subject": fmt.Sprintf("Votre dossier n°%d", i),
			"text": "Votre crédit est bloqué. Ticket TM-10000000.", "envelope": `{"to":["ann.lee0@mail.example"],"from":"credit@scam.example"}`,
		} {
			require.NoError(t, w.WriteField(k, v))
		}
		require.NoError(t, w.Close())
		ts := strconv.FormatInt(now.Unix()-int64(i), 10)
		return signed{b.String(), w.FormDataContentType(), ts, sign(priv, ts, b.String())}
	}
	cases := []struct {
		name string
		p    signed
		want bool
	}{
		{name: "valid", want: true},
		{name: "second valid form of s", want: true},
		{name: "body changed after signing", want: false},
		{name: "timestamp changed", want: false},
		{name: "signed with another key", want: false},
	}
	for i := range cases {
		p := post(i)
		switch i {
		case 1:
			p.sig = highS(p.sig)
		case 2:
			p.body = strings.Replace(p.body, "TM-10000000", "TM-10000001", 1)
		case 3:
			p.ts = strconv.FormatInt(now.Unix()-100, 10)
		case 4:
			p.sig = sign(other, p.ts, p.body)
		}
		cases[i].p = p
	}
	var ops []op
	for _, c := range cases {
		ops = append(ops, op{"op": "sendgrid-verify", "publicKey": publicKey, "payload": c.p.body, "signature": c.p.sig, "timestamp": c.p.ts})
	}
	verdicts := official(t, ops...)
	accepted := 0
	for i, c := range cases {
		theirs := boolean(t, verdicts[i])
		assert.Equal(t, c.want, theirs, "%s: SendGrid's verifier", c.name)
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/sendgrid", bytes.NewReader([]byte(c.p.body)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", c.p.ctype)
		req.Header.Set(inbound.SendGridSignatureHeader, c.p.sig)
		req.Header.Set(inbound.SendGridTimestampHeader, c.p.ts)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		ours := resp.StatusCode == http.StatusOK
		assert.Equal(t, theirs, ours, "%s: the handler agrees with SendGrid's verifier (status %d)", c.name, resp.StatusCode)
		if ours {
			accepted++
		}
	}
	assert.Len(t, rec.take(), accepted, "each accepted post is one event")
}
