package inbound

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/watch"
)

type sinkRecorder struct {
	mu     sync.Mutex
	alerts []canary.Alert
}

func (s *sinkRecorder) Send(_ context.Context, a canary.Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.alerts = append(s.alerts, a)
	return nil
}

func (s *sinkRecorder) all() []canary.Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]canary.Alert(nil), s.alerts...)
}

// TestSMTPOwnMailSuppressedOnlyWhenAuthenticated sends real mail through
// the SMTP receiver into a Watcher whose own domain is acme.example: a
// forged own sender, in the header and in the envelope, pages; an own
// message signed with DKIM (go-msgauth, key published through an injected
// lookup) is suppressed, recorded, and reaches only the sink that asked for
// suppressed alerts; an Authentication-Results from an authserv-id that is
// not trusted suppresses nothing.
func TestSMTPOwnMailSuppressedOnlyWhenAuthenticated(t *testing.T) {
	reg, list := seeds(t, 3)
	m, err := canary.NewMatcher(reg)
	require.NoError(t, err)
	pager, audit := &sinkRecorder{}, &sinkRecorder{}
	out := watch.NewMemoryOutbox()
	w, err := watch.New(watch.Config{
		Matcher: m, Outbox: out,
		Sinks:           map[string]canary.Sink{"pager": pager, "audit": audit},
		SuppressedSinks: []string{"audit"},
		OwnDomains:      []string{"acme.example"},
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	defer w.Close()

	dns := &fakeDNS{records: map[string][]string{"_dmarc.acme.example": {"v=DMARC1; p=reject"}}}
	acme := newDKIMKey(t, dns, "acme.example", "mail")
	addr, _ := startSMTP(t, SMTPConfig{Registry: reg, Handler: w, Auth: MailAuth{
		LookupTXT: dns.LookupTXT, TrustedAuthServIDs: []string{"gw.acme.example"},
	}})

	msg := func(to string) string {
		return "From: Acme Support <support@acme.example>\r\nTo: " + to + "\r\nSubject: Your account\r\nMessage-ID: <" + to + ">\r\n\r\nPlease confirm your card number.\r\n"
	}
	forged := msg(list[0].Email)
	ownSigned := acme.sign(t, msg(list[1].Email))
	untrustedAR := "Authentication-Results: mx.scam.example; dkim=pass header.d=acme.example; dmarc=pass header.from=acme.example\r\n" + msg(list[2].Email)

	c := dial(t, addr)
	require.NoError(t, deliver(t, c, "support@acme.example", []string{list[0].Email}, forged))
	require.NoError(t, deliver(t, c, "bounce@acme.example", []string{list[1].Email}, ownSigned))
	require.NoError(t, deliver(t, c, "support@acme.example", []string{list[2].Email}, untrustedAR))
	require.NoError(t, c.Quit())
	w.Flush(context.Background())

	bySeed := map[string]canary.Alert{}
	for a, err := range out.Alerts(context.Background()) {
		require.NoError(t, err)
		bySeed[a.Seeds[0].Email] = a
	}
	require.Len(t, bySeed, 3, "every message recorded")
	assert.False(t, bySeed[list[0].Email].Suppressed, "a forged own sender (header and envelope) pages")
	assert.False(t, bySeed[list[2].Email].Suppressed, "an untrusted Authentication-Results proves nothing")
	own := bySeed[list[1].Email]
	assert.True(t, own.Suppressed, "the DKIM-signed own message is suppressed")
	assert.Equal(t, "authenticated own domain acme.example (dmarc pass (dkim d=acme.example))", own.SuppressedBy)

	var paged []string
	for _, a := range pager.all() {
		paged = append(paged, a.Seeds[0].Email)
	}
	assert.ElementsMatch(t, []string{list[0].Email, list[2].Email}, paged)
	var audited int
	for _, a := range audit.all() {
		if a.Suppressed {
			audited++
			assert.Equal(t, own.ID, a.ID)
		}
	}
	assert.Equal(t, 1, audited, "the audit sink gets the suppressed alert, marked")
	assert.Len(t, audit.all(), 3)
}
