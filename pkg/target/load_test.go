package target

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sundflow/sundflow/deploy/targets"
)

func TestShippedTargetsLoad(t *testing.T) {
	cat, err := Load(targets.FS, targets.Label)
	if err != nil {
		t.Fatalf("load shipped targets: %v", err)
	}
	want := map[string][]string{
		"job-paa-tvaers":         {"commuters-se-dk", "commuters-dk-se", "courses", "popup-fairs", "participants"},
		"jobs-education-oresund": {"student-conferences", "oresund-courses"},
		"norgesprojektet":        {"info-meeting-participants", "jobs-in-norway"},
	}
	if len(cat.Projects) != len(want) {
		t.Fatalf("got %d projects, want %d", len(cat.Projects), len(want))
	}
	for id, inds := range want {
		p, ok := cat.Project(id)
		if !ok {
			t.Fatalf("project %s missing", id)
		}
		for _, iid := range inds {
			ind, ok := p.Indicator(iid)
			if !ok {
				t.Errorf("%s: indicator %s missing", id, iid)
				continue
			}
			if ind.Source.Document == "" || ind.Source.Says == "" {
				t.Errorf("%s/%s: no source", id, iid)
			}
			if ind.Measure.Filters.Project != id {
				t.Errorf("%s/%s: project filter %q, want the project's own id", id, iid, ind.Measure.Filters.Project)
			}
			for _, lang := range Languages {
				if ind.Name[lang] == "" {
					t.Errorf("%s/%s: no name in %s", id, iid, lang)
				}
			}
		}
	}
	jpt, _ := cat.Project("job-paa-tvaers")
	se, _ := jpt.Indicator("commuters-se-dk")
	if se.Target != 200 || se.Measure.Metric != "distinct_people_placed" || se.Measure.Filters.Direction == nil || se.Measure.Filters.Direction.String() != "SE->DK" {
		t.Errorf("commuters-se-dk = %+v, want 200 distinct people SE->DK", se)
	}
	dk, _ := jpt.Indicator("commuters-dk-se")
	if dk.Target != 30 || len(dk.Alternatives) != 1 || dk.Alternatives[0].Target != 110 {
		t.Errorf("commuters-dk-se: target %g alternatives %+v, want 30 with 110 as the alternative", dk.Target, dk.Alternatives)
	}
	if jpt.Period.Days() != 1096 {
		t.Errorf("job-paa-tvaers period = %d days, want 1096", jpt.Period.Days())
	}
}

const good = `id: demo
name: Demo
period: {start: 2020-01-01, end: 2020-12-31}
partners: [{name: A, country: DK, lead: true}]
focus_areas: [health_care, logistics]
documents:
  doc: {title: A page, date: "2020"}
indicators:
  - id: people
    name: People
    target: 10
    source: {document: doc, says: ten people}
    measure: {metric: distinct_people_placed, filters: {direction: SE->DK}}
`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr error
		want    []string // substrings of the error, first is "file:line"
	}{
		{name: "unknown metric with suggestion", yaml: strings.Replace(good, "metric: distinct_people_placed", "metric: distinct_people_place", 1),
			wantErr: ErrUnknownMetric, want: []string{"demo.yaml:13:", "indicators[0].measure.metric", `unknown metric "distinct_people_place"`, `did you mean "distinct_people_placed"`}},
		{name: "period ends before it starts", yaml: strings.Replace(good, "end: 2020-12-31", "end: 2019-12-31", 1),
			want: []string{"demo.yaml:3:", "period.end", "ends (2019-12-31) before or on the day it starts (2020-01-01)"}},
		{name: "not a date", yaml: strings.Replace(good, "start: 2020-01-01", "start: 2020-13-01", 1),
			want: []string{"demo.yaml:3:", "period.start", `want a date YYYY-MM-DD, got "2020-13-01"`}},
		{name: "target without a source", yaml: strings.Replace(good, "    source: {document: doc, says: ten people}\n", "", 1),
			want: []string{"demo.yaml:9:", "indicators[0].source", `required field "source" is missing`}},
		{name: "source names an undeclared document", yaml: strings.Replace(good, "document: doc,", "document: dok,", 1),
			want: []string{"demo.yaml:12:", `unknown document "dok" (did you mean "doc"?)`}},
		{name: "unknown filter value", yaml: strings.Replace(good, "direction: SE->DK", "direction: SE->XX", 1),
			wantErr: ErrUnknownFilter, want: []string{"demo.yaml:13:", "measure.filters.direction", `want residence country -> work country, e.g. SE->DK, got "SE->XX"`}},
		{name: "unknown sector", yaml: strings.Replace(good, "filters: {direction: SE->DK}", "filters: {sector: [helth_care]}", 1),
			wantErr: ErrUnknownFilter, want: []string{"demo.yaml:13:", "measure.filters.sector[0]", `unknown sector "helth_care"`, `did you mean "health_care"`}},
		{name: "filter the metric does not take", yaml: strings.Replace(good, "metric: distinct_people_placed, filters: {direction: SE->DK}", "metric: fairs_held, filters: {direction: SE->DK}", 1),
			wantErr: ErrUnknownFilter, want: []string{"demo.yaml:13:", "metric fairs_held cannot be filtered by direction"}},
		{name: "fair kind on a placement metric", yaml: strings.Replace(good, "filters: {direction: SE->DK}", "filters: {kind: [popup_fair]}", 1),
			wantErr: ErrUnknownFilter, want: []string{`unknown kind "popup_fair" for metric distinct_people_placed`}},
		{name: "unknown field", yaml: strings.Replace(good, "    target: 10\n", "    tagret: 10\n", 1),
			want: []string{"demo.yaml:11:", `unknown field "tagret" (did you mean "target"?)`}},
		{name: "target below baseline", yaml: strings.Replace(good, "    target: 10\n", "    target: 10\n    baseline: 12\n", 1),
			want: []string{"demo.yaml:11:", "the target (10) must be above the baseline (12)"}},
		{name: "milestone outside the period", yaml: strings.Replace(good, "    target: 10\n", "    target: 10\n    milestones: [{date: 2021-06-30, value: 5}]\n", 1),
			want: []string{"demo.yaml:12:", "milestone 2021-06-30 lies outside the period"}},
		{name: "misspelt Interreg code", yaml: strings.Replace(good, "  - id: people\n", "  - id: people\n    code: RCO18\n", 1),
			want: []string{"demo.yaml:10:", `"RCO18" looks like an Interreg programme code`}},
		{name: "duplicate indicator", yaml: good + "  - id: people\n    name: Again\n    target: 3\n    source: {document: doc, says: x}\n    measure: {metric: placements}\n",
			want: []string{"demo.yaml:14:", `indicator "people" is already declared at line 9`}},
		{name: "each by a dimension the metric lacks", yaml: strings.Replace(good, "    target: 10\n", "    target: 10\n    each: {by: fair, min: 1}\n", 1),
			wantErr: ErrUnknownBreakdown, want: []string{"demo.yaml:12:", `cannot be split by "fair"`}},
		{name: "broken YAML", yaml: "id: [x\n", want: []string{"demo.yaml:"}},
		{name: "several mistakes are reported together", yaml: strings.Replace(strings.Replace(good, "country: DK", "country: XX", 1), "metric: distinct_people_placed", "metric: nope", 1),
			wantErr: ErrUnknownMetric, want: []string{"demo.yaml:4:", `"XX" is not an ISO 3166-1`, "demo.yaml:13:", `unknown metric "nope"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("deploy/targets/demo.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %v does not match ErrConfig", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not match %v", err, tt.wantErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not say %q", err, w)
				}
			}
		})
	}
}

func TestParseGood(t *testing.T) {
	ps, err := Parse("demo.yaml", []byte(good+"---\n"+strings.Replace(good, "id: demo", "id: demo-two", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].ID != "demo" || ps[1].ID != "demo-two" {
		t.Fatalf("projects = %v, want demo and demo-two from two documents", ps)
	}
	ind := ps[0].Indicators[0]
	if ind.Unit != "people" || ind.Name.In("da") != "People" || ind.Line != 9 {
		t.Errorf("indicator = %+v: want the metric's unit, the English name as fallback and line 9", ind)
	}
}

func TestLoadDuplicateProjectAcrossFiles(t *testing.T) {
	fsys := fstest.MapFS{"a.yaml": {Data: []byte(good)}, "b.yaml": {Data: []byte(good)}, "notes.txt": {Data: []byte("ignored")}}
	_, err := Load(fsys, "targets")
	if err == nil || !strings.Contains(err.Error(), `targets/b.yaml:1: id: project "demo" is already declared in targets/a.yaml:1`) {
		t.Errorf("err = %v, want the duplicate named with both places", err)
	}
	if _, err := Load(fstest.MapFS{}, "empty"); !errors.Is(err, ErrConfig) {
		t.Errorf("empty folder: err = %v, want ErrConfig", err)
	}
}
