package sink

import "github.com/honeyseed/honeyseed/canary"

// FormatSyslog exposes the syslog message format to the external tests.
func FormatSyslog(s *Syslog, a canary.Alert) []byte { return s.format(a) }
