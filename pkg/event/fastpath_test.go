package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	cetypes "github.com/cloudevents/sdk-go/v2/types"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The tests in this file hold the fast path to the code it replaced
// (oracle_test.go): every verdict, problem (path, rule, message, order),
// event and encoding must be the same, on the fixtures, on inputs made
// to hit the fast path's edges, and on fuzzed inputs.

// newOracleValidator is a Validator as it was built before the fast
// path: schemas compiled with the regexp package, no fast evaluator.
func newOracleValidator(t testing.TB) *Validator {
	t.Helper()
	s, h, err := oldCompileSchemas()
	if err != nil {
		t.Fatal(err)
	}
	return &Validator{schemas: s, hints: h}
}

// edgeInputs are structured events that take the fast path's rare
// branches: escapes, surrogates, repeated names, white space, numbers,
// deep nesting, and text that is not a plain JSON object.
func edgeInputs() [][]byte {
	const head = `"specversion":"1.0","id":"e-1","source":"urn:sundflow:test","type":"org.sundflow.placement.ended.v1","time":"2024-03-01T09:30:00Z"`
	const pseud = "43879ab0318b5473cf7147fe5337c9a78ff568e6237996e444d816f38b6b5d10"
	data := `"placement_id":"p-1","person":"` + pseud + `","end":"2024-09-01"`
	deep := strings.Repeat("[", 600) + strings.Repeat("]", 600)
	var many strings.Builder // more attributes than rawEvent scans without an index
	for i := range 20 {
		fmt.Fprintf(&many, `,"ext%d":%s`, i, []string{`"x"`, `1`, `true`, `1.5`, `{}`, `"0101901234"`}[i%6])
	}
	ins := []string{
		`{` + head + `,"data":{` + data + `}}`,
		`{` + head + many.String() + `,"data":{` + data + `}}`,
		`{"time":"2024-03-01T09:30:00Z"` + many.String() + `,"datacontenttype":"application/json","data":{` + data + `}}`,
		" \r\n\t{ " + head + " , \"data\" : { " + strings.ReplaceAll(data, ",", " ,\n ") + " } } \n",
		`{` + head + `,"data":{` + data + `,"placement_id":"p-2"}}`, // repeated name in data: last wins
		`{` + head + `,"data":{` + data + `},"data":{}}`,            // repeated data
		`{` + head + `,"id":"e-2","data":{` + data + `}}`,           // repeated attribute
		`{` + head + `,"data":{"placement_id":"p\u002d1","person":"` + pseud + `","end":"2024-09-01"}}`,
		`{` + head + `,"data":{` + data + `,"reason":"\ud800 lone"}}`,                  // lone surrogate in data
		`{` + head + `,"data":{` + data + `,"reason":"pair \ud83d\ude00 \n\t\"\\\/"}}`, // escapes
		`{` + head + `,"ext":"\udc00","data":{` + data + `}}`,                          // lone surrogate in an extension
		`{` + head + `,"ext":"caf\u00e9 \u2028","n":12,"m":-0,"big":1e3,"f":1.5,"b":true,"data":{` + data + `}}`,
		`{` + head + `,"ext":"x","data":{` + data + `,"deep":` + deep + `}}`,
		`{` + head + `,"data":` + deep + `}`,
		`{` + head + `,"data":{` + data + `}} x`,
		`{` + head + `,"data":{` + data + `}`,
		`[{` + head + `}]`,
		`"a string"`,
		``,
		`{}`,
		`{"data":null,"data_base64":null}`,
		`{` + head + `,"data":null,"data_base64":"eyJ4IjoxfQ=="}`,
		`{` + head + `,"data":{},"data_base64":"eyJ4IjoxfQ=="}`,
		`{` + head + `,"data_base64":"` + "e30=" + `"}`,
		`{` + head + `,"data_base64":"not base64"}`,
		`{` + head + `,"data_base64":12}`,
		`{` + head + `,"data":"text"}`,
		`{` + head + `,"data":{` + data + `,"end":"2024-02-30"}}`,
		`{` + head + `,"data":{` + data + `,"x":1e400}}`,
		`{` + head + `,"data":{` + data + `,"x":01}}`,
		`{` + head + `,"data":{` + data + `,"x":tru}}`,
		`{` + head + `,"data":{` + data + `,"x":"\x01"}}`,
		`{` + head + `,"data":{` + data + `,"x":"\q"}}`,
		`{` + head + `,"data":{` + data + `,"x":"\u12G4"}}`,
		"{" + head + ",\"data\":{" + data + ",\"x\":\"\xff\"}}",
		"\xef\xbb\xbf{" + head + ",\"data\":{" + data + "}}",
		`{` + head + `,"datacontenttype":"application/json; charset=utf-8","data":{` + data + `}}`,
		`{` + head + `,"datacontenttype":"text/plain","data":{` + data + `}}`,
		`{` + head + `,"dataschema":"https://sundflow.org/schemas/org.sundflow.placement.ended.v1.json","data":{` + data + `}}`,
		`{` + head + `,"dataschema":"https://sundflow.org/schemas/org.sundflow.placement.started.v1.json","data":{` + data + `}}`,
		`{` + head + `,"data":{` + data + `,"reason":"call 0101901234 or a@b.dk"}}`,
		`{` + head + `,"data":{"placement_id":"p-1","person":"` + pseud + `","end":"2024-09-01","0101901234":1}}`,
	}
	out := make([][]byte, len(ins))
	for i, s := range ins {
		out[i] = []byte(s)
	}
	return out
}

func fixtureBodies(t testing.TB) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// compareParse checks ParseStructured against the oracle on one input.
func compareParse(t *testing.T, v, ov *Validator, in []byte) {
	t.Helper()
	e, err := v.ParseStructured(in)
	oe, oerr := oldParseStructured(ov, in)
	compareOutcome(t, "ParseStructured", in, e, err, oe, oerr)
}

func compareOutcome(t *testing.T, what string, in []byte, e ce.Event, err error, oe ce.Event, oerr error) {
	t.Helper()
	if (err == nil) != (oerr == nil) {
		t.Fatalf("%s: error %v, oracle %v\ninput %q", what, err, oerr, in)
	}
	if got, want := ProblemsOf(err), ProblemsOf(oerr); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: problems differ\n got  %v\n want %v\ninput %q", what, got, want, in)
	}
	if err != nil && oerr != nil && err.Error() != oerr.Error() {
		t.Fatalf("%s: error text %q, oracle %q", what, err, oerr)
	}
	if !reflect.DeepEqual(e, oe) {
		t.Fatalf("%s: event differs: %s\n got  %#v\n want %#v\ninput %q", what, eventDiff(e, oe), e, oe, in)
	}
	if err != nil {
		return
	}
	enc, encErr := Encode(e)
	oenc, oencErr := oldEncode(oe)
	if !bytes.Equal(enc, oenc) || fmt.Sprint(encErr) != fmt.Sprint(oencErr) {
		t.Fatalf("%s: Encode %q (%v), oracle %q (%v)", what, enc, encErr, oenc, oencErr)
	}
}

func TestOracleParseStructured(t *testing.T) {
	v, ov := newTestValidator(t), newOracleValidator(t)
	inputs := append(fixtureBodies(t), edgeInputs()...)
	for i, in := range inputs {
		t.Run(fmt.Sprint(i), func(t *testing.T) { compareParse(t, v, ov, in) })
	}
}

func FuzzOracleParseStructured(f *testing.F) {
	for _, b := range append(fixtureBodies(f), edgeInputs()...) {
		f.Add(b)
	}
	v, ov := newTestValidator(f), newOracleValidator(f)
	f.Fuzz(func(t *testing.T, in []byte) { compareParse(t, v, ov, in) })
}

func compareBatch(t *testing.T, v, ov *Validator, in []byte) {
	t.Helper()
	res, err := v.ParseBatch(in)
	ores, oerr := oldParseBatch(ov, in)
	if !reflect.DeepEqual(ProblemsOf(err), ProblemsOf(oerr)) || (err == nil) != (oerr == nil) {
		t.Fatalf("ParseBatch error %v, oracle %v\ninput %q", err, oerr, in)
	}
	if len(res) != len(ores) {
		t.Fatalf("ParseBatch: %d results, oracle %d", len(res), len(ores))
	}
	for i := range res {
		if res[i].Index != ores[i].Index || res[i].Line != ores[i].Line {
			t.Fatalf("result %d: index %d line %d, oracle %d %d", i, res[i].Index, res[i].Line, ores[i].Index, ores[i].Line)
		}
		compareOutcome(t, fmt.Sprintf("ParseBatch[%d]", i), in, res[i].Event, res[i].Err, ores[i].Event, ores[i].Err)
	}
}

func batchInputs(t testing.TB) [][]byte {
	bodies := fixtureBodies(t)
	var out [][]byte
	out = append(out, append(append([]byte("[\n"), bytes.Join(bodies, []byte(",\n"))...), "\n]"...))
	var compact [][]byte
	for _, b := range bodies {
		var buf bytes.Buffer
		if json.Compact(&buf, b) == nil {
			compact = append(compact, buf.Bytes())
		}
	}
	out = append(out, append(append([]byte("["), bytes.Join(compact, []byte(","))...), ']'))
	for _, s := range []string{`[]`, ` [ ] `, `[1,"a",null]`, `[{}] x`, `{"a":1}`, `[`, `[{"a":1},]`, "[\xff]", `[` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `]`} {
		out = append(out, []byte(s))
	}
	return out
}

func TestOracleParseBatch(t *testing.T) {
	v, ov := newTestValidator(t), newOracleValidator(t)
	for i, in := range batchInputs(t) {
		t.Run(fmt.Sprint(i), func(t *testing.T) { compareBatch(t, v, ov, in) })
	}
}

func FuzzOracleParseBatch(f *testing.F) {
	for _, b := range batchInputs(f) {
		f.Add(b)
	}
	v, ov := newTestValidator(f), newOracleValidator(f)
	f.Fuzz(func(t *testing.T, in []byte) { compareBatch(t, v, ov, in) })
}

// FuzzOracleParseBinary varies the body and the content type of a
// binary-mode event.
func FuzzOracleParseBinary(f *testing.F) {
	cts := []string{"", "application/json", "application/cloudevents+json", "text/plain", "application/json; charset=utf-8", "bogus"}
	for _, b := range fixtureBodies(f) {
		var doc map[string]json.RawMessage
		if json.Unmarshal(b, &doc) == nil && doc["data"] != nil {
			f.Add([]byte(doc["data"]), uint8(1))
		}
	}
	f.Add([]byte("\xff{}"), uint8(0))
	f.Add([]byte(`{"a":"\ud800"}`), uint8(2))
	v, ov := newTestValidator(f), newOracleValidator(f)
	f.Fuzz(func(t *testing.T, data []byte, ct uint8) {
		attrs := map[string]string{"specversion": "1.0", "id": "b-1", "source": "urn:sundflow:test",
			"type": string(PlacementEnded), "time": "2024-03-01T09:30:00Z"}
		contentType := cts[int(ct)%len(cts)]
		e, err := v.ParseBinary(attrs, contentType, data)
		oe, oerr := oldParseBinary(ov, attrs, contentType, data)
		compareOutcome(t, "ParseBinary", data, e, err, oe, oerr)
	})
}

// TestOracleValidateEncode compares Validate and Encode on events built
// in Go, with extension values of every kind and text that needs
// escaping.
func TestOracleValidateEncode(t *testing.T) {
	v, ov := newTestValidator(t), newOracleValidator(t)
	at := time.Date(2024, 3, 1, 9, 30, 0, 123456789, time.FixedZone("", 3600))
	exts := []any{"plain", "R&D <b> \"q\" \\ \u2028 é \x01", "", true, false, int32(-7), 7, int64(1) << 40, 2.0, 2.5,
		math.MaxInt32 + 1.0, []byte{0, 1, 255}, cetypes.URI{URL: url.URL{Scheme: "https", Host: "example.org", Path: "/a b"}}, at, struct{}{}}
	for typ, data := range sampleData() {
		e, err := New(typ, "urn:sundflow:test", "id-1", at, data)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range exts {
			t.Run(fmt.Sprintf("%s/%d", typ, i), func(t *testing.T) {
				e := e.Clone()
				e.SetExtension("ext", x)
				if err := e.Context.(*ce.EventContextV1).SetExtension("other", "x"); err != nil {
					t.Fatal(err)
				}
				err, oerr := v.Validate(e), oldValidate(ov, e)
				if fmt.Sprint(err) != fmt.Sprint(oerr) {
					t.Fatalf("Validate %v, oracle %v", err, oerr)
				}
				enc, encErr := Encode(e)
				oenc, oencErr := oldEncode(e)
				if !bytes.Equal(enc, oenc) || fmt.Sprint(encErr) != fmt.Sprint(oencErr) {
					t.Fatalf("Encode %q (%v), oracle %q (%v)", enc, encErr, oenc, oencErr)
				}
			})
		}
	}
	// Encode's own errors: a colliding extension and data that is not JSON.
	e, _ := New(PlacementEnded, "urn:sundflow:test", "id-1", at, sampleData()[PlacementEnded])
	bad := []func(ce.Event) ce.Event{
		func(e ce.Event) ce.Event {
			e.Context.(*ce.EventContextV1).Extensions = map[string]any{"id": "x", "data": 1}
			return e
		},
		func(e ce.Event) ce.Event { e.DataEncoded = []byte(`{"a":`); return e },
		func(e ce.Event) ce.Event { e.DataEncoded = []byte{}; return e },
		func(e ce.Event) ce.Event { e.DataEncoded = []byte(" {\"a\" : [1, 2]} "); return e },
		func(e ce.Event) ce.Event { e.DataEncoded, e.DataBase64 = []byte{1, 2, 3}, true; return e },
		func(e ce.Event) ce.Event {
			e.Context.(*ce.EventContextV1).Extensions = map[string]any{"ch": make(chan int)}
			return e
		},
	}
	for i, f := range bad {
		x := f(e.Clone())
		enc, encErr := Encode(x)
		oenc, oencErr := oldEncode(x)
		if !bytes.Equal(enc, oenc) || fmt.Sprint(encErr) != fmt.Sprint(oencErr) {
			t.Errorf("case %d: Encode %q (%v), oracle %q (%v)", i, enc, encErr, oenc, oencErr)
		}
	}
}

// otherPatterns have shapes the contract's patterns do not, for
// FuzzPattern.
var otherPatterns = []string{`^[a-z]$`, `^ab?$`, `^[^a-z]{2,3}$`, `^(?i)[a-z]{2}$`, `^(?i)k$`, `^\d{2}x$`, `^[a-z]*[a-z]$`,
	`^é[ä-ö]+$`, `^$`, `^a{0}$`, `^[\x{FFFD}]$`, `a`, `^a`, `(?m)^a$`, `^(?:ab){2}$`, `^[a-c]{1,2}[b-d]$`}

// schemaPatterns are the patterns of every schema of the contract.
func schemaPatterns(t testing.TB) []string {
	t.Helper()
	var out []string
	v := newTestValidator(t)
	seen := map[string]bool{}
	var walk func(s *jsonschema.Schema)
	walk = func(s *jsonschema.Schema) {
		if s == nil || seen[s.Location] {
			return
		}
		seen[s.Location] = true
		if s.Pattern != nil {
			out = append(out, s.Pattern.String())
		}
		for _, c := range append([]*jsonschema.Schema{s.Ref, s.Items2020, s.Not}, append(s.OneOf, s.AnyOf...)...) {
			walk(c)
		}
		for _, c := range s.Properties {
			walk(c)
		}
	}
	for _, s := range v.schemas {
		walk(s)
	}
	return out
}

func TestPatternsFast(t *testing.T) {
	// The contract's patterns all take the fast matcher.
	for _, p := range schemaPatterns(t) {
		re, err := compilePattern(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := re.(*classPattern); !ok {
			t.Errorf("pattern %s is matched by regexp, not the fast matcher", p)
		}
		if re.String() != p {
			t.Errorf("String() = %q, want %q (messages quote it)", re.String(), p)
		}
	}
}

func FuzzPattern(f *testing.F) {
	for _, s := range []string{"", "a", "ab", "DK", "dk", "K", "\u212a", "0101", "a-b", "x\xff", "\ufffd", "éä", "43879ab0318b5473cf7147fe5337c9a78ff568e6237996e444d816f38b6b5d10"} {
		f.Add(s)
	}
	patterns := append(schemaPatterns(f), otherPatterns...)
	type pair struct {
		fast jsonschema.Regexp
		re   *regexp.Regexp
	}
	var ps []pair
	for _, p := range patterns {
		fast, err := compilePattern(p)
		if err != nil {
			f.Fatal(err)
		}
		ps = append(ps, pair{fast, regexp.MustCompile(p)})
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range ps {
			if got, want := p.fast.MatchString(s), p.re.MatchString(s); got != want {
				t.Fatalf("pattern %s on %q: %v, regexp %v", p.re, s, got, want)
			}
		}
	})
}

// FuzzJSONScan holds the scanner to encoding/json: the same texts are
// valid, trees, compact forms and array elements are the same.
func FuzzJSONScan(f *testing.F) {
	for _, b := range append(fixtureBodies(f), edgeInputs()...) {
		f.Add(b)
	}
	for _, s := range []string{`[1, 2.5e-3, -0, "x\u00e9", {"a": [true, false, null]}]`, `{"a":1,"a":2}`, `1 2`, `"\ud800"`, ` {} `, `[1,]`, `{"a" 1}`, `-`, `1.`, `1e`, `.5`, "\"\t\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON %v, json.Valid %v: %q", got, want, b)
		}
		if tree, ok := parseJSONTree(b); ok {
			want, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("the fast parser took %q, the library says %v", b, err)
			}
			if !reflect.DeepEqual(libraryTree(&tree), want) {
				t.Fatalf("trees differ: %#v, library %#v", tree, want)
			}
		}
		if json.Valid(b) {
			var want bytes.Buffer
			_ = json.Compact(&want, b)
			if got := appendCompact(nil, b); !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("compact %q, json.Compact %q", got, want.Bytes())
			}
			got, ok := appendValidCompact(nil, b)
			if !ok || !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("appendValidCompact %q %v, json.Compact %q", got, ok, want.Bytes())
			}
		} else if _, ok := appendValidCompact(nil, b); ok {
			t.Fatalf("appendValidCompact took invalid %q", b)
		}
		if elems, ok := BatchElements(b); ok {
			var want []json.RawMessage
			if err := json.Unmarshal(b, &want); err != nil || want == nil {
				t.Fatalf("BatchElements took %q, encoding/json: %v", b, err)
			}
			if len(elems) != len(want) {
				t.Fatalf("%d elements, encoding/json %d", len(elems), len(want))
			}
			for i := range elems {
				if !bytes.Equal(elems[i], want[i]) {
					t.Fatalf("element %d %q, encoding/json %q", i, elems[i], want[i])
				}
			}
		}
	})
}

// TestSchemaVerdicts compares the fast evaluator's verdict with the
// library's for the data of every fixture against every type's schema,
// and for each fixture's data changed one member at a time.
func TestSchemaVerdicts(t *testing.T) {
	v, ov := newTestValidator(t), newOracleValidator(t)
	replacements := []string{`""`, `"x"`, `"DK"`, `"2024-02-30"`, `"2024-03-01"`, `"job-paa-tvaers"`, `0`, `-1`, `1.5`, `1e2`, `2.0`, `true`, `null`, `[]`, `{}`,
		`["a","a"]`, `["a","b"]`, `[1]`, `{"country":"DK"}`, `"` + strings.Repeat("a", 201) + `"`, `"` + strings.Repeat("é", 200) + `"`}
	n := 0
	for _, body := range fixtureBodies(t) {
		var doc map[string]json.RawMessage
		if json.Unmarshal(body, &doc) != nil || doc["data"] == nil {
			continue
		}
		datas := [][]byte{doc["data"]}
		var obj map[string]json.RawMessage
		if json.Unmarshal(doc["data"], &obj) == nil {
			for k := range obj {
				for _, r := range replacements {
					m := copyMembers(obj)
					m[k] = json.RawMessage(r)
					datas = append(datas, mustMarshal(t, m))
				}
				m := copyMembers(obj)
				delete(m, k)
				datas = append(datas, mustMarshal(t, m))
			}
			m := copyMembers(obj)
			m["extra"] = json.RawMessage(`1`)
			datas = append(datas, mustMarshal(t, m))
		}
		for _, d := range datas {
			n += compareVerdicts(t, v, ov, d)
		}
	}
	t.Logf("%d verdicts compared", n)
}

func copyMembers(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compareVerdicts checks data against every type's schema both ways; it
// returns the number of comparisons.
func compareVerdicts(t *testing.T, v, ov *Validator, data []byte) int {
	t.Helper()
	tree, ok := parseJSONTree(data)
	if !ok {
		return 0
	}
	lib, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("library: %v", err)
	}
	for _, typ := range Types {
		if !v.fast[typ] {
			t.Fatalf("%s: no fast evaluator", typ)
		}
		fast := fastValid(v.schemas[typ], &tree)
		want := ov.schemas[typ].Validate(lib) == nil
		if fast != want {
			t.Fatalf("%s: fast verdict %v, library %v, on %s", typ, fast, want, data)
		}
	}
	return len(Types)
}

func FuzzSchemaVerdict(f *testing.F) {
	for _, body := range fixtureBodies(f) {
		var doc map[string]json.RawMessage
		if json.Unmarshal(body, &doc) == nil && doc["data"] != nil {
			f.Add([]byte(doc["data"]))
		}
	}
	v, ov := newTestValidator(f), newOracleValidator(f)
	f.Fuzz(func(t *testing.T, data []byte) { compareVerdicts(t, v, ov, data) })
}

// TestFastSchemaSupported: a schema with a keyword the evaluator does
// not know, or a loop of $refs, goes to the library.
func TestFastSchemaSupported(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   bool
	}{
		{"contract subset", `{"type":"object","properties":{"a":{"type":"string","pattern":"^a$","minLength":1}},"required":["a"],"additionalProperties":false}`, true},
		{"combinators", `{"oneOf":[{"required":["a"]},{"required":["b"]}],"not":{"const":1},"if":{"type":"string"},"then":{"format":"date"}}`, true},
		{"patternProperties", `{"patternProperties":{"^a":{}}}`, false},
		{"unevaluatedProperties", `{"unevaluatedProperties":false}`, false},
		{"contains", `{"contains":{"type":"string"}}`, false},
		{"dependentRequired", `{"dependentRequired":{"a":["b"]}}`, false},
		{"ref loop", `{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`, false},
		{"recursion through items", `{"$defs":{"t":{"type":"array","items":{"$ref":"#/$defs/t"}}},"$ref":"#/$defs/t"}`, true},
		{"old draft", `{"$schema":"http://json-schema.org/draft-07/schema#","type":"string"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.schema))
			if err != nil {
				t.Fatal(err)
			}
			c := jsonschema.NewCompiler()
			c.DefaultDraft(jsonschema.Draft2020)
			c.AssertFormat()
			if err := c.AddResource("mem://s.json", doc); err != nil {
				t.Fatal(err)
			}
			s, err := c.Compile("mem://s.json")
			if err != nil {
				t.Fatal(err)
			}
			if got := fastSchemaSupported(s); got != tt.want {
				t.Errorf("fastSchemaSupported = %v, want %v", got, tt.want)
			}
		})
	}
}

// FuzzPrivacyRule holds the privacy check to the one it replaced.
func FuzzPrivacyRule(f *testing.F) {
	for _, s := range []string{"0101901234", "010190-1234", "19900101-1239", "9001011239", "a0101901234", "x 010190+1234 y", "mail a@b.se", "43879ab0318b5473cf7147fe5337c9a78ff568e6237996e444d816f38b6b5d10", "é0101901234", "12345678901"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := privacyRule(s)
		or, ook := oldPrivacyRule(s)
		if r != or || ok != ook {
			t.Fatalf("privacyRule(%q) = %q %v, oracle %q %v", s, r, ok, or, ook)
		}
	})
}

func TestProblemsOfOracleIsInvalid(t *testing.T) {
	// A sanity check of the oracle itself: it rejects what the fixtures
	// say is invalid.
	ov := newOracleValidator(t)
	for _, fx := range loadFixtures(t, "invalid") {
		if _, err := oldParseStructured(ov, fx.body); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: oracle accepts it", fx.name)
		}
	}
}

// TestSpecialStringBytes checks the 8-byte test against a byte loop for
// every pair of bytes at every even position, among plain ASCII, UTF-8
// and high bytes.
func TestSpecialStringBytes(t *testing.T) {
	for w := 0; w < 1<<16; w++ {
		for _, fill := range []uint64{0x6161616161616161, 0xC3A9C3A9C3A9C3A9, 0xFFFFFFFFFFFFFFFF, 0x2020202020202020} {
			for shift := 0; shift < 8; shift += 2 {
				x := fill&^(uint64(0xFFFF)<<(8*shift)) | uint64(w)<<(8*shift)
				want := false
				for i := 0; i < 8; i++ {
					c := byte(x >> (8 * i))
					want = want || c == '"' || c == '\\' || c < 0x20
				}
				if got := specialStringBytes(x); got != want {
					t.Fatalf("specialStringBytes(%016x) = %v", x, got)
				}
			}
		}
	}
}

// TestNumberBeyondMathBig: a number math/big refuses where the schema
// gives bounds made the schema library panic (before the fast path
// too), which took down whatever validated the event. It is now
// rejected with the problem of data that cannot be checked.
func TestNumberBeyondMathBig(t *testing.T) {
	v := newTestValidator(t)
	body, err := os.ReadFile(filepath.Join("testdata", "valid", "course.completed", "job-after-course.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(doc["data"], &data); err != nil {
		t.Fatal(err)
	}
	data["hours"] = json.RawMessage(`1e1000000000`)
	doc["data"] = mustMarshal(t, data)
	_, err = v.ParseStructured(mustMarshal(t, doc))
	want := []Problem{{Path: "$.data", Rule: "schema", Message: "the data could not be checked against the schema of " + string(CourseCompleted)}}
	if got := ProblemsOf(err); !reflect.DeepEqual(got, want) {
		t.Fatalf("problems %v, want %v", got, want)
	}
}
