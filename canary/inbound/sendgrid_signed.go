package inbound

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"time"
)

// SendGrid signs requests, when a security policy with signature
// verification is attached to the Inbound Parse setting (as it signs its
// Event Webhook), with ECDSA over P-256: the signature, base64 of its ASN.1
// DER form, in SendGridSignatureHeader, over the SHA-256 of the timestamp in
// SendGridTimestampHeader (Unix seconds, as sent) followed by the raw body.
// The verification key is the policy's public key: base64 of a DER
// SubjectPublicKeyInfo.
const (
	SendGridSignatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
	SendGridTimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
)

// sendGridRetention is how long an accepted signed post is remembered:
// SendGrid retries a failed post for up to three days, each time signed
// anew, so this only has to outlast the replay window.
const sendGridRetention = time.Hour

// maxSendGridSignature bounds the signature header: a P-256 ASN.1 signature
// is at most 72 bytes, 96 in base64.
const maxSendGridSignature = 256

// ParseSendGridPublicKey reads a SendGrid verification key: base64 of a DER
// SubjectPublicKeyInfo, as SendGrid shows it, or the same in a PEM "PUBLIC
// KEY" block. Only P-256 keys are accepted: SendGrid signs with nothing else.
func ParseSendGridPublicKey(s string) (*ecdsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	var der []byte
	if strings.HasPrefix(s, "-----BEGIN") {
		b, _ := pem.Decode([]byte(s))
		if b == nil || b.Type != "PUBLIC KEY" {
			return nil, errors.New("not a PEM PUBLIC KEY block")
		}
		der = b.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, errors.New("not base64")
		}
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, errors.New("not a DER public key")
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 key")
	}
	return k, nil
}

// verifySendGrid checks the signature of a signed SendGrid post.
func verifySendGrid(key *ecdsa.PublicKey, r *http.Request, body []byte) error {
	sig, ts := r.Header.Get(SendGridSignatureHeader), r.Header.Get(SendGridTimestampHeader)
	if sig == "" || ts == "" {
		return refuse(http.StatusForbidden, "no %s or %s header", SendGridSignatureHeader, SendGridTimestampHeader)
	}
	if len(sig) > maxSendGridSignature {
		return refuse(http.StatusForbidden, "signature of %d bytes", len(sig))
	}
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return refuse(http.StatusForbidden, "signature is not base64")
	}
	h := sha256.New()
	h.Write([]byte(ts))
	h.Write(body)
	if !ecdsa.VerifyASN1(key, h.Sum(nil), der) {
		return refuse(http.StatusForbidden, "signature does not match")
	}
	return nil
}

// sendGridReplayKey names a signed post for the replay check: its signed
// content, not its signature, since an ECDSA signature has a second valid
// form (s and n-s) that an attacker could send as a "new" post.
func sendGridReplayKey(ts string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(ts))
	h.Write(body)
	return base64.RawStdEncoding.EncodeToString(h.Sum(nil))
}
