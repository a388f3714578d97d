package target

import (
	"sort"
	"time"
)

// Languages are the languages names and notes may be given in; the first
// is the fallback.
var Languages = []string{"en", "da", "sv"}

// Text is a text by language (en, da, sv). A plain string in YAML is
// the English text and the fallback for the others.
type Text map[string]string

// In returns the text in lang, else in English, else in any language.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	if s, ok := t["en"]; ok && s != "" {
		return s
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t[k] != "" {
			return t[k]
		}
	}
	return ""
}

// Project is one EU project with its promises, modelled on the Interreg
// monitoring systems: who, when, and the indicators it reports on.
type Project struct {
	// ID is the slug events name in their projects list, e.g. job-paa-tvaers.
	ID        string
	Name      string
	Title     Text // what the project is about, one line
	Programme string
	Period    Period
	Partners  []Partner
	// FocusAreas are the sectors the project works in, in display order.
	FocusAreas []string
	// Documents are the sources indicators cite, by id.
	Documents map[string]Document
	// DocumentOrder is the order the documents were declared in.
	DocumentOrder []string
	Indicators    []Indicator
	// Unmeasured are promises the events cannot measure (yet), kept so
	// that the page tells the whole story.
	Unmeasured []Unmeasured
	// File is where the project was declared.
	File string
	line int
}

// Indicator returns the indicator with that id.
func (p *Project) Indicator(id string) (*Indicator, bool) {
	for i := range p.Indicators {
		if p.Indicators[i].ID == id {
			return &p.Indicators[i], true
		}
	}
	return nil, false
}

// Period is a closed range of days: both Start and End count.
type Period struct {
	Start, End time.Time // 00:00 UTC of the first and the last day
}

// Days is the number of days in the period, both ends counted.
func (p Period) Days() int { return daysBetween(p.Start, p.End) + 1 }

// Contains reports whether day d (any time on it) lies in the period.
func (p Period) Contains(d time.Time) bool {
	d = Day(d)
	return !d.Before(p.Start) && !d.After(p.End)
}

// Partner is a project partner.
type Partner struct {
	Name    string
	Country string // ISO 3166-1 alpha-2
	Lead    bool
}

// Document is a source a target is taken from.
type Document struct {
	ID    string
	Title string
	// Date the document was written or published: YYYY, YYYY-MM or
	// YYYY-MM-DD, as precisely as the document itself says.
	Date string
	// Ref says where to find it: a seed file name, a URL, a case number.
	Ref string
}

// Source is where an indicator's target comes from.
type Source struct {
	Document string // id in Project.Documents
	// Says is what the document says, quoted or summarised, so a reader
	// can check the number without opening it.
	Says string
}

// Alternative is another published figure for the same target; the
// configured target is the one the project reports against.
type Alternative struct {
	Target float64
	Source Source
	Note   Text
}

// Milestone is the value the indicator should have reached by Date.
type Milestone struct {
	Date  time.Time
	Value float64
}

// Reported is a figure a project published itself (e.g. "after ten
// months, 130 in work"), shown beside the measured value.
type Reported struct {
	Date   time.Time
	Value  float64
	Source Source
}

// Indicator is one promise of a project and how it is measured.
type Indicator struct {
	// ID is the indicator's slug within its project, used in URLs and as
	// the Prometheus indicator label.
	ID string
	// Code is an Interreg programme indicator code (RCO81, RCO85, RCR81,
	// RCO115) or the project's own, may be empty.
	Code     string
	Name     Text
	Unit     string
	Baseline float64
	Target   float64
	// TargetNote explains how the number was read from the source, e.g.
	// "1-2 per focus area per year: the lower bound over three years".
	TargetNote   Text
	Milestones   []Milestone // ascending by date, inside the period
	Source       Source
	Alternatives []Alternative
	Reported     []Reported
	Measure      Measure
	// Each, when set, also asks for at least Min (at most Max) in every
	// group of a breakdown, e.g. every focus area every year.
	Each *Each
	Line int // line of the indicator in File
}

// Measure is what an indicator counts: a metric from [Metrics] over the
// events that pass the filters.
type Measure struct {
	Metric  string
	Filters Filters
}

// Filters narrow a metric to some events. Empty fields do not filter.
type Filters struct {
	// Project: the events must count toward this project. Defaults to
	// the indicator's own project; "*" means every project.
	Project string
	// Direction is residence country -> work country, e.g. SE->DK.
	Direction *Direction
	Sector    []string // focus areas
	Kind      []string // placement kind or fair kind
	Country   []string // work country, fair country or vacancy's country
	Residence []string // participant's residence country
	Status    []string // status at course completion, or status before a placement
}

// Direction is a residence country and a work country.
type Direction struct{ From, To string }

func (d Direction) String() string { return d.From + "->" + d.To }

// Each asks for a minimum (and maximum) count in every group.
type Each struct {
	By     string   // a breakdown dimension, e.g. sector
	Values []string // the groups; default: the project's focus areas for sector
	Per    string   // "year" (calendar year) or "" (the whole period)
	Min    float64
	Max    float64 // 0: no maximum
}

// Unmeasured is a target the events do not cover.
type Unmeasured struct {
	Name   Text
	Target string // as the source words it, e.g. "3"
	Source Source
	Why    Text
}

// Day returns 00:00 UTC of t's calendar day (in t's own location).
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DaysBetween is the number of calendar days from a to b, negative if b
// is before a.
func DaysBetween(a, b time.Time) int { return daysBetween(a, b) }

// daysBetween is the number of calendar days from a to b, negative if
// b is before a.
func daysBetween(a, b time.Time) int {
	return int(Day(b).Sub(Day(a)) / (24 * time.Hour))
}
