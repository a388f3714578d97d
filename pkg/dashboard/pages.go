package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/sundflow/sundflow/pkg/target"
)

//go:embed web
var webFS embed.FS

// page is what every template gets.
type page struct {
	L       loc
	Title   string
	Nav     string
	Langs   []langLink
	AsOf    string // formatted as-of day
	AsOfKey string // ?as_of= of the request, kept in links
	Fresh   FreshnessView
	Data    any
	Err     string
}

type langLink struct {
	Lang   Lang
	URL    string
	Active bool
}

var pageNames = []string{"overview", "project", "vacancies", "balance", "error"}

var funcs = template.FuncMap{
	// bar is a width in percent for a progress bar, 0 to 100.
	"bar": func(v, of float64) string {
		if of <= 0 {
			return "0"
		}
		return fmt.Sprintf("%.1f", math.Max(0, math.Min(100, 100*v/of)))
	},
	"icon": func(status string) string {
		return map[string]string{"achieved": "✔", "ahead": "▲", "on_track": "●", "behind": "▼", "at_risk": "!", "missed": "✖", "not_started": "○"}[status]
	},
	"raw": func(f float64) string { return num(f) },
	"rawp": func(f *float64) string {
		if f == nil {
			return ""
		}
		return num(*f)
	},
	"u64":  func(n uint64) float64 { return float64(n) },
	"itof": func(n int) float64 { return float64(n) },
	"deref": func(f *float64) float64 {
		if f == nil {
			return 0
		}
		return *f
	},
	"q": func(base string, kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				v.Set(kv[i], kv[i+1])
			}
		}
		if len(v) == 0 {
			return base
		}
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		return base + sep + v.Encode()
	},
	"get":  func(m map[string]uint64, k string) uint64 { return m[k] },
	"dims": func() []string { return target.Breakdowns },
}

func parseTemplates() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(webFS, "web/templates/layout.html", "web/templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

func (s *Server) newPage(r *http.Request, req request, nav, title string) page {
	p := page{L: req.l, Title: title, Nav: nav, AsOfKey: r.URL.Query().Get("as_of")}
	if req.snap != nil {
		p.AsOf = req.l.Date(req.snap.asOf)
		p.Fresh = s.freshnessOf(req.l, req.snap)
	}
	for _, l := range Langs {
		u := *r.URL
		q := u.Query()
		q.Set("lang", string(l))
		u.RawQuery = q.Encode()
		p.Langs = append(p.Langs, langLink{Lang: l, URL: u.RequestURI(), Active: l == req.l.Lang})
	}
	return p
}

func (s *Server) render(w http.ResponseWriter, name string, code int, p page) {
	var b bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&b, "layout.html", p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(w, "render page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Language", string(p.L.Lang))
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, req request, err error) {
	if req.l.Lang == "" {
		req.l = newLoc(pickLang(r))
	}
	code := httpStatus(err)
	if code >= 500 {
		s.log.Warn("page failed", "path", r.URL.Path, "err", err)
	}
	p := s.newPage(r, req, "", http.StatusText(code))
	p.Err = err.Error()
	s.render(w, "error", code, p)
}

func (s *Server) pageOverview(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.pageError(w, r, req, err)
		return
	}
	p := s.newPage(r, req, "projects", req.l.T("overview.title"))
	p.Data = s.projectsView(req)
	s.render(w, "overview", http.StatusOK, p)
}

// projectPage is the project page: the project, a breakdown and the funnel.
type projectPage struct {
	Project   ProjectView
	Breakdown BreakdownView
	BreakErr  string
	Funnel    FunnelView
	FunnelErr string
}

func (s *Server) pageProject(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.pageError(w, r, req, err)
		return
	}
	pf, err := s.projectOf(req.snap, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, req, err)
		return
	}
	p := s.newPage(r, req, "projects", pf.p.Name)
	pp := projectPage{Project: projectView(req.l, req.snap, pf, p.Fresh)}
	if f, by, err := breakdownParams(r, pf); err != nil {
		pp.BreakErr = err.Error()
	} else if pp.Breakdown, err = s.breakdown(req.l, req.snap, pf, f, by); err != nil {
		pp.BreakErr = err.Error()
	}
	if pp.Funnel, err = s.funnel(req.l, req.snap, pf.p); err != nil {
		pp.FunnelErr = err.Error()
	}
	p.Data = pp
	s.render(w, "project", http.StatusOK, p)
}

func (s *Server) pageVacancies(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.pageError(w, r, req, err)
		return
	}
	v, err := s.vacancies(req.l, req.snap, r.URL.Query().Get("project"))
	if err != nil {
		s.pageError(w, r, req, err)
		return
	}
	p := s.newPage(r, req, "vacancies", req.l.T("vac.title"))
	p.Data = v
	s.render(w, "vacancies", http.StatusOK, p)
}

func (s *Server) pageBalance(w http.ResponseWriter, r *http.Request) {
	req, err := s.begin(r.Context(), r)
	if err != nil {
		s.pageError(w, r, req, err)
		return
	}
	v, err := s.balance(req.l, req.snap)
	if err != nil {
		s.pageError(w, r, req, err)
		return
	}
	p := s.newPage(r, req, "balance", req.l.T("bal.title"))
	p.Data = v
	s.render(w, "balance", http.StatusOK, p)
}
