package inbound

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/honeyseed/honeyseed/canary"
)

// publicURLs rebuilds, for a provider that signs the URL it requests
// (Twilio), the URL as the provider wrote it. It is the one place where the
// handlers decide what the outside world called: Options.PublicBase, and the
// forwarding headers of a trusted proxy.
type publicURLs struct {
	base    *url.URL // nil: from the request
	trusted []netip.Prefix
}

func newPublicURLs(name string, o *Options) (publicURLs, error) {
	var p publicURLs
	if o.PublicBase != "" {
		u, err := url.Parse(o.PublicBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return p, fmt.Errorf("inbound: %w: %s: Options.PublicBase %q is not an http or https URL without query", canary.ErrInvalidConfig, name, o.PublicBase)
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = strings.TrimSuffix(u.RawPath, "/")
		p.base = u
	}
	for i, s := range o.TrustedProxies {
		pr, err := parsePrefix(strings.TrimSpace(s))
		if err != nil {
			return p, fmt.Errorf("inbound: %w: %s: Options.TrustedProxies[%d] %q is not an IP address or CIDR prefix", canary.ErrInvalidConfig, name, i, s)
		}
		p.trusted = append(p.trusted, pr)
	}
	return p, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		pr, err := netip.ParsePrefix(s)
		return pr.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// isTrusted reports whether addr (an IP, or host:port) is a trusted proxy.
func (p publicURLs) isTrusted(addr string) bool {
	a, err := netip.ParseAddr(remoteIP(addr))
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, pr := range p.trusted {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// of returns the public URL of r: the scheme and host of PublicBase, else of
// the connection (https over TLS) and its Host header; then, only when the
// peer is a trusted proxy, the scheme and host it forwards; then PublicBase's
// path prefix and the request URI as received, query included.
func (p publicURLs) of(r *http.Request) string {
	scheme, host, prefix := "http", r.Host, ""
	if r.TLS != nil {
		scheme = "https"
	}
	if p.base != nil {
		scheme, host, prefix = p.base.Scheme, p.base.Host, p.base.EscapedPath()
	}
	if len(p.trusted) > 0 && p.isTrusted(r.RemoteAddr) {
		fs, fh := p.forwarded(r)
		if fs != "" {
			scheme = fs
		}
		if fh != "" {
			host = fh
		}
	}
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	return scheme + "://" + host + prefix + uri
}

// forwarded returns the scheme and host a trusted peer forwards, each "" when
// absent or malformed. Forwarded (RFC 7239) wins over X-Forwarded-Proto and
// X-Forwarded-Host. Of a Forwarded list it takes the element added by the
// outermost proxy in an unbroken chain of trusted ones, walking back from
// the peer along the for= parameters; of an X-Forwarded list, the last value,
// which the peer itself set: a chain of proxies must pass the edge's values
// through, or send Forwarded.
func (p publicURLs) forwarded(r *http.Request) (scheme, host string) {
	if elems := forwardedElements(r.Header.Values("Forwarded")); len(elems) > 0 {
		i := len(elems) - 1
		for i > 0 && p.isTrusted(elems[i]["for"]) {
			i--
		}
		return validScheme(elems[i]["proto"]), validHost(elems[i]["host"])
	}
	return validScheme(lastListValue(r.Header.Values("X-Forwarded-Proto"))),
		validHost(lastListValue(r.Header.Values("X-Forwarded-Host")))
}

// forwardedElements parses Forwarded header values into their elements,
// parameter names lower-cased, quoted values unquoted; bounded to 32
// elements, as no real chain of proxies is longer.
func forwardedElements(values []string) []map[string]string {
	var elems []map[string]string
	for _, v := range values {
		for _, el := range splitQuoted(v, ',') {
			if len(elems) == 32 {
				return elems
			}
			m := map[string]string{}
			for _, pair := range splitQuoted(el, ';') {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok {
					continue
				}
				val = strings.TrimSpace(val)
				if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
					val = strings.ReplaceAll(val[1:len(val)-1], `\`, "")
				}
				m[strings.ToLower(strings.TrimSpace(k))] = val
			}
			elems = append(elems, m)
		}
	}
	return elems
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == '\\' && quoted:
			i++
		case s[i] == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func lastListValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

func validScheme(s string) string {
	switch s = strings.ToLower(s); s {
	case "http", "https":
		return s
	}
	return ""
}

// validHost returns s if it is a host name or IP literal with an optional
// port, and "" otherwise: a forwarded host goes into a URL.
func validHost(s string) string {
	if s == "" || len(s) > 255 {
		return ""
	}
	h := s
	if host, port, err := net.SplitHostPort(s); err == nil {
		for _, c := range port {
			if c < '0' || c > '9' {
				return ""
			}
		}
		h = host
	}
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
		if a, err := netip.ParseAddr(h); err == nil && a.Is6() {
			return s
		}
		return ""
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return s
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return ""
		}
	}
	if h == "" {
		return ""
	}
	return s
}
