package event

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/pseudonym"
	"github.com/sundflow/sundflow/schemas"
)

// fixtureKey and the ids synthetic-person-01..20 derive every pseudonym in
// testdata: no fixture is about a real person.
var fixtureKey = []byte("sundflow-fixture-key")

func newTestValidator(t testing.TB) *Validator {
	t.Helper()
	v, err := NewValidator()
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	return v
}

type fixture struct {
	name string // dir/file without .json
	path string
	body []byte
	want []string // "rule path", sorted; invalid fixtures only
}

func loadFixtures(t testing.TB, kind string) []fixture {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", kind, "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no fixtures under testdata/%s", kind)
	}
	var out []fixture
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fx := fixture{
			name: filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".json"),
			path: f,
			body: body,
		}
		if kind == "invalid" {
			fx.want = readWant(t, strings.TrimSuffix(f, ".json")+".want")
		}
		out = append(out, fx)
	}
	return out
}

// readWant reads a .want file: one "rule path" per line, # comments.
func readWant(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("every invalid fixture needs its .want file: %v", err)
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		want = append(want, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(want)
	return want
}

func problemKeys(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Rule + " " + p.Path
	}
	sort.Strings(out)
	return out
}

func TestValidFixtures(t *testing.T) {
	v := newTestValidator(t)
	seen := map[Type]int{}
	for _, fx := range loadFixtures(t, "valid") {
		t.Run(fx.name, func(t *testing.T) {
			e, err := v.ParseStructured(fx.body)
			if err != nil {
				t.Fatalf("ParseStructured: %v", err)
			}
			wantType := Type("org.sundflow." + strings.Split(fx.name, "/")[0] + ".v1")
			if Type(e.Type()) != wantType {
				t.Errorf("type %s, want %s (the fixture's folder)", e.Type(), wantType)
			}
			seen[wantType]++
			if err := v.Validate(e); err != nil {
				t.Errorf("Validate of the parsed event: %v", err)
			}
			b, err := Encode(e)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			back, err := v.ParseStructured(b)
			if err != nil {
				t.Fatalf("ParseStructured(Encode(e)): %v", err)
			}
			if diff := eventDiff(e, back); diff != "" {
				t.Errorf("decode(encode(e)) differs: %s", diff)
			}
		})
	}
	for _, typ := range Types {
		if seen[typ] < 2 {
			t.Errorf("%s: %d valid fixtures, want at least 2", typ, seen[typ])
		}
	}
}

func TestInvalidFixtures(t *testing.T) {
	v := newTestValidator(t)
	for _, fx := range loadFixtures(t, "invalid") {
		t.Run(fx.name, func(t *testing.T) {
			_, err := v.ParseStructured(fx.body)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			got := problemKeys(ProblemsOf(err))
			if !slices.Equal(got, fx.want) {
				t.Errorf("problems (rule path):\n got  %q\n want %q\nfull: %v", got, fx.want, err)
			}
			for _, p := range ProblemsOf(err) {
				if p.Message == "" {
					t.Errorf("%s %s: empty message", p.Rule, p.Path)
				}
			}
			assertNoEcho(t, fx.body, err)
		})
	}
}

// assertNoEcho checks that no value the event carried (a string of five
// characters or more, other than the fixed-form attributes) appears in
// the error: messages must never repeat what was sent.
func assertNoEcho(t *testing.T, body []byte, err error) {
	t.Helper()
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return
	}
	for _, k := range []string{"specversion", "type", "datacontenttype", "dataschema"} {
		delete(doc, k)
	}
	text := err.Error()
	allowed := schemaEnumValues(t)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if len(x) >= 5 && !allowed[x] && containsWord(text, x) {
				t.Errorf("the error echoes a value of the event (%d characters)", len(x))
			}
		case []any:
			for _, i := range x {
				walk(i)
			}
		case map[string]any:
			for _, i := range x {
				walk(i)
			}
		}
	}
	walk(doc)
}

// containsWord reports whether w occurs in text with no letter, digit or
// underscore right before or after it.
func containsWord(text, w string) bool {
	isWord := func(c byte) bool {
		return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	}
	for i := 0; ; {
		j := strings.Index(text[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		if (start == 0 || !isWord(text[start-1])) && (end == len(text) || !isWord(text[end])) {
			return true
		}
		i = start + 1
	}
}

// schemaEnumValues lists every enum value of the schemas: messages may
// name them (and a vacancy closed as "filled" is no secret).
func schemaEnumValues(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	names, _ := fs.Glob(schemas.FS, "*.json")
	for _, n := range names {
		b, err := fs.ReadFile(schemas.FS, n)
		if err != nil {
			t.Fatal(err)
		}
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				if e, ok := x["enum"].([]any); ok {
					for _, s := range e {
						if s, ok := s.(string); ok {
							out[s] = true
						}
					}
				}
				for _, c := range x {
					walk(c)
				}
			case []any:
				for _, c := range x {
					walk(c)
				}
			}
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		walk(doc)
	}
	return out
}

// TestFixtureRules checks the fixtures cover every rule the validator
// can report, so a new rule cannot land without a fixture.
func TestFixtureRules(t *testing.T) {
	covered := map[string]bool{}
	for _, fx := range loadFixtures(t, "invalid") {
		for _, w := range fx.want {
			rule, _, _ := strings.Cut(w, " ")
			covered[rule] = true
		}
	}
	rules := []string{
		"required", "non-empty", "type", "specversion", "time", "uri-reference", "uri", "attribute-name",
		"extension-type", "data-exclusive", "base64", "json", "media-type", "profile.datacontenttype",
		"profile.dataschema", "unknown-type", "string-chars", "duplicate",
		"pattern", "enum", "minimum", "format", "additionalProperties", "oneOf", "minItems", "uniqueItems",
		"exclusiveMinimum", "minLength",
		RuleCountry, RuleDKMunicipality, RuleSEMunicipality, RuleISCO, RuleSSYK, RuleDISCO, RuleCVR, RuleOrgnr,
		RuleDateOrder, RuleFilled, RulePositionsFilled, RuleCrossBorder, RuleRetractSource, RuleRetractSelf,
		RulePrivacyCPR, RulePrivacyPersonnummer, RulePrivacyEmail,
	}
	for _, r := range rules {
		if !covered[r] {
			t.Errorf("no invalid fixture expects rule %s", r)
		}
	}
	for _, typ := range Types {
		dir := filepath.Join("testdata", "invalid", strings.TrimSuffix(strings.TrimPrefix(string(typ), "org.sundflow."), ".v1"))
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		if len(files) < 2 {
			t.Errorf("%s: %d invalid fixtures, want several", typ, len(files))
		}
	}
}

// TestFixturePseudonyms proves every pseudonym in the fixtures is derived
// from a synthetic id.
func TestFixturePseudonyms(t *testing.T) {
	allowed := map[string]bool{}
	for i := 1; i <= 20; i++ {
		allowed[pseudonym.Derive(fixtureKey, fmt.Sprintf("synthetic-person-%02d", i))] = true
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*", "*.json"))
	for _, f := range files {
		body, _ := os.ReadFile(f)
		for _, word := range strings.FieldsFunc(string(body), func(r rune) bool { return !strings.ContainsRune("0123456789abcdef", r) }) {
			if len(word) == pseudonym.Size && !allowed[word] {
				t.Errorf("%s: pseudonym %s… is not derived from a synthetic id", f, word[:8])
			}
		}
	}
}

// eventDiff compares two events attribute by attribute; time by instant.
func eventDiff(a, b ce.Event) string {
	var d []string
	cmp := func(name string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			d = append(d, fmt.Sprintf("%s: %v != %v", name, x, y))
		}
	}
	cmp("specversion", a.SpecVersion(), b.SpecVersion())
	cmp("id", a.ID(), b.ID())
	cmp("source", a.Source(), b.Source())
	cmp("type", a.Type(), b.Type())
	cmp("subject", a.Subject(), b.Subject())
	cmp("datacontenttype", a.DataContentType(), b.DataContentType())
	cmp("dataschema", a.DataSchema(), b.DataSchema())
	if !a.Time().Equal(b.Time()) {
		d = append(d, fmt.Sprintf("time: %v != %v", a.Time(), b.Time()))
	}
	ea, eb := a.Extensions(), b.Extensions()
	if len(ea) != 0 || len(eb) != 0 {
		cmp("extensions", ea, eb)
	}
	cmp("data_base64", a.DataBase64, b.DataBase64)
	if !bytes.Equal(a.DataEncoded, b.DataEncoded) {
		d = append(d, fmt.Sprintf("data: %s != %s", a.DataEncoded, b.DataEncoded))
	}
	return strings.Join(d, "; ")
}
