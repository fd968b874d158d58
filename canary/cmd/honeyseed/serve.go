package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/inbound"
	"github.com/honeyseed/honeyseed/canary/sink"
	"github.com/honeyseed/honeyseed/canary/watch"
)

// serveConfig is the JSON file of "honeyseed serve". Secrets are never in it:
// each *_env field names the environment variable that holds one.
type serveConfig struct {
	SMTP struct {
		Addr            string `json:"addr"`   // e.g. ":25"; empty: no SMTP receiver
		Domain          string `json:"domain"` // the name the receiver greets with
		MaxMessageBytes int64  `json:"max_message_bytes"`
		// The receiver's limits (inbound.SMTPConfig; zero or absent: its
		// defaults; a negative count: no limit). Durations are Go's, e.g. "1m".
		MaxConnections       int    `json:"max_connections"`
		MaxConnectionsPerIP  int    `json:"max_connections_per_ip"`
		MaxInFlightBytes     int64  `json:"max_in_flight_bytes"`
		SpoolDir             string `json:"spool_dir"`
		ReadTimeout          string `json:"read_timeout"`
		DataTimeout          string `json:"data_timeout"`
		DataIdleTimeout      string `json:"data_idle_timeout"`
		TarpitAfter          int    `json:"tarpit_after"`
		MaxUnknownRecipients int    `json:"max_unknown_recipients"`
		MaxUnknownPerIP      int    `json:"max_unknown_per_ip"`
		UnknownWindow        string `json:"unknown_window"`
	} `json:"smtp"`
	HTTP struct {
		Addr string `json:"addr"` // e.g. ":8443"; empty: no webhook endpoints
		// PublicBase is the scheme, host and optional path prefix providers
		// call ("https://hooks.example.com"): Twilio's signed URL of each
		// endpoint is it and the endpoint's path. PublicURL is its old name.
		PublicBase string `json:"public_base"`
		PublicURL  string `json:"public_url"`
		// TrustedProxies: addresses or CIDR prefixes of the reverse proxies
		// whose Forwarded / X-Forwarded-Proto / X-Forwarded-Host are believed.
		TrustedProxies []string `json:"trusted_proxies"`
		// AllowPlainHTTP permits serving without TLS on an address that is
		// not loopback; without it serve refuses (the posts carry mail and
		// credentials). Behind a TLS-terminating proxy on another host, set it.
		AllowPlainHTTP bool `json:"allow_plain_http"`
	} `json:"http"`
	// TLS: PEM certificate chain and key, for STARTTLS on the SMTP
	// receiver and HTTPS on the webhooks; read again on SIGHUP.
	TLS struct {
		CertFile string `json:"cert_file"`
		KeyFile  string `json:"key_file"`
	} `json:"tls"`
	// TrustedAuthServIDs: authserv-ids of upstream mail gateways whose
	// Authentication-Results are believed (see inbound.MailAuth).
	TrustedAuthServIDs []string `json:"trusted_authserv_ids"`
	// SuppressedSinks: sinks that also receive suppressed (own, authenticated) alerts.
	SuppressedSinks    []string `json:"suppressed_sinks"`
	TwilioAuthTokenEnv string   `json:"twilio_auth_token_env"`
	SendGridTokenEnv   string   `json:"sendgrid_token_env"`
	// SendGridPublicKey: the verification key of a signing security policy
	// on the Inbound Parse setting (base64 DER, as SendGrid shows it; not a
	// secret): unsigned posts to /sendgrid are then refused.
	SendGridPublicKey    string `json:"sendgrid_public_key"`
	MailgunSigningKeyEnv string `json:"mailgun_signing_key_env"`
	PostmarkUser         string `json:"postmark_user"`
	PostmarkPasswordEnv  string `json:"postmark_password_env"`
	WebhookSecretEnv     string `json:"webhook_secret_env"`

	OwnDomains []string `json:"own_domains"`
	OwnNumbers []string `json:"own_numbers"`
	Regions    []string `json:"regions"`
	// DotInsensitiveDomains: the registry records them (honeyseed settings);
	// still read here only to refuse a list that disagrees with it.
	DotInsensitiveDomains []string `json:"dot_insensitive_domains"`
	GroupWindow           string   `json:"group_window"` // a Go duration, e.g. "1h"
	// UpdateQuiet: how long a grouped alert goes without a repeat before the
	// count its sinks lack goes as a trailing update; a Go duration, default
	// "5m", negative for none (watch.Updates.Quiet).
	UpdateQuiet string `json:"update_quiet"`

	Sinks map[string]sinkConfig `json:"sinks"`

	// IMAP lists the owned mailboxes to watch (see inbound.IMAPMailbox for
	// the fields); their checkpoints are kept in the registry's database.
	IMAP []inbound.IMAPMailbox `json:"imap"`
	// MailboxesFile is the mailbox file "honeyseed mailboxes add" writes,
	// whose mailboxes are watched too; relative to this file. Default
	// mailboxes.json beside the registry, if it exists.
	MailboxesFile string `json:"mailboxes_file"`
	// Admin.Addr serves /healthz, /readyz and /metrics; keep it on loopback
	// or a management network. Empty: not served.
	Admin struct {
		Addr string `json:"addr"`
	} `json:"admin"`
}

type sinkConfig struct {
	Type      string `json:"type"` // slog, jsonl, webhook, slack, syslog
	Path      string `json:"path"` // jsonl
	URL       string `json:"url"`  // webhook
	URLEnv    string `json:"url_env"`
	SecretEnv string `json:"secret_env"` // webhook: whsec_...
	Network   string `json:"network"`    // syslog: udp or tcp
	Addr      string `json:"addr"`       // syslog
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var st storeFlags
	st.register(fs)
	configPath := fs.String("config", "", "JSON `file` describing receivers and sinks (required)")
	logLevel := fs.String("log-level", "info", "least `level` logged: debug, info, warn or error")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageErr("serve: -log-level %q: want debug, info, warn or error", *logLevel)
	}
	if *configPath == "" {
		return usageErr("serve: -config is required")
	}
	cfg, err := readServeConfig(*configPath)
	if err != nil {
		return err
	}
	if cfg.IMAP, err = serveMailboxes(cfg, *configPath, st.path); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if cfg.SMTP.Addr == "" && cfg.HTTP.Addr == "" && len(cfg.IMAP) == 0 {
		return errors.New("serve: configure smtp.addr, http.addr, imap mailboxes (in the config or a mailbox file), or several")
	}

	store, err := st.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()

	sinks, closeSinks, err := buildSinks(cfg.Sinks, logger)
	if err != nil {
		return err
	}
	defer closeSinks()

	var mopts []canary.MatcherOption
	if len(cfg.Regions) > 0 {
		mopts = append(mopts, canary.WithRegions(cfg.Regions...))
	}
	m, err := newMatcher(ctx, store, "the serve config "+*configPath, cfg.DotInsensitiveDomains, mopts...)
	if err != nil {
		return err
	}
	window := time.Duration(0)
	if cfg.GroupWindow != "" {
		if window, err = time.ParseDuration(cfg.GroupWindow); err != nil {
			return fmt.Errorf("serve: group_window: %w", err)
		}
	}
	var updates watch.Updates
	if cfg.UpdateQuiet != "" {
		if updates.Quiet, err = time.ParseDuration(cfg.UpdateQuiet); err != nil {
			return fmt.Errorf("serve: update_quiet: %w", err)
		}
		if updates.Quiet == 0 {
			return errors.New("serve: update_quiet: 0 would be the default; give a duration, or a negative one for no trailing update")
		}
	}
	var imapStatus func() []inbound.IMAPStatus = func() []inbound.IMAPStatus { return nil }
	met := newMetrics(store, func() []inbound.IMAPStatus { return imapStatus() })
	w, err := watch.New(watch.Config{
		Matcher: m, Outbox: countingOutbox{store, met}, Sinks: sinks,
		OwnDomains: cfg.OwnDomains, OwnNumbers: cfg.OwnNumbers,
		SuppressedSinks: cfg.SuppressedSinks,
		GroupWindow:     window, Updates: updates, Logger: logger,
	})
	if err != nil {
		return err
	}
	w.Start()
	defer w.Close()

	handler := countingHandler{w, met}
	hl := &health{store: store, watcher: w, m: met, imap: func() []inbound.IMAPStatus { return imapStatus() }}
	var tlsConfig *tls.Config
	if cfg.TLS.CertFile != "" || cfg.TLS.KeyFile != "" {
		cr, err := inbound.NewCertReloader(cfg.TLS.CertFile, cfg.TLS.KeyFile)
		if err != nil {
			return fmt.Errorf("serve: tls: %w", err)
		}
		tlsConfig = cr.TLSConfig()
		stop := reloadOnHangup(cr, logger)
		defer stop()
	}
	if cfg.HTTP.Addr != "" && tlsConfig == nil && !cfg.HTTP.AllowPlainHTTP && !isLoopbackAddr(cfg.HTTP.Addr) {
		return fmt.Errorf("serve: http.addr %q is not loopback and no tls.cert_file is set: refusing plain HTTP (set http.allow_plain_http behind a TLS proxy)", cfg.HTTP.Addr)
	}
	mailAuth := inbound.MailAuth{TrustedAuthServIDs: cfg.TrustedAuthServIDs}

	errc := make(chan error, 3)
	if cfg.SMTP.Addr != "" {
		sc := cfg.SMTP
		smtpCfg := inbound.SMTPConfig{
			Addr: sc.Addr, Domain: sc.Domain, MaxMessageBytes: sc.MaxMessageBytes,
			MaxConnections: sc.MaxConnections, MaxConnectionsPerIP: sc.MaxConnectionsPerIP,
			MaxInFlightBytes: sc.MaxInFlightBytes, SpoolDir: sc.SpoolDir,
			TarpitAfter: sc.TarpitAfter, MaxUnknownRecipients: sc.MaxUnknownRecipients, MaxUnknownPerIP: sc.MaxUnknownPerIP,
			Registry: store, Handler: handler, Logger: logger, TLSConfig: tlsConfig, Auth: mailAuth,
		}
		for _, d := range []struct {
			key string
			in  string
			out *time.Duration
		}{
			{"read_timeout", sc.ReadTimeout, &smtpCfg.ReadTimeout},
			{"data_timeout", sc.DataTimeout, &smtpCfg.DataTimeout},
			{"data_idle_timeout", sc.DataIdleTimeout, &smtpCfg.DataIdleTimeout},
			{"unknown_window", sc.UnknownWindow, &smtpCfg.UnknownWindow},
		} {
			if d.in == "" {
				continue
			}
			if *d.out, err = time.ParseDuration(d.in); err != nil {
				return fmt.Errorf("serve: smtp.%s: %w", d.key, err)
			}
		}
		srv, err := inbound.NewSMTPServer(smtpCfg)
		if err != nil {
			return err
		}
		defer srv.Close()
		// Bind first: "listening" is logged only once it is true.
		ln, err := net.Listen("tcp", cfg.SMTP.Addr)
		if err != nil {
			return fmt.Errorf("serve: smtp: %w", err)
		}
		rc := hl.add("smtp", ln.Addr().String())
		go func() { errc <- srv.Serve(ln); rc.up.Store(false) }()
		logger.Info("honeyseed: SMTP receiver listening", "addr", ln.Addr().String())
	}
	if len(cfg.IMAP) > 0 {
		iw, err := inbound.NewIMAP(inbound.IMAPConfig{Mailboxes: cfg.IMAP, Handler: handler, Checkpoints: store, Logger: logger})
		if err != nil {
			return fmt.Errorf("serve: imap: %w", err)
		}
		imapStatus = iw.Status
		iw.Start()
		defer iw.Close()
		logger.Info("honeyseed: IMAP watcher started", "mailboxes", len(cfg.IMAP))
	}
	if cfg.Admin.Addr != "" {
		stop, err := serveHTTP(cfg.Admin.Addr, hl.mux(), errc)
		if err != nil {
			return fmt.Errorf("serve: admin: %w", err)
		}
		defer stop()
		logger.Info("honeyseed: health and metrics listening", "addr", cfg.Admin.Addr)
	}
	if cfg.HTTP.Addr != "" {
		mux, err := webhookMux(cfg, handler, store.Replay(), logger)
		if err != nil {
			return err
		}
		hs := &http.Server{Addr: cfg.HTTP.Addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		ln, err := net.Listen("tcp", cfg.HTTP.Addr)
		if err != nil {
			return fmt.Errorf("serve: http: %w", err)
		}
		hl.add("http", ln.Addr().String())
		if tlsConfig != nil {
			ln = tls.NewListener(ln, tlsConfig)
		}
		// Stop accepting and let requests in flight finish: a webhook the
		// watcher is recording is acknowledged, not cut off.
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := hs.Shutdown(sctx); err != nil {
				hs.Close()
			}
		}()
		go func() {
			if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
		logger.Info("honeyseed: webhook endpoints listening", "addr", ln.Addr().String())
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return err
	}
}

// reloadOnHangup reads the certificate files again on every SIGHUP, until
// the returned func is called.
func reloadOnHangup(cr *inbound.CertReloader, logger *slog.Logger) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-hup:
				if err := cr.Reload(); err != nil {
					logger.Error("honeyseed: certificate not reloaded; serving the previous one", "err", err)
				} else {
					logger.Info("honeyseed: certificate reloaded", "not_after", cr.NotAfter())
				}
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(hup); close(done) }
}

// isLoopbackAddr reports whether a listen address binds loopback only.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func readServeConfig(path string) (serveConfig, error) {
	var cfg serveConfig
	f, err := os.Open(path)
	if err != nil {
		return cfg, err
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// secretFrom reads the secret an *_env field names; "" when the field is empty.
func secretFrom(field, env string) (inbound.Secret, error) {
	if env == "" {
		return "", nil
	}
	v := os.Getenv(env)
	if v == "" {
		return "", fmt.Errorf("serve: %s names $%s, which is empty", field, env)
	}
	return inbound.Secret(v), nil
}

// webhookMux mounts a handler for each provider the config has a secret for.
// Accepted deliveries are remembered in replay, which the store shares with
// every receiver on its database.
func webhookMux(cfg serveConfig, h canary.EventHandler, replay inbound.ReplayStore, logger *slog.Logger) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	opts := inbound.Options{
		Handler: h, Logger: logger, Replay: replay,
		PublicBase:     cmp.Or(cfg.HTTP.PublicBase, cfg.HTTP.PublicURL),
		TrustedProxies: cfg.HTTP.TrustedProxies,
		Auth:           inbound.MailAuth{TrustedAuthServIDs: cfg.TrustedAuthServIDs},
	}
	mounted := 0
	mount := func(path string, handler http.Handler, err error) error {
		if err != nil {
			return err
		}
		mux.Handle("POST "+path, handler)
		mounted++
		return nil
	}
	if tok, err := secretFrom("twilio_auth_token_env", cfg.TwilioAuthTokenEnv); err != nil {
		return nil, err
	} else if tok != "" {
		tc := inbound.TwilioConfig{AuthToken: tok, Options: opts}
		sms, err := inbound.NewTwilioSMSHandler(tc)
		if err := mount("/twilio/sms", sms, err); err != nil {
			return nil, err
		}
		voice, err := inbound.NewTwilioVoiceHandler(tc)
		if err := mount("/twilio/voice", voice, err); err != nil {
			return nil, err
		}
	}
	if tok, err := secretFrom("sendgrid_token_env", cfg.SendGridTokenEnv); err != nil {
		return nil, err
	} else if tok != "" || cfg.SendGridPublicKey != "" {
		hd, err := inbound.NewSendGridHandler(inbound.SendGridConfig{Token: tok, PublicKey: cfg.SendGridPublicKey, Options: opts})
		if err := mount("/sendgrid", hd, err); err != nil {
			return nil, err
		}
	}
	if key, err := secretFrom("mailgun_signing_key_env", cfg.MailgunSigningKeyEnv); err != nil {
		return nil, err
	} else if key != "" {
		hd, err := inbound.NewMailgunHandler(inbound.MailgunConfig{SigningKey: key, Options: opts})
		if err := mount("/mailgun", hd, err); err != nil {
			return nil, err
		}
	}
	if pw, err := secretFrom("postmark_password_env", cfg.PostmarkPasswordEnv); err != nil {
		return nil, err
	} else if pw != "" {
		hd, err := inbound.NewPostmarkHandler(inbound.PostmarkConfig{Username: inbound.Secret(cfg.PostmarkUser), Password: pw, Options: opts})
		if err := mount("/postmark", hd, err); err != nil {
			return nil, err
		}
	}
	if sec, err := secretFrom("webhook_secret_env", cfg.WebhookSecretEnv); err != nil {
		return nil, err
	} else if sec != "" {
		hd, err := inbound.NewWebhookHandler(inbound.WebhookConfig{Secret: sec, Options: opts})
		if err := mount("/events", hd, err); err != nil {
			return nil, err
		}
	}
	if mounted == 0 {
		return nil, errors.New("serve: http.addr is set but no provider secret is configured")
	}
	return mux, nil
}

// buildSinks makes the configured sinks; the returned func closes those that hold resources.
func buildSinks(cfgs map[string]sinkConfig, logger *slog.Logger) (map[string]canary.Sink, func(), error) {
	sinks := map[string]canary.Sink{}
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	for name, sc := range cfgs {
		var s canary.Sink
		var err error
		switch sc.Type {
		case "slog":
			s = sink.NewSlog(logger, sink.SlogOptions{})
		case "jsonl":
			var j *sink.JSONLines
			j, err = sink.OpenJSONLines(sc.Path, sink.JSONLinesOptions{})
			if err == nil {
				closers = append(closers, j)
				s = j
			}
		case "webhook":
			var sec inbound.Secret
			if sec, err = secretFrom(name+".secret_env", sc.SecretEnv); err == nil {
				s, err = sink.NewWebhook(sc.URL, string(sec), sink.WebhookOptions{})
			}
		case "slack":
			var url inbound.Secret
			if url, err = secretFrom(name+".url_env", sc.URLEnv); err == nil {
				s, err = sink.NewSlack(string(url), sink.SlackOptions{})
			}
		case "syslog":
			s, err = sink.NewSyslog(sc.Network, sc.Addr, sink.SyslogOptions{})
		default:
			err = fmt.Errorf("serve: sink %q: unknown type %q (slog, jsonl, webhook, slack, syslog)", name, sc.Type)
		}
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("serve: sink %q: %w", name, err)
		}
		sinks[name] = s
	}
	if len(sinks) == 0 {
		sinks["log"] = sink.NewSlog(logger, sink.SlogOptions{}) // alerts must reach someone
	}
	return sinks, closeAll, nil
}
