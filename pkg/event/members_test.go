package event

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestDuplicateMembers: a member given twice is reported once, as a
// duplicate at its path, whether the event has a few members (looked
// through) or many (looked up in a map), and an attested event with one
// gets the full check.
func TestDuplicateMembers(t *testing.T) {
	v := newTestValidator(t)
	const head = `"specversion":"1.0","id":"a","source":"urn:x","type":"org.sundflow.vacancy.closed.v1","time":"2026-01-02T03:04:05Z"`
	event := func(extensions int, dup string) []byte {
		var b strings.Builder
		b.WriteString("{" + head)
		for i := range extensions {
			fmt.Fprintf(&b, `,"ext%d":"v"`, i)
		}
		if dup != "" {
			b.WriteString("," + dup)
		}
		b.WriteString(`,"data":{"vacancy_id":"v-1","closed":"2026-01-02","reason":"filled"}}`)
		return []byte(b.String())
	}
	for _, n := range []int{0, 3, nameSetFrom - 6, nameSetFrom - 5, nameSetFrom, 40} {
		for _, tt := range []struct{ dup, path string }{
			{"", ""},
			{`"source":"urn:y"`, "$.source"},
			{`"ext0":"w"`, "$.ext0"},
		} {
			if tt.dup == `"ext0":"w"` && n == 0 {
				continue
			}
			t.Run(fmt.Sprintf("%d extensions, %s", n, tt.dup), func(t *testing.T) {
				body := event(n, tt.dup)
				_, err := v.ParseStructured(body)
				var dups []string
				var ie *InvalidError
				if errors.As(err, &ie) {
					for _, p := range ie.Problems {
						if p.Rule == "duplicate" {
							dups = append(dups, p.Path)
						}
					}
				} else if err != nil {
					t.Fatal(err)
				}
				switch {
				case tt.path == "" && len(dups) > 0:
					t.Fatalf("duplicates %v reported in an event without any", dups)
				case tt.path != "" && (len(dups) != 1 || dups[0] != tt.path):
					t.Fatalf("duplicates reported %v, want [%s]", dups, tt.path)
				}
				if _, err := v.ParseAttested(body); (err != nil) != (tt.path != "") {
					t.Fatalf("ParseAttested: %v, want an error %v", err, tt.path != "")
				}
			})
		}
	}
}
