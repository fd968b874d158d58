package inbound

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary/canarytest"
)

// smtplibClient is a Python program that sends one message with the standard
// library's smtplib: EHLO, STARTTLS verifying the server against a CA file,
// EHLO again, then send_message, which uses SMTPUTF8 when the server offers
// it and the message needs it. Arguments: host port cafile from to subject
// body. It prints the extensions seen before and after STARTTLS.
const smtplibClient = `
import smtplib, ssl, sys
from email.message import EmailMessage
host, port, cafile, sender, rcpt, subject, body = sys.argv[1:8]
ctx = ssl.create_default_context(cafile=cafile)
with smtplib.SMTP(host, int(port), local_hostname="client.example", timeout=20) as s:
    s.ehlo()
    print("before:", " ".join(sorted(s.esmtp_features)))
    if not s.has_extn("starttls"):
        sys.exit("no STARTTLS offered")
    s.starttls(context=ctx)
    s.ehlo()
    print("after:", " ".join(sorted(s.esmtp_features)))
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, rcpt, subject
    msg.set_content(body)
    refused = s.send_message(msg)
    if refused:
        sys.exit("refused: %r" % refused)
print("sent")
`

// TestSMTPStartTLSPythonSmtplib sends with Python's smtplib, a client
// nobody here wrote, over STARTTLS verified against the test CA: a UTF-8
// subject (RFC 2047 encoded by Python's email package) to a seed, and to a
// UTF-8 seed address over SMTPUTF8. A client trusting another CA sends nothing.
func TestSMTPStartTLSPythonSmtplib(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed; run: apt-get install -y python3")
	}
	reg, list := seeds(t, 1)
	utf8Seed := canarytest.Seed(1, "crm/eu")
	utf8Seed.Email = "rené.dupont@mail.example"
	require.NoError(t, reg.Add(context.Background(), utf8Seed))
	rec := &recorder{}
	ca, _, _, cr := certFiles(t)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, ca.pem, 0o600))
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: rec, TLSConfig: cr.TLSConfig()})
	host, port, ok := strings.Cut(addr, ":")
	require.True(t, ok, addr)
	send := func(cafile, to, subject string) (string, error) {
		out, err := exec.Command(python, "-c", smtplibClient, host, port, cafile,
			"help@scam.example", to, subject, "Call us today about ticket "+list[0].Ticket+".").CombinedOutput()
		return string(out), err
	}

	out, err := send(caFile, list[0].Email, "Rückerstattung für Sie")
	require.NoError(t, err, "smtplib: %s", out)
	assert.Contains(t, out, "before: ", out)
	assert.Contains(t, out, "starttls", "STARTTLS offered on the plain session: %s", out)
	after := out[strings.Index(out, "after:"):]
	assert.NotContains(t, after, "starttls", "not offered again inside TLS")
	assert.Contains(t, after, "smtputf8", "SMTPUTF8 advertised")
	evs := rec.take()
	require.Len(t, evs, 1)
	assert.Equal(t, "Rückerstattung für Sie", evs[0].Subject, "the encoded subject is decoded")
	assert.Equal(t, []string{list[0].Email}, evs[0].Envelope)
	assert.Contains(t, evs[0].Body, list[0].Ticket)

	out, err = send(caFile, utf8Seed.Email, "Refund")
	require.NoError(t, err, "smtplib over SMTPUTF8: %s", out)
	evs = rec.take()
	require.Len(t, evs, 1)
	assert.Equal(t, []string{utf8Seed.Email}, evs[0].Envelope, "a UTF-8 seed address arrives as sent")

	other := filepath.Join(t.TempDir(), "other.pem")
	require.NoError(t, os.WriteFile(other, newTestCA(t).pem, 0o600))
	out, err = send(other, list[0].Email, "Refund")
	assert.Error(t, err, "smtplib: %s", out)
	assert.Contains(t, out, "CERTIFICATE_VERIFY_FAILED")
	assert.Empty(t, rec.all(), "nothing was delivered without a verified certificate")
}
