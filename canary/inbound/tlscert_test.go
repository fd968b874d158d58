package inbound

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCA is a certificate authority made for one test, which issues server
// certificates for loopback.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
	pool *x509.CertPool
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "honeyseed test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pool: pool}
}

// issue writes a server certificate for localhost and 127.0.0.1 with the
// given serial to certFile and keyFile.
func (ca *testCA) issue(t testing.TB, serial int64, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(12 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
}

// certFiles issues a first certificate (serial 100) into a temporary
// directory and returns the CA, the file names and a reloader.
func certFiles(t testing.TB) (*testCA, string, string, *CertReloader) {
	t.Helper()
	ca := newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.issue(t, 100, certFile, keyFile)
	cr, err := NewCertReloader(certFile, keyFile)
	require.NoError(t, err)
	return ca, certFile, keyFile, cr
}

func TestCertReloaderErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := NewCertReloader(filepath.Join(dir, "missing.pem"), filepath.Join(dir, "missing.key"))
	assert.ErrorIs(t, err, ErrNoCertificate)
	assert.True(t, strings.HasPrefix(err.Error(), "inbound: "), err.Error())

	_, certFile, _, cr := certFiles(t)
	require.NoError(t, os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\nhalf written"), 0o600))
	assert.ErrorIs(t, cr.Reload(), ErrNoCertificate, "a broken renewal is reported")
	got, err := cr.GetCertificate(nil)
	require.NoError(t, err)
	assert.Equal(t, int64(100), got.Leaf.SerialNumber.Int64(), "and the pair served so far stays")
	assert.False(t, cr.NotAfter().IsZero())
}

// TestSMTPStartTLSCertFiles runs a real STARTTLS session on loopback with a
// certificate from files, issued by a test CA that the client trusts, then
// renews the certificate and reloads it: the next session sees the new one.
func TestSMTPStartTLSCertFiles(t *testing.T) {
	reg, list := seeds(t, 1)
	rec := &recorder{}
	ca, certFile, keyFile, cr := certFiles(t)
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec, TLSConfig: cr.TLSConfig()})

	session := func() *x509.Certificate {
		c := dial(t, addr)
		ok, _ := c.Extension("STARTTLS")
		require.True(t, ok, "STARTTLS is offered")
		require.NoError(t, c.StartTLS(&tls.Config{ServerName: "localhost", RootCAs: ca.pool}))
		state, ok := c.TLSConnectionState()
		require.True(t, ok)
		require.NoError(t, deliver(t, c, "help@scam.example", []string{list[0].Email},
			"From: help@scam.example\r\nTo: "+list[0].Email+"\r\nSubject: Refund\r\n\r\nCall us.\r\n"))
		require.NoError(t, c.Quit())
		return state.PeerCertificates[0]
	}
	assert.Equal(t, int64(100), session().SerialNumber.Int64())
	ca.issue(t, 101, certFile, keyFile)
	require.NoError(t, cr.Reload())
	assert.Equal(t, int64(101), session().SerialNumber.Int64(), "the renewed certificate after Reload")
	evs := rec.take()
	require.Len(t, evs, 2)
	assert.Equal(t, "Refund", evs[1].Subject)

	// A client that trusts another CA refuses the handshake.
	c, err := smtp.Dial(addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Hello("client.example"))
	assert.Error(t, c.StartTLS(&tls.Config{ServerName: "localhost", RootCAs: newTestCA(t).pool}))
}

// TestSMTPStartTLSSwaks sends with swaks, a mail client nobody here wrote,
// requiring STARTTLS and verifying the server's certificate against the
// test CA.
func TestSMTPStartTLSSwaks(t *testing.T) {
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		t.Skip("swaks not installed; run: apt-get install -y swaks")
	}
	reg, list := seeds(t, 1)
	rec := &recorder{}
	ca, _, _, cr := certFiles(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, ca.pem, 0o600))
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec, TLSConfig: cr.TLSConfig()})
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)

	out, err := exec.Command(swaks, "--server", host, "--port", port, "--tls", "--tls-verify",
		"--tls-ca-path", caFile, "--tls-sni", "localhost",
		"--ehlo", "client.example", "--from", "help@scam.example", "--to", list[0].Email,
		"--header", "Subject: Refund by swaks", "--body", "Call us today.").CombinedOutput()
	require.NoError(t, err, "swaks: %s", out)
	assert.Contains(t, string(out), "STARTTLS")
	ev := rec.only(t)
	assert.Equal(t, "Refund by swaks", ev.Subject)
	assert.Equal(t, []string{list[0].Email}, ev.Envelope)

	// Verifying against another CA, swaks gives up before sending.
	other := filepath.Join(t.TempDir(), "other.pem")
	require.NoError(t, os.WriteFile(other, newTestCA(t).pem, 0o600))
	out, err = exec.Command(swaks, "--server", host, "--port", port, "--tls", "--tls-verify",
		"--tls-ca-path", other, "--tls-sni", "localhost",
		"--from", "help@scam.example", "--to", list[0].Email).CombinedOutput()
	assert.Error(t, err, "swaks: %s", out)
	assert.Len(t, rec.all(), 1, "nothing was delivered without a verified certificate")
}

// TestHTTPSCertFiles serves a Twilio handler over real HTTPS from
// certificate files: the handler, seeing TLS, checks the signature against
// the https URL; a reload swaps the certificate for new connections.
func TestHTTPSCertFiles(t *testing.T) {
	rec := &recorder{}
	h, err := NewTwilioSMSHandler(TwilioConfig{AuthToken: "tok", Options: Options{Handler: rec}})
	require.NoError(t, err)
	ca, certFile, keyFile, cr := certFiles(t)
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = cr.TLSConfig()
	srv.StartTLS()
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: ca.pool, ServerName: "localhost"},
		DisableKeepAlives: true, // every request a new handshake
	}}
	require.True(t, strings.HasPrefix(srv.URL, "https://"))

	sent := 0
	send := func() (int, *x509.Certificate) {
		sent++ // a new SID each time: a repeated one is a replay
		form := url.Values{"MessageSid": {fmt.Sprintf("SM%d", sent)}, "From": {"+447700900123"}, "To": {"+12015550101"}, "Body": {"hi"}}
		u := srv.URL + "/twilio/sms"
		req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", formType)
		req.Header.Set("X-Twilio-Signature", twilioSign("tok", u, form))
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode, resp.TLS.PeerCertificates[0]
	}
	status, cert := send()
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, int64(100), cert.SerialNumber.Int64())

	ca.issue(t, 101, certFile, keyFile)
	status, cert = send()
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, int64(100), cert.SerialNumber.Int64(), "new files take effect only on Reload")
	require.NoError(t, cr.Reload())
	status, cert = send()
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, int64(101), cert.SerialNumber.Int64(), "the renewed certificate")
	assert.Len(t, rec.take(), 3)
}
