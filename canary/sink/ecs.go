package sink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"net"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/honeyseed/honeyseed/canary"
)

// ECSVersion is the version of the Elastic Common Schema that documents name in
// ecs.version. Every ECS field they use exists, with the same meaning, in
// every later 8.x and 9.x version.
const ECSVersion = "8.11.0"

// Bounds on text that came from outside (the scammer's message and address),
// so one alert cannot blow up a log line, a syslog frame or a SIEM field.
const (
	maxSender   = 320  // an address is at most 254 octets (RFC 5321), a number far less
	maxValue    = 320  // a matched value
	maxEvidence = 1024 // one evidence excerpt
	maxLabel    = 256  // a where-seen label, a carrier's event ID
	maxListed   = 5    // placements a chat message or syslog header names
)

// Document is an alert as an Elastic Common Schema document: what the JSONLines,
// Webhook and Syslog sinks write, and the attributes the Slog sink logs. The
// package documentation lists its fields. A Document is a snapshot: it keeps
// nothing of the alert it was made from.
type Document struct {
	doc ecsDoc
}

// NewDocument turns a into an ECS document. labels, if any, become ECS labels
// (keyword key/value pairs such as "env": "prod"); the map is copied.
func NewDocument(a canary.Alert, labels map[string]string) Document {
	seeds := seedDocs(a)
	d := ecsDoc{
		Timestamp: firstTime(a.FirstSeen, a.LastSeen),
		Labels:    maps.Clone(labels),
		ECS:       ecsVersion{Version: ECSVersion},
		Event: ecsEvent{
			Kind:     "alert",
			Category: []string{"intrusion_detection"},
			Type:     []string{"info"},
			Action:   action(a.Channel),
			ID:       a.ID.String(),
			Module:   "honeyseed",
			Dataset:  "honeyseed.alert",
			Provider: a.Source,
			Start:    a.FirstSeen.UTC(),
			End:      a.LastSeen.UTC(),
		},
		Rule: ecsRule{
			Name:        "canary record contacted",
			Ruleset:     "honeyseed",
			Description: "A planted canary customer record was contacted or found: the data it was planted in has left.",
		},
		Observer: ecsObserver{Vendor: "honeyseed", Product: "honeyseed"},
		Honeyseed: honeyseedFields{
			Channel:      a.Channel.String(),
			Count:        max(a.Count, 1),
			Revision:     max(a.Revision, 0),
			Placement:    placements(seeds),
			Suppressed:   a.Suppressed,
			SuppressedBy: a.SuppressedBy,
			Seeds:        seeds,
			Evidence:     clipAll(a.Evidence, maxEvidence),
			EventIDs:     clipAll(a.EventIDs, maxLabel),
			Attribution:  suspectDocs(a.Attribution),
		},
	}
	if a.Revision > 0 {
		// An update of an alert already sent: same event.id, more events.
		d.Event.Type = []string{"info", "change"}
	}
	if !a.FirstSeen.IsZero() && a.LastSeen.After(a.FirstSeen) {
		d.Event.Duration = int64(a.LastSeen.Sub(a.FirstSeen))
	}
	sender := clip(a.Sender, maxSender)
	switch {
	case a.Channel == canary.ChannelEmail:
		d.Email = &ecsEmail{Direction: "inbound", To: ecsAddresses{Address: recipients(a.Hits)}, Subject: clip(a.Subject, maxSender)}
		if sender != "" {
			d.Email.From.Address = []string{sender}
		}
		if ip := net.ParseIP(a.Remote); ip != nil {
			d.Source = &ecsSource{IP: ip.String()}
		}
	case sender != "":
		d.Source = &ecsSource{Address: sender}
	}
	d.Message = summary(a, d.Honeyseed)
	return Document{doc: d}
}

// MarshalJSON encodes the document on one line, without escaping <, > and &.
func (d Document) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d.doc); err != nil {
		return nil, fmt.Errorf("sink: encoding ECS document: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// LogValue returns the document as nested slog groups named as the ECS fields
// are ("event" > "kind"), in document order; arrays are plain values. It is
// derived from the JSON encoding, so the two never disagree.
func (d Document) LogValue() slog.Value {
	b, err := d.MarshalJSON()
	if err != nil {
		return slog.StringValue(err.Error())
	}
	return jsonValue(b)
}

// attrs returns the document's top-level attributes without "message", which
// a log record carries as its own message.
func (d Document) attrs() []slog.Attr {
	v := d.LogValue()
	if v.Kind() != slog.KindGroup {
		return []slog.Attr{{Key: "error", Value: v}}
	}
	return slices.DeleteFunc(v.Group(), func(a slog.Attr) bool { return a.Key == "message" })
}

// jsonValue converts one JSON value to a slog.Value: objects become groups in
// key order, numbers int64 where they are integers.
func jsonValue(raw []byte) slog.Value {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	switch raw[0] {
	case '{':
		var attrs []slog.Attr
		if _, err := dec.Token(); err != nil {
			return slog.StringValue(err.Error())
		}
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return slog.StringValue(err.Error())
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return slog.StringValue(err.Error())
			}
			attrs = append(attrs, slog.Attr{Key: key.(string), Value: jsonValue(v)})
		}
		return slog.GroupValue(attrs...)
	default:
		var v any
		if err := dec.Decode(&v); err != nil {
			return slog.StringValue(err.Error())
		}
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return slog.Int64Value(i)
			}
			f, _ := n.Float64()
			return slog.Float64Value(f)
		}
		return slog.AnyValue(v)
	}
}

type ecsDoc struct {
	Timestamp time.Time         `json:"@timestamp,omitzero"`
	Message   string            `json:"message"`
	Labels    map[string]string `json:"labels,omitempty"`
	ECS       ecsVersion        `json:"ecs"`
	Event     ecsEvent          `json:"event"`
	Rule      ecsRule           `json:"rule"`
	Observer  ecsObserver       `json:"observer"`
	Source    *ecsSource        `json:"source,omitempty"`
	Email     *ecsEmail         `json:"email,omitempty"`
	Honeyseed honeyseedFields   `json:"honeyseed"`
}

type ecsVersion struct {
	Version string `json:"version"`
}

type ecsEvent struct {
	Kind     string    `json:"kind"`
	Category []string  `json:"category"`
	Type     []string  `json:"type"`
	Action   string    `json:"action"`
	ID       string    `json:"id"`
	Module   string    `json:"module"`
	Dataset  string    `json:"dataset"`
	Provider string    `json:"provider,omitempty"`
	Start    time.Time `json:"start,omitzero"`
	End      time.Time `json:"end,omitzero"`
	Duration int64     `json:"duration,omitempty"` // nanoseconds
}

type ecsRule struct {
	Name        string `json:"name"`
	Ruleset     string `json:"ruleset"`
	Description string `json:"description"`
}

type ecsObserver struct {
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
}

type ecsSource struct {
	Address string `json:"address,omitempty"`
	IP      string `json:"ip,omitempty"` // the SMTP client that delivered a mail
}

type ecsEmail struct {
	Direction string       `json:"direction"`
	Subject   string       `json:"subject,omitempty"`
	From      ecsAddresses `json:"from,omitzero"`
	To        ecsAddresses `json:"to,omitzero"`
}

type ecsAddresses struct {
	Address []string `json:"address,omitempty"`
}

// honeyseedFields is the custom field set, named as ECS asks of custom fields:
// under one top-level name that ECS will not use.
type honeyseedFields struct {
	Channel      string       `json:"channel"`
	Count        int          `json:"count"`
	Revision     int          `json:"revision"` // 0 the first; keep the highest per event.id
	Placement    []string     `json:"placement"`
	Suppressed   bool         `json:"suppressed"`
	SuppressedBy string       `json:"suppressed_by,omitempty"`
	Seeds        []seedDoc    `json:"seeds"`
	Evidence     []string     `json:"evidence,omitempty"`
	EventIDs     []string     `json:"event_ids,omitempty"`
	Attribution  []suspectDoc `json:"attribution,omitempty"`
}

type seedDoc struct {
	ID        string `json:"id"`
	Placement string `json:"placement"`
	// Retired marks a seed retired before it was hit: a copy taken while it
	// was planted is still in use. RetiredAt says when.
	Retired   bool       `json:"retired,omitempty"`
	RetiredAt time.Time  `json:"retired_at,omitzero"`
	Matches   []matchDoc `json:"matches,omitempty"`
}

type matchDoc struct {
	Field      string   `json:"field"`
	Value      string   `json:"value"`
	Evidence   string   `json:"evidence,omitempty"`
	Confidence string   `json:"confidence"`
	Candidates []string `json:"candidates,omitempty"`
}

type suspectDoc struct {
	Placement string    `json:"placement"`
	Score     float64   `json:"score"`
	Seeds     []string  `json:"seeds,omitempty"`
	After     time.Time `json:"after,omitzero"`
	Before    time.Time `json:"before,omitzero"`
	Reasons   []string  `json:"reasons,omitempty"`
}

// action is event.action: a contact reached a seed, or a seed was found in text
// (a dump, a paste) without anyone contacting it.
func action(c canary.Channel) string {
	if c == canary.ChannelText {
		return "canary-exposed"
	}
	return "canary-contact"
}

func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t.UTC()
		}
	}
	return time.Time{}
}

// seedDocs lists the alert's seeds, then any seed only its hits name, each
// with what matched it. It carries no planted value beyond what the contact
// itself showed (Hit.Value): the seed's ID finds the rest in the registry.
func seedDocs(a canary.Alert) []seedDoc {
	var out []seedDoc
	index := make(map[uuid.UUID]int)
	add := func(s canary.Seed) int {
		if i, ok := index[s.ID]; ok {
			return i
		}
		index[s.ID] = len(out)
		d := seedDoc{ID: s.ID.String(), Placement: s.Placement}
		if slices.Contains(a.RetiredSeeds, s.ID) {
			d.Retired, d.RetiredAt = true, s.RetiredAt.UTC()
		}
		out = append(out, d)
		return len(out) - 1
	}
	for _, s := range a.Seeds {
		add(s)
	}
	for _, h := range a.Hits {
		i := add(h.Seed)
		m := matchDoc{
			Field:      h.Field.String(),
			Value:      clip(h.Value, maxValue),
			Evidence:   clip(h.Evidence, maxLabel),
			Confidence: h.Confidence.String(),
		}
		for _, c := range h.Candidates {
			m.Candidates = append(m.Candidates, c.ID.String())
		}
		if !slices.ContainsFunc(out[i].Matches, func(o matchDoc) bool {
			return o.Field == m.Field && o.Value == m.Value && o.Evidence == m.Evidence
		}) {
			out[i].Matches = append(out[i].Matches, m)
		}
	}
	return out
}

// placements returns the placements of the seeds, sorted, each once.
func placements(seeds []seedDoc) []string {
	out := make([]string, 0, len(seeds))
	for _, s := range seeds {
		out = append(out, s.Placement)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// recipients returns the seed addresses a mail was sent to (hits in To or the
// envelope), each once.
func recipients(hits []canary.Hit) []string {
	var out []string
	for _, h := range hits {
		if h.Field == canary.FieldEmail && (h.Part == "to" || h.Part == "envelope") {
			if v := clip(h.Value, maxValue); !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

func suspectDocs(ss []canary.Suspect) []suspectDoc {
	out := make([]suspectDoc, 0, len(ss))
	for _, s := range ss {
		d := suspectDoc{
			Placement: s.Placement,
			Score:     finite(s.Score),
			After:     s.After.UTC(),
			Before:    s.Before.UTC(),
			Reasons:   slices.Clone(s.Reasons),
		}
		for _, id := range s.Seeds {
			d.Seeds = append(d.Seeds, id.String())
		}
		out = append(out, d)
	}
	return out
}

// finite returns f, or 0 for NaN and infinities, which JSON cannot encode: a
// bad score must not make an alert undeliverable.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// summary is the one-line message: what happened, to how many seeds where,
// and the likeliest leak. The sender is quoted, and no control character
// reaches a log line.
func summary(a canary.Alert, h honeyseedFields) string {
	var b strings.Builder
	if a.Suppressed {
		b.WriteString("suppressed (own traffic): ")
	}
	if a.Revision > 0 {
		fmt.Fprintf(&b, "update %d: ", a.Revision)
	}
	fmt.Fprintf(&b, "canary %s", h.Channel)
	if a.Sender != "" {
		fmt.Fprintf(&b, " from %q", clip(a.Sender, 64))
	}
	fmt.Fprintf(&b, " touched %s in %s (%s)",
		plural(len(h.Seeds), "seed"), list(h.Placement, 3), plural(h.Count, "event"))
	if n := retiredCount(h.Seeds); n > 0 {
		fmt.Fprintf(&b, "; %d of them retired before the hit", n)
	}
	if len(a.Attribution) > 0 {
		top := a.Attribution[0]
		fmt.Fprintf(&b, "; likely leak: %s (%.0f%%)", top.Placement, 100*finite(top.Score))
	}
	return printable([]byte(b.String())) // one line, whatever a placement holds
}

func retiredCount(seeds []seedDoc) int {
	n := 0
	for _, s := range seeds {
		if s.Retired {
			n++
		}
	}
	return n
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// list joins at most n items and says how many more there are.
func list(items []string, n int) string {
	if len(items) == 0 {
		return "no placement"
	}
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// clip returns s as valid UTF-8 of at most n bytes, ending in "…" when cut.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func clipAll(ss []string, n int) []string {
	if len(ss) == 0 {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clip(s, n)
	}
	return out
}
