package dashboard

import (
	"math"
	"sort"
	"time"

	"github.com/sundflow/sundflow/pkg/target"
)

// The JSON the API returns. Numbers are plain numbers (the pages format
// them for the language); labels are in the request's language; dates
// are YYYY-MM-DD, instants RFC 3339.

// ProjectsView is GET /api/projects.
type ProjectsView struct {
	Lang      string           `json:"lang"`
	AsOf      string           `json:"as_of"`
	Freshness FreshnessView    `json:"freshness"`
	Projects  []ProjectSummary `json:"projects"`
}

// ProjectSummary is a project with its indicators, without series.
type ProjectSummary struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Title      string          `json:"title,omitempty"`
	Programme  string          `json:"programme,omitempty"`
	Start      string          `json:"start"`
	End        string          `json:"end"`
	Partners   []PartnerView   `json:"partners"`
	Indicators []IndicatorView `json:"indicators"`
}

// PartnerView is a partner.
type PartnerView struct {
	Name    string `json:"name"`
	Country string `json:"country"`
	Lead    bool   `json:"lead,omitempty"`
}

// ProjectView is GET /api/projects/{id}.
type ProjectView struct {
	Lang      string        `json:"lang"`
	AsOf      string        `json:"as_of"`
	Freshness FreshnessView `json:"freshness"`
	ProjectSummary
	FocusAreas []LabelView      `json:"focus_areas,omitempty"`
	Unmeasured []UnmeasuredView `json:"unmeasured,omitempty"`
	Documents  []DocumentView   `json:"documents"`
}

// LabelView is a code and its label.
type LabelView struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// IndicatorView is one indicator's standing.
type IndicatorView struct {
	ID             string            `json:"id"`
	Code           string            `json:"code,omitempty"`
	Name           string            `json:"name"`
	Unit           string            `json:"unit"`
	Metric         string            `json:"metric"`
	Filters        map[string]any    `json:"filters"`
	HasValue       bool              `json:"has_value"`
	Value          float64           `json:"value"`
	Baseline       float64           `json:"baseline"`
	Target         float64           `json:"target"`
	Percent        float64           `json:"percent"`
	Expected       float64           `json:"expected"`
	Pace           float64           `json:"pace"`
	Status         string            `json:"status"`
	StatusLabel    string            `json:"status_label"`
	WindowDays     int               `json:"window_days"`
	RatePerMonth   float64           `json:"rate_per_month"`
	NeededPerMonth float64           `json:"needed_per_month"`
	Forecast       *float64          `json:"forecast"`
	ReachDate      string            `json:"reach_date,omitempty"`
	Reached        bool              `json:"reached"`
	ReachBeforeEnd bool              `json:"reach_before_end"`
	Summary        string            `json:"summary"`
	TargetNote     string            `json:"target_note,omitempty"`
	Source         SourceView        `json:"source"`
	Alternatives   []AlternativeView `json:"alternatives,omitempty"`
	Reported       []ReportedView    `json:"reported,omitempty"`
	Milestones     []MilestoneView   `json:"milestones,omitempty"`
	Each           *EachView         `json:"each,omitempty"`
	Error          string            `json:"error,omitempty"`
}

// SourceView is where a number comes from.
type SourceView struct {
	Document string `json:"document"`
	Title    string `json:"title"`
	Date     string `json:"date"`
	Ref      string `json:"ref,omitempty"`
	Says     string `json:"says"`
}

// AlternativeView is another published target.
type AlternativeView struct {
	Target float64    `json:"target"`
	Note   string     `json:"note,omitempty"`
	Source SourceView `json:"source"`
}

// ReportedView is a figure the project published itself.
type ReportedView struct {
	Date   string     `json:"date"`
	Value  float64    `json:"value"`
	Source SourceView `json:"source"`
}

// MilestoneView is a milestone and whether it was met.
type MilestoneView struct {
	Date  string  `json:"date"`
	Value float64 `json:"value"`
	Due   bool    `json:"due"`
	Got   float64 `json:"got"`
	Met   bool    `json:"met"`
}

// EachView is the grid of an "each" requirement.
type EachView struct {
	By      string    `json:"by"`
	ByLabel string    `json:"by_label"`
	Per     string    `json:"per,omitempty"`
	Min     float64   `json:"min"`
	Max     float64   `json:"max,omitempty"`
	Text    string    `json:"text"`
	Years   []int     `json:"years"`
	Rows    []EachRow `json:"rows"`
}

// EachRow is one group of an each grid.
type EachRow struct {
	Group string         `json:"group"`
	Label string         `json:"label"`
	Cells []EachCellView `json:"cells"`
}

// EachCellView is one group in one year.
type EachCellView struct {
	Year       int     `json:"year"`
	Count      float64 `json:"count"`
	State      string  `json:"state"`
	StateLabel string  `json:"state_label"`
}

// UnmeasuredView is a target the events do not measure.
type UnmeasuredView struct {
	Name   string     `json:"name"`
	Target string     `json:"target"`
	Why    string     `json:"why"`
	Source SourceView `json:"source"`
}

// DocumentView is a source document.
type DocumentView struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Date  string `json:"date"`
	Ref   string `json:"ref,omitempty"`
}

// IndicatorDetail is GET /api/projects/{id}/indicators/{ind}: the
// standing plus the burn-up by month (the chart and its CSV).
type IndicatorDetail struct {
	Lang    string `json:"lang"`
	AsOf    string `json:"as_of"`
	Project string `json:"project"`
	Start   string `json:"start"`
	End     string `json:"end"`
	IndicatorView
	Months []MonthView `json:"months"`
	Labels ChartLabels `json:"labels"`
}

// MonthView is one month of a burn-up; Value is null after the as-of
// day, Forecast null before it.
type MonthView struct {
	Month    string   `json:"month"` // YYYY-MM
	Label    string   `json:"label"`
	End      string   `json:"end"` // the day the values are taken
	Value    *float64 `json:"value"`
	Plan     float64  `json:"plan"`
	Forecast *float64 `json:"forecast"`
}

// ChartLabels are the series names of a chart in the language.
type ChartLabels struct {
	Actual   string `json:"actual"`
	Plan     string `json:"plan"`
	Forecast string `json:"forecast"`
	Target   string `json:"target"`
	Reported string `json:"reported"`
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func sourceView(p *target.Project, s target.Source) SourceView {
	d := p.Documents[s.Document]
	return SourceView{Document: s.Document, Title: d.Title, Date: d.Date, Ref: d.Ref, Says: s.Says}
}

func summaryOf(l loc, snap *snapshot, pf *projectFigures) ProjectSummary {
	p := pf.p
	ps := ProjectSummary{ID: p.ID, Name: p.Name, Title: p.Title.In(string(l.Lang)), Programme: p.Programme,
		Start: day(p.Period.Start), End: day(p.Period.End)}
	for _, pa := range p.Partners {
		ps.Partners = append(ps.Partners, PartnerView{Name: pa.Name, Country: pa.Country, Lead: pa.Lead})
	}
	for _, f := range pf.inds {
		ps.Indicators = append(ps.Indicators, indicatorView(l, p, f))
	}
	return ps
}

func indicatorView(l loc, p *target.Project, f *indicatorFigures) IndicatorView {
	ind, pr := f.ind, f.prog
	lang := string(l.Lang)
	v := IndicatorView{
		ID: ind.ID, Code: ind.Code, Name: ind.Name.In(lang), Unit: l.Unit(ind.Unit), Metric: ind.Measure.Metric,
		Filters:  filtersView(ind.Measure.Filters),
		Baseline: ind.Baseline, Target: ind.Target,
		TargetNote: ind.TargetNote.In(lang),
		Source:     sourceView(p, ind.Source),
		Error:      errString(f.err),
	}
	for _, a := range ind.Alternatives {
		v.Alternatives = append(v.Alternatives, AlternativeView{Target: a.Target, Note: a.Note.In(lang), Source: sourceView(p, a.Source)})
	}
	for _, r := range ind.Reported {
		v.Reported = append(v.Reported, ReportedView{Date: day(r.Date), Value: r.Value, Source: sourceView(p, r.Source)})
	}
	if f.err != nil {
		v.Status = "error"
		v.StatusLabel = "–"
		v.Summary = f.err.Error()
		return v
	}
	v.HasValue = pr.HasValue
	v.Value = pr.Value
	v.Percent = round1(pr.Percent)
	v.Expected = round1(pr.Expected)
	v.Pace = math.Round(pr.Pace*100) / 100
	v.Status = string(pr.Status)
	v.StatusLabel = l.Status(pr.Status)
	v.WindowDays = pr.WindowDays
	v.RatePerMonth = round1(pr.RatePerDay * daysPerMonth)
	if left := target.DaysBetween(target.Day(pr.AsOf), p.Period.End); left > 0 && pr.Value < pr.Target && f.metric.Agg != target.Mean {
		v.NeededPerMonth = round1((pr.Target - pr.Value) / float64(left) * daysPerMonth)
	}
	if pr.ForecastKnown {
		fc := math.Floor(pr.Forecast)
		v.Forecast = &fc
	}
	v.ReachDate = day(pr.ReachDate)
	v.Reached = pr.Reached
	v.ReachBeforeEnd = pr.ReachBeforeEnd
	v.Summary = sentence(l, p, f)
	for _, m := range pr.Milestones {
		v.Milestones = append(v.Milestones, MilestoneView{Date: day(m.Date), Value: m.Milestone.Value, Due: m.Due, Got: m.Value, Met: m.Met})
	}
	if ind.Each != nil {
		v.Each = eachView(l, ind.Each, f.cells)
	}
	return v
}

func filtersView(f target.Filters) map[string]any {
	m := map[string]any{"project": f.Project}
	if f.Direction != nil {
		m["direction"] = f.Direction.String()
	}
	for k, vals := range map[string][]string{"sector": f.Sector, "kind": f.Kind, "country": f.Country, "residence": f.Residence, "status": f.Status} {
		if len(vals) > 0 {
			m[k] = vals
		}
	}
	return m
}

func eachView(l loc, e *target.Each, cells []target.EachCell) *EachView {
	v := &EachView{By: e.By, ByLabel: l.T("dim." + e.By), Per: e.Per, Min: e.Min, Max: e.Max}
	if e.Per == "year" {
		v.Text = l.T("card.each", l.Num(e.Min), l.T("dim."+e.By))
	} else {
		v.Text = l.T("card.each.period", l.Num(e.Min), l.T("dim."+e.By))
	}
	seenYear := map[int]bool{}
	rows := map[string]*EachRow{}
	for _, c := range cells {
		if !seenYear[c.Year] {
			seenYear[c.Year] = true
			v.Years = append(v.Years, c.Year)
		}
		r, ok := rows[c.Group]
		if !ok {
			r = &EachRow{Group: c.Group, Label: l.Label(e.By, c.Group)}
			rows[c.Group] = r
		}
		r.Cells = append(r.Cells, EachCellView{Year: c.Year, Count: c.Count, State: string(c.State), StateLabel: l.T("each." + string(c.State))})
	}
	sort.Ints(v.Years)
	for _, g := range e.Values {
		if r, ok := rows[g]; ok {
			v.Rows = append(v.Rows, *r)
		}
	}
	return v
}

func projectView(l loc, snap *snapshot, pf *projectFigures, fresh FreshnessView) ProjectView {
	p := pf.p
	v := ProjectView{Lang: string(l.Lang), AsOf: day(snap.asOf), Freshness: fresh, ProjectSummary: summaryOf(l, snap, pf)}
	for _, fa := range p.FocusAreas {
		v.FocusAreas = append(v.FocusAreas, LabelView{Key: fa, Label: l.Label(target.BySector, fa)})
	}
	for _, u := range p.Unmeasured {
		v.Unmeasured = append(v.Unmeasured, UnmeasuredView{Name: u.Name.In(string(l.Lang)), Target: u.Target, Why: u.Why.In(string(l.Lang)), Source: sourceView(p, u.Source)})
	}
	for _, id := range p.DocumentOrder {
		d := p.Documents[id]
		v.Documents = append(v.Documents, DocumentView{ID: id, Title: d.Title, Date: d.Date, Ref: d.Ref})
	}
	return v
}

func indicatorDetail(l loc, snap *snapshot, pf *projectFigures, f *indicatorFigures) IndicatorDetail {
	d := IndicatorDetail{
		Lang: string(l.Lang), AsOf: day(snap.asOf), Project: pf.p.ID,
		Start: day(pf.p.Period.Start), End: day(pf.p.Period.End),
		IndicatorView: indicatorView(l, pf.p, f),
		Labels: ChartLabels{Actual: l.T("chart.actual"), Plan: l.T("chart.plan"), Forecast: l.T("chart.forecast"),
			Target: l.T("chart.target"), Reported: l.T("chart.reported")},
	}
	if f.err != nil || f.metric.Agg == target.Mean {
		return d
	}
	for _, m := range months(pf.p, f.prog) {
		mv := MonthView{Month: m.Month.Format("2006-01"), Label: l.Month(m.Month), End: day(m.End), Value: m.Value, Plan: round1(m.Plan)}
		if m.Forecast != nil {
			fc := round1(*m.Forecast)
			mv.Forecast = &fc
		}
		d.Months = append(d.Months, mv)
	}
	return d
}
