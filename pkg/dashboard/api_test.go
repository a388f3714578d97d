package dashboard_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sundflow/sundflow/pkg/dashboard"
)

func decode[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var v T
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func readCSV(t *testing.T, resp *http.Response) [][]string {
	t.Helper()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func indicator(t *testing.T, v dashboard.ProjectsView, project, id string) dashboard.IndicatorView {
	t.Helper()
	for _, p := range v.Projects {
		if p.ID != project {
			continue
		}
		for _, ind := range p.Indicators {
			if ind.ID == id {
				return ind
			}
		}
	}
	t.Fatalf("no indicator %s/%s", project, id)
	return dashboard.IndicatorView{}
}

func TestAPIAgainstSimulationTruth(t *testing.T) {
	s := simulate(t)
	h := start(t, s.db)
	v := decode[dashboard.ProjectsView](t, h.get("/api/projects"))
	if v.AsOf != "2019-10-15" || len(v.Projects) != 3 {
		t.Fatalf("as of %s, %d projects; want 2019-10-15 and 3", v.AsOf, len(v.Projects))
	}
	tests := []struct {
		indicator string
		want      float64
	}{
		{"commuters-se-dk", float64(s.truth.PersonsByDirection["SE->DK"])},
		{"commuters-dk-se", float64(s.truth.PersonsByDirection["DK->SE"])},
	}
	for _, tc := range tests {
		t.Run(tc.indicator, func(t *testing.T) {
			ind := indicator(t, v, "job-paa-tvaers", tc.indicator)
			if tc.want == 0 {
				t.Fatal("the simulation placed nobody: the test proves nothing")
			}
			if ind.Value != tc.want {
				t.Errorf("value = %g, simulation truth %g", ind.Value, tc.want)
			}
			if ind.Summary == "" || ind.Status == "" || ind.Source.Document != "seed-001" {
				t.Errorf("indicator %+v lacks a summary, status or source", ind)
			}
		})
	}
	se := indicator(t, v, "job-paa-tvaers", "commuters-se-dk")
	t.Logf("simulated Job på Tværs on %s: %g of 200 SE->DK (plan %g), %s; %s", v.AsOf, se.Value, se.Expected, se.Status, se.Summary)

	t.Run("burn-up months end at the value, and the CSV is the same table", func(t *testing.T) {
		d := decode[dashboard.IndicatorDetail](t, h.get("/api/projects/job-paa-tvaers/indicators/commuters-se-dk"))
		var last float64
		measured := 0
		for _, m := range d.Months {
			if m.Value != nil {
				last = *m.Value
				measured++
			}
		}
		if len(d.Months) != 36 || measured != 22 || last != d.Value {
			t.Errorf("%d months, %d measured, last %g; want 36, 22 (Jan 2018 to Oct 2019), the value %g", len(d.Months), measured, last, d.Value)
		}
		rows := readCSV(t, h.get("/api/projects/job-paa-tvaers/indicators/commuters-se-dk?format=csv"))
		if len(rows) != len(d.Months)+1 {
			t.Fatalf("csv has %d rows, want %d", len(rows), len(d.Months)+1)
		}
		for i, m := range d.Months {
			r := rows[i+1]
			if r[0] != m.Month || r[4] != strconv.FormatFloat(m.Plan, 'f', -1, 64) || (m.Value != nil && r[3] != strconv.FormatFloat(*m.Value, 'f', -1, 64)) {
				t.Errorf("csv row %v differs from month %+v", r, m)
			}
		}
	})

	t.Run("breakdown by month adds up to the value", func(t *testing.T) {
		b := decode[dashboard.BreakdownView](t, h.get("/api/projects/job-paa-tvaers/breakdown?indicator=commuters-se-dk&by=month"))
		total := 0.0
		for _, g := range b.Groups {
			total += g.Value
		}
		if total != se.Value || len(b.Groups) != 22 {
			t.Errorf("months add up to %g over %d months, want %g over 22", total, len(b.Groups), se.Value)
		}
	})

	t.Run("open vacancies are those published and not closed", func(t *testing.T) {
		vac := decode[dashboard.VacanciesView](t, h.get("/api/vacancies"))
		closed := 0
		for _, n := range s.truth.VacanciesClosedByReason {
			closed += n
		}
		var open uint64
		for _, n := range vac.OpenTotal.Vacancies {
			open += n
		}
		if int(open) != s.truth.VacanciesPublished-closed {
			t.Errorf("open vacancies = %d, simulation: %d published - %d closed", open, s.truth.VacanciesPublished, closed)
		}
	})

	t.Run("funnel steps shrink", func(t *testing.T) {
		f := decode[dashboard.FunnelView](t, h.get("/api/projects/job-paa-tvaers/funnel"))
		if len(f.Stages) != 3 || f.Stages[0].People == 0 || f.Stages[1].People > f.Stages[0].People || f.Stages[2].People > f.Stages[1].People {
			t.Errorf("funnel = %+v", f.Stages)
		}
	})

	t.Run("metrics carry the same value", func(t *testing.T) {
		resp := h.get("/metrics")
		b, _ := io.ReadAll(resp.Body)
		want := `sundflow_indicator_value{indicator="commuters-se-dk",project="job-paa-tvaers"} ` + strconv.FormatFloat(se.Value, 'g', -1, 64)
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %q", want)
		}
		if !strings.Contains(string(b), `sundflow_indicator_status{indicator="commuters-se-dk",project="job-paa-tvaers",status="`+se.Status+`"} 1`) {
			t.Errorf("/metrics lacks the status %s", se.Status)
		}
		problems, err := testutil.GatherAndLint(h.reg)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("metric lint: %s: %s", p.Metric, p.Text)
		}
	})
}

func TestAPIErrorsAndLanguages(t *testing.T) {
	s := simulate(t)
	h := start(t, s.db)
	tests := []struct {
		name, path string
		header     []string
		code       int
		contains   string
	}{
		{"unknown project", "/api/projects/nope", nil, 404, `project \"nope\": not found`},
		{"unknown indicator", "/api/projects/job-paa-tvaers/indicators/nope", nil, 404, "not found"},
		{"dimension the metric lacks", "/api/projects/job-paa-tvaers/breakdown?indicator=courses&by=direction", nil, 400, `cannot be split by \"direction\"`},
		{"bad as_of", "/api/projects?as_of=15-10-2019", nil, 400, "as_of"},
		{"danish by query", "/api/projects?lang=da", nil, 200, `"lang": "da"`},
		{"swedish by Accept-Language", "/api/projects", []string{"Accept-Language", "sv-SE,sv;q=0.9,en;q=0.5"}, 200, `"lang": "sv"`},
		{"danish status label", "/api/projects?lang=da", nil, 200, `"status_label": "`},
		{"an earlier as-of day", "/api/projects/job-paa-tvaers?as_of=2018-12-31", nil, 200, `"as_of": "2018-12-31"`},
		{"each grid", "/api/projects/job-paa-tvaers/indicators/courses/each", nil, 200, `"by": "sector"`},
		{"balance", "/api/balance?lang=sv", nil, 200, `"open_dk": "Öppna tjänster i Danmark"`},
		{"catalogue", "/api/catalogue", nil, 200, `"distinct_people_placed"`},
		{"overview page", "/?lang=da", nil, 200, "Alle projekter på et øjeblik"},
		{"project page", "/projects/job-paa-tvaers?lang=sv", nil, 200, "Personer som pendlar Sverige → Danmark"},
		{"unmeasured targets on the project page", "/projects/jobs-education-oresund", nil, 200, "Campaigns for jobs in Skåne and Malmö"},
		{"reported figures on the project page", "/projects/norgesprojektet?lang=da", nil, 200, "Rapporteret af projektet 31. aug. 2013: 130."},
		{"vacancies page", "/vacancies", nil, 200, "Open positions by occupation and country"},
		{"balance page", "/balance", nil, 200, "Øresund balance"},
		{"project page for an unknown project", "/projects/nope", nil, 404, "not found"},
		{"embedded chart library", "/static/echarts.min.js", nil, 200, "Apache"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.get(tc.path, tc.header...)
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.code {
				t.Errorf("status %d, want %d: %.300s", resp.StatusCode, tc.code, b)
			}
			if !strings.Contains(string(b), tc.contains) {
				t.Errorf("body does not contain %q: %.500s", tc.contains, b)
			}
		})
	}
	t.Run("the language switch sets a cookie that later pages follow", func(t *testing.T) {
		resp := h.get("/?lang=sv")
		var cookie *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == dashboard.LangCookie {
				cookie = c
			}
		}
		if cookie == nil || cookie.Value != "sv" {
			t.Fatalf("cookies %v, want %s=sv", resp.Cookies(), dashboard.LangCookie)
		}
		v := decode[dashboard.ProjectsView](t, h.get("/api/projects", "Cookie", cookie.Name+"="+cookie.Value, "Accept-Language", "da"))
		if v.Lang != "sv" {
			t.Errorf("lang = %s, want the cookie's sv over Accept-Language da", v.Lang)
		}
	})
}
