package gateway

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestSplitBatch(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr string
	}{
		{"empty", `[]`, 0, ""},
		{"two", ` [ {"a":1} , {"b":[1,2]} ] `, 2, ""},
		{"not an array", `{"a":1}`, 0, "must be a JSON array"},
		{"cut off", `[{"a":1},`, 0, "ends before"},
		{"garbage inside", `[{"a":1} x]`, 0, "syntax error at byte"},
		{"trailing", `[] []`, 0, "goes on after"},
		{"nothing", ``, 0, "ends before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitBatch([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
					t.Fatalf("got %v, want an error saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != tt.want {
				t.Fatalf("got %d elements, %v; want %d", len(got), err, tt.want)
			}
		})
	}
}

// FuzzSplitBatch: splitBatch accepts exactly what encoding/json reads as
// an array, with the same elements, and its errors never quote the input.
func FuzzSplitBatch(f *testing.F) {
	for _, s := range []string{`[]`, `[{"id":"x"}]`, `[1,"a",null,{"b":[{}]}]`, `{"a":1}`, `[`, `[1,]`, `"s"`, `[] 1`, `null`, ` null `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := splitBatch(b)
		var want []json.RawMessage
		werr := json.Unmarshal(b, &want)
		if werr == nil && want == nil {
			// null: json.Unmarshal takes it for an empty slice; a batch
			// must be an array.
			if err == nil {
				t.Fatalf("splitBatch accepted %q", b)
			}
			return
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("splitBatch error %v, json.Unmarshal error %v, for %q", err, werr, b)
		}
		if err != nil {
			if len(b) > 3 && bytes.Contains([]byte(err.Error()), b) {
				t.Fatalf("error %q quotes the input", err)
			}
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%d elements, json.Unmarshal finds %d", len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(bytes.TrimSpace(got[i]), bytes.TrimSpace(want[i])) {
				t.Fatalf("element %d: %q, json.Unmarshal: %q", i, got[i], want[i])
			}
		}
	})
}
