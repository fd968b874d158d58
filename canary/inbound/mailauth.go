package inbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"

	"github.com/honeyseed/honeyseed/canary"
)

// MailAuth says how a mail receiver authenticates a message's sender, so that
// the operator's own mail can be told from a forgery that claims an own
// address. What it proves goes into Event.Auth; nothing else does. The zero
// value verifies DKIM signatures through the system resolver and trusts no
// Authentication-Results header.
type MailAuth struct {
	// TrustedAuthServIDs are the authserv-ids (RFC 8601) of the upstream mail
	// servers whose Authentication-Results headers are believed: a gateway
	// that receives the mail first, checks DKIM, SPF and DMARC, and relays to
	// this receiver. Only the header fields at the top of the message, added
	// after it reached that gateway, count: reading stops at the first field
	// of another authserv-id, since below it anything may be the sender's
	// forgery. List an id only for a gateway that removes fields bearing its
	// id from the mail it receives, as RFC 8601 section 5 asks. Empty: none.
	TrustedAuthServIDs []string
	// LookupTXT resolves the DNS TXT records of DKIM keys and DMARC
	// policies; nil means the system resolver. Tests inject their own.
	LookupTXT func(ctx context.Context, name string) ([]string, error)
	// NoDKIM turns DKIM verification, and so its DNS lookups, off.
	NoDKIM bool
	// MaxSignatures bounds the DKIM signatures verified per message
	// (default 4); further ones are ignored.
	MaxSignatures int
	// Timeout bounds the DNS lookups for one message (default 10 s). A
	// lookup that fails or runs out authenticates nothing; the message is
	// still accepted.
	Timeout time.Duration
}

const (
	defaultMaxSignatures = 4
	defaultAuthTimeout   = 10 * time.Second
)

// mailAuth is a MailAuth ready to use.
type mailAuth struct {
	trusted       map[string]bool
	lookup        func(ctx context.Context, name string) ([]string, error)
	dkim          bool
	maxSignatures int
	timeout       time.Duration
}

func newMailAuth(name string, c MailAuth) (*mailAuth, error) {
	a := &mailAuth{
		trusted:       map[string]bool{},
		lookup:        c.LookupTXT,
		dkim:          !c.NoDKIM,
		maxSignatures: c.MaxSignatures,
		timeout:       c.Timeout,
	}
	for i, id := range c.TrustedAuthServIDs {
		id = strings.ToLower(strings.TrimSpace(id))
		if id == "" || strings.ContainsAny(id, " \t;()\"") {
			return nil, fmt.Errorf("inbound: %w: %s: MailAuth.TrustedAuthServIDs[%d] %q is not an authserv-id", canary.ErrInvalidConfig, name, i, c.TrustedAuthServIDs[i])
		}
		a.trusted[id] = true
	}
	if a.lookup == nil {
		a.lookup = net.DefaultResolver.LookupTXT
	}
	if a.maxSignatures <= 0 {
		a.maxSignatures = defaultMaxSignatures
	}
	if a.timeout <= 0 {
		a.timeout = defaultAuthTimeout
	}
	return a, nil
}

// authFields are the header fields authentication reads, in message order.
type authFields struct {
	from    []string // every From field
	results []string // every Authentication-Results field, topmost first
	dkim    bool     // a DKIM-Signature field is present
}

func authFieldsOf(raw []byte) authFields {
	var f authFields
	var n notes
	readHeader(raw, func(name, value string) {
		switch strings.ToLower(name) {
		case "from":
			f.from = append(f.from, value)
		case "authentication-results":
			f.results = append(f.results, value)
		case "dkim-signature":
			f.dkim = true
		}
	}, &n)
	return f
}

// authFieldsOfHeader reads the same from header fields a provider posted.
func authFieldsOfHeader(h map[string][]string) authFields {
	return authFields{from: h["From"], results: h["Authentication-Results"]}
}

// verify returns what can be proved about the sender of a message: raw is
// the whole message when the receiver has it (DKIM needs it), else nil and
// fields come from the posted header.
func (a *mailAuth) verify(ctx context.Context, raw []byte, f authFields) []canary.SenderAuth {
	domain, ok := fromDomain(f.from)
	if !ok {
		// No From, several, or several addresses: DMARC (RFC 7489 6.6.1)
		// cannot say whose mail it is, and neither can we.
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	var auth []canary.SenderAuth
	if method := a.trustedResults(f.results, domain); method != "" {
		auth = append(auth, canary.SenderAuth{Domain: domain, Method: method})
	}
	if a.dkim && raw != nil && f.dkim {
		if method := a.dkimAligned(ctx, raw, domain); method != "" {
			auth = append(auth, canary.SenderAuth{Domain: domain, Method: method})
		}
	}
	return auth
}

// fromDomain returns the domain of the one address of the one From field.
func fromDomain(from []string) (string, bool) {
	if len(from) != 1 {
		return "", false
	}
	list, err := mail.ParseAddressList(from[0])
	if err != nil || len(list) != 1 {
		return "", false
	}
	at := strings.LastIndexByte(list[0].Address, '@')
	if at < 0 {
		return "", false
	}
	d := strings.ToLower(strings.TrimSuffix(list[0].Address[at+1:], "."))
	return d, d != ""
}

// dkimAligned verifies the DKIM signatures of raw and returns how the From
// domain is authenticated by one that passes, covers From and is aligned
// with the From domain (the DMARC policy's adkim mode, relaxed by default),
// or "".
func (a *mailAuth) dkimAligned(ctx context.Context, raw []byte, domain string) string {
	lookup := func(name string) ([]string, error) { return a.lookup(ctx, name) }
	verifications, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT:        lookup,
		MaxVerifications: a.maxSignatures,
	})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		return ""
	}
	var passing []string
	for _, v := range verifications {
		if v.Err == nil && signsFrom(v.HeaderKeys) {
			passing = append(passing, strings.ToLower(strings.TrimSuffix(v.Domain, ".")))
		}
	}
	if len(passing) == 0 {
		return ""
	}
	mode, policy := dmarc.AlignmentMode(dmarc.AlignmentRelaxed), false
	if rec, err := a.dmarcRecord(lookup, domain); err == nil {
		policy = true
		if rec.DKIMAlignment == dmarc.AlignmentStrict {
			mode = dmarc.AlignmentStrict
		}
	}
	for _, d := range passing {
		if aligned(d, domain, mode) {
			if policy {
				return "dmarc pass (dkim d=" + d + ")"
			}
			return "dkim d=" + d
		}
	}
	return ""
}

// dmarcRecord finds the DMARC policy of domain, or of its organizational
// domain (RFC 7489 6.6.3).
func (a *mailAuth) dmarcRecord(lookup func(string) ([]string, error), domain string) (*dmarc.Record, error) {
	opts := &dmarc.LookupOptions{LookupTXT: lookup}
	rec, err := dmarc.LookupWithOptions(domain, opts)
	if err == nil {
		return rec, nil
	}
	if org := orgDomain(domain); org != domain {
		return dmarc.LookupWithOptions(org, opts)
	}
	return nil, err
}

func signsFrom(keys []string) bool {
	for _, k := range keys {
		if strings.EqualFold(strings.TrimSpace(k), "from") {
			return true
		}
	}
	return false
}

// aligned reports whether an authenticated domain d is aligned with the From
// domain: equal in strict mode, of the same organizational domain in relaxed.
func aligned(d, from string, mode dmarc.AlignmentMode) bool {
	if d == from {
		return true
	}
	return mode != dmarc.AlignmentStrict && orgDomain(d) == orgDomain(from)
}

// orgDomain is the registrable domain (one label below the public suffix).
func orgDomain(d string) string {
	if org, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return org
	}
	return d
}

// trustedResults reads the Authentication-Results fields at the top of the
// message that a trusted authserv-id added, and returns how they
// authenticate the From domain: DMARC pass for it, or a DKIM or SPF pass for
// an aligned domain (relaxed); or "".
func (a *mailAuth) trustedResults(fields []string, domain string) string {
	for _, v := range fields {
		id, results, err := authres.Parse(v)
		id = strings.ToLower(strings.TrimSpace(id))
		if err != nil || !a.trusted[id] {
			return "" // below an untrusted field, anything may be forged
		}
		for _, r := range results {
			switch r := r.(type) {
			case *authres.DMARCResult:
				if r.Value == authres.ResultPass && strings.EqualFold(strings.TrimSuffix(r.From, "."), domain) {
					return "authres " + id + ": dmarc=pass"
				}
			case *authres.DKIMResult:
				if r.Value == authres.ResultPass && r.Domain != "" && aligned(strings.ToLower(r.Domain), domain, dmarc.AlignmentRelaxed) {
					return "authres " + id + ": dkim=pass header.d=" + strings.ToLower(r.Domain)
				}
			case *authres.SPFResult:
				from := r.From
				if at := strings.LastIndexByte(from, '@'); at >= 0 {
					from = from[at+1:]
				}
				if r.Value == authres.ResultPass && from != "" && aligned(strings.ToLower(from), domain, dmarc.AlignmentRelaxed) {
					return "authres " + id + ": spf=pass smtp.mailfrom=" + strings.ToLower(from)
				}
			}
		}
	}
	return ""
}

// verifyEvent sets ev.Auth for a message a provider posted: raw is the whole
// message when the post carries it, else "" and the fields come from
// ev.Header (and From from ev.From when the post had no header for it).
func (a *mailAuth) verifyEvent(ctx context.Context, raw string, ev *canary.Event) {
	var f authFields
	if raw != "" {
		f = authFieldsOf([]byte(raw))
	} else {
		f = authFieldsOfHeader(ev.Header)
		if len(f.from) == 0 && ev.From != "" {
			f.from = []string{ev.From}
		}
	}
	var rawBytes []byte
	if raw != "" {
		rawBytes = []byte(raw)
	}
	ev.Auth = a.verify(ctx, rawBytes, f)
}
