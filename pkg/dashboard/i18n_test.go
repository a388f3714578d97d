package dashboard

import (
	"io/fs"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sundflow/sundflow/pkg/target"
)

func TestMessagesComplete(t *testing.T) {
	for key, m := range messages {
		for i, s := range m {
			if strings.TrimSpace(s) == "" {
				t.Errorf("message %q has no %s text", key, Langs[i])
			}
			if strings.Count(m[0], "%") != strings.Count(s, "%") {
				t.Errorf("message %q: %s has other placeholders than English", key, Langs[i])
			}
		}
	}
	// Every key a template or the Go code asks for exists.
	used := regexp.MustCompile(`\.T "([a-z_.-]+)"|T\("([a-z_.-]+)"`)
	err := fs.WalkDir(webFS, "web/templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(webFS, path)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := messages[m[1]]; !ok {
				t.Errorf("%s uses message %q, which does not exist", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFormatting(t *testing.T) {
	d := time.Date(2020, 3, 9, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		lang                       Lang
		num, dec, pct, date, month string
	}{
		{"en", "12,345", "1,234.5", "68%", "9 Mar 2020", "March 2020"},
		{"da", "12.345", "1.234,5", "68\u00a0%", "9. mar. 2020", "marts 2020"},
		{"sv", "12\u00a0345", "1\u00a0234,5", "68\u00a0%", "9 mars 2020", "mars 2020"},
	}
	for _, tc := range tests {
		t.Run(string(tc.lang), func(t *testing.T) {
			l := newLoc(tc.lang)
			got := []string{l.Num(12345), l.Num(1234.5), l.Pct(67.6), l.Date(d), l.Month(d)}
			want := []string{tc.num, tc.dec, tc.pct, tc.date, tc.month}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("format %d = %q, want %q", i, got[i], want[i])
				}
			}
		})
	}
}

func TestPickLang(t *testing.T) {
	tests := []struct {
		name, url, cookie, accept string
		want                      Lang
	}{
		{"query wins", "/?lang=sv", "da", "da", "sv"},
		{"then the cookie", "/", "da", "sv", "da"},
		{"then Accept-Language", "/", "", "sv-SE,sv;q=0.9", "sv"},
		{"Norwegian readers get Danish", "/", "", "nb-NO,nb;q=0.9", "da"},
		{"unknown languages get English", "/", "", "fi", "en"},
		{"a bad query value is ignored", "/?lang=xx", "", "da", "da"},
		{"nothing: English", "/", "", "", "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.url, nil)
			if tc.cookie != "" {
				r.Header.Set("Cookie", LangCookie+"="+tc.cookie)
			}
			if tc.accept != "" {
				r.Header.Set("Accept-Language", tc.accept)
			}
			if got := pickLang(r); got != tc.want {
				t.Errorf("lang = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSentence(t *testing.T) {
	p := &target.Project{Period: target.Period{Start: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC)}}
	ind := &target.Indicator{Target: 200, Unit: "people"}
	m, _ := target.LookupMetric("distinct_people_placed")
	at := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	tests := []struct {
		name string
		prog target.Progress
		lang Lang
		want string
	}{
		{"will reach before the end", target.Progress{Status: target.StatusAhead, Value: 150, Target: 200, ForecastKnown: true, ReachDate: at("2020-03-12"), ReachBeforeEnd: true}, "en",
			"On the current pace, the target of 200 people will be reached around March 2020, before the end date 31 Dec 2020."},
		{"will reach before the end, Danish", target.Progress{Status: target.StatusAhead, Value: 150, Target: 200, ForecastKnown: true, ReachDate: at("2020-03-12"), ReachBeforeEnd: true}, "da",
			"Med det nuværende tempo nås målet på 200 personer omkring marts 2020, før slutdatoen 31. dec. 2020."},
		{"only after the end", target.Progress{Status: target.StatusAtRisk, Value: 79, Target: 200, ForecastKnown: true, Forecast: 158.4, ReachDate: at("2021-10-17")}, "en",
			"On the current pace, the target of 200 people will be reached only around October 2021, after the end date 31 Dec 2020; by the end date about 158."},
		{"stalled", target.Progress{Status: target.StatusBehind, Value: 12, Expected: 9.2, Target: 200, ForecastKnown: true, WindowDays: 90}, "sv",
			"12 genomförda och planen förväntar 9 i dag, men inget har tillkommit de senaste 90 dagarna: utan nya nås målet på 200 personer inte före slutdatumet 31 dec. 2020."},
		{"reached", target.Progress{Status: target.StatusAchieved, Value: 203, Target: 200, Reached: true, ReachDate: at("2020-09-30")}, "en",
			"Target reached on 30 Sep 2020: 203 of 200 people."},
		{"missed", target.Progress{Status: target.StatusMissed, Value: 183, Target: 200}, "en",
			"The period ended on 31 Dec 2020 with 183 of the target 200 people."},
		{"too early", target.Progress{Status: target.StatusBehind, Value: 0, Expected: 2.4, Target: 200}, "en",
			"Too early for a forecast: the period began on 1 Jan 2018. The plan asks for 2 by today."},
		{"not started", target.Progress{Status: target.StatusNotStarted, Target: 200}, "en", "The period starts on 1 Jan 2018."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := sentence(newLoc(tc.lang), p, &indicatorFigures{ind: ind, metric: m, prog: tc.prog})
			if got != tc.want {
				t.Errorf("sentence\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
