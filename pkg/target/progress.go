package target

import (
	"math"
	"sort"
	"time"
)

// Status says how an indicator stands. The rules are in [Compute] and
// in the README ("Targets and dashboard").
type Status string

// The statuses, from best to worst; NotStarted, Achieved and Missed are
// the states before, at and after the race.
const (
	StatusNotStarted Status = "not_started" // the period has not begun
	StatusAchieved   Status = "achieved"    // the target is reached
	StatusAhead      Status = "ahead"       // well above the planned path and still going
	StatusOnTrack    Status = "on_track"    // on the planned path
	StatusBehind     Status = "behind"      // below the path but the recent pace would still make it, or on the path but slowing down
	StatusAtRisk     Status = "at_risk"     // below the path and the recent pace will not reach the target
	StatusMissed     Status = "missed"      // the period is over and the target was not reached
)

// Statuses lists every status, best first.
var Statuses = []Status{StatusAchieved, StatusAhead, StatusOnTrack, StatusBehind, StatusAtRisk, StatusMissed, StatusNotStarted}

// Thresholds of the status rules.
const (
	// AheadPace: gained at least 110 % of what the plan expects by today.
	AheadPace = 1.10
	// OnTrackPace: gained at least 90 % of what the plan expects by today
	// (or less than one whole unit short of it).
	OnTrackPace = 0.90
	// DefaultWindowDays is how far back the run rate looks.
	DefaultWindowDays = 90
	// MinForecastDays: before this many days of the period have passed,
	// the forecast is too young to move the status.
	MinForecastDays = 30
	// MeanTolerance: a mean (lower is better) within 10 % above its
	// ceiling is behind, further above it at risk.
	MeanTolerance = 1.10
)

// Increment is how much a metric grew on one day: the units whose first
// qualifying date that day is.
type Increment struct {
	Day time.Time
	N   float64
}

// Point is a value on a day.
type Point struct {
	Day   time.Time
	Value float64
}

// MilestoneCheck is a milestone and how it went.
type MilestoneCheck struct {
	Milestone
	Due bool // the date is today or past
	// Value reached by the milestone's date (only when Due).
	Value float64
	Met   bool
}

// Progress is an indicator's standing on a day.
type Progress struct {
	AsOf     time.Time
	Baseline float64
	Target   float64
	// HasValue is false for a mean with nothing to average yet.
	HasValue bool
	Value    float64
	// Percent is 100 * Value / Target.
	Percent float64
	// ElapsedDays of the period by AsOf (0 before the start, Days after the end).
	ElapsedDays int
	PeriodDays  int
	// Expected is the value the plan (linear from the baseline at the
	// start to the target at the end, through the milestones) asks for by AsOf.
	Expected float64
	// Pace is the gain so far over the planned gain so far (1 = on plan);
	// 0 when the plan expects no gain yet.
	Pace float64
	// WindowDays and RatePerDay: the recent run rate, units a day over the
	// last WindowDays days of the period.
	WindowDays int
	RatePerDay float64
	// Forecast is the value at the end date if the run rate holds.
	Forecast float64
	// ForecastKnown is false before MinForecastDays or after the end.
	ForecastKnown bool
	// ReachDate: when the target was reached (Reached), or will be at the
	// run rate (zero time when the rate is 0).
	ReachDate      time.Time
	Reached        bool
	ReachBeforeEnd bool
	Status         Status
	Milestones     []MilestoneCheck
	// Next is the first milestone not yet due, if any.
	Next *MilestoneCheck
	// Burnup is the cumulative value by day (start, each day with growth,
	// AsOf); Plan is the planned path; ForecastLine runs from AsOf to the end.
	Burnup       []Point
	Plan         []Point
	ForecastLine []Point
}

// Compute works out where ind stands on asOf from the metric's daily
// increments (a count or sum metric) and returns it. period is the
// project's period; windowDays 0 means [DefaultWindowDays]. It is pure:
// the same arguments give the same answer.
//
// Status rules for counts and sums, in order:
//   - not_started before the first day; achieved once Value >= Target;
//     missed after the last day when not achieved;
//   - otherwise two questions. Pace band: ahead when the gain since the
//     start is >= 110 % of the planned gain by today, "on" when >= 90 % or
//     less than one whole unit short, "under" otherwise. Forecast: does the
//     value at the end date, at the run rate of the last 90 days, reach the
//     target? (Not asked in the first 30 days: too little to go on.)
//   - ahead+reaches = ahead; ahead+misses = on_track (slowing down);
//     on+reaches = on_track; on+misses = behind; under+reaches = behind
//     (catching up); under+misses = at_risk. A forecast less than one unit
//     short of the target counts as reaching it.
func Compute(ind Indicator, period Period, inc []Increment, asOf time.Time, windowDays int) Progress {
	if windowDays <= 0 {
		windowDays = DefaultWindowDays
	}
	today := Day(asOf)
	p := Progress{
		AsOf:       asOf,
		Baseline:   ind.Baseline,
		Target:     ind.Target,
		PeriodDays: period.Days(),
		HasValue:   true,
	}
	inc = clip(inc, period, today)
	p.ElapsedDays = clampInt(daysBetween(period.Start, today)+1, 0, p.PeriodDays)
	p.Value = valueAt(ind.Baseline, inc, today)
	if ind.Target > 0 {
		p.Percent = 100 * p.Value / ind.Target
	}
	p.Plan = planPath(ind, period)
	p.Expected = expectedAt(p.Plan, today)
	if gain := p.Expected - ind.Baseline; gain > 0 {
		p.Pace = (p.Value - ind.Baseline) / gain
	}

	// Run rate over the last window of the elapsed period.
	p.WindowDays = min(windowDays, p.ElapsedDays)
	if p.WindowDays > 0 {
		from := today.AddDate(0, 0, -p.WindowDays)
		if today.After(period.End) {
			from = period.End.AddDate(0, 0, -p.WindowDays)
		}
		p.RatePerDay = (p.Value - valueAt(ind.Baseline, inc, from)) / float64(p.WindowDays)
	}
	remaining := p.PeriodDays - p.ElapsedDays
	p.Forecast = p.Value + p.RatePerDay*float64(remaining)
	p.ForecastKnown = p.ElapsedDays >= MinForecastDays && remaining > 0

	// When is (or was) the target reached?
	if p.Value >= ind.Target {
		p.Reached = true
		p.ReachDate = crossing(ind.Baseline, inc, ind.Target)
		p.ReachBeforeEnd = !p.ReachDate.After(period.End)
	} else if p.RatePerDay > 0 && remaining >= 0 && !today.After(period.End) {
		days := math.Ceil((ind.Target - p.Value) / p.RatePerDay)
		if days < 365*1000 {
			p.ReachDate = today.AddDate(0, 0, int(days))
			p.ReachBeforeEnd = !p.ReachDate.After(period.End)
		}
	}

	p.Milestones, p.Next = checkMilestones(ind, inc, today)
	p.Burnup = burnup(ind.Baseline, inc, period, today)
	if p.ForecastKnown {
		p.ForecastLine = []Point{{today, p.Value}, {period.End, p.Forecast}}
	}
	p.Status = status(p, period, today)
	return p
}

func status(p Progress, period Period, today time.Time) Status {
	switch {
	case today.Before(period.Start):
		return StatusNotStarted
	case p.Value >= p.Target:
		return StatusAchieved
	case today.After(period.End):
		return StatusMissed
	}
	band := "on"
	switch {
	case p.Expected-p.Value < 1 && p.Value < p.Expected:
		band = "on" // less than one whole unit short
	case p.Expected <= p.Baseline:
		band = "on" // the plan expects nothing yet
	case p.Pace >= AheadPace:
		band = "ahead"
	case p.Pace < OnTrackPace:
		band = "under"
	}
	// Like the pace band, a forecast less than one unit short still reaches:
	// whole people cannot be forecast more precisely than that.
	reaches := p.ElapsedDays < MinForecastDays || p.Forecast > p.Target-1
	switch {
	case band == "ahead" && reaches:
		return StatusAhead
	case band == "ahead", band == "on" && reaches:
		return StatusOnTrack
	case band == "on", band == "under" && reaches:
		return StatusBehind
	}
	return StatusAtRisk
}

// ComputeMean rates a mean metric (a level such as days to fill, lower is
// better) against its ceiling: on_track at or below the target, behind
// up to 10 % above it, at_risk beyond; not_started with nothing to
// average (n == 0) or before the period.
func ComputeMean(ind Indicator, period Period, mean float64, n int, asOf time.Time) Progress {
	p := Progress{AsOf: asOf, Baseline: ind.Baseline, Target: ind.Target, PeriodDays: period.Days(), HasValue: n > 0, Value: mean}
	today := Day(asOf)
	p.ElapsedDays = clampInt(daysBetween(period.Start, today)+1, 0, p.PeriodDays)
	if ind.Target > 0 {
		p.Percent = 100 * mean / ind.Target
	}
	p.Expected = ind.Target
	switch {
	case today.Before(period.Start) || n == 0:
		p.Status = StatusNotStarted
	case mean <= ind.Target:
		p.Status = StatusOnTrack
		if today.After(period.End) {
			p.Status = StatusAchieved
		}
	case today.After(period.End):
		p.Status = StatusMissed
	case mean <= ind.Target*MeanTolerance:
		p.Status = StatusBehind
	default:
		p.Status = StatusAtRisk
	}
	return p
}

// clip keeps the increments inside the period and not after today, sorted.
func clip(inc []Increment, period Period, today time.Time) []Increment {
	out := make([]Increment, 0, len(inc))
	for _, in := range inc {
		d := Day(in.Day)
		if d.Before(period.Start) || d.After(period.End) || d.After(today) {
			continue
		}
		out = append(out, Increment{Day: d, N: in.N})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return out
}

// valueAt is the cumulative value at the end of day d.
func valueAt(baseline float64, inc []Increment, d time.Time) float64 {
	v := baseline
	for _, in := range inc {
		if in.Day.After(d) {
			break
		}
		v += in.N
	}
	return v
}

// crossing is the first day the cumulative value reaches target.
func crossing(baseline float64, inc []Increment, target float64) time.Time {
	v := baseline
	for _, in := range inc {
		v += in.N
		if v >= target {
			return in.Day
		}
	}
	return time.Time{}
}

// planPath is the planned cumulative path: the baseline on the first
// day, each milestone on its day, the target on the last day.
func planPath(ind Indicator, period Period) []Point {
	path := []Point{{period.Start, ind.Baseline}}
	for _, m := range ind.Milestones {
		path = append(path, Point{Day(m.Date), m.Value})
	}
	return append(path, Point{period.End, ind.Target})
}

// PlanAt is the planned value at the end of day d on a plan path such as
// [Progress.Plan].
func PlanAt(plan []Point, d time.Time) float64 {
	if len(plan) == 0 {
		return 0
	}
	return expectedAt(plan, Day(d))
}

// expectedAt interpolates the plan at the end of day d. A day's share
// counts once the day is over, so the first day expects 1/Days of the
// first leg and the last day expects the target.
func expectedAt(path []Point, d time.Time) float64 {
	if d.Before(path[0].Day) {
		return path[0].Value
	}
	// The plan's time axis runs from the start of the first day (x=0) to
	// the end of each point's day (x = days since start + 1).
	x := float64(daysBetween(path[0].Day, d) + 1)
	prevX, prevV := 0.0, path[0].Value
	for _, pt := range path[1:] {
		px := float64(daysBetween(path[0].Day, pt.Day) + 1)
		if x <= px {
			if px == prevX {
				return pt.Value
			}
			return prevV + (pt.Value-prevV)*(x-prevX)/(px-prevX)
		}
		prevX, prevV = px, pt.Value
	}
	return path[len(path)-1].Value
}

func checkMilestones(ind Indicator, inc []Increment, today time.Time) ([]MilestoneCheck, *MilestoneCheck) {
	var out []MilestoneCheck
	for _, m := range ind.Milestones {
		c := MilestoneCheck{Milestone: m, Due: !Day(m.Date).After(today)}
		if c.Due {
			c.Value = valueAt(ind.Baseline, inc, Day(m.Date))
			c.Met = c.Value >= m.Value
		}
		out = append(out, c)
	}
	for i := range out {
		if !out[i].Due {
			return out, &out[i]
		}
	}
	return out, nil
}

func burnup(baseline float64, inc []Increment, period Period, today time.Time) []Point {
	if today.Before(period.Start) {
		return nil
	}
	pts := []Point{{period.Start, baseline}}
	v := baseline
	for _, in := range inc {
		v += in.N
		if last := &pts[len(pts)-1]; last.Day.Equal(in.Day) {
			last.Value = v
			continue
		}
		pts = append(pts, Point{in.Day, v})
	}
	end := today
	if end.After(period.End) {
		end = period.End
	}
	if last := pts[len(pts)-1]; last.Day.Before(end) {
		pts = append(pts, Point{end, v})
	}
	return pts
}

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }

// EachCell is one group in one year of an [Each] requirement.
type EachCell struct {
	Group string
	Year  int // 0 when Per is the whole period
	Count float64
	State EachState
}

// EachState is how a cell of an Each grid stands.
type EachState string

// The cell states.
const (
	EachMet      EachState = "met"      // at least Min (and at most Max)
	EachOver     EachState = "over"     // above Max: fine, but more than planned
	EachOpen     EachState = "open"     // below Min, the year is still running
	EachShort    EachState = "short"    // below Min and the year is over
	EachUpcoming EachState = "upcoming" // the year has not begun
)

// CheckEach lays counts (by group, then by year; year 0 for the whole
// period) over the grid an [Each] asks for.
func CheckEach(e Each, period Period, counts map[string]map[int]float64, asOf time.Time) []EachCell {
	today := Day(asOf)
	years := []int{0}
	if e.Per == "year" {
		years = nil
		for y := period.Start.Year(); y <= period.End.Year(); y++ {
			years = append(years, y)
		}
	}
	var out []EachCell
	for _, g := range e.Values {
		for _, y := range years {
			c := EachCell{Group: g, Year: y, Count: counts[g][y]}
			first, last := period.Start, period.End
			if y != 0 {
				first = maxTime(period.Start, time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC))
				last = minTime(period.End, time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC))
			}
			switch {
			case e.Max > 0 && c.Count > e.Max:
				c.State = EachOver
			case c.Count >= e.Min:
				c.State = EachMet
			case today.Before(first):
				c.State = EachUpcoming
			case today.After(last):
				c.State = EachShort
			default:
				c.State = EachOpen
			}
			out = append(out, c)
		}
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
