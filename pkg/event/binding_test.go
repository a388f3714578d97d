package event

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats.go"
)

// binaryParts turns a parsed event into what binary mode carries:
// string attributes, a content type and the body.
func binaryParts(e ce.Event) (map[string]string, string, []byte) {
	attrs := map[string]string{
		"specversion": e.SpecVersion(),
		"id":          e.ID(),
		"source":      e.Source(),
		"type":        e.Type(),
	}
	if s := e.Subject(); s != "" {
		attrs["subject"] = s
	}
	if s := e.DataSchema(); s != "" {
		attrs["dataschema"] = s
	}
	if !e.Time().IsZero() {
		attrs["time"] = e.Time().Format("2006-01-02T15:04:05.999999999Z07:00")
	}
	for k, v := range e.Extensions() {
		attrs[k] = fmt.Sprint(v)
	}
	return attrs, e.DataContentType(), e.DataEncoded
}

func stringExtensions(e ce.Event) ce.Event {
	out := e.Clone()
	for k, v := range out.Extensions() {
		out.SetExtension(k, fmt.Sprint(v))
	}
	return out
}

func TestParseBinaryMatchesStructured(t *testing.T) {
	v := newTestValidator(t)
	for _, fx := range loadFixtures(t, "valid") {
		t.Run(fx.name, func(t *testing.T) {
			want, err := v.ParseStructured(fx.body)
			if err != nil {
				t.Fatal(err)
			}
			attrs, ct, data := binaryParts(want)

			got, err := v.ParseBinary(attrs, ct, data)
			if err != nil {
				t.Fatalf("ParseBinary: %v", err)
			}
			// Binary mode has no integer or boolean: extensions arrive as strings.
			if d := eventDiff(stringExtensions(want), got); d != "" {
				t.Errorf("binary differs from structured: %s", d)
			}

			// The same through HTTP headers, percent-encoded as the binding says.
			h := http.Header{}
			for k, val := range attrs {
				h.Set("Ce-"+k, percentEncode(val))
			}
			h.Set("Content-Type", ct)
			h.Set("X-Other", "ignored")
			hattrs, err := HTTPBinaryAttrs(h)
			if err != nil {
				t.Fatalf("HTTPBinaryAttrs: %v", err)
			}
			if !reflect.DeepEqual(hattrs, attrs) {
				t.Errorf("HTTPBinaryAttrs = %v, want %v", hattrs, attrs)
			}

			nh := nats.Header{}
			for k, val := range attrs {
				nh.Set("ce-"+k, val)
			}
			nh.Set("content-type", ct)
			nattrs, err := NATSBinaryAttrs(nh)
			if err != nil {
				t.Fatalf("NATSBinaryAttrs: %v", err)
			}
			if !reflect.DeepEqual(nattrs, attrs) {
				t.Errorf("NATSBinaryAttrs = %v, want %v", nattrs, attrs)
			}
			if got := NATSContentType(nh); got != ct {
				t.Errorf("NATSContentType = %q, want %q", got, ct)
			}
		})
	}
}

// percentEncode encodes what the HTTP binding 1.0.2 says must be: space,
// double quote, percent, and everything outside printable ASCII.
func percentEncode(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7F || c == '"' || c == '%' {
			out = append(out, fmt.Sprintf("%%%02X", c)...)
		} else {
			out = append(out, c)
		}
	}
	return string(out)
}

func TestHTTPBinaryAttrs(t *testing.T) {
	tests := []struct {
		name    string
		header  http.Header
		want    map[string]string
		wantErr bool
	}{
		{
			name:   "names lower-cased, prefix stripped, values decoded",
			header: http.Header{"Ce-Id": {"a1"}, "Ce-Subject": {"caf%C3%A9 %22x%22 100%25"}, "Ce-Source": {" urn:x "}, "Content-Type": {"application/json"}},
			want:   map[string]string{"id": "a1", "subject": `café "x" 100%`, "source": "urn:x"},
		},
		{
			name:   "plus stays plus",
			header: http.Header{"Ce-Subject": {"a+b"}},
			want:   map[string]string{"subject": "a+b"},
		},
		{name: "malformed escape", header: http.Header{"Ce-Subject": {"100%"}}, wantErr: true},
		{name: "escape to invalid UTF-8", header: http.Header{"Ce-Subject": {"%FF"}}, wantErr: true},
		{name: "header twice", header: http.Header{"Ce-Id": {"a", "b"}}, wantErr: true},
		{name: "no ce headers", header: http.Header{"Accept": {"*/*"}}, want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HTTPBinaryAttrs(tt.header)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				if len(ProblemsOf(err)) == 0 || ProblemsOf(err)[0].Rule != "binding" {
					t.Errorf("problems = %v, want a binding problem", ProblemsOf(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNATSBinaryAttrsNoPercentDecoding(t *testing.T) {
	got, err := NATSBinaryAttrs(nats.Header{"CE-Subject": {"100% café"}, "ce-id": {"x"}, "Nats-Msg-Id": {"m"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"subject": "100% café", "id": "x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestParseBinaryProblems(t *testing.T) {
	v := newTestValidator(t)
	good := map[string]string{
		"specversion": "1.0", "id": "b-1", "source": "urn:test", "type": string(PlacementEnded), "time": "2024-03-01T09:00:00Z",
	}
	body := []byte(`{"placement_id":"p1","person":"` + testPseudonym + `","end":"2024-03-01"}`)
	with := func(k, val string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		if val == "" {
			delete(m, k)
		} else {
			m[k] = val
		}
		return m
	}
	tests := []struct {
		name  string
		attrs map[string]string
		ct    string
		data  []byte
		want  []string
	}{
		{"valid", good, "application/json", body, nil},
		{"valid without content type", good, "", body, nil},
		{"valid with charset", good, "application/json; charset=utf-8", body, nil},
		{"missing id and time", with("id", ""), "application/json", body, []string{"required $.id"}},
		{"body not JSON", good, "application/json", []byte("{oops"), []string{"json $.data"}},
		{"text body", good, "text/plain", []byte("hello"), []string{"json $.data", "profile.datacontenttype $.datacontenttype"}},
		{"no body", good, "application/json", nil, []string{"required $.data"}},
		{"bad extension name", with("my_ext", "x"), "application/json", body, []string{"attribute-name $.my_ext"}},
		{"extension named data", with("data", "x"), "application/json", body, []string{"attribute-name $.data"}},
		{"content type twice, differing", with("datacontenttype", "text/plain"), "application/json", body, []string{"binding $.datacontenttype"}},
		{"bad time", with("time", "yesterday"), "application/json", body, []string{"time $.time"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.ParseBinary(tt.attrs, tt.ct, tt.data)
			got := problemKeys(ProblemsOf(err))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems %q, want %q", got, tt.want)
			}
		})
	}
}
