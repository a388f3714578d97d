package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	"github.com/sundflow/sundflow/pkg/target"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern, name string, h http.HandlerFunc) {
		mux.Handle(pattern, s.metrics.instrument(name, h))
	}
	handle("GET /{$}", "overview", s.pageOverview)
	handle("GET /projects/{id}", "project", s.pageProject)
	handle("GET /vacancies", "vacancies", s.pageVacancies)
	handle("GET /balance", "balance", s.pageBalance)

	handle("GET /api/projects", "api_projects", s.apiProjects)
	handle("GET /api/projects/{id}", "api_project", s.apiProject)
	handle("GET /api/projects/{id}/indicators/{ind}", "api_indicator", s.apiIndicator)
	handle("GET /api/projects/{id}/indicators/{ind}/each", "api_each", s.apiEach)
	handle("GET /api/projects/{id}/breakdown", "api_breakdown", s.apiBreakdown)
	handle("GET /api/projects/{id}/funnel", "api_funnel", s.apiFunnel)
	handle("GET /api/vacancies", "api_vacancies", s.apiVacancies)
	handle("GET /api/balance", "api_balance", s.apiBalance)
	handle("GET /api/freshness", "api_freshness", s.apiFreshness)
	handle("GET /api/catalogue", "api_catalogue", s.apiCatalogue)

	static, _ := fs.Sub(webFS, "web/static")
	mux.Handle("GET /static/", s.metrics.instrument("static", cacheFor(time.Hour, http.StripPrefix("/static/", http.FileServerFS(static)))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	if s.opts.Gatherer != nil {
		mux.Handle("GET /metrics", s.metrics.handler(s.opts.Gatherer))
	}
	return s.withLang(mux)
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

// withLang remembers a language picked with ?lang= in a cookie, so the
// switch sticks across pages.
func (s *Server) withLang(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l, ok := parseLang(r.URL.Query().Get("lang")); ok {
			http.SetCookie(w, &http.Cookie{Name: LangCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		}
		next.ServeHTTP(w, r)
	})
}

// request is what every handler starts from.
type request struct {
	l    loc
	snap *snapshot
}

func (s *Server) begin(ctx context.Context, r *http.Request) (request, error) {
	snap, err := s.figures(ctx, r)
	if err != nil {
		return request{}, err
	}
	return request{l: newLoc(pickLang(r)), snap: snap}, nil
}

func (s *Server) projectOf(snap *snapshot, id string) (*projectFigures, error) {
	pf, ok := snap.project(id)
	if !ok {
		return nil, fmt.Errorf("project %q: %w", id, target.ErrNotFound)
	}
	return pf, nil
}

func (s *Server) indicatorOf(pf *projectFigures, id string) (*indicatorFigures, error) {
	f, ok := pf.indicator(id)
	if !ok {
		return nil, fmt.Errorf("indicator %q of %s: %w", id, pf.p.ID, target.ErrNotFound)
	}
	return f, nil
}

// httpStatus maps an error to a status code: bad input 400, unknown id
// 404, anything else (ClickHouse down) 503.
func httpStatus(err error) int {
	switch {
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, target.ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusServiceUnavailable
}

func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	code := httpStatus(err)
	if code >= 500 {
		s.log.Warn("api request failed", "path", r.URL.Path, "err", err)
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func wantCSV(r *http.Request) bool { return r.URL.Query().Get("format") == "csv" }

func (s *Server) projectsView(req request) ProjectsView {
	v := ProjectsView{Lang: string(req.l.Lang), AsOf: day(req.snap.asOf), Freshness: s.freshnessOf(req.l, req.snap)}
	for _, pf := range req.snap.projects {
		v.Projects = append(v.Projects, summaryOf(req.l, req.snap, pf))
	}
	return v
}

func (s *Server) apiProjects(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v := s.projectsView(req)
	if wantCSV(r) {
		writeCSV(w, "projects-"+v.AsOf, indicatorsCSV(req.l, v.Projects))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiProject(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	pf, err := s.projectOf(req.snap, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v := projectView(req.l, req.snap, pf, s.freshnessOf(req.l, req.snap))
	if wantCSV(r) {
		writeCSV(w, pf.p.ID+"-"+v.AsOf, indicatorsCSV(req.l, []ProjectSummary{v.ProjectSummary}))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiIndicator(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	pf, err := s.projectOf(req.snap, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := s.indicatorOf(pf, r.PathValue("ind"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	d := indicatorDetail(req.l, req.snap, pf, f)
	if wantCSV(r) {
		writeCSV(w, pf.p.ID+"-"+f.ind.ID+"-"+d.AsOf, burnupCSV(req.l, d))
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) apiEach(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	pf, err := s.projectOf(req.snap, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := s.indicatorOf(pf, r.PathValue("ind"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v := indicatorView(req.l, pf.p, f)
	if v.Each == nil {
		s.apiError(w, r, fmt.Errorf("indicator %s has no each requirement: %w", f.ind.ID, target.ErrNotFound))
		return
	}
	if wantCSV(r) {
		writeCSV(w, pf.p.ID+"-"+f.ind.ID+"-each-"+day(req.snap.asOf), eachCSV(req.l, v.Each))
		return
	}
	writeJSON(w, http.StatusOK, v.Each)
}

// breakdownParams picks the indicator and dimension of a breakdown:
// given ones, else the project's first indicator and its first dimension.
func breakdownParams(r *http.Request, pf *projectFigures) (*indicatorFigures, string, error) {
	id := r.URL.Query().Get("indicator")
	var f *indicatorFigures
	if id == "" {
		if len(pf.inds) == 0 {
			return nil, "", fmt.Errorf("%w: project %s has no indicators", ErrBadRequest, pf.p.ID)
		}
		f = pf.inds[0]
	} else {
		var ok bool
		if f, ok = pf.indicator(id); !ok {
			return nil, "", fmt.Errorf("%w: project %s has no indicator %q", ErrBadRequest, pf.p.ID, id)
		}
	}
	by := r.URL.Query().Get("by")
	if by == "" && len(f.metric.Breakdowns) > 0 {
		by = f.metric.Breakdowns[0]
	}
	if !f.metric.CanSplit(by) {
		return nil, "", fmt.Errorf("%w: indicator %s cannot be split by %q (it splits by %v)", ErrBadRequest, f.ind.ID, by, f.metric.Breakdowns)
	}
	return f, by, nil
}

func (s *Server) apiBreakdown(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	pf, err := s.projectOf(req.snap, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, by, err := breakdownParams(r, pf)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v, err := s.breakdown(req.l, req.snap, pf, f, by)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if wantCSV(r) {
		writeCSV(w, pf.p.ID+"-"+f.ind.ID+"-by-"+by+"-"+v.AsOf, breakdownCSV(req.l, v))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiFunnel(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	pf, err := s.projectOf(req.snap, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v, err := s.funnel(req.l, req.snap, pf.p)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if wantCSV(r) {
		writeCSV(w, pf.p.ID+"-funnel-"+v.AsOf, funnelCSV(req.l, v))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiVacancies(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v, err := s.vacancies(req.l, req.snap, r.URL.Query().Get("project"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if wantCSV(r) {
		name := "vacancies-" + v.AsOf
		switch r.URL.Query().Get("table") {
		case "time_to_fill_by_month":
			writeCSV(w, name+"-time-to-fill-by-month", ttfCSV(req.l, v.TTFByMonth, "dim.month"))
		case "time_to_fill_by_sector":
			writeCSV(w, name+"-time-to-fill-by-sector", ttfCSV(req.l, v.TTFBySect, "dim.sector"))
		default:
			writeCSV(w, name+"-open", openCSV(req.l, v))
		}
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiBalance(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v, err := s.balance(req.l, req.snap)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if wantCSV(r) {
		if r.URL.Query().Get("table") == "by_sector" {
			writeCSV(w, "oresund-balance-by-sector-"+v.AsOf, balanceSectorCSV(req.l, v))
			return
		}
		writeCSV(w, "oresund-balance-by-isco-"+v.AsOf, balanceISCOCSV(req.l, v))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiFreshness(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.freshnessOf(req.l, req.snap))
}

// MetricView documents one metric of the catalogue.
type MetricView struct {
	Name          string   `json:"name"`
	Agg           string   `json:"aggregation"`
	Unit          string   `json:"unit"`
	LowerIsBetter bool     `json:"lower_is_better,omitempty"`
	Doc           string   `json:"doc"`
	Filters       []string `json:"filters"`
	Breakdowns    []string `json:"breakdowns"`
}

func (s *Server) apiCatalogue(w http.ResponseWriter, r *http.Request) {
	var out []MetricView
	for _, m := range target.Metrics() {
		out = append(out, MetricView{Name: m.Name, Agg: string(m.Agg), Unit: m.Unit, LowerIsBetter: m.LowerIsBetter, Doc: m.Doc, Filters: m.Filters, Breakdowns: m.Breakdowns})
	}
	writeJSON(w, http.StatusOK, map[string]any{"metrics": out, "statuses": target.Statuses})
}
