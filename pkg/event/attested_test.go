package event

import (
	"bytes"
	"testing"
)

// TestParseAttested: for every valid fixture, as sent and as the gateway
// stores it (Encode), ParseAttested gives the event ParseStructured gives;
// for input that does not decode cleanly it reports what ParseStructured
// reports; and it does skip the data checks (that is its point, and why
// only attested input may reach it).
func TestParseAttested(t *testing.T) {
	v := newTestValidator(t)
	for _, fx := range loadFixtures(t, "valid") {
		t.Run(fx.name, func(t *testing.T) {
			want, err := v.ParseStructured(fx.body)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := Encode(want)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range [][]byte{fx.body, stored} {
				got, err := v.ParseAttested(in)
				if err != nil {
					t.Fatalf("ParseAttested: %v", err)
				}
				if d := eventDiff(want, got); d != "" {
					t.Errorf("ParseAttested differs from ParseStructured: %s", d)
				}
				if !bytes.Equal(got.Data(), want.Data()) {
					t.Errorf("data %s, want %s", got.Data(), want.Data())
				}
			}
		})
	}

	tests := []struct {
		name      string
		body      string
		wantError bool
	}{
		{name: "not JSON", body: `{"specversion":`, wantError: true},
		{name: "envelope without id", body: `{"specversion":"1.0","source":"urn:x","type":"org.sundflow.vacancy.closed.v1","time":"2026-01-02T03:04:05Z","data":{}}`, wantError: true},
		{name: "unknown type", body: `{"specversion":"1.0","id":"a","source":"urn:x","type":"org.example.other.v1","time":"2026-01-02T03:04:05Z","data":{}}`, wantError: true},
		{name: "data_base64 gets the full check", body: `{"specversion":"1.0","id":"a","source":"urn:x","type":"org.sundflow.vacancy.closed.v1","time":"2026-01-02T03:04:05Z","data_base64":"e30="}`, wantError: true},
		// The data break the schema, and no check runs: the caller must
		// have proof the event was checked before.
		{name: "data not checked", body: `{"specversion":"1.0","id":"a","source":"urn:x","type":"org.sundflow.vacancy.closed.v1","time":"2026-01-02T03:04:05Z","dataschema":"https://sundflow.org/schemas/org.sundflow.vacancy.closed.v1.json","data":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.ParseAttested([]byte(tt.body))
			if (err != nil) != tt.wantError {
				t.Fatalf("err %v, want error %v", err, tt.wantError)
			}
			if tt.wantError {
				_, want := v.ParseStructured([]byte(tt.body))
				if want == nil || err.Error() != want.Error() {
					t.Errorf("err %q, want ParseStructured's %q", err, want)
				}
			}
		})
	}
}
