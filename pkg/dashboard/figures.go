package dashboard

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/sundflow/sundflow/pkg/target"
)

// snapshot is every project's figures on one as-of day, computed once
// and shared by the pages, the API and the Prometheus collector, so that
// they always agree.
type snapshot struct {
	computedAt time.Time
	asOf       time.Time
	projects   []*projectFigures
	fresh      freshness
}

type projectFigures struct {
	p    *target.Project
	inds []*indicatorFigures
}

type indicatorFigures struct {
	ind    *target.Indicator
	metric target.Metric
	prog   target.Progress
	cells  []target.EachCell
	err    error
}

func (pf *projectFigures) indicator(id string) (*indicatorFigures, bool) {
	for _, f := range pf.inds {
		if f.ind.ID == id {
			return f, true
		}
	}
	return nil, false
}

func (s *snapshot) project(id string) (*projectFigures, bool) {
	for _, p := range s.projects {
		if p.p.ID == id {
			return p, true
		}
	}
	return nil, false
}

// compute measures every indicator of every project on asOf. A failing
// indicator keeps its error and the others go on; a failure to reach
// ClickHouse at all is returned.
func (s *Server) compute(ctx context.Context, asOf time.Time) (*snapshot, error) {
	snap := &snapshot{computedAt: s.now(), asOf: asOf}
	fresh, err := s.queries.freshness(ctx)
	if err != nil {
		return nil, err
	}
	snap.fresh = fresh
	for _, p := range s.cat.Projects {
		pf := &projectFigures{p: p}
		for i := range p.Indicators {
			pf.inds = append(pf.inds, s.measure(ctx, p, &p.Indicators[i], asOf))
		}
		snap.projects = append(snap.projects, pf)
	}
	return snap, nil
}

func (s *Server) measure(ctx context.Context, p *target.Project, ind *target.Indicator, asOf time.Time) *indicatorFigures {
	m, _ := target.LookupMetric(ind.Measure.Metric)
	f := &indicatorFigures{ind: ind, metric: m}
	span := target.SpanFor(p.Period, asOf)
	if m.Agg == target.Mean {
		mean, n, err := s.reader.Mean(ctx, ind.Measure, span)
		if err != nil {
			f.err = err
			return f
		}
		f.prog = target.ComputeMean(*ind, p.Period, mean, n, asOf)
		return f
	}
	inc, err := s.reader.Increments(ctx, ind.Measure, span)
	if err != nil {
		f.err = err
		return f
	}
	f.prog = target.Compute(*ind, p.Period, inc, asOf, s.opts.WindowDays)
	if ind.Each != nil {
		grid, err := s.reader.Grid(ctx, ind.Measure, *ind.Each, span)
		if err != nil {
			f.err = err
			return f
		}
		f.cells = target.CheckEach(*ind.Each, p.Period, grid, asOf)
	}
	return f
}

// daysPerMonth turns a daily rate into a monthly one.
const daysPerMonth = 365.25 / 12

// sentence is what a manager reads on the card: where the indicator
// stands and where the recent pace leads, in plain words.
func sentence(l loc, p *target.Project, f *indicatorFigures) string {
	pr := f.prog
	unit := l.Unit(f.ind.Unit)
	end := l.Date(p.Period.End)
	if f.metric.Agg == target.Mean {
		if !pr.HasValue {
			return l.T("sent.mean.none")
		}
		return l.T("sent.mean", l.Num(round1(pr.Value)), unit, l.Num(pr.Target))
	}
	switch pr.Status {
	case target.StatusNotStarted:
		return l.T("sent.notstarted", l.Date(p.Period.Start))
	case target.StatusAchieved:
		return l.T("sent.reached", l.Date(pr.ReachDate), l.Num(pr.Value), l.Num(pr.Target), unit)
	case target.StatusMissed:
		return l.T("sent.missed", end, l.Num(pr.Value), l.Num(pr.Target), unit)
	}
	if !pr.ForecastKnown {
		return l.T("sent.early", l.Date(p.Period.Start), l.Num(math.Round(pr.Expected)))
	}
	if pr.ReachDate.IsZero() {
		return l.T("sent.stalled", l.Num(float64(pr.WindowDays)), l.Num(pr.Target), unit, end, l.Num(pr.Value), l.Num(math.Round(pr.Expected)))
	}
	if pr.ReachBeforeEnd {
		return l.T("sent.will", l.Num(pr.Target), unit, l.Month(pr.ReachDate), end)
	}
	return l.T("sent.late", l.Num(pr.Target), unit, l.Month(pr.ReachDate), end, l.Num(math.Floor(pr.Forecast)))
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// monthRow is one month of a burn-up: the measured value at the month's
// end (or on the as-of day in its month), the plan, the forecast.
type monthRow struct {
	Month    time.Time
	End      time.Time
	Value    *float64
	Plan     float64
	Forecast *float64
}

// months lays the progress out by calendar month over the whole period:
// measured up to the as-of day, the plan throughout, the forecast from
// the as-of month to the end.
func months(p *target.Project, pr target.Progress) []monthRow {
	var out []monthRow
	today := target.Day(pr.AsOf)
	for m := time.Date(p.Period.Start.Year(), p.Period.Start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(p.Period.End); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, -1)
		if end.After(p.Period.End) {
			end = p.Period.End
		}
		row := monthRow{Month: m, End: end, Plan: target.PlanAt(pr.Plan, end)}
		if !m.After(today) && !today.Before(p.Period.Start) {
			at := end
			if today.Before(end) {
				at = today
			}
			v := valueOn(pr.Burnup, at)
			row.Value = &v
		}
		if pr.ForecastKnown && !end.Before(today) {
			fc := pr.Value + pr.RatePerDay*float64(target.DaysBetween(today, end))
			row.Forecast = &fc
		}
		out = append(out, row)
	}
	return out
}

func valueOn(burnup []target.Point, d time.Time) float64 {
	v := 0.0
	for i, pt := range burnup {
		if i == 0 {
			v = pt.Value
		}
		if pt.Day.After(d) {
			break
		}
		v = pt.Value
	}
	return v
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprint(err)
}
