package target

import (
	"math"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// noon of the n-th day (1-based) of 2020.
func day2020(n int) time.Time {
	return time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, n-1)
}

// perDay adds n on every day from the first to the last day (1-based) of 2020.
func perDay(first, last int, n float64) []Increment {
	var out []Increment
	for d := first; d <= last; d++ {
		out = append(out, Increment{Day: Day(day2020(d)), N: n})
	}
	return out
}

func cat(parts ...[]Increment) []Increment {
	var out []Increment
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestCompute(t *testing.T) {
	year := Period{Start: day("2020-01-01"), End: day("2020-12-31")} // 366 days
	ind := Indicator{ID: "x", Target: 366}
	tests := []struct {
		name   string
		ind    Indicator
		inc    []Increment
		asOf   time.Time
		status Status
		value  float64
		expect float64
		rate   float64
		fc     float64 // forecast; NaN: do not check
		reach  string  // ReachDate, "" for none
		before bool    // ReachBeforeEnd
	}{
		{name: "before the start", ind: ind, asOf: day("2019-12-15"), status: StatusNotStarted, fc: math.NaN()},
		{name: "exactly on plan", ind: ind, inc: perDay(1, 100, 1), asOf: day2020(100),
			status: StatusOnTrack, value: 100, expect: 100, rate: 1, fc: 366, reach: "2020-12-31", before: true},
		{name: "ahead and still fast", ind: ind, inc: perDay(1, 100, 1.5), asOf: day2020(100),
			status: StatusAhead, value: 150, expect: 100, rate: 1.5, fc: 549, reach: "2020-08-31", before: true},
		{name: "ahead but stalled for three months", ind: ind, inc: perDay(1, 60, 3), asOf: day2020(160),
			status: StatusOnTrack, value: 180, expect: 160, rate: 0, fc: 180},
		{name: "on the path but slowing", ind: ind, inc: cat(perDay(1, 100, 1.2), perDay(101, 130, 0.2)), asOf: day2020(130),
			status: StatusBehind, value: 126, expect: 130, rate: 78.0 / 90, fc: 126 + 236*78.0/90, reach: "2021-02-10"},
		{name: "under the path but catching up", ind: ind, inc: cat(perDay(1, 100, 0.2), perDay(101, 130, 3)), asOf: day2020(130),
			status: StatusBehind, value: 110, expect: 130, rate: 102.0 / 90, fc: 110 + 236*102.0/90, reach: "2020-12-21", before: true},
		{name: "under the path and slow", ind: ind, inc: perDay(1, 100, 0.5), asOf: day2020(100),
			status: StatusAtRisk, value: 50, expect: 100, rate: 0.5, fc: 183, reach: "2022-01-01"},
		{name: "achieved on the day the target was crossed", ind: ind, inc: perDay(1, 200, 2), asOf: day2020(200),
			status: StatusAchieved, value: 400, expect: 200, rate: 2, fc: 400 + 166*2, reach: "2020-07-01", before: true},
		{name: "missed after the end", ind: ind, inc: perDay(1, 366, 0.5), asOf: day("2021-02-01"),
			status: StatusMissed, value: 183, expect: 366, rate: 0.5, fc: 183},
		{name: "first days: no forecast, so never at risk", ind: ind, asOf: day2020(10),
			status: StatusBehind, value: 0, expect: 10, rate: 0, fc: 0},
		{name: "less than one unit short is on track", ind: Indicator{Target: 15}, asOf: day2020(20),
			status: StatusOnTrack, value: 0, expect: 15 * 20.0 / 366, rate: 0, fc: 0},
		{name: "events before the start, after today and after the end do not count", ind: ind,
			inc:  cat([]Increment{{Day: day("2019-12-31"), N: 50}, {Day: day2020(101), N: 7}, {Day: day("2021-01-01"), N: 9}}, perDay(1, 100, 1)),
			asOf: day2020(100), status: StatusOnTrack, value: 100, expect: 100, rate: 1, fc: 366, reach: "2020-12-31", before: true},
		{name: "baseline shifts the path", ind: Indicator{Baseline: 10, Target: 376}, inc: perDay(1, 183, 1), asOf: day2020(183),
			status: StatusOnTrack, value: 193, expect: 193, rate: 1, fc: 376, reach: "2020-12-31", before: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(tt.ind, year, tt.inc, tt.asOf, 0)
			if got.Status != tt.status {
				t.Errorf("status = %s, want %s (pace %.3f, forecast %.2f known %v)", got.Status, tt.status, got.Pace, got.Forecast, got.ForecastKnown)
			}
			if !near(got.Value, tt.value) {
				t.Errorf("value = %g, want %g", got.Value, tt.value)
			}
			if !near(got.Expected, tt.expect) {
				t.Errorf("expected = %g, want %g", got.Expected, tt.expect)
			}
			if !near(got.RatePerDay, tt.rate) {
				t.Errorf("rate = %g, want %g", got.RatePerDay, tt.rate)
			}
			if !math.IsNaN(tt.fc) && !near(got.Forecast, tt.fc) {
				t.Errorf("forecast = %g, want %g", got.Forecast, tt.fc)
			}
			gotReach := ""
			if !got.ReachDate.IsZero() {
				gotReach = fmtDay(got.ReachDate)
			}
			if gotReach != tt.reach || got.ReachBeforeEnd != tt.before {
				t.Errorf("reach = %q before end %v, want %q %v", gotReach, got.ReachBeforeEnd, tt.reach, tt.before)
			}
			if tt.ind.Target > 0 && !near(got.Percent, 100*got.Value/tt.ind.Target) {
				t.Errorf("percent = %g for value %g", got.Percent, got.Value)
			}
		})
	}
}

func TestComputeJobPaaTvaers(t *testing.T) {
	// 200 SE->DK commuters over 2018-2020: 1,096 days.
	period := Period{Start: day("2018-01-01"), End: day("2020-12-31")}
	ind := Indicator{Target: 200}
	tests := []struct {
		name   string
		asOf   string
		inc    []Increment
		expect float64
		status Status
		reach  string
	}{
		{name: "half way through the period the plan asks for half", asOf: "2019-07-02", expect: 100, status: StatusAtRisk},
		{name: "last day asks for the whole target", asOf: "2020-12-31", expect: 200, status: StatusAtRisk},
		{name: "one a week makes 156 in three years: at risk, 200 only in October 2021", asOf: "2019-07-02",
			inc: weekly(day("2018-01-01"), day("2019-07-02")), expect: 100, status: StatusAtRisk, reach: "2021-10-17"},
		{name: "two a week from the start: ahead, 200 by the end of November 2019", asOf: "2019-07-02",
			inc: cat(weekly(day("2018-01-01"), day("2019-07-02")), weekly(day("2018-01-04"), day("2019-07-02"))), expect: 100, status: StatusAhead, reach: "2019-11-28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(ind, period, tt.inc, day(tt.asOf), 0)
			if !near(got.Expected, tt.expect) {
				t.Errorf("expected = %g, want %g", got.Expected, tt.expect)
			}
			if got.Status != tt.status {
				t.Errorf("status = %s, want %s (value %g pace %.2f forecast %.1f)", got.Status, tt.status, got.Value, got.Pace, got.Forecast)
			}
			if tt.reach != "" && fmtDay(got.ReachDate) != tt.reach {
				t.Errorf("reach date = %s, want %s (rate %g, value %g)", fmtDay(got.ReachDate), tt.reach, got.RatePerDay, got.Value)
			}
		})
	}
}

func weekly(from, to time.Time) []Increment {
	var out []Increment
	for d := from; !d.After(to); d = d.AddDate(0, 0, 7) {
		out = append(out, Increment{Day: d, N: 1})
	}
	return out
}

func TestComputeMilestones(t *testing.T) {
	year := Period{Start: day("2020-01-01"), End: day("2020-12-31")}
	ind := Indicator{Target: 366, Milestones: []Milestone{{Date: day("2020-06-30"), Value: 100}, {Date: day("2020-09-30"), Value: 250}}}
	tests := []struct {
		name     string
		asOf     string
		inc      []Increment
		expect   float64
		met      []bool // per milestone, for the due ones
		nextDate string
	}{
		{name: "first leg is linear to the first milestone", asOf: "2020-03-31", expect: 100 * 91.0 / 182, nextDate: "2020-06-30"},
		{name: "on the milestone day the plan is the milestone", asOf: "2020-06-30", inc: perDay(1, 182, 0.5), expect: 100, met: []bool{false}, nextDate: "2020-09-30"},
		{name: "second leg runs between the milestones", asOf: "2020-08-15", inc: perDay(1, 182, 1), expect: 100 + 150*46.0/92, met: []bool{true}, nextDate: "2020-09-30"},
		{name: "last leg runs to the target", asOf: "2020-12-31", inc: perDay(1, 366, 1), expect: 366, met: []bool{true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(ind, year, tt.inc, day(tt.asOf), 0)
			if !near(got.Expected, tt.expect) {
				t.Errorf("expected = %g, want %g", got.Expected, tt.expect)
			}
			var met []bool
			for _, m := range got.Milestones {
				if m.Due {
					met = append(met, m.Met)
				}
			}
			if len(met) != len(tt.met) {
				t.Fatalf("due milestones = %v, want %v", met, tt.met)
			}
			for i := range met {
				if met[i] != tt.met[i] {
					t.Errorf("milestone %d met = %v, want %v", i, met[i], tt.met[i])
				}
			}
			next := ""
			if got.Next != nil {
				next = fmtDay(got.Next.Date)
			}
			if next != tt.nextDate {
				t.Errorf("next milestone = %q, want %q", next, tt.nextDate)
			}
		})
	}
}

func TestBurnup(t *testing.T) {
	year := Period{Start: day("2020-01-01"), End: day("2020-12-31")}
	inc := []Increment{{Day: day("2020-02-01"), N: 2}, {Day: day("2020-02-01"), N: 1}, {Day: day("2020-03-01"), N: 4}}
	got := Compute(Indicator{Target: 10}, year, inc, day("2020-04-15"), 0).Burnup
	want := []Point{{day("2020-01-01"), 0}, {day("2020-02-01"), 3}, {day("2020-03-01"), 7}, {day("2020-04-15"), 7}}
	if len(got) != len(want) {
		t.Fatalf("burnup = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Day.Equal(want[i].Day) || got[i].Value != want[i].Value {
			t.Errorf("point %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestComputeMean(t *testing.T) {
	period := Period{Start: day("2020-01-01"), End: day("2020-12-31")}
	ind := Indicator{Target: 30}
	tests := []struct {
		name string
		mean float64
		n    int
		asOf string
		want Status
	}{
		{name: "nothing to average yet", n: 0, asOf: "2020-05-01", want: StatusNotStarted},
		{name: "under the ceiling", mean: 25, n: 4, asOf: "2020-05-01", want: StatusOnTrack},
		{name: "at the ceiling", mean: 30, n: 4, asOf: "2020-05-01", want: StatusOnTrack},
		{name: "a little over", mean: 32, n: 4, asOf: "2020-05-01", want: StatusBehind},
		{name: "far over", mean: 40, n: 4, asOf: "2020-05-01", want: StatusAtRisk},
		{name: "under at the end", mean: 25, n: 4, asOf: "2021-01-10", want: StatusAchieved},
		{name: "over at the end", mean: 31, n: 4, asOf: "2021-01-10", want: StatusMissed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ComputeMean(ind, period, tt.mean, tt.n, day(tt.asOf)).Status; got != tt.want {
				t.Errorf("status = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCheckEach(t *testing.T) {
	period := Period{Start: day("2018-01-01"), End: day("2020-12-31")}
	e := Each{By: BySector, Values: []string{"health_care", "logistics"}, Per: "year", Min: 1, Max: 2}
	counts := map[string]map[int]float64{
		"health_care": {2018: 1, 2019: 3},
		"logistics":   {2019: 2},
	}
	got := CheckEach(e, period, counts, day("2019-06-01"))
	want := []EachCell{
		{"health_care", 2018, 1, EachMet}, {"health_care", 2019, 3, EachOver}, {"health_care", 2020, 0, EachUpcoming},
		{"logistics", 2018, 0, EachShort}, {"logistics", 2019, 2, EachMet}, {"logistics", 2020, 0, EachUpcoming},
	}
	if len(got) != len(want) {
		t.Fatalf("cells = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	whole := CheckEach(Each{By: BySector, Values: []string{"service"}, Min: 2}, period, map[string]map[int]float64{"service": {0: 1}}, day("2019-06-01"))
	if len(whole) != 1 || whole[0].State != EachOpen || whole[0].Year != 0 {
		t.Errorf("whole-period cell = %+v, want one open cell", whole)
	}
}
