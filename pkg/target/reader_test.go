package target_test

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/target"
	tt "github.com/sundflow/sundflow/pkg/target/targettest"
)

var srv *chserver.Server

func TestMain(m *testing.M) { os.Exit(chservertest.Main(m, &srv)) }

const project = "demo"

var (
	period = target.Period{Start: day("2020-01-01"), End: day("2020-12-31")}
	asOf   = day("2020-12-31").Add(23 * time.Hour)
	span   = target.SpanFor(period, asOf)
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// scenario is a year of a project's events whose figures are known by
// construction: people with several placements, a placement before the
// period, after it and for another project, duplicates, retractions, a
// correction (retract and re-send), a late event stored last, cancelled
// sign-ups, employer sign-ups, a fair in the future and a vacancy whose
// closing is retracted. The expected figures are in TestMeasures.
func scenario(t *testing.T) *tt.Builder {
	b := tt.New(t)
	se := func(id string, person int, mun, sector, isco, start string, projects ...string) tt.Placement {
		return tt.Placement{ID: id, Person: person, From: "SE", FromMunicipality: mun, To: "DK", ToMunicipality: "217", Sector: sector, ISCO: isco, Start: start, Projects: projects}
	}
	b.Place(se("pl-1a", 1, "1283", "health_care", "2221", "2020-02-10", project))
	b.Place(se("pl-1b", 1, "1283", "logistics", "9333", "2020-06-01", project))  // second placement of person 1
	late := se("pl-2", 2, "1280", "construction", "7115", "2020-03-15", project) // stored last
	dup := b.Place(se("pl-3", 3, "1281", "service", "5120", "2020-04-01", project))
	b.Again(dup)
	b.Again(dup)
	b.Retract(b.Place(se("pl-4", 4, "1283", "academics", "2512", "2020-05-05", project)), "2020-05-06")
	b.Place(tt.Placement{ID: "pl-5", Person: 5, From: "DK", FromMunicipality: "217", To: "SE", ToMunicipality: "1283", Sector: "health_care", ISCO: "5322", Start: "2020-07-07", Projects: []string{project}})
	b.Place(se("pl-6a", 6, "1283", "logistics", "9333", "2019-11-01", project)) // before the period
	b.Place(se("pl-6b", 6, "1283", "logistics", "9333", "2020-09-09", project))
	b.Place(se("pl-7", 7, "1283", "service", "5120", "2020-08-08", "another-project"))
	b.Place(se("pl-8", 8, "1283", "service", "5120", "2021-01-05", project)) // after the period
	wrong := b.Place(se("pl-9", 9, "1282", "health_care", "2221", "2020-10-10", project))
	b.Retract(wrong, "2020-10-19")
	b.Place(se("pl-9", 9, "1282", "health_care", "2221", "2020-10-20", project)) // the correction
	b.Place(tt.Placement{ID: "pl-10", Person: 10, From: "DK", FromMunicipality: "813", To: "NO", Sector: "construction", ISCO: "7112", Start: "2020-03-03", Projects: []string{project}})
	b.Place(se("pl-20", 20, "1283", "health_care", "2221", "2020-11-11", project))

	b.Fair("f-1", "popup_fair", "2020-03-01", "SE", "1283", "health_care", project)
	b.Again(b.Fair("f-2", "popup_fair", "2020-05-01", "DK", "217", "logistics", project))
	b.Fair("f-3", "info_meeting", "2020-06-01", "DK", "217", "other", project)
	b.Retract(b.Fair("f-4", "popup_fair", "2020-11-01", "SE", "1283", "construction", project), "2020-10-01")
	b.Fair("f-5", "popup_fair", "2021-02-01", "SE", "1283", "service", project) // not held by the as-of day
	b.Fair("f-6", "job_fair", "2020-09-01", "SE", "1280", "service", "another-project")

	b.Signup("f-1", "registered", "2020-02-20", 20, "SE", "1283", project)
	b.Signup("f-1", "attended", "2020-03-01", 20, "SE", "1283", project)
	b.Signup("f-1", "registered", "2020-02-21", 21, "SE", "1280", project)
	b.Signup("f-1", "cancelled", "2020-02-25", 21, "SE", "1280", project)
	b.Again(b.Signup("f-1", "attended", "2020-03-01", 22, "SE", "1281", project))
	b.EmployerSignup("f-1", "registered", "2020-02-10", "DK", "Synthetic hospital", project)
	b.Signup("f-2", "attended", "2020-05-01", 20, "SE", "1283", project)
	b.Signup("f-3", "registered", "2020-05-20", 23, "DK", "217", project)
	b.Signup("f-3", "registered", "2020-05-10", 24, "DK", "217", project)
	b.Signup("f-3", "cancelled", "2020-05-12", 24, "DK", "217", project)
	b.Signup("f-3", "registered", "2020-05-15", 24, "DK", "217", project)
	b.Signup("f-3", "attended", "2020-06-01", 25, "DK", "210", project)

	b.Complete("c-1", "r-1", "health_care", 20, "SE", "1283", "2020-04-10", "not_in_work", project)
	b.Again(b.Complete("c-1", "r-1", "health_care", 30, "SE", "1280", "2020-04-10", "ordinary_job", project))
	b.Complete("c-1", "r-2", "health_care", 31, "DK", "217", "2020-09-10", "education", project)
	b.Retract(b.Complete("c-2", "r-1", "logistics", 32, "SE", "1283", "2020-06-15", "ordinary_job", project), "2020-06-20")
	b.Complete("c-2", "r-2", "logistics", 1, "SE", "1283", "2020-01-20", "wage_subsidy", project)

	b.Vacancy(tt.SourceJobs, "v-1", "DK", "101", "2221", "health_care", 3, "2020-01-10", project)
	b.Close(tt.SourceJobs, "v-1", "filled", "2020-02-09", 2)
	b.Vacancy(tt.SourceJobs, "v-2", "SE", "1280", "7115", "construction", 1, "2020-03-01", project)
	b.Close(tt.SourceJobs, "v-2", "filled", "2020-03-21", 1)
	b.Vacancy(tt.SourceJobs, "v-3", "DK", "217", "9333", "logistics", 5, "2020-06-01", project)
	b.Vacancy(tt.SourceJobs, "v-4", "SE", "1283", "5120", "service", 2, "2020-07-01", project)
	b.Retract(b.Close(tt.SourceJobs, "v-4", "withdrawn", "2020-08-01", 0), "2020-08-02") // v-4 is open again
	b.Again(b.Vacancy(tt.SourceJobs, "v-5", "DK", "101", "2221", "health_care", 4, "2020-11-01", project))
	b.Vacancy(tt.SourceJobsTwo, "v-1", "DK", "101", "2221", "health_care", 1, "2020-05-05", project) // same id, other source
	b.Vacancy(tt.SourceJobs, "v-7", "DK", "101", "4110", "other", 1, "2020-12-01", project)
	b.Close(tt.SourceJobs, "v-7", "filled", "2021-01-15", 1) // after the as-of day

	b.Place(late)
	return b
}

func setup(t *testing.T) *target.Reader {
	t.Helper()
	ctx := context.Background()
	db := chservertest.DatabaseName(t)
	admin := chservertest.Conn(t, srv, "", "")
	tt.Migrate(ctx, t, admin, db)
	tt.Store(ctx, t, admin, db, scenario(t).Events())
	// Read as the read-only evaluator user, as production may.
	return target.NewReader(chservertest.Conn(t, srv, chserver.EvaluatorUser, db))
}

func sum(inc []target.Increment) float64 {
	s := 0.0
	for _, in := range inc {
		s += in.N
	}
	return s
}

func measure(metric string, f target.Filters) target.Measure {
	if f.Project == "" {
		f.Project = project
	}
	return target.Measure{Metric: metric, Filters: f}
}

var (
	seDK = &target.Direction{From: "SE", To: "DK"}
	dkSE = &target.Direction{From: "DK", To: "SE"}
	dkNO = &target.Direction{From: "DK", To: "NO"}
)

func TestMeasures(t *testing.T) {
	r := setup(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		measure target.Measure
		want    float64
	}{
		{"people SE->DK: person 1 twice, duplicates, retraction, correction, before/after the period, other project", measure("distinct_people_placed", target.Filters{Direction: seDK}), 6},
		{"placements SE->DK", measure("placements", target.Filters{Direction: seDK}), 7},
		{"people DK->SE", measure("distinct_people_placed", target.Filters{Direction: dkSE}), 1},
		{"people DK->NO", measure("distinct_people_placed", target.Filters{Direction: dkNO}), 1},
		{"people SE->DK in health care", measure("distinct_people_placed", target.Filters{Direction: seDK, Sector: []string{"health_care"}}), 3},
		{"people of every project", measure("distinct_people_placed", target.Filters{Project: "*", Direction: seDK}), 7},
		{"people placed, any direction", measure("distinct_people_placed", target.Filters{}), 8},
		{"fairs held (one retracted, one in the future, one for another project)", measure("fairs_held", target.Filters{}), 3},
		{"pop-up fairs held", measure("fairs_held", target.Filters{Kind: []string{"popup_fair"}}), 2},
		{"pop-up fairs held in Sweden", measure("fairs_held", target.Filters{Kind: []string{"popup_fair"}, Country: []string{"SE"}}), 1},
		{"sign-ups: cancelled and employers do not count, re-registered does", measure("signups", target.Filters{}), 6},
		{"attendances, one per person and fair", measure("attendances", target.Filters{}), 4},
		{"people who attended", measure("distinct_people_attended", target.Filters{}), 3},
		{"people at info meetings", measure("distinct_people_attended", target.Filters{Kind: []string{"info_meeting"}}), 1},
		{"people attending from Sweden", measure("distinct_people_attended", target.Filters{Residence: []string{"SE"}}), 2},
		{"course runs (one run retracted)", measure("course_runs", target.Filters{}), 3},
		{"course runs in health care", measure("course_runs", target.Filters{Sector: []string{"health_care"}}), 2},
		{"course completions", measure("course_completions", target.Filters{}), 4},
		{"completions not in work", measure("course_completions", target.Filters{Status: []string{"not_in_work"}}), 1},
		{"people who completed", measure("distinct_people_completed", target.Filters{}), 4},
		{"participants: fair or course, each person once", measure("distinct_participants", target.Filters{}), 6},
		{"vacancies published (same id from two sources is two)", measure("vacancies_published", target.Filters{}), 7},
		{"vacancies published in Denmark", measure("vacancies_published", target.Filters{Country: []string{"DK"}}), 5},
		{"vacancies filled by the as-of day", measure("vacancies_filled", target.Filters{}), 2},
		{"positions filled", measure("positions_filled", target.Filters{}), 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inc, err := r.Increments(ctx, tc.measure, span)
			if err != nil {
				t.Fatal(err)
			}
			if got := sum(inc); got != tc.want {
				t.Errorf("%s = %g, want %g (increments %v)", tc.measure.Metric, got, tc.want, inc)
			}
		})
	}
	t.Run("time to fill is the mean of 30 and 20 days", func(t *testing.T) {
		mean, n, err := r.Mean(ctx, measure("time_to_fill_days", target.Filters{}), span)
		if err != nil {
			t.Fatal(err)
		}
		if mean != 25 || n != 2 {
			t.Errorf("time to fill = %g over %d, want 25 over 2", mean, n)
		}
	})
}

func TestIncrementsDateEachPersonByTheirFirstPlacement(t *testing.T) {
	r := setup(t)
	inc, err := r.Increments(context.Background(), measure("distinct_people_placed", target.Filters{Direction: seDK}), span)
	if err != nil {
		t.Fatal(err)
	}
	want := []target.Increment{
		{Day: day("2020-02-10"), N: 1}, // person 1, whose second placement in June adds nothing
		{Day: day("2020-03-15"), N: 1}, // the late event, in its own month
		{Day: day("2020-04-01"), N: 1},
		{Day: day("2020-09-09"), N: 1}, // person 6, placed before the period too
		{Day: day("2020-10-20"), N: 1}, // the corrected date, not the retracted one
		{Day: day("2020-11-11"), N: 1},
	}
	if len(inc) != len(want) {
		t.Fatalf("increments = %v, want %v", inc, want)
	}
	for i := range want {
		if !inc[i].Day.Equal(want[i].Day) || inc[i].N != want[i].N {
			t.Errorf("increment %d = %v, want %v", i, inc[i], want[i])
		}
	}
	// As of mid-year only the first half counts.
	mid, err := r.Increments(context.Background(), measure("distinct_people_placed", target.Filters{Direction: seDK}), target.SpanFor(period, day("2020-06-30")))
	if err != nil {
		t.Fatal(err)
	}
	if got := sum(mid); got != 3 {
		t.Errorf("people by 30 June = %g, want 3", got)
	}
}

func TestBreakdowns(t *testing.T) {
	r := setup(t)
	people := measure("distinct_people_placed", target.Filters{Direction: seDK})
	tests := []struct {
		name    string
		measure target.Measure
		by      string
		want    map[string]float64
	}{
		{"people by focus area: person 1 counts in both of theirs", people, target.BySector, map[string]float64{"health_care": 3, "logistics": 2, "construction": 1, "service": 1}},
		{"people by month of their first placement", people, target.ByMonth, map[string]float64{"2020-02": 1, "2020-03": 1, "2020-04": 1, "2020-09": 1, "2020-10": 1, "2020-11": 1}},
		{"people by year", people, target.ByYear, map[string]float64{"2020": 6}},
		{"people by residence municipality", people, target.ByMunicipality, map[string]float64{"SE-1283": 3, "SE-1280": 1, "SE-1281": 1, "SE-1282": 1}},
		{"people by ISCO major group", people, target.ByOccupation, map[string]float64{"2": 3, "9": 2, "7": 1, "5": 1}},
		{"people by direction", measure("distinct_people_placed", target.Filters{}), target.ByDirection, map[string]float64{"SE->DK": 6, "DK->SE": 1, "DK->NO": 1}},
		{"fairs by kind", measure("fairs_held", target.Filters{}), target.ByKind, map[string]float64{"popup_fair": 2, "info_meeting": 1}},
		{"completions by status", measure("course_completions", target.Filters{}), target.ByStatus, map[string]float64{"not_in_work": 1, "ordinary_job": 1, "education": 1, "wage_subsidy": 1}},
		{"time to fill by month closed", measure("time_to_fill_days", target.Filters{}), target.ByMonth, map[string]float64{"2020-02": 30, "2020-03": 20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gs, err := r.Breakdown(context.Background(), tc.measure, tc.by, span)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]float64{}
			for _, g := range gs {
				got[g.Key] = g.Value
			}
			if len(got) != len(tc.want) {
				t.Errorf("groups = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("group %s = %g, want %g (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
	if _, err := r.Breakdown(context.Background(), measure("course_runs", target.Filters{}), target.ByDirection, span); err == nil {
		t.Error("course runs by direction: no error")
	}
}

func TestGridAndEach(t *testing.T) {
	r := setup(t)
	e := target.Each{By: target.BySector, Values: []string{"health_care", "logistics", "construction"}, Per: "year", Min: 1, Max: 2}
	grid, err := r.Grid(context.Background(), measure("fairs_held", target.Filters{Kind: []string{"popup_fair"}}), e, span)
	if err != nil {
		t.Fatal(err)
	}
	cells := target.CheckEach(e, period, grid, asOf)
	got := map[string]target.EachState{}
	for _, c := range cells {
		got[c.Group] = c.State
	}
	want := map[string]target.EachState{"health_care": target.EachMet, "logistics": target.EachMet, "construction": target.EachOpen}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %s, want %s (cells %+v)", k, got[k], v, cells)
		}
	}
}

func TestFunnel(t *testing.T) {
	r := setup(t)
	got, err := r.Funnel(context.Background(), project, span)
	if err != nil {
		t.Fatal(err)
	}
	want := target.Funnel{Signed: 5, SignedCompleted: 1, SignedCompletedPlaced: 1, Completed: 4, Placed: 8}
	if got != want {
		t.Errorf("funnel = %+v, want %+v", got, want)
	}
}

func TestOpenVacancies(t *testing.T) {
	r := setup(t)
	open, err := r.OpenVacancies(context.Background(), project, asOf)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ isco, country string }
	got := map[key][2]uint64{}
	for _, o := range open {
		k := key{o.ISCOMajor, o.Country}
		v := got[k]
		got[k] = [2]uint64{v[0] + o.Vacancies, v[1] + o.Positions}
	}
	want := map[key][2]uint64{
		{"2", "DK"}: {2, 5}, // v-5 (sent twice) and v-1 of the other source
		{"9", "DK"}: {1, 5}, // v-3
		{"4", "DK"}: {1, 1}, // v-7 closes only after the as-of day
		{"5", "SE"}: {1, 2}, // v-4: its closing was retracted
	}
	if len(got) != len(want) {
		t.Errorf("open = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("open %v = %v, want %v", k, got[k], v)
		}
	}
}

func TestFreshness(t *testing.T) {
	r := setup(t)
	f, err := r.Freshness(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f.Events == 0 || !f.NewestEvent.Equal(time.Date(2021, 2, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("freshness = %+v, want the newest event at 2021-02-01 12:00", f)
	}
	if time.Since(f.NewestProjected) > time.Hour {
		t.Errorf("newest projection %s is not recent", f.NewestProjected)
	}
}

func TestComputeOverClickHouse(t *testing.T) {
	r := setup(t)
	ind := target.Indicator{ID: "people", Target: 12, Measure: measure("distinct_people_placed", target.Filters{Direction: seDK})}
	inc, err := r.Increments(context.Background(), ind.Measure, target.SpanFor(period, day("2020-10-31")))
	if err != nil {
		t.Fatal(err)
	}
	p := target.Compute(ind, period, inc, day("2020-10-31"), 0)
	// 5 people by the end of October; the plan asks for 12*305/366 = 10.
	if p.Value != 5 || p.Status != target.StatusAtRisk {
		t.Errorf("progress = value %g status %s, want 5 at_risk", p.Value, p.Status)
	}
	keys := make([]string, 0)
	for _, pt := range p.Burnup {
		keys = append(keys, pt.Day.Format(time.DateOnly))
	}
	if !sort.StringsAreSorted(keys) {
		t.Errorf("burn-up not in date order: %v", keys)
	}
}
