package inbound

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
)

// fakeDNS answers TXT lookups from a table and counts them, in place of the
// resolver.
type fakeDNS struct {
	mu      sync.Mutex
	records map[string][]string
	lookups int
}

var errNXDomain = &net.DNSError{Err: "no such host", IsNotFound: true}

func (d *fakeDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lookups++
	if r, ok := d.records[strings.ToLower(name)]; ok {
		return r, nil
	}
	return nil, errNXDomain
}

// dkimKey is a signing key whose public half fakeDNS publishes.
type dkimKey struct {
	domain, selector string
	key              ed25519.PrivateKey
}

func newDKIMKey(t testing.TB, dns *fakeDNS, domain, selector string) dkimKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	dns.records[selector+"._domainkey."+domain] = []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}
	return dkimKey{domain, selector, priv}
}

// sign returns msg with a DKIM-Signature by k, made with go-msgauth.
func (k dkimKey) sign(t testing.TB, msg string) string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, dkim.Sign(&out, strings.NewReader(msg), &dkim.SignOptions{
		Domain: k.domain, Selector: k.selector, Signer: k.key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: []string{"From", "To", "Subject", "Message-ID"},
	}))
	return out.String()
}

func ownMessage(from string) string {
	return "From: " + from + "\r\nTo: ann.lee1@mail.example\r\nSubject: Your invoice\r\nMessage-ID: <1@acme.example>\r\n\r\nThank you for your order.\r\n"
}

func TestMailAuth(t *testing.T) {
	dns := &fakeDNS{records: map[string][]string{
		"_dmarc.acme.example":   {"v=DMARC1; p=reject"},
		"_dmarc.strict.example": {"v=DMARC1; p=reject; adkim=s"},
	}}
	acme := newDKIMKey(t, dns, "acme.example", "s1")
	scam := newDKIMKey(t, dns, "scam.example", "s1")
	strict := newDKIMKey(t, dns, "strict.example", "s1")
	newsStrict := newDKIMKey(t, dns, "news.strict.example", "s1")
	signed := acme.sign(t, ownMessage("Acme <billing@acme.example>"))

	for _, tc := range []struct {
		why     string
		msg     string
		trusted []string
		want    []canary.SenderAuth
	}{
		{why: "an own message signed by its From domain, which publishes DMARC", msg: signed,
			want: []canary.SenderAuth{{Domain: "acme.example", Method: "dmarc pass (dkim d=acme.example)"}}},
		{why: "a forged own sender, unsigned", msg: ownMessage("billing@acme.example")},
		{why: "signed, then the body changed", msg: strings.Replace(signed, "Thank you", "Pay now", 1)},
		{why: "signed, then From changed to another own address", msg: strings.Replace(signed, "billing@acme.example", "ceo@acme.example", 1)},
		{why: "a second From field added above the signed one", msg: "From: ceo@acme.example\r\n" + signed},
		{why: "two addresses in From", msg: acme.sign(t, ownMessage("billing@acme.example, x@scam.example"))},
		{why: "signed by the scammer's own domain, From claims ours", msg: scam.sign(t, ownMessage("billing@acme.example"))},
		{why: "a subdomain From, signed by the organizational domain (relaxed)", msg: acme.sign(t, ownMessage("news@mail.acme.example")),
			want: []canary.SenderAuth{{Domain: "mail.acme.example", Method: "dmarc pass (dkim d=acme.example)"}}},
		{why: "strict alignment published: the parent's signature does not cover a subdomain", msg: strict.sign(t, ownMessage("x@news.strict.example"))},
		{why: "strict alignment, the exact domain signs", msg: newsStrict.sign(t, ownMessage("x@news.strict.example")),
			want: []canary.SenderAuth{{Domain: "news.strict.example", Method: "dmarc pass (dkim d=news.strict.example)"}}},
		{why: "no DMARC record: aligned DKIM still authenticates", msg: scam.sign(t, ownMessage("x@scam.example")),
			want: []canary.SenderAuth{{Domain: "scam.example", Method: "dkim d=scam.example"}}},
		{why: "a trusted gateway's DMARC pass at the top", trusted: []string{"mx.acme.example"},
			msg:  "Authentication-Results: mx.acme.example; dmarc=pass (p=reject) header.from=acme.example\r\n" + ownMessage("billing@acme.example"),
			want: []canary.SenderAuth{{Domain: "acme.example", Method: "authres mx.acme.example: dmarc=pass"}}},
		{why: "a trusted gateway's SPF pass for an aligned MAIL FROM", trusted: []string{"mx.acme.example"},
			msg:  "Authentication-Results: MX.acme.example; spf=pass smtp.mailfrom=bounce@mail.acme.example\r\n" + ownMessage("billing@acme.example"),
			want: []canary.SenderAuth{{Domain: "acme.example", Method: "authres mx.acme.example: spf=pass smtp.mailfrom=mail.acme.example"}}},
		{why: "an untrusted authserv-id's pass", trusted: []string{"mx.acme.example"},
			msg: "Authentication-Results: mx.scam.example; dmarc=pass header.from=acme.example\r\n" + ownMessage("billing@acme.example")},
		{why: "a trusted id's pass below an untrusted field: forgeable", trusted: []string{"mx.acme.example"},
			msg: "Authentication-Results: mx.other.example; dmarc=none\r\nAuthentication-Results: mx.acme.example; dmarc=pass header.from=acme.example\r\n" + ownMessage("billing@acme.example")},
		{why: "a trusted id's DMARC pass for another domain", trusted: []string{"mx.acme.example"},
			msg: "Authentication-Results: mx.acme.example; dmarc=pass header.from=scam.example\r\n" + ownMessage("billing@acme.example")},
		{why: "a trusted id's fail", trusted: []string{"mx.acme.example"},
			msg: "Authentication-Results: mx.acme.example; dmarc=fail header.from=acme.example; dkim=fail header.d=acme.example\r\n" + ownMessage("billing@acme.example")},
		{why: "no authserv-id trusted by default",
			msg: "Authentication-Results: mx.acme.example; dmarc=pass header.from=acme.example\r\n" + ownMessage("billing@acme.example")},
	} {
		t.Run(tc.why, func(t *testing.T) {
			a, err := newMailAuth("test", MailAuth{LookupTXT: dns.LookupTXT, TrustedAuthServIDs: tc.trusted})
			require.NoError(t, err)
			got := a.verify(context.Background(), []byte(tc.msg), authFieldsOf([]byte(tc.msg)))
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestMailAuthBounds(t *testing.T) {
	dns := &fakeDNS{records: map[string][]string{}}
	acme := newDKIMKey(t, dns, "acme.example", "s1")
	msg := ownMessage("billing@acme.example")
	for range 10 {
		msg = acme.sign(t, msg)
	}
	a, err := newMailAuth("test", MailAuth{LookupTXT: dns.LookupTXT, MaxSignatures: 3})
	require.NoError(t, err)
	got := a.verify(context.Background(), []byte(msg), authFieldsOf([]byte(msg)))
	require.Len(t, got, 1, "still verified from the first signatures")
	assert.LessOrEqual(t, dns.lookups, 3+2, "three key lookups and the DMARC policy, not ten")

	failing := func(context.Context, string) ([]string, error) { return nil, errors.New("resolver down") }
	a, err = newMailAuth("test", MailAuth{LookupTXT: failing})
	require.NoError(t, err)
	assert.Empty(t, a.verify(context.Background(), []byte(msg), authFieldsOf([]byte(msg))), "a failed lookup proves nothing")

	off, err := newMailAuth("test", MailAuth{LookupTXT: dns.LookupTXT, NoDKIM: true})
	require.NoError(t, err)
	before := dns.lookups
	assert.Empty(t, off.verify(context.Background(), []byte(msg), authFieldsOf([]byte(msg))))
	assert.Equal(t, before, dns.lookups, "NoDKIM looks nothing up")

	_, err = newMailAuth("test", MailAuth{TrustedAuthServIDs: []string{"mx.example; x"}})
	assert.ErrorIs(t, err, canary.ErrInvalidConfig)
}

// FuzzMailAuth feeds arbitrary messages, with a trusted authserv-id: no
// panic, and any domain authenticated is the one From names.
func FuzzMailAuth(f *testing.F) {
	f.Add("Authentication-Results: mx.acme.example; dmarc=pass header.from=acme.example\r\nFrom: a@acme.example\r\n\r\nhi")
	f.Add("DKIM-Signature: v=1; a=ed25519-sha256; d=acme.example; s=s1; h=from; bh=x; b=y\r\nFrom: a@acme.example\r\n\r\n")
	f.Add("From: \"x\" <a@acme.example>\r\nAuthentication-Results: mx.acme.example; spf=pass smtp.mailfrom=acme.example\r\n\r\n")
	dns := &fakeDNS{records: map[string][]string{}}
	a, err := newMailAuth("fuzz", MailAuth{LookupTXT: dns.LookupTXT, TrustedAuthServIDs: []string{"mx.acme.example"}})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, msg string) {
		f := authFieldsOf([]byte(msg))
		for _, id := range a.verify(context.Background(), []byte(msg), f) {
			d, ok := fromDomain(f.from)
			require.True(t, ok)
			assert.Equal(t, d, id.Domain)
		}
	})
}

// TestProviderMailAuth posts, as Postmark does, a message whose header
// carries the provider's Authentication-Results: trusted, it authenticates
// the From domain; from another authserv-id, or not trusted, nothing.
func TestProviderMailAuth(t *testing.T) {
	body := func(authservID string) string {
		return `{"From": "billing@acme.example", "FromFull": {"Email": "billing@acme.example"},
		  "ToFull": [{"Email": "ann.lee0@mail.example"}], "Subject": "Invoice", "TextBody": "hi",
		  "Headers": [{"Name": "Authentication-Results", "Value": "` + authservID + `; dkim=pass header.d=acme.example; dmarc=pass header.from=acme.example"}]}`
	}
	for _, tc := range []struct {
		why, id string
		trusted []string
		want    []canary.SenderAuth
	}{
		{"the provider's own, trusted", "pm-inbound.example", []string{"pm-inbound.example"},
			[]canary.SenderAuth{{Domain: "acme.example", Method: "authres pm-inbound.example: dkim=pass header.d=acme.example"}}},
		{"another authserv-id", "mx.scam.example", []string{"pm-inbound.example"}, nil},
		{"none trusted", "pm-inbound.example", nil, nil},
	} {
		t.Run(tc.why, func(t *testing.T) {
			rec := &recorder{}
			h, err := NewPostmarkHandler(PostmarkConfig{Username: "pm", Password: "s3cret", Options: Options{
				Handler: rec, Auth: MailAuth{TrustedAuthServIDs: tc.trusted, LookupTXT: (&fakeDNS{}).LookupTXT},
			}})
			require.NoError(t, err)
			srv := httptest.NewServer(h)
			defer srv.Close()
			u, _ := url.Parse(srv.URL + "/postmark")
			u.User = url.UserPassword("pm", "s3cret")
			status, _ := post(t, u.String(), "application/json", body(tc.id), nil)
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, tc.want, rec.only(t).Auth)
		})
	}
}
