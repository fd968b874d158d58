// Package inbound receives contact with canary seeds: mail to their addresses,
// texts and calls to their numbers, and anything else a system can post. Each
// receiver turns what arrives into a [canary.Event] and hands it to a
// [canary.EventHandler], normally a watch.Watcher, which matches it against
// the seeds and raises the alert.
//
// # Receivers
//
//   - [SMTPServer], from [NewSMTPServer]: the mail exchanger of the canary
//     domains. It accepts a recipient only if the registry holds a seed with
//     that address (after [canary.NormalizeEmail]), refuses every other with
//     550 5.1.1, and never relays. Each message becomes one event: From, To,
//     Subject and Message-ID from the header (RFC 2047 words decoded), the
//     body as text (text/plain preferred, else HTML rendered; multipart,
//     quoted-printable, base64 and legacy charsets read), the header fields in
//     Event.Header, the envelope recipients in Event.Envelope and the client's
//     IP in Event.Remote. Source is "smtp".
//   - [IMAP], from [NewIMAP]: watches mailboxes the operator owns at any
//     provider (a seed whose address is a real Gmail, Outlook.com or Yahoo
//     mailbox), one connection each, and turns every new message into one
//     event through the same parsing as the SMTP server. Event.Envelope and,
//     when the message names no recipient, To are the mailbox's address; At is
//     the server's arrival time. Source is "imap". See "IMAP watcher".
//   - [NewTwilioSMSHandler] and [NewTwilioVoiceHandler]: Twilio's incoming
//     message and call webhooks, verified by X-Twilio-Signature. Source "twilio".
//   - [NewSendGridHandler]: SendGrid Inbound Parse, parsed or raw. Source "sendgrid".
//   - [NewMailgunHandler]: messages forwarded by a Mailgun route, verified by
//     their HMAC signature. Source "mailgun".
//   - [NewPostmarkHandler]: Postmark's inbound webhook. Source "postmark".
//   - [NewWebhookHandler]: one event as JSON, signed as Standard Webhooks
//     specifies, for every other channel. Source "webhook" or "webhook:<source>".
//
// The HTTP handlers accept POST only and share [Options].
//
// # Starting
//
// Every config's zero value (with its required fields set) is safe: the
// limits below apply by default. For several receiver processes, or one that
// restarts, give the webhooks a shared [ReplayStore] (sqlstore's
// Store.Replay) in [Options.Replay].
//
// # Wiring
//
// Give every receiver the same handler, and mount the webhooks on an HTTPS
// server:
//
//	var watcher canary.EventHandler = w // a *watch.Watcher
//
//	mx, err := inbound.NewSMTPServer(inbound.SMTPConfig{
//		Addr: ":25", Domain: "mx.canary.example", Registry: reg, Handler: watcher, Logger: log,
//	})
//	go mx.ListenAndServe()
//	defer mx.Close()
//
//	opts := inbound.Options{Handler: watcher, Logger: log,
//		PublicBase: "https://hooks.canary.example"}
//	sms, err := inbound.NewTwilioSMSHandler(inbound.TwilioConfig{
//		AuthToken: inbound.Secret(os.Getenv("TWILIO_AUTH_TOKEN")),
//		Options:   opts,
//	})
//	mux := http.NewServeMux()
//	mux.Handle("/twilio/sms", sms) // Twilio's URL: https://hooks.canary.example/twilio/sms
//
// # Public URLs and proxies
//
// Of the providers, only Twilio signs the URL it requests; Mailgun, SendGrid,
// Postmark and Standard Webhooks authenticate the body or a credential, and
// no proxy can break them. For Twilio, each handler checks the signature
// against [Options.PublicBase] followed by its own request path and query,
// so one base serves every endpoint. A reverse proxy's Forwarded, or
// X-Forwarded-Proto and X-Forwarded-Host, headers replace the base's scheme
// and host only when the request comes from an address in
// [Options.TrustedProxies]; from anyone else they are ignored, since a
// caller could otherwise choose the URL its signature is checked against.
//
// # TLS
//
// A [CertReloader] serves a certificate and key from PEM files, for
// STARTTLS (SMTPConfig.TLSConfig) and for the HTTPS server of the webhooks,
// and reads them again on Reload, which a command calls on SIGHUP after a
// renewal; a broken renewal leaves the old pair in place:
//
//	cr, err := inbound.NewCertReloader("/etc/honeyseed/cert.pem", "/etc/honeyseed/key.pem")
//	mx, err := inbound.NewSMTPServer(inbound.SMTPConfig{..., TLSConfig: cr.TLSConfig()})
//	hooks := &http.Server{Addr: ":443", Handler: mux, TLSConfig: cr.TLSConfig()}
//	go hooks.ListenAndServeTLS("", "")
//
// # IMAP watcher
//
// Configure one [IMAPMailbox] per owned mailbox; credentials are named, never
// written in the configuration, and read at each connection:
//
//	w, err := inbound.NewIMAP(inbound.IMAPConfig{
//		Mailboxes: []inbound.IMAPMailbox{{
//			Address:    "ann.lee@mail.example", // a mailbox the operator created
//			Host:       "imap.mail.example",
//			Credential: inbound.CredentialRef{Env: "HONEYSEED_IMAP_ANN_LEE"}, // an app password
//		}},
//		Handler:     watcher,
//		Checkpoints: store, // a *sqlstore.Store
//		Logger:      log,
//	})
//	w.Start()
//	defer w.Close()
//
// Each mailbox gets its own goroutine and connection: implicit TLS on 993 by
// default, or STARTTLS, always with the certificate verified (against
// [IMAPMailbox.CAFile] when set); plaintext only to a loopback address and
// only with AllowPlaintext. Login is SASL PLAIN (or the LOGIN command) with a
// password, or SASL XOAUTH2 with an OAuth 2.0 access token. The watcher
// selects the folder (INBOX by default), reads every message after its
// checkpoint, then waits in IDLE where the server offers it (leaving it every
// [IMAPConfig.IdleTimeout] to check the folder anew), or polls every
// PollInterval. Errors (a refused login, a dropped connection, an answer that
// does not parse, a server silent past CommandTimeout) end the connection; the
// watcher logs why, shows it in [IMAP.Status], and reconnects after a backoff
// that doubles from MinBackoff to MaxBackoff, with jitter.
//
// Messages are read with BODY.PEEK, so they stay unread, and are left in
// place unless [IMAPMailbox.MoveTo] names a folder. A message larger than
// MaxMessageBytes (by its announced size) is not downloaded: its header alone
// becomes the event, with a note, so a seed it reached still raises the
// alert; a server that sends more than it announced is cut at the limit.
//
// Nothing is missed or counted twice. For each mailbox the watcher keeps a
// checkpoint, the folder's UIDVALIDITY and the UID of the last message
// recorded, in [IMAPCheckpoints] (sqlstore's Store keeps them in the
// registry's database, keyed by an HMAC of the address). A message's
// checkpoint is saved only after HandleEvent returned nil, so a crash or a
// failing handler makes it read again, never skipped. A message read twice
// (a crash between the alert and the checkpoint, a lost checkpoint, or a
// UIDVALIDITY change, after which the whole folder is read again) raises the
// same alert the first reading did: its Event.ID (Message-ID, or a digest of
// the message) and Event.At (the server's INTERNALDATE) are the same, so the
// Watcher folds it into that alert without counting it again. This holds
// while the alert names fewer than watch.MaxAlertEventIDs messages.
//
// [IMAP.Status] reports, per mailbox, whether it is connected, idle or
// polling, the last UID recorded, the last error and the last answer from the
// server. [IMAP.Close] stops every connection and waits for the goroutines.
//
// # Owned mailboxes at the big providers
//
// A seed's address may be a real mailbox at a large provider only if the
// operator created it and lists it exactly; an address at a public provider
// that nobody registered may belong to a stranger. For each mailbox:
//
//   - Gmail: create the account by hand, turn on 2-Step Verification, then
//     create an app password (Google Account, Security, App passwords) and
//     store it where Credential names. Host imap.gmail.com, port 993. Or use
//     OAuth: a Google Cloud OAuth client with the https://mail.google.com/
//     scope, a refresh token obtained once by the operator, and a helper that
//     keeps a fresh access token in the Credential file; set Auth to
//     "xoauth2". Gmail allows about 15 simultaneous IMAP connections per
//     account (older help pages said 10); the watcher uses one.
//   - Outlook.com (also hotmail.com, live.com): Microsoft turned off password
//     logins for third-party IMAP on personal accounts in September 2024, so
//     use OAuth: an app registered in Microsoft Entra with the
//     https://outlook.office.com/IMAP.AccessAsUser.All and offline_access
//     scopes, Auth "xoauth2", host outlook.office365.com, port 993. Microsoft
//     365 business mailboxes work the same way. Exchange Online allows 20
//     concurrent IMAP connections per mailbox.
//   - Yahoo (and AOL, on the same platform): create the account, then an app
//     password under Account security, Generate app password. Host
//     imap.mail.yahoo.com, port 993. Yahoo publishes no connection limit.
//
// The provider's own notices (a welcome message, a security alert after a
// new sign-in or app password) reach the mailbox like any other mail and
// raise alerts; start the watcher before planting the seed, so that those
// alerts are recognisably older than the placement, and expect one after each
// change of credential. A claimed provider sender is not trusted to suppress
// them (it would suppress a forged one too).
//
// One connection per mailbox keeps every watcher far below these limits; do
// not also leave a mail client connected to the mailbox at all hours.
// Providers close accounts left unused (Google and Microsoft after about two
// years, Yahoo after about one): sign in on the web now and then.
//
// What the operator must never do with a canary mailbox: send mail from it,
// reply to anything it receives, sign it up for any service, newsletter or
// account elsewhere, give it as a recovery address, or forward its mail. Any
// of these puts the address in front of someone other than the thief, so a
// later message to it would no longer prove a leak; and a reply tells the
// sender that the address is watched. Read it only through the watcher, and
// keep its password or token as carefully as the registry's secret.
//
// # Acknowledgement
//
// A receiver acknowledges only what is recorded: the SMTP server answers 250
// to a message, and a handler 200 to a post, only after HandleEvent returned
// nil, which for a Watcher means any alert is in its outbox. If HandleEvent
// fails, the SMTP server answers 451 and the handlers 503 with Retry-After,
// so the sender retries; a replay cache releases the key of a delivery that
// was not recorded, so the retry is not taken for a replay. Carrier IDs
// (Message-ID, MessageSid, Postmark's MessageID, webhook-id) are kept in
// Event.ID, and a message without one gets a digest of its content, so that
// a redelivery is recognisable downstream.
//
// # Security
//
// Everything that arrives is hostile input, from a scammer or from someone
// who has learned an endpoint's URL.
//
//   - Authenticity. Twilio requests must carry a valid X-Twilio-Signature
//     (HMAC-SHA1 under the auth token over the URL and the sorted
//     parameters); set [Options.PublicBase] when a proxy changes the scheme,
//     host or path prefix the handler sees. Mailgun posts must carry the HMAC-SHA256
//     of timestamp and token under the webhook signing key. Standard Webhooks
//     posts must carry a "v1" HMAC-SHA256 of id, timestamp and body under the
//     whsec_ secret (at least 24 bytes). SendGrid Inbound Parse posts, with
//     a signing security policy and [SendGridConfig.PublicKey] set, must
//     carry an ECDSA P-256 signature over timestamp and body (the scheme of
//     SendGrid's signed Event Webhook), a timestamp within the replay
//     window, and be new (their signed content is the replay key, so the
//     second valid form of an ECDSA signature replays nothing). Without a
//     signing policy SendGrid, like Postmark, signs nothing: their handlers
//     then require basic-auth credentials written into the destination URL,
//     or for SendGrid a secret token in the URL path or query, so they must
//     be served over HTTPS only. Every MAC and credential
//     is compared in constant time. Secrets are [Secret] values, which log as
//     REDACTED. Twilio's SharedKey signing, announced by an
//     X-Twilio-Webhooks-Signature-Settings header, is not supported.
//   - Who sent it. What a message claims (From, the envelope sender, a
//     caller ID) is never proof: scammers forge own addresses to be taken
//     for the operator. A receiver proves what it can and records it in
//     Event.Auth, which alone lets a watcher suppress own traffic. Mail
//     receivers ([SMTPConfig.Auth], [Options.Auth], both a [MailAuth])
//     verify DKIM signatures with go-msgauth (at most MaxSignatures, DNS
//     lookups bounded by Timeout and injectable) and count one that passes,
//     covers From and is aligned with the one From address's domain
//     (relaxed, or strict when the domain's DMARC policy says adkim=s);
//     and they believe Authentication-Results fields only from the
//     authserv-ids in TrustedAuthServIDs, only at the top of the message,
//     up to the first field of any other id: a DMARC pass for the From
//     domain, or a DKIM or SPF pass for an aligned domain. SPF is not
//     checked here (it needs the gateway's view of the client); a gateway
//     that checks it reports through Authentication-Results. A message
//     with several From fields or addresses authenticates nothing. A
//     replay of a genuine signed own message still verifies: it is the
//     operator's own text. Numbers are never authenticated by Twilio's
//     handlers, since caller IDs can be spoofed; only a Standard Webhooks
//     caller, who holds the secret, may vouch for a sender
//     ([WebhookConfig.TrustSenderAuth]).
//   - Replay. Mailgun and Standard Webhooks posts carry a timestamp: one
//     further than the window (default five minutes) from the injectable clock,
//     either way, is refused. Each Mailgun token, webhook-id and Twilio
//     MessageSid or CallSid is accepted once, claimed in the [ReplayStore]
//     and kept at least for the provider's retry horizon: Mailgun's 8 hours,
//     72 hours for Standard Webhooks senders (who retry with the same id for
//     about a day), and 30 days for Twilio, whose signature holds no time and
//     so verifies forever. The default store is a bounded cache in memory,
//     which a restart empties; sqlstore's keeps HMACs of the keys in the
//     database, shared by every receiver on it. The unsigned providers carry
//     no key to claim: a replayed post repeats its carrier ID in Event.ID.
//   - Refusals. A forged, stale or replayed request gets 403 and no event; a
//     malformed one 400; a body over [Options.MaxBodyBytes] 413; a wrong
//     method 405. The caller is told the status only; the cause goes to the
//     optional [log/slog.Logger].
//   - Bounds. Bodies are read through http.MaxBytesReader. The SMTP server
//     bounds message size (552 past it), recipients (452), line length,
//     connections, memory and time (see [SMTP limits]). Header fields kept in
//     Event.Header are bounded in count and bytes, fields and body are cut on
//     a rune boundary, MIME trees in parts and depth, and every string is
//     valid UTF-8 (invalid bytes become U+FFFD). Parsing reads each byte a
//     bounded number of times. A 503 to a webhook also comes when the
//     ReplayStore fails, so the provider retries.
//   - Nothing lost. The recipient of a message is a seed before its data is
//     read, so a message is never refused for being malformed: what could not
//     be read is described under [NoteHeader] in Event.Header, and the rest is
//     kept. A message too large, or with a line too long, is refused, but the
//     part that arrived is recorded first.
//   - Probing. The SMTP server tells a prober which addresses of the canary
//     domains are seeds, as any mail server does, but no faster than mailing
//     them would: see the probe brake below. Every address of those domains
//     in the stolen data is a seed anyway, so a probe teaches little the data
//     did not; what a careful insider could notice is the domain itself,
//     which is why seeds use believable domains. A probe that stops before
//     DATA records no event.
//   - Failures are temporary. A time-out, a client gone mid-message, a full
//     budget or any failure inside the server is answered 4xx with a generic
//     text (421 and the connection closed when the stream can no longer be
//     trusted), never a 5xx and never the cause, which goes to the log; the
//     sender retries. What arrived of a message to a seed is still recorded,
//     with a note saying it was cut.
//
// # SMTP limits
//
// The fields of [SMTPConfig], with their defaults; a negative count means no
// limit:
//
//   - MaxMessageBytes 10 MiB, MaxRecipients 50, MaxLineBytes 64 KiB,
//     MaxHeaderBytes 64 KiB and MaxHeaderFields 256.
//   - MaxConnections 256 in all and MaxConnectionsPerIP 20 per client (an
//     IPv4 address or an IPv6 /64). A connection past either is answered
//     "421 4.7.0" and closed before the greeting.
//   - ReadTimeout 1 min for each command. DataTimeout 10 min for the whole of
//     a message and DataIdleTimeout 1 min for each wait within it: past
//     either, what arrived is recorded and the client told "421 4.4.2". While
//     more than three quarters of MaxConnections are in use, every wait is cut
//     to 10 s. WriteTimeout 1 min per reply; HandleTimeout 30 s per registry
//     lookup, per HandleEvent and per wait for budget.
//   - MaxInFlightBytes 32 MiB (never less than MaxMessageBytes): the message
//     data held in memory by all sessions together. Past it, data goes to a
//     temporary file in SpoolDir, and the message is parsed once the budget
//     has room for it; one that finds none within HandleTimeout is answered
//     "452 4.3.1". Parsing and matching take a few times a message's size on
//     top of it, so peak memory is a small multiple of the budget whatever the
//     number of clients: with 50 clients sending 10 MiB each at once, a
//     receiver peaked at about 220 MiB, where it took 1.2 GiB without a
//     budget (BenchmarkSMTPPeakRSS).
//   - The probe brake. A connection names TarpitAfter unknown recipients (5)
//     at full speed; then every RCPT reply, for a seed or not, waits
//     TarpitDelay (1 s), doubling per further unknown recipient up to
//     TarpitMaxDelay (30 s). The delay is chosen before the lookup, so it says
//     nothing of the answer. After MaxUnknownRecipients (20) the next RCPT is
//     answered "421 4.7.0" and the connection closed, whatever the address,
//     and RSET or STARTTLS do not reset the count. A client that names
//     MaxUnknownPerIP (60) unknown recipients within UnknownWindow (1 h), over
//     any number of connections, has every RCPT answered 421 after
//     TarpitMaxDelay until the window ends; seed mail from it is deferred, not
//     lost. Sixty guesses an hour per client is slower than mailing them.
//   - A message whose data ends with a dot line in bare LFs ("\n.\n") is taken
//     as ended and answered at once, then the connection is closed, so that
//     nothing sent after it is read as commands (SMTP smuggling).
//
// # Changes to the core API
//
// [canary.Event] has no field for parse notes; they travel in Event.Header
// under [NoteHeader], and a header of that name in a message is dropped.
package inbound
