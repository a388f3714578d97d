package event

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
)

// Header prefixes of binary content mode: the HTTP binding 1.0.2 and the
// NATS binding both put each context attribute in a header named ce-
// plus the attribute name; datacontenttype travels as Content-Type.
const (
	httpPrefix = "ce-"
	natsPrefix = "ce-"
)

// HTTPBinaryAttrs collects the context attributes of a binary-mode HTTP
// request from its ce-* headers, for [Validator.ParseBinary]: names lower
// case without the prefix, values percent-decoded as the HTTP binding
// 1.0.2 (section 3.1.3.2) requires, surrounding white space removed.
// The Content-Type header is the datacontenttype and is not included.
// A header given twice, a malformed escape or an escape that decodes to
// invalid UTF-8 makes an [*InvalidError].
func HTTPBinaryAttrs(h http.Header) (map[string]string, error) {
	return binaryAttrs(h, httpPrefix, true)
}

// NATSBinaryAttrs collects the context attributes of a binary-mode NATS
// message from its ce- headers (names matched case-insensitively, as the
// CloudEvents SDK writes them lower case). NATS header values carry any
// UTF-8, so they are not percent-decoded. The content type is
// [NATSContentType].
func NATSBinaryAttrs(h nats.Header) (map[string]string, error) {
	return binaryAttrs(http.Header(h), natsPrefix, false)
}

// NATSContentType returns the Content-Type header of a NATS message,
// whatever case the sender used for its name.
func NATSContentType(h nats.Header) string {
	for k, vs := range h {
		if strings.EqualFold(k, "content-type") && len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
	}
	return ""
}

func binaryAttrs(h http.Header, prefix string, percent bool) (map[string]string, error) {
	attrs := map[string]string{}
	var problems []Problem
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lk := strings.ToLower(k)
		if !strings.HasPrefix(lk, prefix) {
			continue
		}
		name := lk[len(prefix):]
		path := attrPath(name)
		vs := h[k]
		if _, dup := attrs[name]; dup || len(vs) != 1 {
			problems = append(problems, Problem{Path: path, Rule: "binding", Message: "the header " + prefix + "<name> for this attribute is given more than once; send each attribute once"})
			continue
		}
		v := strings.TrimSpace(vs[0])
		if percent {
			d, ok := percentDecode(v)
			if !ok {
				problems = append(problems, Problem{Path: path, Rule: "binding", Message: "the header value has a malformed percent escape or does not decode to UTF-8; percent-encode as the CloudEvents HTTP binding 1.0.2 says (UTF-8 bytes, %XX)"})
				continue
			}
			v = d
		}
		attrs[name] = v
	}
	if len(problems) > 0 {
		return attrs, &InvalidError{Problems: problems}
	}
	return attrs, nil
}

// percentDecode undoes %XX escapes only ('+' stays '+', unlike form
// decoding) and checks that the result is UTF-8.
func percentDecode(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	d, err := url.PathUnescape(s)
	if err != nil || !utf8.ValidString(d) {
		return "", false
	}
	return d, true
}
