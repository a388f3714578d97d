package event

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseStructured feeds the decoder arbitrary bytes, starting from
// every fixture. It must never panic, a rejection must list at least one
// problem, and an accepted event must survive Encode: decoding the
// encoding gives the same event, and encoding that gives the same bytes.
func FuzzParseStructured(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures to seed from: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	v := newTestValidator(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		e, err := v.ParseStructured(in)
		if err != nil {
			if len(ProblemsOf(err)) == 0 {
				t.Fatalf("rejected without a problem: %v", err)
			}
			return
		}
		enc, err := Encode(e)
		if err != nil {
			t.Fatalf("Encode of an accepted event: %v", err)
		}
		back, err := v.ParseStructured(enc)
		if err != nil {
			t.Fatalf("ParseStructured(Encode(e)) rejected: %v\ninput %q\nencoded %q", err, in, enc)
		}
		if d := eventDiff(e, back); d != "" {
			t.Fatalf("decode(encode(e)) != e: %s\ninput %q", d, in)
		}
		enc2, err := Encode(back)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable: %q then %q (%v)", enc, enc2, err)
		}
	})
}
