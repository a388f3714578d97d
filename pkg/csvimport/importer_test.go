package csvimport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/sundflow/sundflow/pkg/delivery"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/pseudonym"
)

const testKey = "test-key-not-a-secret-0123456789"

// store is a sink that keeps events by source and id as the gateway
// does: a second event with the same source and id is a duplicate.
type store struct {
	events map[string]ce.Event
	order  []string
	reject map[string]bool // ids to reject, as a gateway might
}

func newStore() *store { return &store{events: map[string]ce.Event{}, reject: map[string]bool{}} }

func (s *store) Publish(_ context.Context, events []ce.Event) (delivery.Result, error) {
	var r delivery.Result
	for i, e := range events {
		er := delivery.EventResult{Index: i, ID: e.ID(), Source: e.Source()}
		key := e.Source() + "\x00" + e.ID()
		switch {
		case s.reject[e.ID()]:
			er.Status = delivery.StatusRejected
			er.Problems = []event.Problem{{Path: "$.data.person.residence.municipality", Rule: "refcode.se-municipality", Message: "is not a Swedish kommunkod"}}
			r.Rejected++
		case s.events[key].ID() != "":
			er.Status = delivery.StatusDuplicate
			r.Duplicates++
		default:
			s.events[key] = e
			s.order = append(s.order, key)
			er.Status = delivery.StatusAccepted
			r.Accepted++
		}
		r.Results = append(r.Results, er)
	}
	return r, nil
}

func (s *store) data(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, k := range s.order {
		var m map[string]any
		if err := json.Unmarshal(s.events[k].Data(), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func (s *store) ids() []string {
	var ids []string
	for _, k := range s.order {
		ids = append(ids, s.events[k].ID())
	}
	return ids
}

var validator = func() *event.Validator {
	v, err := event.NewValidator()
	if err != nil {
		panic(err)
	}
	return v
}()

func newImporter(t *testing.T, mappingYAML []byte) *Importer {
	t.Helper()
	m, err := ParseMapping(mappingYAML)
	if err != nil {
		t.Fatal(err)
	}
	im, err := NewImporter(m, validator, Options{
		BatchSize: 3,
		Getenv:    func(k string) string { return map[string]string{"SUNDFLOW_PSEUDONYM_KEY": testKey}[k] },
		Now:       func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := readFileF(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFileF(name string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", name)) }

func runImport(t *testing.T, im *Importer, csv []byte, sink Sink) (*Report, error) {
	t.Helper()
	return im.Run(context.Background(), bytes.NewReader(csv), sink)
}

func TestFairSignupFixture(t *testing.T) {
	im := newImporter(t, readFile(t, "helsingor-fair-signups.yaml"))
	s := newStore()
	rep, err := runImport(t, im, readFile(t, "helsingor-fair-signups.csv"), s)
	if err != nil {
		t.Fatalf("import: %v\n%+v", err, rep.Problems)
	}
	if rep.Rows != 8 || rep.Blank != 1 || rep.Events != 8 || rep.Accepted != 8 || rep.Rejected != 0 {
		t.Fatalf("report = %+v", rep)
	}
	key := []byte(testKey)
	type want struct{ action, date, pseudonym, country, municipality string }
	wants := []want{
		{"registered", "2019-03-04", pseudonym.Derive(key, "3201900001"), "SE", "1283"},
		{"registered", "2019-03-04", pseudonym.Derive(key, "3201900002"), "SE", "1284"},
		{"registered", "2019-03-05", pseudonym.Derive(key, "3201900003"), "DK", "217"},
		{"registered", "2019-03-05", pseudonym.Derive(key, "3201900004"), "SE", "1292"},
		{"cancelled", "2019-03-06", pseudonym.Derive(key, "3201900002"), "SE", "1284"},
		{"attended", "2019-03-14", pseudonym.Derive(key, "3201900001"), "SE", "1283"},
		{"attended", "2019-03-14", pseudonym.Derive(key, "3201900003"), "DK", "217"},
		{"attended", "2019-03-14", pseudonym.Derive(key, "3201900004"), "SE", "1292"}, // "320190 0004", "SE", "1292", "mødt"
	}
	got := s.data(t)
	for i, w := range wants {
		d := got[i]
		person := d["person"].(map[string]any)
		res := person["residence"].(map[string]any)
		if d["action"] != w.action || d["date"] != w.date || person["pseudonym"] != w.pseudonym ||
			res["country"] != w.country || res["municipality"] != w.municipality || d["fair_id"] != "hel-2019-03-popup-logistics" {
			t.Errorf("event %d data = %v, want %+v", i, d, w)
		}
	}
	first := s.events[s.order[0]]
	if !first.Time().Equal(time.Date(2019, 3, 4, 0, 0, 0, 0, mustLoc(t, "Europe/Copenhagen"))) {
		t.Errorf("event time = %v, want midnight of the sign-up date in Copenhagen", first.Time())
	}
	if !strings.HasPrefix(first.ID(), "signup-") || first.Source() != "/dk/helsingor/jobcenter/fair-signups" {
		t.Errorf("id %s source %s", first.ID(), first.Source())
	}
	for _, e := range s.events {
		if strings.Contains(string(e.Data()), "320190") {
			t.Fatalf("a national id reached an event: %s", e.Data())
		}
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The same list saved in different ways must give the same events.
func TestSpellingsOfOneList(t *testing.T) {
	mapping := readFile(t, "helsingor-fair-signups.yaml")
	base := readFile(t, "helsingor-fair-signups.csv")
	noBOM := bytes.TrimPrefix(base, []byte("\xef\xbb\xbf"))
	withDelim := func(d string) []byte {
		// The remark column holds a semicolon inside quotes; keep it quoted.
		return []byte(strings.ReplaceAll(strings.ReplaceAll(string(noBOM), ";", d), `"kommer med færgen`+d+` ankommer 9:30"`, `"kommer med færgen; ankommer 9:30"`))
	}
	cp1252, err := charmap.Windows1252.NewEncoder().Bytes(noBOM)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		csv     []byte
		mapping []byte
		wantErr error
	}{
		{name: "semicolon with BOM", csv: base},
		{name: "semicolon without BOM", csv: noBOM},
		{name: "comma", csv: withDelim(",")},
		{name: "tab", csv: withDelim("\t")},
		{name: "CRLF line ends", csv: []byte(strings.ReplaceAll(string(base), "\n", "\r\n"))},
		{name: "decomposed æøå/åäö (macOS)", csv: norm.NFD.Bytes(base)},
		{name: "Excel sep= line", csv: append([]byte("sep=;\n"), noBOM...)},
		{name: "windows-1252 declared", csv: cp1252, mapping: append(bytes.Clone(mapping), "\nencoding: windows-1252\n"...)},
		{name: "windows-1252 undeclared", csv: cp1252, wantErr: ErrFile},
	}
	want := func() []string {
		s := newStore()
		if _, err := runImport(t, newImporter(t, mapping), base, s); err != nil {
			t.Fatal(err)
		}
		return s.ids()
	}()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mapping
			if tt.mapping != nil {
				m = tt.mapping
			}
			s := newStore()
			rep, err := runImport(t, newImporter(t, m), tt.csv, s)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			if rep.Rejected != 0 {
				t.Fatalf("rejected rows: %+v", rep.Problems)
			}
			if !slices.Equal(s.ids(), want) {
				t.Errorf("ids = %v, want %v", s.ids(), want)
			}
		})
	}
}

func TestSameFileTwiceStoresNothingTwice(t *testing.T) {
	im := newImporter(t, readFile(t, "course-completions.yaml"))
	csv := readFile(t, "course-completions.csv")
	s := newStore()
	first, err := runImport(t, im, csv, s)
	if err != nil {
		t.Fatalf("first import: %v %+v", err, first.Problems)
	}
	second, err := runImport(t, im, csv, s)
	if err != nil {
		t.Fatalf("second import: %v", err)
	}
	if first.Accepted != 6 || second.Accepted != 0 || second.Duplicates != 6 || len(s.events) != 6 {
		t.Errorf("first %+v second %+v stored %d", first, second, len(s.events))
	}
	// Reordered rows and extra spaces are the same content.
	lines := strings.Split(strings.TrimSpace(string(csv)), "\r\n")
	slices.Reverse(lines[1:])
	lines[1] = strings.ReplaceAll(lines[1], ",", " , ")
	third, err := runImport(t, im, []byte(strings.Join(lines, "\n")), s)
	if err != nil {
		t.Fatalf("third import: %v %+v", err, third.Problems)
	}
	if third.Accepted != 0 || third.Duplicates != 6 {
		t.Errorf("reordered list: %+v", third)
	}
	d := s.data(t)[0]
	if d["hours"] != 37.5 || d["sector"] != "logistics" || d["status"] != "ordinary_job" || d["completed"] != "2019-05-24" {
		t.Errorf("first completion = %v", d)
	}
}

func TestBadRowsAreReported(t *testing.T) {
	im := newImporter(t, readFile(t, "helsingor-fair-signups.yaml"))
	s := newStore()
	csv := readFile(t, "helsingor-fair-signups-bad.csv")
	rep, err := runImport(t, im, csv, s)
	if !errors.Is(err, ErrRowsRejected) {
		t.Fatalf("err = %v, want ErrRowsRejected", err)
	}
	type key struct {
		Row          int
		Column, Rule string
	}
	want := []key{
		{3, "Dato", RuleDateFormat},
		{4, "Status", RuleValueMap},
		{5, "CPR-nr.", RuleNationalID},
		{6, "Bopælskommune", RuleLookup}, // Helsingør is not in Sweden
		{7, "Bopælsland", RuleLookup},    // no such country
	}
	var got []key
	for _, p := range rep.Problems {
		got = append(got, key{p.Row, p.Column, p.Rule})
		if p.Stage != StageMapping || p.Message == "" {
			t.Errorf("problem %+v", p)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %v\nwant %v", got, want)
	}
	if rep.Rejected != 5 || rep.Accepted != 1 || len(rep.Repeats) != 1 || rep.Repeats[0] != (Repeat{Row: 8, SameAs: 2}) {
		t.Errorf("report = %+v", rep)
	}
	var text, table bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteCSV(&table, ';'); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{text.String(), table.String()} {
		for _, secret := range []string{"320190", "2019-13-45", "Måske", "Atlantis"} {
			if strings.Contains(out, secret) {
				t.Errorf("report echoes a cell value %q:\n%s", secret, out)
			}
		}
	}
	if !strings.HasPrefix(text.String(), "7 rows read: 1 event, 1 stored now, 0 stored before, 5 rows rejected, 1 row repeats an earlier row\n") ||
		!strings.Contains(text.String(), `row 3, column "Dato" (date): date-format: not a date in the form 02-01-2006 or 2006-01-02`) {
		t.Errorf("text report:\n%s", text.String())
	}
	if !strings.HasPrefix(table.String(), "\uFEFFrow;column;field;stage;rule;message\n3;Dato;date;mapping;date-format;") {
		t.Errorf("CSV report:\n%s", table.String())
	}
}

// Rows that map fine but break the contract name the column behind the
// broken field; the gateway's rejections are mapped back to rows too.
func TestContractAndGatewayProblems(t *testing.T) {
	mapping := readFile(t, "course-completions.yaml")
	csv := string(readFile(t, "course-completions.csv"))
	lines := strings.Split(strings.TrimSpace(csv), "\r\n")
	lines[2] = strings.Replace(lines[2], `"37,5"`, "0", 1)                              // hours must be > 0
	lines[3] = strings.Replace(lines[3], "7e2c6eae", "NOTAHEX!", 1)                     // not a pseudonym
	lines[4] = strings.Replace(lines[4], "2019-11-29,Studier", "2019-11-31,Studier", 1) // no such date
	lines[5] = strings.Replace(lines[5], ",Sverige,Malmö,", ",Sverige,,", 1)            // fine: municipality is optional
	s := newStore()
	im := newImporter(t, mapping)
	// The gateway double rejects the event of row 6 (the Malmö row).
	probe := newStore()
	if _, err := runImport(t, im, []byte(strings.Join(lines[:1], "\n")+"\n"+lines[5]), probe); err != nil {
		t.Fatal(err)
	}
	s.reject[probe.ids()[0]] = true

	rep, err := runImport(t, im, []byte(strings.Join(lines, "\n")), s)
	if !errors.Is(err, ErrRowsRejected) {
		t.Fatalf("err = %v, want ErrRowsRejected", err)
	}
	type key struct {
		Row                 int
		Column, Field, Rule string
		Stage               Stage
	}
	want := []key{
		{3, "Timmar", "hours", "exclusiveMinimum", StageContract},
		{4, "Deltagare (pseudonym)", "person.pseudonym", "pattern", StageContract},
		{5, "Avslutad", "completed", RuleDateFormat, StageMapping},
		{6, "Kommun", "person.residence.municipality", "refcode.se-municipality", StageGateway},
	}
	var got []key
	for _, p := range rep.Problems {
		got = append(got, key{p.Row, p.Column, p.Field, p.Rule, p.Stage})
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %+v\nwant %+v", got, want)
	}
	if rep.Accepted != 2 || rep.Rejected != 4 {
		t.Errorf("report = %+v", rep)
	}
}

func TestRowNumbersSurviveLineBreaksInCells(t *testing.T) {
	im := newImporter(t, readFile(t, "helsingor-fair-signups.yaml"))
	csv := "Dato;Status;CPR-nr.;Bopælsland;Bopælskommune;Bemærkning\n" +
		"04-03-2019;Tilmeldt;320190-0001;Sverige;Helsingborg;\"to linjer\nher\"\n" +
		"\n" + // a blank line is a row in a spreadsheet
		"04-03-2019;Tilmeldt;320190-0002;Sverige;Nowhere;\n"
	rep, err := runImport(t, im, []byte(csv), newStore())
	if !errors.Is(err, ErrRowsRejected) {
		t.Fatalf("err = %v", err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Row != 4 {
		t.Errorf("problems = %+v, want one at row 4", rep.Problems)
	}
}

func TestMappingErrors(t *testing.T) {
	ok := "type: org.sundflow.fair.signup.v1\nsource: /test\n"
	tests := []struct {
		name, yaml string
		wantIn     string
	}{
		{"no type", "source: /x\nfields: {fair_id: {const: a}}", "type is required"},
		{"unknown type", "type: org.sundflow.nope.v1\nsource: /x\nfields: {fair_id: {const: a}}", "not an event type"},
		{"no source", "type: org.sundflow.fair.signup.v1\nfields: {fair_id: {const: a}}", "source is required"},
		{"unknown key", ok + "feilds: {}", "field feilds not found"},
		{"unknown field", ok + "fields: {fair: {const: a}}", `fields.fair: no field "fair" here; known: fair_id, action`},
		{"object field", ok + "fields: {person: {column: P}}", "is an object; map its fields (pseudonym, residence)"},
		{"two sources", ok + "fields: {fair_id: {const: a, column: B}}", "exactly one of column, const and pseudonym"},
		{"format on text", ok + "fields: {fair_id: {column: A, format: 02-01-2006}}", "format is only for date fields"},
		{"bad const", ok + "fields: {date: {const: 31-12-2019}}", "not a date in the form 2006-01-02"},
		{"pseudonym without key", ok + "fields: {person.pseudonym: {pseudonym: {column: CPR}}}", "exactly one of key_env and key_file"},
		{"bad lookup", ok + "fields: {fair_id: {column: A, lookup: planet}}", `lookup "planet"`},
		{"bad delimiter", ok + "delimiter: ':'\nfields: {fair_id: {const: a}}", "delimiter"},
		{"bad encoding", ok + "encoding: ebcdic\nfields: {fair_id: {const: a}}", "encoding"},
		{"bad time field", ok + "time: {field: action}\nfields: {action: {const: registered}}", "not a date field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMapping([]byte(tt.yaml))
			if !errors.Is(err, ErrMapping) {
				t.Fatalf("err = %v, want ErrMapping", err)
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantIn)
			}
		})
	}
}

func TestImporterNeedsItsKey(t *testing.T) {
	m, err := ParseMapping(readFile(t, "helsingor-fair-signups.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		getenv func(string) string
		wantIn string
	}{
		{"unset", func(string) string { return "" }, "SUNDFLOW_PSEUDONYM_KEY (the pseudonym key) is not set"},
		{"short", func(string) string { return "short" }, "the key has 5 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewImporter(m, validator, Options{Getenv: tt.getenv})
			if !errors.Is(err, ErrMapping) || !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("err = %v, want ErrMapping containing %q", err, tt.wantIn)
			}
		})
	}
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m2, err := ParseMapping(bytes.Replace(readFile(t, "helsingor-fair-signups.yaml"), []byte("key_env: SUNDFLOW_PSEUDONYM_KEY"), []byte("key_file: "+keyFile), 1))
	if err != nil {
		t.Fatal(err)
	}
	im, err := NewImporter(m2, validator, Options{})
	if err != nil {
		t.Fatal(err)
	}
	viaFile, viaEnv := newStore(), newStore()
	csv := readFile(t, "helsingor-fair-signups.csv")
	if _, err := runImport(t, im, csv, viaFile); err != nil {
		t.Fatal(err)
	}
	if _, err := runImport(t, newImporter(t, readFile(t, "helsingor-fair-signups.yaml")), csv, viaEnv); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(viaFile.ids(), viaEnv.ids()) {
		t.Error("the same key from a file and from the environment gave different events")
	}
}

func TestFileErrors(t *testing.T) {
	im := newImporter(t, readFile(t, "helsingor-fair-signups.yaml"))
	tests := []struct {
		name, csv, wantIn string
	}{
		{"empty", "", "the file is empty"},
		{"missing column", "Dato;Status;CPR;Bopælsland;Bopælskommune\n", `column "cpr-nr." (fields.person.pseudonym) is not in the file; its columns are: "Dato", "Status", "CPR"`},
		{"duplicate column", "Dato;Status;CPR-nr.;Bopælsland;Bopælskommune;Status\n", `column "status" (fields.action) appears more than once`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runImport(t, im, []byte(tt.csv), newStore())
			if !errors.Is(err, ErrFile) || !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("err = %v, want ErrFile containing %q", err, tt.wantIn)
			}
		})
	}
}

func TestNationalIDColumnCannotBeCopied(t *testing.T) {
	y := string(readFile(t, "helsingor-fair-signups.yaml")) + "  person.residence.municipality: {column: CPR-nr.}\n"
	y = strings.Replace(y, "  person.residence.municipality: {column: Bopælskommune, lookup: municipality}\n", "", 1)
	im := newImporter(t, []byte(y))
	_, err := runImport(t, im, readFile(t, "helsingor-fair-signups.csv"), newStore())
	if !errors.Is(err, ErrMapping) || !strings.Contains(err.Error(), "holds national ids") {
		t.Errorf("err = %v, want a mapping error about the national-id column", err)
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		line string
		want rune
	}{
		{"a;b;c\n", ';'},
		{"a,b,c\n", ','},
		{"a\tb\tc\n", '\t'},
		{`"x;y",b,c` + "\n", ','},
		{"a;b,c\n", ';'},
		{"single\n", ','},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := sniffDelimiter([]byte(tt.line)); got != tt.want {
				t.Errorf("sniffDelimiter(%q) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

// The documented example in deploy/ must stay a working mapping.
func TestDeployExampleMapping(t *testing.T) {
	b, err := os.ReadFile("../../deploy/csvimport/helsingor-fair-signups.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := newStore()
	rep, err := runImport(t, newImporter(t, b), readFile(t, "helsingor-fair-signups.csv"), s)
	if err != nil || rep.Accepted != 8 {
		t.Fatalf("report %+v, err %v", rep, err)
	}
}
