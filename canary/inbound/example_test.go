package inbound_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/honeyseed/honeyseed/canary"
	"github.com/honeyseed/honeyseed/canary/canarytest"
	"github.com/honeyseed/honeyseed/canary/inbound"
)

// printer stands in for a watch.Watcher: it prints each event and reports it
// recorded.
type printer struct{}

func (printer) HandleEvent(_ context.Context, ev canary.Event) error {
	fmt.Printf("%s via %s: from %s to %s", ev.Channel, ev.Source, ev.From, ev.To)
	if ev.Subject != "" {
		fmt.Printf(" %q", ev.Subject)
	}
	fmt.Printf(": %q\n", ev.Body)
	return nil
}

func ExampleNewSMTPServer() {
	seed := canarytest.Seed(1, "crm/eu")
	reg := canary.NewMemoryRegistry()
	if err := reg.Add(context.Background(), seed); err != nil {
		panic(err)
	}
	srv, err := inbound.NewSMTPServer(inbound.SMTPConfig{Domain: "mx.mail.example", Registry: reg, Handler: printer{}})
	if err != nil {
		panic(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	msg := "From: Support <help@scam.example>\r\nTo: " + seed.Email + "\r\nSubject: Refund\r\n\r\nCall us today.\r\n"
	err = smtp.SendMail(l.Addr().String(), nil, "help@scam.example", []string{seed.Email}, []byte(msg))
	fmt.Println("to the seed:", err)
	err = smtp.SendMail(l.Addr().String(), nil, "help@scam.example", []string{"stranger@mail.example"}, []byte(msg))
	fmt.Println("to a stranger:", err)
	// Output:
	// email via smtp: from help@scam.example to ann.lee1@mail.example "Refund": "Call us today.\r\n"
	// to the seed: <nil>
	// to a stranger: 550 "5.1.1 No such user here"
}

func ExampleNewTwilioSMSHandler() {
	h, err := inbound.NewTwilioSMSHandler(inbound.TwilioConfig{
		AuthToken: "your-auth-token",
		// Where Twilio calls, which a proxy may hide from the handler; each
		// endpoint's signed URL is this base and its own path.
		Options: inbound.Options{Handler: printer{}, PublicBase: "https://hooks.example.com"},
	})
	if err != nil {
		panic(err)
	}
	form := url.Values{"MessageSid": {"SM1"}, "From": {"+447700900123"}, "To": {"+12015550101"}, "Body": {"Your card is blocked"}}
	req := httptest.NewRequest(http.MethodPost, "/twilio/sms", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", inbound.TwilioSignature("your-auth-token", "https://hooks.example.com/twilio/sms", form))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Body)
	// Output:
	// sms via twilio: from +447700900123 to +12015550101: "Your card is blocked"
	// 200 <?xml version="1.0" encoding="UTF-8"?><Response/>
}

func ExampleNewTwilioVoiceHandler() {
	h, err := inbound.NewTwilioVoiceHandler(inbound.TwilioConfig{
		AuthToken: "your-auth-token",
		Options:   inbound.Options{Handler: printer{}, PublicBase: "https://hooks.example.com"},
	})
	if err != nil {
		panic(err)
	}
	form := url.Values{"CallSid": {"CA1"}, "From": {"+447700900123"}, "To": {"+12015550101"}, "CallStatus": {"ringing"}}
	req := httptest.NewRequest(http.MethodPost, "/twilio/voice", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", inbound.TwilioSignature("your-auth-token", "https://hooks.example.com/twilio/voice", form))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code)

	// A request that Twilio did not sign is refused and records nothing.
	req = httptest.NewRequest(http.MethodPost, "/twilio/voice", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", "forged")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code)
	// Output:
	// call via twilio: from +447700900123 to +12015550101: ""
	// 200
	// 403
}

func ExampleNewSendGridHandler() {
	// The destination URL at SendGrid carries the credentials:
	// https://inbound:pa55word@hooks.example.com/sendgrid
	h, err := inbound.NewSendGridHandler(inbound.SendGridConfig{
		Username: "inbound",
		Password: "pa55word",
		Options:  inbound.Options{Handler: printer{}},
	})
	if err != nil {
		panic(err)
	}
	form := url.Values{
		"from":     {"Billing <billing@scam.example>"},
		"to":       {"ann.lee1@mail.example"},
		"subject":  {"Invoice overdue"},
		"text":     {"Pay today."},
		"envelope": {`{"to":["ann.lee1@mail.example"],"from":"billing@scam.example"}`},
	}
	req := httptest.NewRequest(http.MethodPost, "/sendgrid", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // SendGrid posts multipart; both are read
	req.SetBasicAuth("inbound", "pa55word")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code)
	// Output:
	// email via sendgrid: from billing@scam.example to ann.lee1@mail.example "Invoice overdue": "Pay today."
	// 200
}

func ExampleNewMailgunHandler() {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	h, err := inbound.NewMailgunHandler(inbound.MailgunConfig{
		SigningKey: "your-webhook-signing-key",
		Options:    inbound.Options{Handler: printer{}, Now: func() time.Time { return now }},
	})
	if err != nil {
		panic(err)
	}
	ts, token := strconv.FormatInt(now.Unix(), 10), "a-random-50-character-token-from-mailgun-0000000000"
	m := hmac.New(sha256.New, []byte("your-webhook-signing-key"))
	m.Write([]byte(ts + token))
	form := url.Values{
		"recipient": {"ann.lee1@mail.example"}, "sender": {"bounce@scam.example"},
		"from": {"Refunds <refunds@scam.example>"}, "subject": {"Refund"}, "body-plain": {"Reply with your card number."},
		"timestamp": {ts}, "token": {token}, "signature": {hex.EncodeToString(m.Sum(nil))},
	}
	for range 2 {
		req := httptest.NewRequest(http.MethodPost, "/mailgun", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		fmt.Println(w.Code) // the second post replays the token
	}
	// Output:
	// email via mailgun: from refunds@scam.example to ann.lee1@mail.example "Refund": "Reply with your card number."
	// 200
	// 403
}

func ExampleNewPostmarkHandler() {
	h, err := inbound.NewPostmarkHandler(inbound.PostmarkConfig{
		Username: "postmark",
		Password: "pa55word",
		Options:  inbound.Options{Handler: printer{}},
	})
	if err != nil {
		panic(err)
	}
	body := `{"FromFull":{"Email":"alerts@scam.example"},"ToFull":[{"Email":"ann.lee1@mail.example"}],
		"Subject":"Account locked","HtmlBody":"<p>Verify <b>now</b></p>","MessageID":"pm-1"}`
	req := httptest.NewRequest(http.MethodPost, "/postmark", strings.NewReader(body))
	req.SetBasicAuth("postmark", "pa55word")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code)
	// Output:
	// email via postmark: from alerts@scam.example to ann.lee1@mail.example "Account locked": "Verify now"
	// 200
}

func ExampleNewWebhookHandler() {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	h, err := inbound.NewWebhookHandler(inbound.WebhookConfig{
		Secret:  secret,
		Options: inbound.Options{Handler: printer{}, Now: func() time.Time { return now }},
	})
	if err != nil {
		panic(err)
	}
	body := `{"channel":"text","to":"ann.lee1@mail.example","body":"seen in a paste","source":"paste-monitor"}`
	id, ts := "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", strconv.FormatInt(now.Unix(), 10)
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "." + body))
	req := httptest.NewRequest(http.MethodPost, "/events", strings.NewReader(body))
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code)
	// Output:
	// text via webhook:paste-monitor: from  to ann.lee1@mail.example: "seen in a paste"
	// 200
}
