package dashboard

import (
	"fmt"
	"sort"
	"time"

	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/target"
)

type freshness = target.Freshness

// FreshnessView says how current the figures are.
type FreshnessView struct {
	NewestEvent     string  `json:"newest_event,omitempty"`
	NewestProjected string  `json:"newest_projected,omitempty"`
	Events          uint64  `json:"events"`
	ComputedAt      string  `json:"computed_at"`
	AgeSeconds      float64 `json:"age_seconds"`
	Stale           bool    `json:"stale"`
	Lag             *uint64 `json:"lag,omitempty"`
	Message         string  `json:"message"`
	Warning         string  `json:"warning,omitempty"`
	ErrorAt         string  `json:"error_at,omitempty"`
}

func (s *Server) freshnessOf(l loc, snap *snapshot) FreshnessView {
	f := snap.fresh
	v := FreshnessView{Events: f.Events, ComputedAt: snap.computedAt.UTC().Format(time.RFC3339)}
	now := s.now()
	if f.Events == 0 {
		v.Message = l.T("fresh.none")
	} else {
		v.NewestEvent = f.NewestEvent.UTC().Format(time.RFC3339)
		v.NewestProjected = f.NewestProjected.UTC().Format(time.RFC3339)
		age := now.Sub(f.NewestProjected)
		v.AgeSeconds = max(0, age.Seconds())
		v.Message = l.T("fresh.newest", l.DateTime(f.NewestEvent), l.Duration(age))
		if s.opts.StaleAfter > 0 && age > s.opts.StaleAfter {
			v.Stale = true
			v.Warning = l.T("fresh.stale", l.Duration(age))
		}
	}
	h := s.health()
	if h.lag != nil {
		v.Lag = h.lag
		if *h.lag > 0 {
			v.Warning = joinSentences(v.Warning, l.T("fresh.lag", l.Num(float64(*h.lag))))
		}
	}
	if h.lastErr != nil {
		v.Warning = joinSentences(v.Warning, l.T("fresh.error", h.lastErr.Error(), l.DateTime(snap.computedAt)))
		v.ErrorAt = h.errAt.UTC().Format(time.RFC3339)
	}
	return v
}

func joinSentences(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// BreakdownView is GET /api/projects/{id}/breakdown?indicator=&by=.
type BreakdownView struct {
	Lang          string      `json:"lang"`
	AsOf          string      `json:"as_of"`
	Project       string      `json:"project"`
	Indicator     string      `json:"indicator"`
	IndicatorName string      `json:"indicator_name"`
	Unit          string      `json:"unit"`
	By            string      `json:"by"`
	ByLabel       string      `json:"by_label"`
	Title         string      `json:"title"`
	Dimensions    []LabelView `json:"dimensions"`
	Groups        []GroupView `json:"groups"`
	Total         float64     `json:"total"`
	Note          string      `json:"note"`
}

// GroupView is one group of a breakdown.
type GroupView struct {
	Key   string  `json:"key"`
	Label string  `json:"label"`
	Value float64 `json:"value"`
}

func (s *Server) breakdown(l loc, snap *snapshot, pf *projectFigures, f *indicatorFigures, by string) (BreakdownView, error) {
	v := BreakdownView{Lang: string(l.Lang), AsOf: day(snap.asOf), Project: pf.p.ID, Indicator: f.ind.ID,
		IndicatorName: f.ind.Name.In(string(l.Lang)), Unit: l.Unit(f.ind.Unit), By: by, ByLabel: l.T("dim." + by),
		Note: l.T("breakdown.note"), Total: f.prog.Value}
	v.Title = l.T("breakdown.of", v.IndicatorName, v.ByLabel)
	for _, d := range f.metric.Breakdowns {
		v.Dimensions = append(v.Dimensions, LabelView{Key: d, Label: l.T("dim." + d)})
	}
	if !f.metric.CanSplit(by) {
		return v, fmt.Errorf("%w: %s cannot be split by %q", ErrBadRequest, f.ind.ID, by)
	}
	groups, err := snap.breakdown(f.ind.Measure, by, target.SpanFor(pf.p.Period, snap.asOf))
	if err != nil {
		return v, err
	}
	if by == target.ByMonth {
		groups = fillMonths(groups, pf.p.Period, snap.asOf)
	}
	for _, g := range groups {
		v.Groups = append(v.Groups, GroupView{Key: g.Key, Label: l.Label(by, g.Key), Value: round1(g.Value)})
	}
	if by != target.ByMonth && by != target.ByYear {
		sort.SliceStable(v.Groups, func(i, j int) bool { return v.Groups[i].Value > v.Groups[j].Value })
	}
	return v, nil
}

// fillMonths adds the months without units, so a chart by month has no gaps.
func fillMonths(gs []target.Group, p target.Period, asOf time.Time) []target.Group {
	have := map[string]target.Group{}
	for _, g := range gs {
		have[g.Key] = g
	}
	end := target.Day(asOf)
	if end.After(p.End) {
		end = p.End
	}
	var out []target.Group
	for m := time.Date(p.Start.Year(), p.Start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(end); m = m.AddDate(0, 1, 0) {
		k := m.Format("2006-01")
		g, ok := have[k]
		if !ok {
			g = target.Group{Key: k}
		}
		out = append(out, g)
	}
	return out
}

// FunnelView is GET /api/projects/{id}/funnel.
type FunnelView struct {
	Lang    string      `json:"lang"`
	AsOf    string      `json:"as_of"`
	Project string      `json:"project"`
	Title   string      `json:"title"`
	Note    string      `json:"note"`
	Stages  []StageView `json:"stages"`
}

// StageView is one step of the funnel.
type StageView struct {
	Key    string  `json:"key"`
	Label  string  `json:"label"`
	People uint64  `json:"people"`
	Share  float64 `json:"share"` // percent of the first step
	All    uint64  `json:"all"`   // everyone at this step, without the steps before
}

func (s *Server) funnel(l loc, snap *snapshot, p *target.Project) (FunnelView, error) {
	v := FunnelView{Lang: string(l.Lang), AsOf: day(snap.asOf), Project: p.ID, Title: l.T("funnel.title"), Note: l.T("funnel.note")}
	f, err := snap.funnel(p.ID, target.SpanFor(p.Period, snap.asOf))
	if err != nil {
		return v, err
	}
	share := func(n uint64) float64 {
		if f.Signed == 0 {
			return 0
		}
		return round1(100 * float64(n) / float64(f.Signed))
	}
	v.Stages = []StageView{
		{Key: "signed_up", Label: l.T("funnel.signed"), People: f.Signed, Share: share(f.Signed), All: f.Signed},
		{Key: "completed_course", Label: l.T("funnel.completed"), People: f.SignedCompleted, Share: share(f.SignedCompleted), All: f.Completed},
		{Key: "placed", Label: l.T("funnel.placed"), People: f.SignedCompletedPlaced, Share: share(f.SignedCompletedPlaced), All: f.Placed},
	}
	return v, nil
}

// VacanciesView is GET /api/vacancies.
type VacanciesView struct {
	Lang       string        `json:"lang"`
	AsOf       string        `json:"as_of"`
	Project    string        `json:"project"`
	Scope      string        `json:"scope"`
	Countries  []LabelView   `json:"countries"`
	Open       []OpenRow     `json:"open"`
	OpenTotal  OpenRow       `json:"open_total"`
	TTFByMonth []TTFRow      `json:"time_to_fill_by_month"`
	TTFBySect  []TTFRow      `json:"time_to_fill_by_sector"`
	Projects   []LabelView   `json:"projects"`
	Labels     VacancyLabels `json:"labels"`
}

// VacancyLabels name the series of the vacancy charts.
type VacancyLabels struct {
	Positions string `json:"positions"`
	Days      string `json:"days"`
	Filled    string `json:"filled"`
}

// OpenRow is open positions in one ISCO major group, by country.
type OpenRow struct {
	ISCO      string            `json:"isco"`
	Label     string            `json:"label"`
	Positions map[string]uint64 `json:"positions"` // by country
	Vacancies map[string]uint64 `json:"vacancies"`
	Total     uint64            `json:"total"`
}

// TTFRow is the mean time to fill of a month or a focus area.
type TTFRow struct {
	Key      string  `json:"key"`
	Label    string  `json:"label"`
	MeanDays float64 `json:"mean_days"`
	Filled   uint64  `json:"filled"`
}

func (s *Server) vacancies(l loc, snap *snapshot, project string) (VacanciesView, error) {
	v := VacanciesView{Lang: string(l.Lang), AsOf: day(snap.asOf), Project: project,
		Labels: VacancyLabels{Positions: l.T("vac.positions"), Days: l.T("vac.days"), Filled: l.T("vac.filled")}}
	v.Projects = append(v.Projects, LabelView{Key: "", Label: l.T("vac.scope")})
	span := target.Span{From: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), To: target.Day(snap.asOf)}
	v.Scope = l.T("vac.scope")
	for _, p := range s.cat.Projects {
		v.Projects = append(v.Projects, LabelView{Key: p.ID, Label: p.Name})
		if p.ID == project {
			v.Scope = p.Name
			span = target.SpanFor(p.Period, snap.asOf)
		}
	}
	if project != "" {
		if _, ok := s.cat.Project(project); !ok {
			return v, fmt.Errorf("%w: no project %q", ErrBadRequest, project)
		}
	}
	open, err := snap.openVacancies(project, snap.asOf)
	if err != nil {
		return v, err
	}
	rows := map[string]*OpenRow{}
	countries := map[string]bool{}
	v.OpenTotal = OpenRow{ISCO: "", Label: l.T("total"), Positions: map[string]uint64{}, Vacancies: map[string]uint64{}}
	for _, o := range open {
		r, ok := rows[o.ISCOMajor]
		if !ok {
			r = &OpenRow{ISCO: o.ISCOMajor, Label: l.ISCOMajor(o.ISCOMajor), Positions: map[string]uint64{}, Vacancies: map[string]uint64{}}
			rows[o.ISCOMajor] = r
		}
		r.Positions[o.Country] += o.Positions
		r.Vacancies[o.Country] += o.Vacancies
		r.Total += o.Positions
		v.OpenTotal.Positions[o.Country] += o.Positions
		v.OpenTotal.Vacancies[o.Country] += o.Vacancies
		v.OpenTotal.Total += o.Positions
		countries[o.Country] = true
	}
	for _, c := range sortedCountries(countries) {
		v.Countries = append(v.Countries, LabelView{Key: c, Label: l.Country(c)})
	}
	for _, r := range rows {
		v.Open = append(v.Open, *r)
	}
	sort.Slice(v.Open, func(i, j int) bool { return v.Open[i].ISCO < v.Open[j].ISCO })
	measure := target.Measure{Metric: "time_to_fill_days", Filters: target.Filters{Project: orAll(project)}}
	for _, by := range []string{target.ByMonth, target.BySector} {
		gs, err := snap.breakdown(measure, by, span)
		if err != nil {
			return v, err
		}
		for _, g := range gs {
			row := TTFRow{Key: g.Key, Label: l.Label(by, g.Key), MeanDays: round1(g.Value), Filled: g.N}
			if by == target.ByMonth {
				v.TTFByMonth = append(v.TTFByMonth, row)
			} else {
				v.TTFBySect = append(v.TTFBySect, row)
			}
		}
	}
	sort.SliceStable(v.TTFBySect, func(i, j int) bool { return sectorRank(v.TTFBySect[i].Key) < sectorRank(v.TTFBySect[j].Key) })
	return v, nil
}

// sectorRank orders focus areas as the event contract lists them.
func sectorRank(s string) int {
	for i, x := range event.Sectors {
		if x == s {
			return i
		}
	}
	return len(event.Sectors)
}

func orAll(project string) string {
	if project == "" {
		return "*"
	}
	return project
}

// sortedCountries puts DK and SE first (the Øresund), then the rest by code.
func sortedCountries(set map[string]bool) []string {
	var out []string
	for c := range set {
		out = append(out, c)
	}
	rank := func(c string) string {
		switch c {
		case "DK":
			return "0"
		case "SE":
			return "1"
		}
		return "2" + c
	}
	sort.Slice(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return out
}

// BalanceView is GET /api/balance: the Øresund balance.
type BalanceView struct {
	Lang      string          `json:"lang"`
	AsOf      string          `json:"as_of"`
	From      string          `json:"from"` // start of the 12 months flows and looking count over
	Intro     string          `json:"intro"`
	Note      string          `json:"note"`
	Columns   BalanceColumns  `json:"columns"`
	ByISCO    []BalanceRow    `json:"by_isco"`
	BySector  []BalanceSector `json:"by_sector"`
	TotalISCO BalanceRow      `json:"total_isco"`
}

// BalanceColumns are the column headings in the language.
type BalanceColumns struct {
	OpenDK     string `json:"open_dk"`
	OpenSE     string `json:"open_se"`
	PlacedSEDK string `json:"placed_se_dk"`
	PlacedDKSE string `json:"placed_dk_se"`
	LookingSE  string `json:"looking_se"`
	LookingDK  string `json:"looking_dk"`
}

// BalanceRow is one ISCO major group.
type BalanceRow struct {
	Key        string  `json:"key"`
	Label      string  `json:"label"`
	OpenDK     uint64  `json:"open_dk"`
	OpenSE     uint64  `json:"open_se"`
	PlacedSEDK float64 `json:"placed_se_dk"`
	PlacedDKSE float64 `json:"placed_dk_se"`
}

// BalanceSector is one focus area: demand on each side against people
// looking from the other side.
type BalanceSector struct {
	Key       string  `json:"key"`
	Label     string  `json:"label"`
	OpenDK    uint64  `json:"open_dk"`
	LookingSE float64 `json:"looking_se"`
	OpenSE    uint64  `json:"open_se"`
	LookingDK float64 `json:"looking_dk"`
}

func (s *Server) balance(l loc, snap *snapshot) (BalanceView, error) {
	to := target.Day(snap.asOf)
	from := to.AddDate(-1, 0, 1)
	span := target.Span{From: from, To: to}
	v := BalanceView{Lang: string(l.Lang), AsOf: day(snap.asOf), From: day(from), Intro: l.T("bal.intro"), Note: l.T("bal.note"),
		Columns: BalanceColumns{OpenDK: l.T("bal.open_dk"), OpenSE: l.T("bal.open_se"), PlacedSEDK: l.T("bal.placed_se_dk"),
			PlacedDKSE: l.T("bal.placed_dk_se"), LookingSE: l.T("bal.looking_se"), LookingDK: l.T("bal.looking_dk")}}
	open, err := snap.openVacancies("*", snap.asOf)
	if err != nil {
		return v, err
	}
	isco := map[string]*BalanceRow{}
	sect := map[string]*BalanceSector{}
	rowI := func(k string) *BalanceRow {
		if r, ok := isco[k]; ok {
			return r
		}
		r := &BalanceRow{Key: k, Label: l.ISCOMajor(k)}
		isco[k] = r
		return r
	}
	rowS := func(k string) *BalanceSector {
		if r, ok := sect[k]; ok {
			return r
		}
		r := &BalanceSector{Key: k, Label: l.Label(target.BySector, k)}
		sect[k] = r
		return r
	}
	for _, o := range open {
		switch o.Country {
		case "DK":
			rowI(o.ISCOMajor).OpenDK += o.Positions
			rowS(o.Sector).OpenDK += o.Positions
		case "SE":
			rowI(o.ISCOMajor).OpenSE += o.Positions
			rowS(o.Sector).OpenSE += o.Positions
		}
	}
	for _, dir := range []target.Direction{{From: "SE", To: "DK"}, {From: "DK", To: "SE"}} {
		d := dir
		gs, err := snap.breakdown(target.Measure{Metric: "distinct_people_placed", Filters: target.Filters{Project: "*", Direction: &d}}, target.ByOccupation, span)
		if err != nil {
			return v, err
		}
		for _, g := range gs {
			if d.From == "SE" {
				rowI(g.Key).PlacedSEDK += g.Value
			} else {
				rowI(g.Key).PlacedDKSE += g.Value
			}
		}
		gs, err = snap.breakdown(target.Measure{Metric: "distinct_participants", Filters: target.Filters{Project: "*", Residence: []string{d.From}}}, target.BySector, span)
		if err != nil {
			return v, err
		}
		for _, g := range gs {
			if d.From == "SE" {
				rowS(g.Key).LookingSE += g.Value
			} else {
				rowS(g.Key).LookingDK += g.Value
			}
		}
	}
	v.TotalISCO = BalanceRow{Label: l.T("total")}
	// People placed in two occupation groups count in both groups but
	// once in the total.
	for _, d := range []target.Direction{{From: "SE", To: "DK"}, {From: "DK", To: "SE"}} {
		inc, err := snap.increments(target.Measure{Metric: "distinct_people_placed", Filters: target.Filters{Project: "*", Direction: &d}}, span)
		if err != nil {
			return v, err
		}
		for _, in := range inc {
			if d.From == "SE" {
				v.TotalISCO.PlacedSEDK += in.N
			} else {
				v.TotalISCO.PlacedDKSE += in.N
			}
		}
	}
	for _, r := range isco {
		v.ByISCO = append(v.ByISCO, *r)
		v.TotalISCO.OpenDK += r.OpenDK
		v.TotalISCO.OpenSE += r.OpenSE
	}
	sort.Slice(v.ByISCO, func(i, j int) bool { return v.ByISCO[i].Key < v.ByISCO[j].Key })
	for _, code := range event.Sectors {
		if r, ok := sect[code]; ok {
			v.BySector = append(v.BySector, *r)
		}
	}
	return v, nil
}
