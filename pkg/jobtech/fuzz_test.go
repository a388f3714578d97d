package jobtech

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzReader feeds arbitrary bytes as a stream: no panic, and every ad
// read is published, closed or skipped.
func FuzzReader(f *testing.F) {
	b, err := os.ReadFile("/work/shared/testdata/jobtech/stream-sample.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add(`[{"id":"1","removed":true,"removed_date":"2019-01-01T00:00:00","municipality":"qj3q_oXH_MGR"}]`)
	f.Add(`{"id":2,"occupation_group":"DJh5_yyF_hEM"}` + "\n" + `{"id":null}`)
	f.Fuzz(func(t *testing.T, in string) {
		rd := &Reader{Converter: &Converter{Lan: []string{"12"}}, Validator: validator}
		st, err := rd.Run(context.Background(), strings.NewReader(in), &collect{})
		if err != nil && !errors.Is(err, ErrStream) {
			t.Fatalf("unexpected error: %v", err)
		}
		if st.Ads != st.Published+st.Closed+st.SkippedTotal() {
			t.Fatalf("ads %d != published %d + closed %d + skipped %d", st.Ads, st.Published, st.Closed, st.SkippedTotal())
		}
	})
}
