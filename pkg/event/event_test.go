package event

import (
	"encoding/json"
	"errors"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/pseudonym"
	"github.com/sundflow/sundflow/pkg/refcode"
	"github.com/sundflow/sundflow/schemas"
)

var testPseudonym = pseudonym.Derive(fixtureKey, "synthetic-person-07")

// sampleData is valid data of every type, built from the Go shapes.
func sampleData() map[Type]any {
	person := Person{Pseudonym: testPseudonym, Residence: Place{Country: "SE", Municipality: "1283"}}
	employer := Employer{Country: "DK", RegistrationNumber: "12345678", Name: "Kronborg Pleje ApS (fictitious)"}
	return map[Type]any{
		VacancyPublished: VacancyPublishedData{VacancyID: "v1", Employer: employer, Workplace: Place{Country: "DK", Municipality: "217"},
			Occupation: Occupation{ISCO: "5322", DISCO: "532200"}, Sector: SectorHealthCare, Positions: 2, CrossBorder: true, Published: "2024-03-01", Deadline: "2024-03-31"},
		VacancyClosed: VacancyClosedData{VacancyID: "v1", Reason: "filled", Closed: "2024-04-01", Published: "2024-03-01", Positions: 2, PositionsFilled: 1},
		FairScheduled: FairScheduledData{FairID: "f1", Kind: "job_fair", Date: "2024-04-16", Location: Place{Country: "SE", Municipality: "1283"},
			Sector: SectorLogistics, Organisers: []string{"Helsingborgs stad"}},
		FairSignup:      FairSignupData{FairID: "f1", Action: "registered", Date: "2024-04-02", Person: &person},
		CourseCompleted: CourseCompletedData{CourseID: "c1", RunID: "r1", Provider: "School", Sector: SectorService, Person: person, Hours: 12.5, Completed: "2024-05-01", Status: "education"},
		PlacementStarted: PlacementStartedData{PlacementID: "p1", Person: person, Workplace: Place{Country: "DK", Municipality: "101"}, Employer: employer,
			Sector: SectorHealthCare, Occupation: Occupation{ISCO: "5321"}, Kind: "wage_subsidy", StatusBefore: "social_assistance", Start: "2024-04-01"},
		PlacementEnded: PlacementEndedData{PlacementID: "p1", Person: testPseudonym, End: "2024-09-01"},
		EventRetracted: EventRetractedData{RetractedSource: "urn:sundflow:test", RetractedID: "other-1", Reason: "sent twice"},
	}
}

func TestNew(t *testing.T) {
	v := newTestValidator(t)
	at := time.Date(2024, 3, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	for typ, data := range sampleData() {
		t.Run(string(typ), func(t *testing.T) {
			e, err := New(typ, "urn:sundflow:test", "id-1", at, data)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if err := v.Validate(e); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if e.SpecVersion() != "1.0" || e.DataContentType() != "application/json" || e.DataSchema() != typ.SchemaURI() || !e.Time().Equal(at) {
				t.Errorf("attributes: specversion %q datacontenttype %q dataschema %q time %v", e.SpecVersion(), e.DataContentType(), e.DataSchema(), e.Time())
			}
			// The projector's side: the data decodes back into the same shape.
			back := reflect.New(reflect.TypeOf(data))
			if err := json.Unmarshal(e.Data(), back.Interface()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.Elem().Interface(), data) {
				t.Errorf("data round trip: got %+v, want %+v", back.Elem().Interface(), data)
			}
			b, err := Encode(e)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := v.ParseStructured(b)
			if err != nil {
				t.Fatalf("ParseStructured(Encode(New(...))): %v", err)
			}
			if d := eventDiff(e, parsed); d != "" {
				t.Errorf("round trip: %s", d)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	at := time.Now()
	tests := []struct {
		name   string
		typ    Type
		source string
		id     string
		at     time.Time
		data   any
	}{
		{"unknown type", Type("org.sundflow.nothing.v1"), "urn:x", "1", at, struct{}{}},
		{"empty id", PlacementEnded, "urn:x", "", at, struct{}{}},
		{"zero time", PlacementEnded, "urn:x", "1", time.Time{}, struct{}{}},
		{"bad source", PlacementEnded, "a b", "1", at, struct{}{}},
		{"empty source", PlacementEnded, "", "1", at, struct{}{}},
		{"data not encodable", PlacementEnded, "urn:x", "1", at, func() {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.typ, tt.source, tt.id, tt.at, tt.data); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}

func TestValidateGoEvent(t *testing.T) {
	v := newTestValidator(t)
	base := func(t *testing.T) ce.Event {
		t.Helper()
		e, err := New(PlacementEnded, "urn:sundflow:test", "id-1", time.Now(), sampleData()[PlacementEnded])
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	tests := []struct {
		name string
		edit func(*ce.Event)
		want []string
	}{
		{"as built", func(*ce.Event) {}, nil},
		{"integer extension", func(e *ce.Event) { e.SetExtension("priority", 3) }, nil},
		{"no time", func(e *ce.Event) { e.Context.(*ce.EventContextV1).Time = nil }, []string{"required $.time"}},
		{"no id", func(e *ce.Event) { e.Context.(*ce.EventContextV1).ID = "" }, []string{"required $.id"}},
		{"extension with a fraction", func(e *ce.Event) { e.Context.(*ce.EventContextV1).Extensions = map[string]any{"ratio": 0.5} }, []string{"extension-type $.ratio"}},
		{"extension name", func(e *ce.Event) { e.Context.(*ce.EventContextV1).Extensions = map[string]any{"Bad_Name": "x"} }, []string{"attribute-name $.Bad_Name"}},
		{"data not JSON", func(e *ce.Event) { e.DataEncoded = []byte("{") }, []string{"json $.data"}},
		{"data base64 JSON", func(e *ce.Event) { e.DataBase64 = true }, nil},
		{"subject with CPR", func(e *ce.Event) { e.SetSubject("0101901234") }, []string{"privacy.cpr $.subject"}},
		{"v0.3 event", func(e *ce.Event) { *e = ce.New("0.3") }, []string{"specversion $.specversion", "required $.id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base(t)
			tt.edit(&e)
			err := v.Validate(e)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			got := problemKeys(ProblemsOf(err))
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("problems %q lack %q", got, w)
				}
			}
		})
	}
}

func TestMessageID(t *testing.T) {
	a := MessageID("urn:src", "id-1")
	if a != MessageID("urn:src", "id-1") {
		t.Error("not deterministic")
	}
	if len(a) != 64 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Errorf("MessageID = %q, want 64 lower-case hex digits", a)
	}
	pairs := [][2]string{{"ab", "c"}, {"a", "bc"}, {"urn:src", "id-2"}, {"urn:src2", "id-1"}, {"", "urn:srcid-1"}}
	seen := map[string][2]string{a: {"urn:src", "id-1"}}
	for _, p := range pairs {
		id := MessageID(p[0], p[1])
		if prev, dup := seen[id]; dup {
			t.Errorf("MessageID%q = MessageID%q", p, prev)
		}
		seen[id] = p
	}
}

func TestParseBatch(t *testing.T) {
	v := newTestValidator(t)
	valid := loadFixtures(t, "valid")[0].body
	invalid := loadFixtures(t, "invalid")[0].body
	body := "[\n" + string(valid) + ",\n" + string(invalid) + ",\n 42\n]"
	res, err := v.ParseBatch([]byte(body))
	if err != nil {
		t.Fatalf("ParseBatch: %v", err)
	}
	if len(res) != 3 {
		t.Fatalf("%d results, want 3", len(res))
	}
	validLines := strings.Count(string(valid), "\n")
	wantLines := []int{2, 3 + validLines, 4 + validLines + strings.Count(string(invalid), "\n")}
	for i, r := range res {
		if r.Index != i || r.Line != wantLines[i] {
			t.Errorf("result %d: index %d line %d, want %d line %d", i, r.Index, r.Line, i, wantLines[i])
		}
	}
	if res[0].Err != nil || res[0].Event.ID() == "" {
		t.Errorf("element 0: %v", res[0].Err)
	}
	if !errors.Is(res[1].Err, ErrInvalid) || !errors.Is(res[2].Err, ErrInvalid) {
		t.Errorf("elements 1, 2: %v, %v; want ErrInvalid", res[1].Err, res[2].Err)
	}

	for _, bad := range []string{`{"id":"x"}`, `[{"id":"x"}`, ``, `"text"`, `[1] [2]`} {
		t.Run("not an array "+bad, func(t *testing.T) {
			if _, err := v.ParseBatch([]byte(bad)); !errors.Is(err, ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if res, err := v.ParseBatch([]byte(`[]`)); err != nil || len(res) != 0 {
		t.Errorf("empty batch: %v, %d results", err, len(res))
	}
}

func TestReadEvents(t *testing.T) {
	v := newTestValidator(t)
	valid := string(loadFixtures(t, "valid")[0].body)
	compact := func(s string) string {
		var m any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct {
		name      string
		in        string
		wantLines []int
		wantValid []bool
		wantErr   bool
	}{
		{"one pretty event", "\n" + valid, []int{2}, []bool{true}, false},
		{"array", "[" + valid + "," + valid + "]", []int{1, 1 + strings.Count(valid, "\n")}, []bool{true, true}, false},
		{"JSON lines with a broken line", compact(valid) + "\n\n{broken\n" + compact(valid) + "\n", []int{1, 3, 4}, []bool{true, false, true}, false},
		{"pretty events in a row", valid + "\n" + valid, []int{1, 2 + strings.Count(valid, "\n")}, []bool{true, true}, false},
		{"byte order mark", "\ufeff" + compact(valid), []int{1}, []bool{true}, false},
		{"empty", "  \n", nil, nil, true},
		{"broken array", "[" + valid, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := v.ReadEvents(strings.NewReader(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []int
			var ok []bool
			for _, r := range res {
				lines = append(lines, r.Line)
				ok = append(ok, r.Err == nil)
			}
			if !slices.Equal(lines, tt.wantLines) || !slices.Equal(ok, tt.wantValid) {
				t.Errorf("lines %v valid %v, want %v %v", lines, ok, tt.wantLines, tt.wantValid)
			}
		})
	}
}

// TestContractAgrees checks the pieces that restate one another: the Go
// sector constants, the schema's sector enum and the focus-area list; and
// a schema file for every type.
func TestContractAgrees(t *testing.T) {
	b, err := fs.ReadFile(schemas.FS, "common.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var common struct {
		Defs struct {
			Sector struct {
				Enum []string `json:"enum"`
			} `json:"sector"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &common); err != nil {
		t.Fatal(err)
	}
	var focus []string
	for _, f := range refcode.FocusAreas() {
		focus = append(focus, f.Code)
	}
	if !slices.Equal(common.Defs.Sector.Enum, Sectors) || !slices.Equal(focus, Sectors) {
		t.Errorf("sectors differ: schema %v, Go %v, refcode %v", common.Defs.Sector.Enum, Sectors, focus)
	}
	for _, typ := range Types {
		if _, err := fs.Stat(schemas.FS, string(typ)+".json"); err != nil {
			t.Errorf("%s: no schema file: %v", typ, err)
		}
		if got, ok := TypeOfSubject(typ.Subject()); !ok || got != typ {
			t.Errorf("TypeOfSubject(%s) = %s, %v", typ.Subject(), got, ok)
		}
	}
	if !refcode.IsCountry("DK") || !pseudonym.Valid(testPseudonym) {
		t.Error("test helpers broken")
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := Encode(ce.Event{}); err == nil {
		t.Error("Encode of an event without context succeeded")
	}
	e, err := New(PlacementEnded, "urn:x", "1", time.Now(), sampleData()[PlacementEnded])
	if err != nil {
		t.Fatal(err)
	}
	e.DataEncoded = []byte("{")
	if _, err := Encode(e); err == nil {
		t.Error("Encode of invalid JSON data succeeded")
	}
}
