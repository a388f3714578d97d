package dashboard_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/sundflow/sundflow/pkg/dashboard"
)

// chromiumPath is Debian's chromium; `make deps` installs it.
const chromiumPath = "/usr/bin/chromium"

// artifacts is where the browser test leaves its screenshots (gitignored).
var artifacts = filepath.Join("..", "..", "testartifacts", "dashboard")

// cell is a number as the page shows it: data-value holds the exact
// figure, text the formatted one.
type cell struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Text  string `json:"text"`
}

// parseShown reads a number as formatted for lang: 1,234.5 (en),
// 1.234,5 (da), 1 234,5 (sv, non-breaking space).
func parseShown(lang, s string) (float64, error) {
	s = strings.TrimSpace(strings.Fields(s + " ")[0])
	switch lang {
	case "da":
		s = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", ".")
	case "sv":
		s = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(s, "\u00a0", ""), " ", ""), ",", ".")
	default:
		s = strings.ReplaceAll(s, ",", "")
	}
	return strconv.ParseFloat(s, 64)
}

func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the browser test needs Debian's chromium at %s (run `make deps`): %v", chromiumPath, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// open loads a page and waits until every chart has been drawn from the API.
func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.Navigate(url), chromedp.WaitVisible(`body[data-charts-ready="true"]`, chromedp.ByQuery)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	var failed []string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`Array.from(document.querySelectorAll('[data-chart]')).filter(e => e.dataset.drawn !== 'true').map(e => e.dataset.src + ': ' + e.textContent)`, &failed)); err != nil {
		t.Fatal(err)
	}
	for _, f := range failed {
		t.Errorf("chart not drawn: %s", f)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifacts, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(png))
}

func cells(t *testing.T, ctx context.Context, selector, keyAttr string) []cell {
	t.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => ({key: (e.closest('[%s]') || e).getAttribute('%s') || '', value: e.dataset.value, text: e.textContent.trim()}))`, selector, keyAttr, keyAttr)
	var out []cell
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, &out)); err != nil {
		t.Fatalf("read %s: %v", selector, err)
	}
	return out
}

func text(t *testing.T, ctx context.Context, selector string) string {
	t.Helper()
	var s string
	if err := chromedp.Run(ctx, chromedp.Text(selector, &s, chromedp.ByQuery)); err != nil {
		t.Fatalf("text of %s: %v", selector, err)
	}
	return strings.TrimSpace(s)
}

// fetchInPage downloads url from inside the page, as the CSV link does.
func fetchInPage(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	var body string
	js := fmt.Sprintf(`fetch(%q).then(r => r.text())`, url)
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, &body, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) })); err != nil {
		t.Fatalf("fetch %s in the page: %v", url, err)
	}
	return body
}

func checkNumbers(t *testing.T, lang string, got []cell, want map[string]float64, what string) {
	t.Helper()
	if len(got) == 0 {
		t.Fatalf("%s: no numbers on the page", what)
	}
	for _, c := range got {
		w, ok := want[c.Key]
		if !ok {
			t.Errorf("%s %q: on the page but not in the API", what, c.Key)
			continue
		}
		v, err := strconv.ParseFloat(c.Value, 64)
		if err != nil || v != w {
			t.Errorf("%s %q: data-value %q, API %g", what, c.Key, c.Value, w)
		}
		shown, err := parseShown(lang, c.Text)
		if err != nil || shown != roundShown(w) {
			t.Errorf("%s %q: shows %q in %s, API %g", what, c.Key, c.Text, lang, w)
		}
	}
}

// roundShown is how the page rounds a figure: whole numbers as they are,
// others to one decimal.
func roundShown(f float64) float64 {
	if f == float64(int64(f)) {
		return f
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 1, 64), 64)
	return v
}

func TestBrowser(t *testing.T) {
	s := simulate(t)
	h := start(t, s.db)
	ctx := browser(t)

	t.Run("overview: every value and target equals the API", func(t *testing.T) {
		open(t, ctx, h.web.URL+"/?lang=en")
		api := decode[dashboard.ProjectsView](t, h.get("/api/projects?lang=en"))
		values, targets := map[string]float64{}, map[string]float64{}
		for _, p := range api.Projects {
			for _, ind := range p.Indicators {
				values[ind.ID] = ind.Value
				targets[ind.ID] = ind.Target
			}
		}
		checkNumbers(t, "en", cells(t, ctx, "tr[data-indicator] td.value", "data-indicator"), values, "value")
		checkNumbers(t, "en", cells(t, ctx, "tr[data-indicator] td.target", "data-indicator"), targets, "target")
		screenshot(t, ctx, "overview-en")
	})

	t.Run("project page: cards, sentence and status equal the API", func(t *testing.T) {
		open(t, ctx, h.web.URL+"/projects/job-paa-tvaers?lang=en")
		api := decode[dashboard.ProjectView](t, h.get("/api/projects/job-paa-tvaers?lang=en"))
		values, expected := map[string]float64{}, map[string]float64{}
		for _, ind := range api.Indicators {
			values[ind.ID] = ind.Value
			expected[ind.ID] = ind.Expected
		}
		checkNumbers(t, "en", cells(t, ctx, "article.card .figure .value", "data-indicator"), values, "card value")
		checkNumbers(t, "en", cells(t, ctx, "article.card .expected-value", "data-indicator"), expected, "plan by today")
		se := api.Indicators[0]
		if got := text(t, ctx, "#ind-commuters-se-dk p.summary"); got != se.Summary {
			t.Errorf("sentence on the page %q, API %q", got, se.Summary)
		}
		if !strings.Contains(se.Summary, "200 people will be reached") && !strings.Contains(se.Summary, "200 people") {
			t.Errorf("the sentence does not say when 200 will be reached: %q", se.Summary)
		}
		if got := text(t, ctx, "#ind-commuters-se-dk .chip"); !strings.Contains(got, se.StatusLabel) {
			t.Errorf("status chip %q, API %q", got, se.StatusLabel)
		}
		screenshot(t, ctx, "project-job-paa-tvaers-en")
	})

	t.Run("breakdown table and its CSV download equal the API", func(t *testing.T) {
		open(t, ctx, h.web.URL+"/projects/job-paa-tvaers?lang=en&indicator=commuters-se-dk&by=municipality")
		api := decode[dashboard.BreakdownView](t, h.get("/api/projects/job-paa-tvaers/breakdown?indicator=commuters-se-dk&by=municipality&lang=en"))
		want := map[string]float64{}
		for _, g := range api.Groups {
			want[g.Key] = g.Value
		}
		checkNumbers(t, "en", cells(t, ctx, `table[data-table="breakdown"] td[data-value]`, "data-key"), want, "municipality")
		var href string
		if err := chromedp.Run(ctx, chromedp.AttributeValue(`#breakdown h3 a.csv`, "href", &href, nil, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(fetchInPage(t, ctx, href), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("csv from %s: %v", href, err)
		}
		if len(rows) != len(api.Groups)+1 {
			t.Fatalf("csv has %d rows, API %d groups", len(rows), len(api.Groups))
		}
		for i, g := range api.Groups {
			if rows[i+1][0] != g.Key || rows[i+1][1] != g.Label || rows[i+1][2] != strconv.FormatFloat(g.Value, 'f', -1, 64) {
				t.Errorf("csv row %v, API %+v", rows[i+1], g)
			}
		}
		screenshot(t, ctx, "project-breakdown-municipality-en")
	})

	t.Run("language switch to Danish, remembered across pages", func(t *testing.T) {
		open(t, ctx, h.web.URL+"/projects/job-paa-tvaers?lang=en")
		if err := chromedp.Run(ctx, chromedp.Click(`a.lang[data-lang="da"]`, chromedp.ByQuery), chromedp.WaitVisible(`html[lang="da"] body[data-charts-ready="true"]`, chromedp.ByQuery)); err != nil {
			t.Fatalf("switch to Danish: %v", err)
		}
		api := decode[dashboard.ProjectView](t, h.get("/api/projects/job-paa-tvaers?lang=da"))
		values := map[string]float64{}
		for _, ind := range api.Indicators {
			values[ind.ID] = ind.Value
		}
		checkNumbers(t, "da", cells(t, ctx, "article.card .figure .value", "data-indicator"), values, "card value (da)")
		if got, want := text(t, ctx, "#ind-commuters-se-dk p.summary"), api.Indicators[0].Summary; got != want || !strings.Contains(got, "slutdatoen") {
			t.Errorf("Danish sentence %q, API %q", got, want)
		}
		if got := text(t, ctx, "#ind-commuters-se-dk .figure .target"); got != "af 200 personer" {
			t.Errorf("target text %q, want \"af 200 personer\"", got)
		}
		if got := text(t, ctx, ".period"); !strings.Contains(got, "1. jan. 2018") {
			t.Errorf("Danish period %q, want a Danish date such as 1. jan. 2018", got)
		}
		screenshot(t, ctx, "project-job-paa-tvaers-da")
		open(t, ctx, h.web.URL+"/vacancies")
		if got := text(t, ctx, "h1"); !strings.HasPrefix(got, "Ledige stillinger") {
			t.Errorf("vacancies page after the switch: h1 %q, want Danish", got)
		}
		screenshot(t, ctx, "vacancies-da")
	})

	t.Run("Swedish numbers and the Øresund balance equal the API", func(t *testing.T) {
		open(t, ctx, h.web.URL+"/balance?lang=sv")
		api := decode[dashboard.BalanceView](t, h.get("/api/balance?lang=sv"))
		want := map[string]float64{}
		for _, r := range api.ByISCO {
			want[r.Key] = float64(r.OpenDK)
		}
		checkNumbers(t, "sv", cells(t, ctx, `table[data-table="balance-isco"] tbody td:nth-child(2)`, "data-key"), want, "open positions in Denmark (sv)")
		screenshot(t, ctx, "balance-sv")
	})

	t.Run("vacancies in English", func(t *testing.T) {
		open(t, ctx, h.web.URL+"/vacancies?lang=en")
		api := decode[dashboard.VacanciesView](t, h.get("/api/vacancies?lang=en"))
		want := map[string]float64{}
		for _, r := range api.Open {
			want[r.ISCO] = float64(r.Total)
		}
		got := cells(t, ctx, `table[data-table="open"] tbody td:last-child`, "data-key")
		checkNumbers(t, "en", got, want, "open positions")
		screenshot(t, ctx, "vacancies-en")
	})

	t.Run("print layout", func(t *testing.T) {
		open(t, ctx, h.web.URL+"/projects/job-paa-tvaers?lang=en")
		var pdf []byte
		if err := chromedp.Run(ctx, printToPDF(&pdf)); err != nil {
			t.Fatalf("print to PDF: %v", err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Fatal("print did not give a PDF")
		}
		if err := os.WriteFile(filepath.Join(artifacts, "project-job-paa-tvaers-a4.pdf"), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		// The print stylesheet on an A4-wide page (210 mm at 96 dpi), as a
		// picture to look at.
		if err := chromedp.Run(ctx,
			chromedp.EmulateViewport(794, 1123),
			emulation.SetEmulatedMedia().WithMedia("print"),
			chromedp.ActionFunc(func(ctx context.Context) error {
				return chromedp.Evaluate(`window.dispatchEvent(new Event('resize'))`, nil).Do(ctx)
			}),
		); err != nil {
			t.Fatal(err)
		}
		var hidden bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(`getComputedStyle(document.querySelector('header.top')).display === 'none' && getComputedStyle(document.querySelector('form.picker')).display === 'none'`, &hidden)); err != nil {
			t.Fatal(err)
		}
		if !hidden {
			t.Error("navigation and forms are not hidden in print")
		}
		screenshot(t, ctx, "project-job-paa-tvaers-print")
	})
}

// printToPDF prints the page on A4 with its print stylesheet.
func printToPDF(res *[]byte) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		b, _, err := page.PrintToPDF().WithPaperWidth(8.27).WithPaperHeight(11.69).WithPreferCSSPageSize(true).Do(ctx)
		*res = b
		return err
	})
}
