package sink

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2026, 11, 3, 14, 30, 0, 0, time.UTC)
	for _, seed := range []string{"30", "0", "-5", "99999999999999999999", now.Add(time.Minute).Format(http.TimeFormat), "Wed, 21 Oct 2015 07:28:00 GMT", "soon", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d := retryAfter(v, now)
		assert.GreaterOrEqual(t, d, time.Duration(0))
		assert.LessOrEqual(t, d, MaxRetryAfter)
	})
}

func FuzzSlackMessage(f *testing.F) {
	f.Add("<!channel> <https://refund.example|click>", "support-db/eu")
	f.Add("\xff\x00`*_~&amp;", "crm/<b>")
	f.Fuzz(func(t *testing.T, sender, placement string) {
		a := fuzzAlert(sender, placement)
		m := slackMessageFor(a)
		texts := []string{m.Text}
		for _, b := range m.Blocks {
			if b.Text != nil && b.Type != "header" { // a plain_text header shows text as is
				texts = append(texts, b.Text.Text)
			}
			for _, t := range append(b.Fields, b.Elements...) {
				texts = append(texts, t.Text)
			}
		}
		for _, txt := range texts {
			assert.NotContains(t, txt, "<", "Slack markup from outside is escaped")
			assert.NotContains(t, txt, ">")
			assert.LessOrEqual(t, len(txt), maxSlackSummary)
		}
	})
}
