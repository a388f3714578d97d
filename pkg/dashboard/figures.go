package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/sundflow/sundflow/pkg/target"
)

// snapshot is every project's figures on one as-of day, computed once
// and shared by the pages, the API and the Prometheus collector, so that
// they always agree. It keeps the facts it was measured from: the
// breakdowns, funnels, vacancies, balance and other as-of days are
// measured from them in memory (and remembered), never by querying
// ClickHouse per request.
type snapshot struct {
	computedAt time.Time
	asOf       time.Time
	projects   []*projectFigures
	fresh      freshness
	facts      *target.Facts
	memo       *memo
}

// memo remembers what requests measured from one set of facts, so the
// second request for the same figures costs a map lookup. It is dropped
// with its facts at the next refresh.
type memo struct {
	mu   sync.Mutex
	vals map[string]any
	days map[string]*snapshot // other as-of days
}

func newMemo() *memo { return &memo{vals: map[string]any{}, days: map[string]*snapshot{}} }

// maxDays bounds the as-of days remembered per refresh.
const maxDays = 64

// remember returns the value computed for key, computing it once.
func remember[T any](m *memo, key string, compute func() (T, error)) (T, error) {
	m.mu.Lock()
	v, ok := m.vals[key]
	m.mu.Unlock()
	if ok {
		return v.(T), nil
	}
	out, err := compute()
	if err != nil {
		return out, err
	}
	m.mu.Lock()
	m.vals[key] = out
	m.mu.Unlock()
	return out, nil
}

// memoKey names a measurement: its kind and its arguments.
func memoKey(kind string, args ...any) string {
	b, _ := json.Marshal(args)
	return kind + string(b)
}

func (s *snapshot) breakdown(ms target.Measure, by string, span target.Span) ([]target.Group, error) {
	return remember(s.memo, memoKey("breakdown", ms, by, span), func() ([]target.Group, error) { return s.facts.Breakdown(ms, by, span) })
}

func (s *snapshot) increments(ms target.Measure, span target.Span) ([]target.Increment, error) {
	return remember(s.memo, memoKey("increments", ms, span), func() ([]target.Increment, error) { return s.facts.Increments(ms, span) })
}

func (s *snapshot) funnel(project string, span target.Span) (target.Funnel, error) {
	return remember(s.memo, memoKey("funnel", project, span), func() (target.Funnel, error) { return s.facts.Funnel(project, span) })
}

func (s *snapshot) openVacancies(project string, asOf time.Time) ([]target.OpenPositions, error) {
	return remember(s.memo, memoKey("open", project, target.Day(asOf)), func() ([]target.OpenPositions, error) { return s.facts.OpenVacancies(project, asOf) })
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

// compute reads the facts from ClickHouse (one query per relation) and
// measures every indicator on asOf. A failure to read them is returned.
func (s *Server) compute(ctx context.Context, asOf time.Time) (*snapshot, error) {
	facts, err := s.reader.Facts(ctx)
	if err != nil {
		return nil, err
	}
	return s.derive(facts, newMemo(), asOf), nil
}

// derive measures every indicator of every project on asOf from facts,
// in memory. A failing indicator keeps its error and the others go on.
func (s *Server) derive(facts *target.Facts, m *memo, asOf time.Time) *snapshot {
	snap := &snapshot{computedAt: s.now(), asOf: asOf, fresh: facts.Fresh, facts: facts, memo: m}
	for _, p := range s.cat.Projects {
		pf := &projectFigures{p: p}
		for i := range p.Indicators {
			pf.inds = append(pf.inds, s.measure(snap, p, &p.Indicators[i], asOf))
		}
		snap.projects = append(snap.projects, pf)
	}
	return snap
}

// onDay is the snapshot of another as-of day, measured from the facts of
// snap (and remembered with them).
func (s *Server) onDay(snap *snapshot, asOf time.Time) *snapshot {
	key := asOf.Format(time.RFC3339)
	snap.memo.mu.Lock()
	d, ok := snap.memo.days[key]
	snap.memo.mu.Unlock()
	if ok {
		return d
	}
	d = s.derive(snap.facts, snap.memo, asOf)
	d.computedAt = snap.computedAt
	snap.memo.mu.Lock()
	if len(snap.memo.days) < maxDays {
		snap.memo.days[key] = d
	}
	snap.memo.mu.Unlock()
	return d
}

func (s *Server) measure(snap *snapshot, p *target.Project, ind *target.Indicator, asOf time.Time) *indicatorFigures {
	m, _ := target.LookupMetric(ind.Measure.Metric)
	f := &indicatorFigures{ind: ind, metric: m}
	span := target.SpanFor(p.Period, asOf)
	if m.Agg == target.Mean {
		mean, n, err := snap.facts.Mean(ind.Measure, span)
		if err != nil {
			f.err = err
			return f
		}
		f.prog = target.ComputeMean(*ind, p.Period, mean, n, asOf)
		return f
	}
	inc, err := snap.increments(ind.Measure, span)
	if err != nil {
		f.err = err
		return f
	}
	f.prog = target.Compute(*ind, p.Period, inc, asOf, s.opts.WindowDays)
	if ind.Each != nil {
		grid, err := snap.facts.Grid(ind.Measure, *ind.Each, span)
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
