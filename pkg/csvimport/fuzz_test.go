package csvimport

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// FuzzImport feeds arbitrary bytes as a list: the importer must not
// panic, and every row must end up in exactly one bucket.
func FuzzImport(f *testing.F) {
	for _, name := range []string{"helsingor-fair-signups.csv", "helsingor-fair-signups-bad.csv"} {
		b, err := readFileF(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Dato,Status,CPR-nr.,Bopælsland,Bopælskommune\n\"04-03-2019\",\"x\n"))
	mapping, err := readFileF("helsingor-fair-signups.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, csv []byte) {
		im := newImporter(t, mapping)
		rep, err := im.Run(context.Background(), bytes.NewReader(csv), newStore())
		if err != nil && !errors.Is(err, ErrRowsRejected) && !errors.Is(err, ErrFile) {
			t.Fatalf("unexpected error: %v", err)
		}
		if rep == nil || errors.Is(err, ErrFile) {
			return
		}
		if rep.Rows != rep.Events+len(rep.Repeats)+rep.Rejected {
			t.Fatalf("rows %d != events %d + repeats %d + rejected %d", rep.Rows, rep.Events, len(rep.Repeats), rep.Rejected)
		}
	})
}
