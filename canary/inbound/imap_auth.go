package inbound

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/emersion/go-sasl"
)

// CredentialRef names where a password or token is kept, never the value:
// an environment variable, or a file (which a token refresher may rewrite).
// Exactly one of the two is set.
type CredentialRef struct {
	Env  string `json:"env,omitempty"`  // an environment variable's name
	File string `json:"file,omitempty"` // a file holding the value; a final newline is dropped
}

// maxCredentialBytes bounds a credential file: OAuth access tokens run to a
// few KiB; a larger file is a mistake.
const maxCredentialBytes = 64 << 10

// ErrNoCredential means a mailbox's credential could not be read: the
// variable is unset or empty, or the file is missing, empty or too large.
var ErrNoCredential = errors.New("inbound: imap: credential not available")

func (r CredentialRef) check() error {
	if (r.Env == "") == (r.File == "") {
		return errors.New("credential: set exactly one of env and file")
	}
	return nil
}

// LogValue names the reference, not the value.
func (r CredentialRef) LogValue() slog.Value {
	if r.Env != "" {
		return slog.StringValue("env:" + r.Env)
	}
	return slog.StringValue("file:" + r.File)
}

// read returns the credential's current value.
func (r CredentialRef) read() (Secret, error) {
	if r.Env != "" {
		v := os.Getenv(r.Env)
		if v == "" {
			return "", fmt.Errorf("%w: environment variable %s is empty or unset", ErrNoCredential, r.Env)
		}
		return Secret(v), nil
	}
	f, err := os.Open(r.File)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoCredential, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCredentialBytes+1))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoCredential, err)
	}
	if len(b) > maxCredentialBytes {
		return "", fmt.Errorf("%w: %s is larger than %d bytes", ErrNoCredential, r.File, maxCredentialBytes)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrNoCredential, r.File)
	}
	return Secret(v), nil
}

// xoauth2Client is the client side of SASL XOAUTH2, the mechanism Gmail and
// Microsoft 365 accept a bearer token with: one initial response, and on
// failure a JSON challenge the client must answer with an empty response
// before the server says NO.
type xoauth2Client struct {
	user  string
	token Secret
	// failure is the server's JSON challenge, kept to explain the NO.
	failure string
}

// maxXOAUTH2Failure bounds the server's error JSON kept for the log.
const maxXOAUTH2Failure = 512

var _ sasl.Client = (*xoauth2Client)(nil)

func (c *xoauth2Client) Start() (string, []byte, error) {
	if strings.ContainsAny(c.user, "\x01") || strings.ContainsAny(string(c.token), "\x01") {
		return "", nil, errors.New("inbound: imap: xoauth2: user or token holds a control character")
	}
	ir := "user=" + c.user + "\x01auth=Bearer " + string(c.token) + "\x01\x01"
	return "XOAUTH2", []byte(ir), nil
}

func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	// The only challenge is the error report; acknowledging it lets the
	// server end the exchange with its tagged NO.
	var report struct {
		Status string `json:"status"`
		Scope  string `json:"scope"`
	}
	c.failure = clipped(validUTF8(string(bytes.TrimSpace(challenge))), maxXOAUTH2Failure)
	if json.Unmarshal(challenge, &report) == nil && report.Status != "" {
		c.failure = clipped(validUTF8("status "+report.Status+", scope "+report.Scope), maxXOAUTH2Failure)
	}
	return []byte{}, nil
}
