package inbound

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// ErrNoCertificate is returned, wrapped, when a certificate and key pair
// cannot be loaded.
var ErrNoCertificate = errors.New("inbound: no usable certificate")

// CertReloader serves a certificate and key loaded from PEM files and loads
// them again on Reload, so that a renewed certificate (from ACME or an
// operator) takes effect without a restart; a command-line tool calls Reload
// on SIGHUP. Handshakes read the current pair through GetCertificate, without
// a lock; connections already open keep the pair they started with. It is
// safe for concurrent use.
type CertReloader struct {
	certFile, keyFile string
	cert              atomic.Pointer[tls.Certificate]
}

// NewCertReloader loads certFile (the certificate chain, leaf first) and
// keyFile (its private key), both PEM, and returns a reloader serving them.
func NewCertReloader(certFile, keyFile string) (*CertReloader, error) {
	c := &CertReloader{certFile: certFile, keyFile: keyFile}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload loads the files again. On error the pair served so far stays in
// place, so a half-written renewal never takes the listener down; the error
// wraps ErrNoCertificate.
func (c *CertReloader) Reload() error {
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("%w: %s and %s: %v", ErrNoCertificate, c.certFile, c.keyFile, err)
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrNoCertificate, c.certFile, err)
		}
	}
	c.cert.Store(&pair)
	return nil
}

// GetCertificate returns the current pair; it is a tls.Config.GetCertificate.
func (c *CertReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.cert.Load(), nil
}

// NotAfter returns when the current certificate expires, for a health check.
func (c *CertReloader) NotAfter() time.Time {
	return c.cert.Load().Leaf.NotAfter
}

// TLSConfig returns a server configuration that serves the reloader's
// certificate, TLS 1.2 or later, for SMTPConfig.TLSConfig (STARTTLS) or an
// http.Server (HTTPS).
func (c *CertReloader) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate}
}
