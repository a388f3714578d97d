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

// TestSchemaURIs: the types' own schema URIs, which envelope takes
// without checking them again, pass every check a dataschema gets, and
// an event giving its type's schema URI keeps it as given.
func TestSchemaURIs(t *testing.T) {
	v := newTestValidator(t)
	for _, ty := range Types {
		s := ty.SchemaURI()
		u, ok := schemaURIs[s]
		if !ok {
			t.Fatalf("%s: schema URI %s not parsed beforehand", ty, s)
		}
		if !u.IsAbs() || !uriChars(s) || u.String() != s {
			t.Errorf("%s: schema URI %s would fail the dataschema checks (absolute %v, URI characters %v, as parsed %s)", ty, s, u.IsAbs(), uriChars(s), u)
		}
	}
	body := `{"specversion":"1.0","id":"a","source":"urn:x","type":"org.sundflow.vacancy.closed.v1","time":"2026-01-02T03:04:05Z","dataschema":"` +
		VacancyClosed.SchemaURI() + `","data":{}}`
	e, err := v.ParseAttested([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if e.DataSchema() != VacancyClosed.SchemaURI() {
		t.Errorf("dataschema %q, want %q", e.DataSchema(), VacancyClosed.SchemaURI())
	}
	// Another type's schema URI is still refused.
	wrong := strings.Replace(body, VacancyClosed.SchemaURI(), VacancyPublished.SchemaURI(), 1)
	if _, err := v.ParseStructured([]byte(wrong)); err == nil || !strings.Contains(err.Error(), "profile.dataschema") {
		t.Errorf("another type's schema URI: err %v, want a profile.dataschema problem", err)
	}
}
