package inbound

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/honeyseed/honeyseed/canary"
)

// watch keeps mailbox i watched until Close: one session after another, with
// a growing, jittered pause after each failure.
func (w *IMAP) watch(i int) {
	mb := w.cfg.Mailboxes[i]
	log := w.cfg.Logger.With("mailbox", mb.Address, "folder", mb.Folder)
	failures := 0
	for w.ctx.Err() == nil {
		s := &imapSession{w: w, i: i, mb: mb, log: log, notify: make(chan struct{}, 1)}
		began := time.Now()
		err := s.run()
		if s.progressed || time.Since(began) > w.cfg.MaxBackoff {
			// It worked for a while: start the backoff over. A session that
			// logs in and fails at once (a handler that is down) does not
			// reset it, so the server is not hammered with logins.
			failures = 0
		}
		if w.ctx.Err() != nil {
			break
		}
		failures++
		pause := backoff(w.cfg.MinBackoff, w.cfg.MaxBackoff, failures)
		w.update(i, func(st *IMAPStatus) {
			st.Connected, st.Mode = false, ""
			st.LastError, st.LastErrorAt = clipped(validUTF8(err.Error()), maxFieldBytes), w.cfg.Now()
		})
		log.Warn("inbound: imap: connection ended; reconnecting", "err", err, "after", pause)
		t := time.NewTimer(pause)
		select {
		case <-w.ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	w.update(i, func(st *IMAPStatus) { st.Connected, st.Mode = false, "" })
}

// backoff returns the pause after the n-th failure in a row: lo doubled n-1
// times, capped at hi, then drawn from its upper half so that watchers of
// many mailboxes do not reconnect in step.
func backoff(lo, hi time.Duration, n int) time.Duration {
	d := lo
	for k := 1; k < n && d < hi; k++ {
		d *= 2
	}
	d = min(d, hi)
	half := d / 2
	return half + rand.N(half+1)
}

// imapSession is one connection to one mailbox. Its methods run on the
// mailbox's goroutine only; notify is filled by go-imap's reader.
type imapSession struct {
	w   *IMAP
	i   int
	mb  IMAPMailbox
	log *slog.Logger

	raw      net.Conn // under TLS, closed to abort a stuck exchange
	c        *imapclient.Client
	timedOut atomic.Bool
	notify   chan struct{} // a new message was announced (EXISTS)

	selected    bool // the folder was selected once in this session
	progressed  bool // a checkpoint was saved in this session
	uidValidity uint32
	lastUID     uint32
}

// run connects, logs in, selects the folder and watches it until an error or
// Close. It always returns an error; after Close it does not matter which.
func (s *imapSession) run() error {
	w := s.w
	if err := s.dial(); err != nil {
		return err
	}
	defer s.raw.Close()
	defer s.c.Close()
	stop := context.AfterFunc(w.ctx, func() { s.raw.Close() })
	defer stop()

	if err := s.login(); err != nil {
		return err
	}
	if err := s.selectFolder(); err != nil {
		return err
	}
	for {
		// An announcement that arrives from here on wakes the next wait.
		select {
		case <-s.notify:
		default:
		}
		if err := s.catchUp(); err != nil {
			return err
		}
		announced, err := s.wait()
		if err != nil {
			return err
		}
		if !announced {
			// A quiet spell: select again, which is how a folder deleted and
			// created anew (a new UIDVALIDITY) shows; nothing announces it.
			if err := s.selectFolder(); err != nil {
				return err
			}
		}
	}
}

// timed runs one exchange with the server, closing the connection if it takes
// longer than CommandTimeout: go-imap waits for an answer without a limit.
func (s *imapSession) timed(what string, fn func() error) error {
	t := time.AfterFunc(s.w.cfg.CommandTimeout, func() {
		s.timedOut.Store(true)
		s.raw.Close()
	})
	err := fn()
	t.Stop()
	switch {
	case s.w.ctx.Err() != nil:
		return fmt.Errorf("inbound: imap: %s: %w", what, canary.ErrClosed)
	case s.timedOut.Load():
		return fmt.Errorf("%w: %s: no answer within %v", ErrIMAPServer, what, s.w.cfg.CommandTimeout)
	case err != nil:
		return fmt.Errorf("%w: %s: %v", ErrIMAPServer, what, err)
	}
	s.w.update(s.i, func(st *IMAPStatus) { st.LastContact = s.w.cfg.Now() })
	return nil
}

func (s *imapSession) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{ServerName: s.mb.Host, MinVersion: tls.VersionTLS12}
	if s.mb.CAFile != "" {
		pem, err := os.ReadFile(s.mb.CAFile)
		if err != nil {
			return nil, fmt.Errorf("inbound: imap: reading CA file: %w", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("inbound: imap: CA file %s holds no PEM certificate", s.mb.CAFile)
		}
	}
	return cfg, nil
}

func (s *imapSession) dial() error {
	w := s.w
	tlsCfg, err := s.tlsConfig()
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: w.cfg.CommandTimeout}
	raw, err := d.DialContext(w.ctx, "tcp", s.mb.hostPort())
	if err != nil {
		return fmt.Errorf("inbound: imap: connecting: %w", err)
	}
	s.raw = raw
	opts := &imapclient.Options{
		TLSConfig: tlsCfg,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case s.notify <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	switch s.mb.TLS {
	case IMAPTLS:
		tc := tls.Client(raw, tlsCfg)
		err = s.timed("TLS handshake", func() error { return tc.HandshakeContext(w.ctx) })
		if err == nil {
			s.c = imapclient.New(tc, opts)
		}
	case IMAPStartTLS:
		err = s.timed("STARTTLS", func() (err error) {
			s.c, err = imapclient.NewStartTLS(raw, opts)
			return err
		})
	default:
		s.c = imapclient.New(raw, opts)
	}
	if err != nil {
		raw.Close()
		return err
	}
	return nil
}

func (s *imapSession) login() error {
	secret, err := s.mb.Credential.read()
	if err != nil {
		return err
	}
	user := s.mb.User
	var caps imap.CapSet
	if err := s.timed("greeting", func() error {
		caps = s.c.Caps()
		if caps == nil {
			return errors.New("no capabilities")
		}
		return nil
	}); err != nil {
		return err
	}
	switch {
	case s.mb.Auth == IMAPAuthXOAUTH2:
		if !caps.Has(imap.AuthCap("XOAUTH2")) {
			return fmt.Errorf("%w: server does not offer XOAUTH2", ErrIMAPServer)
		}
		x := &xoauth2Client{user: user, token: secret}
		err = s.timed("login as "+user, func() error { return s.c.Authenticate(x) })
		if err != nil && x.failure != "" {
			err = fmt.Errorf("%w (server said: %s)", err, x.failure)
		}
	case s.mb.Auth == IMAPAuthPlain && caps.Has(imap.AuthCap(sasl.Plain)):
		err = s.timed("login as "+user, func() error { return s.c.Authenticate(sasl.NewPlainClient("", user, string(secret))) })
	default:
		err = s.timed("login as "+user, func() error { return s.c.Login(user, string(secret)).Wait() })
	}
	return err
}

// selectFolder selects the folder and loads its checkpoint; a UIDVALIDITY
// other than the checkpoint's means the UIDs were renumbered, so the whole
// folder is read again (the alerts it raised before are not counted twice).
func (s *imapSession) selectFolder() error {
	w := s.w
	var data *imap.SelectData
	if err := s.timed("select "+s.mb.Folder, func() (err error) {
		data, err = s.c.Select(s.mb.Folder, nil).Wait()
		return err
	}); err != nil {
		return err
	}
	if data.UIDValidity == 0 {
		return fmt.Errorf("%w: select %s: no UIDVALIDITY", ErrIMAPServer, s.mb.Folder)
	}
	ctx, cancel := context.WithTimeout(w.ctx, w.cfg.HandleTimeout)
	defer cancel()
	validity, uid, err := w.cfg.Checkpoints.LoadIMAPCheckpoint(ctx, s.mb.key())
	if err != nil {
		return fmt.Errorf("inbound: imap: loading checkpoint: %w", err)
	}
	if s.selected && validity == data.UIDValidity {
		return nil // the same folder as before
	}
	if validity != data.UIDValidity {
		if validity != 0 {
			s.log.Warn("inbound: imap: UIDVALIDITY changed; reading the folder again", "was", validity, "now", data.UIDValidity)
		}
		uid = 0
	}
	s.uidValidity, s.lastUID, s.selected = data.UIDValidity, uid, true
	w.update(s.i, func(st *IMAPStatus) {
		st.Connected, st.UIDValidity, st.LastUID = true, data.UIDValidity, uid
	})
	s.log.Info("inbound: imap: watching", "uidvalidity", data.UIDValidity, "after_uid", uid, "idle", s.c.Caps().Has(imap.CapIdle))
	return nil
}

// pending is a message to read: its UID and the size the server announced.
type pending struct {
	uid  imap.UID
	size int64
}

// catchUp hands over every message after lastUID, oldest first, in rounds of
// FetchBatch.
func (s *imapSession) catchUp() error {
	for {
		list, err := s.list()
		if err != nil {
			return err
		}
		for _, p := range list {
			if err := s.handle(p); err != nil {
				return err
			}
		}
		if len(list) < s.w.cfg.FetchBatch {
			return nil
		}
	}
}

// list returns up to FetchBatch messages after lastUID, by UID.
func (s *imapSession) list() ([]pending, error) {
	if s.lastUID == math.MaxUint32 {
		return nil, nil
	}
	// An explicit upper bound, not "*": "n:*" names the last message even
	// when its UID is below n (RFC 9051 6.4.8).
	set := imap.UIDSet{imap.UIDRange{Start: imap.UID(s.lastUID + 1), Stop: math.MaxUint32}}
	var out []pending
	err := s.timed("list new messages", func() error {
		cmd := s.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			buf, err := msg.Collect()
			if err != nil {
				cmd.Close()
				return err
			}
			if uint32(buf.UID) > s.lastUID && len(out) < 4*s.w.cfg.FetchBatch {
				out = append(out, pending{uid: buf.UID, size: buf.RFC822Size})
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b pending) int { return int(int64(a.uid) - int64(b.uid)) })
	out = slices.CompactFunc(out, func(a, b pending) bool { return a.uid == b.uid })
	return out[:min(len(out), s.w.cfg.FetchBatch)], nil
}

// headerOnlyBytes bounds the header fetched of a message too large to read.
const headerOnlyBytes = 1 << 20

// handle reads one message, hands its event over, and advances the
// checkpoint once the event is recorded.
func (s *imapSession) handle(p pending) error {
	w := s.w
	limit := w.cfg.MaxMessageBytes
	var n notes
	section := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: limit + 1}}
	if p.size > limit {
		n.add(fmt.Sprintf("message of %d bytes larger than %d; header only", p.size, limit))
		section = &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true,
			Partial: &imap.SectionPartial{Offset: 0, Size: headerOnlyBytes}}
		s.log.Warn("inbound: imap: message too large; reading its header only", "uid", p.uid, "size", p.size, "limit", limit)
	}
	var raw []byte
	var at time.Time
	var found bool
	err := s.timed(fmt.Sprintf("fetch uid %d", p.uid), func() error {
		cmd := s.c.Fetch(imap.UIDSetNum(p.uid), &imap.FetchOptions{UID: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{section}})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch it := item.(type) {
				case imapclient.FetchItemDataInternalDate:
					at = it.Time
				case imapclient.FetchItemDataBodySection:
					if it.Literal == nil {
						continue
					}
					b, err := io.ReadAll(io.LimitReader(it.Literal, limit+1))
					if err == nil && int64(len(b)) < min(it.Literal.Size(), limit+1) {
						err = io.ErrUnexpectedEOF // the connection ended inside the literal
					}
					if err != nil {
						// Hang up rather than let go-imap discard the rest:
						// after a failed literal read its reader has moved on,
						// and a discard would read the connection beside it.
						s.raw.Close()
						return err
					}
					raw, found = b, true
				}
			}
		}
		return cmd.Close()
	})
	if err != nil {
		return err
	}
	if !found {
		// Deleted between listing and fetching, or a server that left the
		// body out: only the first may be skipped.
		var exists bool
		if err := s.timed(fmt.Sprintf("check uid %d", p.uid), func() error {
			msgs, err := s.c.Fetch(imap.UIDSetNum(p.uid), &imap.FetchOptions{UID: true}).Collect()
			exists = len(msgs) > 0
			return err
		}); err != nil {
			return err
		}
		if exists {
			return fmt.Errorf("%w: fetch uid %d: no body in the answer", ErrIMAPServer, p.uid)
		}
		s.log.Info("inbound: imap: message gone before it was read", "uid", p.uid)
		return s.advance(uint32(p.uid))
	}
	if int64(len(raw)) > limit {
		raw = raw[:limit]
		n.add(fmt.Sprintf("message larger than %d bytes; cut", limit))
	}
	if at.IsZero() {
		at = w.cfg.Now()
	}
	ev := imapEvent(raw, s.mb.Address, at, messageLimits{
		header: headerLimits{bytes: w.cfg.MaxHeaderBytes, fields: w.cfg.MaxHeaderFields},
		body:   int(limit),
	}, n)
	ctx, cancel := context.WithTimeout(w.ctx, w.cfg.HandleTimeout)
	defer cancel()
	if err := w.cfg.Handler.HandleEvent(ctx, ev); err != nil {
		return fmt.Errorf("inbound: imap: event of uid %d not recorded; will retry: %w", p.uid, err)
	}
	if err := s.advance(uint32(p.uid)); err != nil {
		return err
	}
	w.update(s.i, func(st *IMAPStatus) { st.Messages++ })
	if s.mb.MoveTo != "" {
		// Recorded and checkpointed: a failed move leaves the message in place.
		if err := s.timed("move to "+s.mb.MoveTo, func() error {
			_, err := s.c.Move(imap.UIDSetNum(p.uid), s.mb.MoveTo).Wait()
			return err
		}); err != nil {
			if w.ctx.Err() != nil || s.timedOut.Load() {
				return err
			}
			s.log.Warn("inbound: imap: message left in place", "uid", p.uid, "err", err)
		}
	}
	return nil
}

// advance saves the checkpoint after uid.
func (s *imapSession) advance(uid uint32) error {
	ctx, cancel := context.WithTimeout(s.w.ctx, s.w.cfg.HandleTimeout)
	defer cancel()
	if err := s.w.cfg.Checkpoints.SaveIMAPCheckpoint(ctx, s.mb.key(), s.uidValidity, uid); err != nil {
		return fmt.Errorf("inbound: imap: saving checkpoint: %w", err)
	}
	s.lastUID, s.progressed = uid, true
	s.w.update(s.i, func(st *IMAPStatus) { st.LastUID = uid })
	return nil
}

// wait returns when the folder may hold new messages: announced during IDLE
// (announced is true), or after IdleTimeout; without IDLE, after PollInterval.
func (s *imapSession) wait() (announced bool, err error) {
	w := s.w
	if !s.c.Caps().Has(imap.CapIdle) {
		w.update(s.i, func(st *IMAPStatus) { st.Mode = "poll" })
		t := time.NewTimer(w.cfg.PollInterval)
		defer t.Stop()
		select {
		case <-w.ctx.Done():
			return false, canary.ErrClosed
		case <-s.c.Closed():
			return false, fmt.Errorf("%w: connection closed", ErrIMAPServer)
		case <-t.C:
			return false, nil
		}
	}
	w.update(s.i, func(st *IMAPStatus) { st.Mode = "idle" })
	var idle *imapclient.IdleCommand
	if err := s.timed("idle", func() (err error) {
		idle, err = s.c.Idle()
		return err
	}); err != nil {
		return false, err
	}
	t := time.NewTimer(w.cfg.IdleTimeout)
	defer t.Stop()
	var gone error
	select {
	case <-w.ctx.Done():
	case <-s.c.Closed():
		gone = fmt.Errorf("%w: connection closed during IDLE", ErrIMAPServer)
	case <-s.notify:
		announced = true
	case <-t.C:
	}
	err = s.timed("end idle", func() error {
		if err := idle.Close(); err != nil {
			return err
		}
		return idle.Wait()
	})
	if gone != nil {
		return false, gone
	}
	return announced, err
}
