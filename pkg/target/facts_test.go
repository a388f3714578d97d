package target_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/sundflow/sundflow/pkg/target"
)

// The facts measured in memory must give exactly what the SQL gives over
// the same rows, for every metric, filter, span and breakdown, on the
// scenario whose figures TestMeasures pins: the SQL is the oracle.
func TestFactsEqualSQL(t *testing.T) {
	r := setup(t)
	ctx := context.Background()
	f, err := r.Facts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.Fresh.Events == 0 {
		t.Fatal("facts carry no freshness")
	}
	spans := []target.Span{
		span,
		{From: day("2020-03-01"), To: day("2020-06-30")},
		{From: day("1970-01-01"), To: day("2021-12-31")},
		{From: day("2021-01-01"), To: day("2020-12-31")}, // empty
	}
	values := map[string][]string{
		target.FilterSector:    {"health_care", "logistics"},
		target.FilterKind:      {"popup_fair", "ordinary_job"},
		target.FilterCountry:   {"SE"},
		target.FilterResidence: {"SE"},
		target.FilterStatus:    {"not_in_work", "insured_unemployed"},
	}
	for _, m := range target.Metrics() {
		filters := []target.Filters{{Project: project}, {Project: "*"}, {Project: "nobody"}}
		for _, name := range m.Filters {
			fl := target.Filters{Project: project}
			switch name {
			case target.FilterProject:
				continue
			case target.FilterDirection:
				fl.Direction = seDK
			case target.FilterSector:
				fl.Sector = values[name]
			case target.FilterKind:
				fl.Kind = values[name]
			case target.FilterCountry:
				fl.Country = values[name]
			case target.FilterResidence:
				fl.Residence = values[name]
			case target.FilterStatus:
				fl.Status = values[name]
			}
			filters = append(filters, fl)
		}
		filters = append(filters, target.Filters{Project: "*", Sector: []string{"no-such-sector"}})
		for fi, fl := range filters {
			for si, sp := range spans {
				ms := target.Measure{Metric: m.Name, Filters: fl}
				t.Run(fmt.Sprintf("%s/filters-%d/span-%d", m.Name, fi, si), func(t *testing.T) {
					want, err := r.Increments(ctx, ms, sp)
					if err != nil {
						t.Fatal(err)
					}
					got, err := f.Increments(ms, sp)
					if err != nil {
						t.Fatal(err)
					}
					if !sameIncrements(got, want) {
						t.Errorf("increments\n got %v\nwant %v", got, want)
					}
					if m.Agg == target.Mean {
						wm, wn, err := r.Mean(ctx, ms, sp)
						if err != nil {
							t.Fatal(err)
						}
						gm, gn, err := f.Mean(ms, sp)
						if err != nil {
							t.Fatal(err)
						}
						if gn != wn || math.Abs(gm-wm) > 1e-9 {
							t.Errorf("mean = %g over %d, SQL %g over %d", gm, gn, wm, wn)
						}
					}
					if si != 0 {
						return // breakdowns and grids on the project's span only, to keep the test short
					}
					for _, by := range m.Breakdowns {
						want, err := r.Breakdown(ctx, ms, by, sp)
						if err != nil {
							t.Fatal(err)
						}
						got, err := f.Breakdown(ms, by, sp)
						if err != nil {
							t.Fatal(err)
						}
						if !sameGroups(got, want) {
							t.Errorf("by %s\n got %v\nwant %v", by, got, want)
						}
						if by == target.ByMonth || by == target.ByYear {
							continue
						}
						for _, per := range []string{"year"} {
							e := target.Each{By: by, Per: per}
							want, err := r.Grid(ctx, ms, e, sp)
							if err != nil {
								t.Fatal(err)
							}
							got, err := f.Grid(ms, e, sp)
							if err != nil {
								t.Fatal(err)
							}
							if !reflect.DeepEqual(got, want) {
								t.Errorf("grid by %s per %q\n got %v\nwant %v", by, per, got, want)
							}
						}
					}
				})
			}
		}
	}
	for _, p := range []string{project, "*", "another-project"} {
		for si, sp := range spans {
			t.Run(fmt.Sprintf("funnel/%s/span-%d", p, si), func(t *testing.T) {
				want, err := r.Funnel(ctx, p, sp)
				if err != nil {
					t.Fatal(err)
				}
				got, err := f.Funnel(p, sp)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("funnel = %+v, SQL %+v", got, want)
				}
			})
		}
	}
	for _, p := range []string{project, "*", "", "another-project"} {
		for _, d := range []string{"2020-01-31", "2020-02-09", "2020-07-15", "2020-12-31", "2021-06-30"} {
			t.Run(fmt.Sprintf("open vacancies/%q/%s", p, d), func(t *testing.T) {
				at := day(d).Add(23 * time.Hour)
				want, err := r.OpenVacancies(ctx, p, at)
				if err != nil {
					t.Fatal(err)
				}
				got, err := f.OpenVacancies(p, at)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
					t.Errorf("open vacancies\n got %+v\nwant %+v", got, want)
				}
			})
		}
	}
	t.Run("a breakdown the metric lacks is an error", func(t *testing.T) {
		if _, err := f.Breakdown(target.Measure{Metric: "course_runs"}, target.ByDirection, span); err == nil {
			t.Error("course runs split by direction: no error")
		}
		if _, err := f.Increments(target.Measure{Metric: "nope"}, span); err == nil {
			t.Error("unknown metric: no error")
		}
	})
}

func sameIncrements(a, b []target.Increment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Day.Equal(b[i].Day) || math.Abs(a[i].N-b[i].N) > 1e-9 {
			return false
		}
	}
	return true
}

func sameGroups(a, b []target.Group) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].N != b[i].N || math.Abs(a[i].Value-b[i].Value) > 1e-9 {
			return false
		}
	}
	return true
}
