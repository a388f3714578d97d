package target

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sundflow/sundflow/pkg/refcode"
)

// ConfigError is one mistake in a target file, with where it is.
type ConfigError struct {
	File   string
	Line   int
	Column int
	// Path is the place in the document, e.g. indicators[1].measure.metric.
	Path string
	Msg  string
	// Err is a more specific sentinel (ErrUnknownMetric...), may be nil.
	Err error
}

func (e *ConfigError) Error() string {
	where := e.File
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
		if e.Column > 0 {
			where += ":" + strconv.Itoa(e.Column)
		}
	}
	if e.Path != "" {
		return where + ": " + e.Path + ": " + e.Msg
	}
	return where + ": " + e.Msg
}

// Is makes every ConfigError match [ErrConfig].
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// Unwrap returns the specific sentinel, if any.
func (e *ConfigError) Unwrap() error { return e.Err }

// Catalog is every configured project.
type Catalog struct {
	Projects []*Project // in file order, then document order
}

// Project returns the project with that id.
func (c *Catalog) Project(id string) (*Project, bool) {
	for _, p := range c.Projects {
		if p.ID == id {
			return p, true
		}
	}
	return nil, false
}

// Load reads every *.yaml and *.yml file at the top of fsys, each holding
// one or more projects as YAML documents. label prefixes the file names
// in errors (e.g. "deploy/targets"). All mistakes are reported together,
// each with its file and line; the error matches [ErrConfig].
func Load(fsys fs.FS, label string) (*Catalog, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("list target files in %s: %w", label, err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, &ConfigError{File: label, Msg: "no *.yaml target files found"}
	}
	cat := &Catalog{}
	var errs []error
	seen := map[string]*Project{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read target file %s: %w", name, err)
		}
		file := name
		if label != "" {
			file = path.Join(label, name)
		}
		projects, err := Parse(file, data)
		if err != nil {
			errs = append(errs, err)
		}
		for _, p := range projects {
			if first, dup := seen[p.ID]; dup {
				errs = append(errs, &ConfigError{File: p.File, Line: p.line, Path: "id",
					Msg: fmt.Sprintf("project %q is already declared in %s:%d", p.ID, first.File, first.line)})
				continue
			}
			seen[p.ID] = p
			cat.Projects = append(cat.Projects, p)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cat, nil
}

// Parse reads the projects in one file's contents; file names it in errors.
func Parse(file string, data []byte) ([]*Project, error) {
	d := &decoder{file: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*Project
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d.errs = append(d.errs, &ConfigError{File: file, Line: yamlErrLine(err), Msg: strings.TrimPrefix(err.Error(), "yaml: ")})
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		if p := d.project(doc.Content[0]); p != nil {
			out = append(out, p)
		}
	}
	if len(out) == 0 && len(d.errs) == 0 {
		d.errs = append(d.errs, &ConfigError{File: file, Msg: "no project in file"})
	}
	if len(d.errs) > 0 {
		return nil, errors.Join(d.errs...)
	}
	return out, nil
}

var lineRE = regexp.MustCompile(`line (\d+)`)

func yamlErrLine(err error) int {
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// decoder walks yaml.Nodes by hand so that every error knows its line
// and the path to the field.
type decoder struct {
	file string
	errs []error
}

func (d *decoder) fail(n *yaml.Node, path string, sentinel error, format string, args ...any) {
	e := &ConfigError{File: d.file, Path: path, Msg: fmt.Sprintf(format, args...), Err: sentinel}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

// fields returns the values of mapping n by key, reporting a node that is
// not a mapping, unknown keys (with a suggestion) and duplicates; keys
// ending in "!" are required.
func (d *decoder) fields(n *yaml.Node, path string, keys ...string) map[string]*yaml.Node {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, nil, "want a mapping of %s, got %s", strings.Join(trimBang(keys), ", "), kindName(n))
		return nil
	}
	known := trimBang(keys)
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !contains(known, k.Value) {
			d.fail(k, join(path, k.Value), nil, "unknown field %q%s (allowed: %s)", k.Value, suggest(k.Value, known), strings.Join(known, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			d.fail(k, join(path, k.Value), nil, "field given twice")
			continue
		}
		out[k.Value] = v
	}
	for _, k := range keys {
		if name, req := strings.CutSuffix(k, "!"); req {
			if _, ok := out[name]; !ok {
				d.fail(n, join(path, name), nil, "required field %q is missing", name)
			}
		}
	}
	return out
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return resolve(n.Content[0])
	}
	return n
}

func trimBang(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strings.TrimSuffix(k, "!")
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func (d *decoder) str(n *yaml.Node, path string) string {
	if n == nil {
		return ""
	}
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.fail(n, path, nil, "want a text, got %s", kindName(n))
		return ""
	}
	s := strings.TrimSpace(n.Value)
	if s == "" {
		d.fail(n, path, nil, "must not be empty")
	}
	return s
}

func (d *decoder) number(n *yaml.Node, path string) float64 {
	if n == nil {
		return 0
	}
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, nil, "want a number, got %s", kindName(n))
		return 0
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil || f != f {
		d.fail(n, path, nil, "want a number, got %q", n.Value)
		return 0
	}
	return f
}

func (d *decoder) boolean(n *yaml.Node, path string) bool {
	if n == nil {
		return false
	}
	n = resolve(n)
	switch n.Value {
	case "true":
		return true
	case "false":
		return false
	}
	d.fail(n, path, nil, "want true or false, got %s", kindName(n))
	return false
}

func (d *decoder) date(n *yaml.Node, path string) time.Time {
	s := d.str(n, path)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		d.fail(n, path, nil, "want a date YYYY-MM-DD, got %q", s)
		return time.Time{}
	}
	return t
}

// list returns the items of a sequence; a single scalar is a list of one.
func (d *decoder) list(n *yaml.Node, path string) []*yaml.Node {
	if n == nil {
		return nil
	}
	n = resolve(n)
	switch n.Kind {
	case yaml.SequenceNode:
		return n.Content
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil
		}
		return []*yaml.Node{n}
	}
	d.fail(n, path, nil, "want a list, got %s", kindName(n))
	return nil
}

func (d *decoder) strings(n *yaml.Node, path string) []string {
	var out []string
	for i, item := range d.list(n, path) {
		if s := d.str(item, fmt.Sprintf("%s[%d]", path, i)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// text is a plain string (English) or a mapping by language.
func (d *decoder) text(n *yaml.Node, path string) Text {
	if n == nil {
		return nil
	}
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		if s := d.str(n, path); s != "" {
			return Text{"en": s}
		}
		return nil
	}
	f := d.fields(n, path, Languages...)
	if f == nil {
		return nil
	}
	t := Text{}
	for _, lang := range Languages {
		if v, ok := f[lang]; ok {
			if s := d.str(v, join(path, lang)); s != "" {
				t[lang] = s
			}
		}
	}
	if t["en"] == "" {
		d.fail(n, path, nil, "an English text (en) is required, it is the fallback")
	}
	return t
}

var (
	slugRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,63}$`)
	codeRE    = regexp.MustCompile(`^[A-Z][A-Z0-9-]{1,31}$`)
	docDateRE = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)
)

func (d *decoder) slug(n *yaml.Node, path string) string {
	s := d.str(n, path)
	if s != "" && !slugRE.MatchString(s) {
		d.fail(n, path, nil, "%q is not a slug: lower-case letters, digits and '-', 2 to 64 characters, as events name projects", s)
	}
	return s
}

func (d *decoder) country(n *yaml.Node, path string) string {
	s := d.str(n, path)
	if s == "" {
		return ""
	}
	if !validCountry(s) {
		d.fail(n, path, ErrUnknownFilter, "%q is not an ISO 3166-1 alpha-2 country code (DK, SE, NO...)", s)
	}
	return s
}

func validCountry(s string) bool { return refcode.IsCountry(s) }

func (d *decoder) project(n *yaml.Node) *Project {
	f := d.fields(n, "", "id!", "name!", "title", "programme", "period!", "partners!", "focus_areas", "documents!", "indicators!", "unmeasured")
	if f == nil {
		return nil
	}
	before := len(d.errs)
	p := &Project{File: d.file, line: resolve(n).Line}
	p.ID = d.slug(f["id"], "id")
	p.Name = d.str(f["name"], "name")
	p.Title = d.text(f["title"], "title")
	if v, ok := f["programme"]; ok {
		p.Programme = d.str(v, "programme")
	}
	if v, ok := f["period"]; ok {
		pf := d.fields(v, "period", "start!", "end!")
		if pf != nil {
			p.Period.Start = d.date(pf["start"], "period.start")
			p.Period.End = d.date(pf["end"], "period.end")
			if !p.Period.Start.IsZero() && !p.Period.End.IsZero() && !p.Period.End.After(p.Period.Start) {
				d.fail(pf["end"], "period.end", nil, "the period ends (%s) before or on the day it starts (%s)", fmtDay(p.Period.End), fmtDay(p.Period.Start))
			}
		}
	}
	leads := 0
	for i, item := range d.list(f["partners"], "partners") {
		path := fmt.Sprintf("partners[%d]", i)
		pf := d.fields(item, path, "name!", "country!", "lead")
		if pf == nil {
			continue
		}
		pa := Partner{Name: d.str(pf["name"], path+".name"), Country: d.country(pf["country"], path+".country"), Lead: d.boolean(pf["lead"], path+".lead")}
		if pa.Lead {
			leads++
			if leads > 1 {
				d.fail(item, path+".lead", nil, "only one partner can be the lead partner")
			}
		}
		p.Partners = append(p.Partners, pa)
	}
	if f["partners"] != nil && len(p.Partners) == 0 {
		d.fail(f["partners"], "partners", nil, "at least one partner is required")
	}
	for i, s := range d.strings(f["focus_areas"], "focus_areas") {
		if !contains(sectors, s) {
			d.fail(d.list(f["focus_areas"], "")[i], fmt.Sprintf("focus_areas[%d]", i), ErrUnknownFilter, "unknown focus area %q%s (known: %s)", s, suggest(s, sectors), strings.Join(sectors, ", "))
			continue
		}
		p.FocusAreas = append(p.FocusAreas, s)
	}
	p.Documents = map[string]Document{}
	if v, ok := f["documents"]; ok {
		dn := resolve(v)
		if dn.Kind != yaml.MappingNode || len(dn.Content) == 0 {
			d.fail(dn, "documents", nil, "want a mapping of document id to {title, date, ref}, got %s", kindName(dn))
		} else {
			for i := 0; i+1 < len(dn.Content); i += 2 {
				k, dv := dn.Content[i], dn.Content[i+1]
				path := join("documents", k.Value)
				id := d.slug(k, path)
				if _, dup := p.Documents[id]; dup {
					d.fail(k, path, nil, "document %q declared twice", id)
					continue
				}
				df := d.fields(dv, path, "title!", "date!", "ref")
				if df == nil {
					continue
				}
				doc := Document{ID: id, Title: d.str(df["title"], path+".title"), Date: d.str(df["date"], path+".date")}
				if doc.Date != "" && !validDocDate(doc.Date) {
					d.fail(df["date"], path+".date", nil, "want YYYY, YYYY-MM or YYYY-MM-DD, got %q", doc.Date)
				}
				if r, ok := df["ref"]; ok {
					doc.Ref = d.str(r, path+".ref")
				}
				p.Documents[id] = doc
				p.DocumentOrder = append(p.DocumentOrder, id)
			}
		}
	}
	ids := map[string]int{}
	for i, item := range d.list(f["indicators"], "indicators") {
		ind := d.indicator(p, item, fmt.Sprintf("indicators[%d]", i))
		if ind == nil {
			continue
		}
		if line, dup := ids[ind.ID]; dup && ind.ID != "" {
			d.fail(item, fmt.Sprintf("indicators[%d].id", i), nil, "indicator %q is already declared at line %d", ind.ID, line)
			continue
		}
		ids[ind.ID] = ind.Line
		p.Indicators = append(p.Indicators, *ind)
	}
	if f["indicators"] != nil && len(p.Indicators) == 0 && len(d.errs) == before {
		d.fail(f["indicators"], "indicators", nil, "at least one indicator is required")
	}
	for i, item := range d.list(f["unmeasured"], "unmeasured") {
		path := fmt.Sprintf("unmeasured[%d]", i)
		uf := d.fields(item, path, "name!", "target!", "source!", "why!")
		if uf == nil {
			continue
		}
		p.Unmeasured = append(p.Unmeasured, Unmeasured{
			Name:   d.text(uf["name"], path+".name"),
			Target: d.str(uf["target"], path+".target"),
			Source: d.source(p, uf["source"], path+".source"),
			Why:    d.text(uf["why"], path+".why"),
		})
	}
	if len(d.errs) > before {
		return nil
	}
	return p
}

func validDocDate(s string) bool {
	if !docDateRE.MatchString(s) {
		return false
	}
	layout := map[int]string{4: "2006", 7: "2006-01", 10: time.DateOnly}[len(s)]
	_, err := time.Parse(layout, s)
	return err == nil
}

func (d *decoder) source(p *Project, n *yaml.Node, path string) Source {
	if n == nil {
		return Source{}
	}
	sf := d.fields(n, path, "document!", "says!")
	if sf == nil {
		return Source{}
	}
	s := Source{Document: d.str(sf["document"], path+".document"), Says: d.str(sf["says"], path+".says")}
	if s.Document != "" {
		if _, ok := p.Documents[s.Document]; !ok {
			d.fail(sf["document"], path+".document", nil, "unknown document %q%s; declare it under documents (declared: %s)",
				s.Document, suggest(s.Document, p.DocumentOrder), strings.Join(p.DocumentOrder, ", "))
		}
	}
	return s
}

func (d *decoder) indicator(p *Project, n *yaml.Node, path string) *Indicator {
	f := d.fields(n, path, "id!", "code", "name!", "unit", "baseline", "target!", "target_note", "milestones", "source!", "alternatives", "reported", "measure!", "each")
	if f == nil {
		return nil
	}
	ind := &Indicator{Line: resolve(n).Line}
	ind.ID = d.slug(f["id"], path+".id")
	if v, ok := f["code"]; ok {
		ind.Code = d.str(v, path+".code")
		d.checkCode(v, path+".code", ind.Code)
	}
	ind.Name = d.text(f["name"], path+".name")
	ind.Baseline = d.number(f["baseline"], path+".baseline")
	ind.Target = d.number(f["target"], path+".target")
	ind.TargetNote = d.text(f["target_note"], path+".target_note")
	ind.Source = d.source(p, f["source"], path+".source")
	ind.Measure = d.measure(p, f["measure"], path+".measure")
	m, known := LookupMetric(ind.Measure.Metric)
	ind.Unit = m.Unit
	if v, ok := f["unit"]; ok {
		ind.Unit = d.str(v, path+".unit")
	}
	if ind.Baseline < 0 {
		d.fail(f["baseline"], path+".baseline", nil, "a baseline cannot be negative")
	}
	switch {
	case ind.Target <= 0 && f["target"] != nil:
		d.fail(f["target"], path+".target", nil, "the target must be above 0")
	case known && !m.LowerIsBetter && ind.Target <= ind.Baseline && f["target"] != nil:
		d.fail(f["target"], path+".target", nil, "the target (%g) must be above the baseline (%g)", ind.Target, ind.Baseline)
	}
	for i, item := range d.list(f["milestones"], path+".milestones") {
		mp := fmt.Sprintf("%s.milestones[%d]", path, i)
		mf := d.fields(item, mp, "date!", "value!")
		if mf == nil {
			continue
		}
		ms := Milestone{Date: d.date(mf["date"], mp+".date"), Value: d.number(mf["value"], mp+".value")}
		switch {
		case ms.Date.IsZero():
		case !p.Period.Start.IsZero() && !p.Period.Contains(ms.Date):
			d.fail(mf["date"], mp+".date", nil, "milestone %s lies outside the period %s to %s", fmtDay(ms.Date), fmtDay(p.Period.Start), fmtDay(p.Period.End))
		case len(ind.Milestones) > 0 && !ms.Date.After(ind.Milestones[len(ind.Milestones)-1].Date):
			d.fail(mf["date"], mp+".date", nil, "milestones must be in date order, %s is not after %s", fmtDay(ms.Date), fmtDay(ind.Milestones[len(ind.Milestones)-1].Date))
		}
		if known && m.Agg != Mean {
			prev := ind.Baseline
			if len(ind.Milestones) > 0 {
				prev = ind.Milestones[len(ind.Milestones)-1].Value
			}
			if ms.Value < prev || ms.Value > ind.Target {
				d.fail(mf["value"], mp+".value", nil, "milestone value %g must lie between the previous milestone (or baseline) %g and the target %g", ms.Value, prev, ind.Target)
			}
		}
		ind.Milestones = append(ind.Milestones, ms)
	}
	if known && m.Agg == Mean && len(ind.Milestones) > 0 {
		d.fail(f["milestones"], path+".milestones", nil, "metric %s is an average; milestones apply only to counts", m.Name)
	}
	for i, item := range d.list(f["alternatives"], path+".alternatives") {
		ap := fmt.Sprintf("%s.alternatives[%d]", path, i)
		af := d.fields(item, ap, "target!", "source!", "note")
		if af == nil {
			continue
		}
		alt := Alternative{Target: d.number(af["target"], ap+".target"), Source: d.source(p, af["source"], ap+".source"), Note: d.text(af["note"], ap+".note")}
		if alt.Target <= 0 {
			d.fail(af["target"], ap+".target", nil, "the target must be above 0")
		}
		ind.Alternatives = append(ind.Alternatives, alt)
	}
	for i, item := range d.list(f["reported"], path+".reported") {
		rp := fmt.Sprintf("%s.reported[%d]", path, i)
		rf := d.fields(item, rp, "date!", "value!", "source!")
		if rf == nil {
			continue
		}
		r := Reported{Date: d.date(rf["date"], rp+".date"), Value: d.number(rf["value"], rp+".value"), Source: d.source(p, rf["source"], rp+".source")}
		if !r.Date.IsZero() && !p.Period.Start.IsZero() && r.Date.Before(p.Period.Start) {
			d.fail(rf["date"], rp+".date", nil, "a reported figure from %s is before the period starts (%s)", fmtDay(r.Date), fmtDay(p.Period.Start))
		}
		ind.Reported = append(ind.Reported, r)
	}
	if v, ok := f["each"]; ok {
		ind.Each = d.each(p, m, known, v, path+".each")
	}
	return ind
}

func (d *decoder) checkCode(n *yaml.Node, path, code string) {
	if code == "" {
		return
	}
	if !codeRE.MatchString(code) {
		d.fail(n, path, nil, "%q is not an indicator code: upper-case letters, digits and '-' (e.g. RCO81, JPT-1)", code)
		return
	}
	for _, pre := range interregPrefixs {
		if strings.HasPrefix(code, pre) && len(code) > len(pre) && code[len(pre)] >= '0' && code[len(pre)] <= '9' && !contains(interregCodes, code) {
			d.fail(n, path, nil, "%q looks like an Interreg programme code but is not one sundflow knows (%s)%s; use a project code such as JPT-1 otherwise",
				code, strings.Join(interregCodes, ", "), suggest(code, interregCodes))
		}
	}
}

func (d *decoder) measure(p *Project, n *yaml.Node, path string) Measure {
	if n == nil {
		return Measure{}
	}
	f := d.fields(n, path, "metric!", "filters")
	if f == nil {
		return Measure{}
	}
	ms := Measure{Metric: d.str(f["metric"], path+".metric")}
	m, ok := LookupMetric(ms.Metric)
	if ms.Metric != "" && !ok {
		names := metricNames()
		d.fail(f["metric"], path+".metric", ErrUnknownMetric, "unknown metric %q%s (known: %s)", ms.Metric, suggest(ms.Metric, names), strings.Join(names, ", "))
	}
	ms.Filters.Project = p.ID
	fn, present := f["filters"]
	if !present {
		return ms
	}
	ff := d.fields(fn, path+".filters", FilterProject, FilterDirection, FilterSector, FilterKind, FilterCountry, FilterResidence, FilterStatus)
	if ff == nil {
		return ms
	}
	for _, name := range []string{FilterProject, FilterDirection, FilterSector, FilterKind, FilterCountry, FilterResidence, FilterStatus} {
		v, given := ff[name]
		if !given {
			continue
		}
		fp := path + ".filters." + name
		if ok && !m.Allows(name) {
			d.fail(keyNode(fn, name), fp, ErrUnknownFilter, "metric %s cannot be filtered by %s (it takes: %s)", m.Name, name, strings.Join(m.Filters, ", "))
			continue
		}
		switch name {
		case FilterProject:
			s := d.str(v, fp)
			if s != "*" && s != "" && !slugRE.MatchString(s) {
				d.fail(v, fp, ErrUnknownFilter, "%q is neither a project slug nor * (every project)", s)
			}
			ms.Filters.Project = s
		case FilterDirection:
			s := d.str(v, fp)
			from, to, cut := strings.Cut(strings.ReplaceAll(s, "→", "->"), "->")
			from, to = strings.TrimSpace(from), strings.TrimSpace(to)
			switch {
			case s == "":
			case !cut || !validCountry(from) || !validCountry(to):
				d.fail(v, fp, ErrUnknownFilter, "want residence country -> work country, e.g. SE->DK, got %q", s)
			case from == to:
				d.fail(v, fp, ErrUnknownFilter, "direction %q does not cross a border", s)
			default:
				ms.Filters.Direction = &Direction{From: from, To: to}
			}
		default:
			vals := d.strings(v, fp)
			items := d.list(v, "")
			for i, s := range vals {
				allowed := filterValues(m.Family, name)
				switch {
				case name == FilterCountry || name == FilterResidence:
					if !validCountry(s) {
						d.fail(items[i], fmt.Sprintf("%s[%d]", fp, i), ErrUnknownFilter, "%q is not an ISO 3166-1 alpha-2 country code (DK, SE, NO...)", s)
					}
				case ok && !contains(allowed, s):
					d.fail(items[i], fmt.Sprintf("%s[%d]", fp, i), ErrUnknownFilter, "unknown %s %q for metric %s%s (known: %s)", name, s, m.Name, suggest(s, allowed), strings.Join(allowed, ", "))
				}
			}
			switch name {
			case FilterSector:
				ms.Filters.Sector = vals
			case FilterKind:
				ms.Filters.Kind = vals
			case FilterCountry:
				ms.Filters.Country = vals
			case FilterResidence:
				ms.Filters.Residence = vals
			case FilterStatus:
				ms.Filters.Status = vals
			}
		}
	}
	return ms
}

func keyNode(mapping *yaml.Node, key string) *yaml.Node {
	mapping = resolve(mapping)
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			return mapping.Content[i]
		}
	}
	return mapping
}

func (d *decoder) each(p *Project, m Metric, known bool, n *yaml.Node, path string) *Each {
	f := d.fields(n, path, "by!", "values", "per", "min!", "max")
	if f == nil {
		return nil
	}
	e := &Each{By: d.str(f["by"], path+".by"), Min: d.number(f["min"], path+".min"), Max: d.number(f["max"], path+".max")}
	if known && e.By != "" && (!m.CanSplit(e.By) || e.By == ByMonth || e.By == ByYear) {
		d.fail(f["by"], path+".by", ErrUnknownBreakdown, "metric %s cannot be split by %q for each (it splits by: %s; time goes in per)", m.Name, e.By, strings.Join(m.Breakdowns, ", "))
		return nil
	}
	if v, ok := f["per"]; ok {
		e.Per = d.str(v, path+".per")
		if e.Per != "year" {
			d.fail(v, path+".per", nil, "per must be year (or left out for the whole period), got %q", e.Per)
		}
	}
	e.Values = d.strings(f["values"], path+".values")
	if len(e.Values) == 0 && e.By == BySector {
		e.Values = p.FocusAreas
	}
	if len(e.Values) == 0 {
		d.fail(n, path+".values", nil, "list the groups each must cover (for by: sector they default to the project's focus_areas)")
	}
	if e.By == BySector {
		for i, s := range e.Values {
			if !contains(sectors, s) {
				d.fail(d.list(f["values"], "")[i], fmt.Sprintf("%s.values[%d]", path, i), ErrUnknownFilter, "unknown focus area %q%s", s, suggest(s, sectors))
			}
		}
	}
	if e.Min <= 0 && f["min"] != nil {
		d.fail(f["min"], path+".min", nil, "min must be above 0")
	}
	if e.Max != 0 && e.Max < e.Min {
		d.fail(f["max"], path+".max", nil, "max (%g) is below min (%g)", e.Max, e.Min)
	}
	return e
}

func fmtDay(t time.Time) string { return t.Format(time.DateOnly) }

// suggest returns ` (did you mean "x"?)` for the closest candidate within
// a small edit distance, else "".
func suggest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if dist := editDistance(strings.ToLower(s), strings.ToLower(c)); dist < bestD {
			best, bestD = c, dist
		}
	}
	if best != "" && bestD <= max(2, len(s)/4) && bestD > 0 {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
