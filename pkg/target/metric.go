package target

import (
	"sort"
)

// Agg is how a metric combines the units it counts.
type Agg string

// The aggregations.
const (
	// Count counts distinct units (people, placements, fairs...). Its
	// value only grows over a period, so it has a burn-up and a pace.
	Count Agg = "count"
	// Sum adds a number per unit (e.g. positions filled per vacancy).
	Sum Agg = "sum"
	// Mean averages a number per unit (e.g. days to fill a vacancy);
	// it has no pace, only a level compared with the target.
	Mean Agg = "mean"
)

// Breakdown dimensions a metric can be split by.
const (
	BySector       = "sector"       // focus area
	ByMunicipality = "municipality" // residence municipality for people, location for fairs, workplace for vacancies
	ByDirection    = "direction"    // residence country -> work country
	ByMonth        = "month"        // month of the unit's first qualifying date
	ByYear         = "year"         // calendar year of the same date
	ByCountry      = "country"      // work country, fair country, vacancy's country
	ByResidence    = "residence"    // participant's residence country
	ByKind         = "kind"         // placement kind or fair kind
	ByStatus       = "status"       // completion status or status before a placement
	ByOccupation   = "occupation"   // ISCO-08 major group
)

// Breakdowns lists every dimension in display order.
var Breakdowns = []string{BySector, ByMunicipality, ByDirection, ByMonth, ByYear, ByCountry, ByResidence, ByKind, ByStatus, ByOccupation}

// Filter names as written in the configuration.
const (
	FilterProject   = "project"
	FilterDirection = "direction"
	FilterSector    = "sector"
	FilterKind      = "kind"
	FilterCountry   = "country"
	FilterResidence = "residence"
	FilterStatus    = "status"
)

// Metric is something an indicator can count over the projected events.
type Metric struct {
	Name string
	// Family is the relation the metric reads: placement, course, fair,
	// signup, vacancy or participant (fair attendance and course
	// completion together).
	Family string
	Agg    Agg
	// Unit is the default unit of an indicator on this metric.
	Unit string
	// LowerIsBetter: the target is a ceiling (time to fill), not a floor.
	LowerIsBetter bool
	// Doc says what one unit is, for the README and the API.
	Doc string
	// Filters and Breakdowns the metric accepts.
	Filters    []string
	Breakdowns []string
}

var personFilters = []string{FilterProject, FilterSector, FilterResidence}

// metrics is the catalogue; see [Metrics].
var metrics = []Metric{
	{
		Name: "distinct_people_placed", Family: "placement", Agg: Count, Unit: "people",
		Doc:        "people with at least one confirmed, not retracted placement start in the period; a person placed twice counts once, on the day of their first placement",
		Filters:    []string{FilterProject, FilterDirection, FilterSector, FilterKind, FilterCountry, FilterResidence, FilterStatus},
		Breakdowns: []string{BySector, ByMunicipality, ByDirection, ByMonth, ByYear, ByCountry, ByResidence, ByKind, ByStatus, ByOccupation},
	},
	{
		Name: "placements", Family: "placement", Agg: Count, Unit: "placements",
		Doc:        "confirmed, not retracted placement starts in the period, each placement once however often it was sent",
		Filters:    []string{FilterProject, FilterDirection, FilterSector, FilterKind, FilterCountry, FilterResidence, FilterStatus},
		Breakdowns: []string{BySector, ByMunicipality, ByDirection, ByMonth, ByYear, ByCountry, ByResidence, ByKind, ByStatus, ByOccupation},
	},
	{
		Name: "fairs_held", Family: "fair", Agg: Count, Unit: "fairs",
		Doc:        "fairs, pop-up fairs, speed-datings and info meetings whose first day lies in the period and is not in the future",
		Filters:    []string{FilterProject, FilterSector, FilterKind, FilterCountry},
		Breakdowns: []string{BySector, ByMunicipality, ByMonth, ByYear, ByCountry, ByKind},
	},
	{
		Name: "course_runs", Family: "course", Agg: Count, Unit: "course runs",
		Doc:        "runs of courses (course id and run id) with at least one completion in the period, dated by their first completion",
		Filters:    personFilters,
		Breakdowns: []string{BySector, ByMonth, ByYear},
	},
	{
		Name: "course_completions", Family: "course", Agg: Count, Unit: "completions",
		Doc:        "completions of a course run by a person in the period; a person completing two runs counts twice",
		Filters:    []string{FilterProject, FilterSector, FilterResidence, FilterStatus},
		Breakdowns: []string{BySector, ByMunicipality, ByMonth, ByYear, ByResidence, ByStatus},
	},
	{
		Name: "distinct_people_completed", Family: "course", Agg: Count, Unit: "people",
		Doc:        "people who completed at least one course run in the period",
		Filters:    []string{FilterProject, FilterSector, FilterResidence, FilterStatus},
		Breakdowns: []string{BySector, ByMunicipality, ByMonth, ByYear, ByResidence, ByStatus},
	},
	{
		Name: "signups", Family: "signup", Agg: Count, Unit: "sign-ups",
		Doc:        "people signed up for a fair in the period (registered or attended, not cancelled as their last word), one per person and fair",
		Filters:    []string{FilterProject, FilterSector, FilterKind, FilterCountry, FilterResidence},
		Breakdowns: []string{BySector, ByMunicipality, ByMonth, ByYear, ByCountry, ByResidence, ByKind},
	},
	{
		Name: "attendances", Family: "signup", Agg: Count, Unit: "participations",
		Doc:        "people who attended a fair in the period, one per person and fair",
		Filters:    []string{FilterProject, FilterSector, FilterKind, FilterCountry, FilterResidence},
		Breakdowns: []string{BySector, ByMunicipality, ByMonth, ByYear, ByCountry, ByResidence, ByKind},
	},
	{
		Name: "distinct_people_attended", Family: "signup", Agg: Count, Unit: "people",
		Doc:        "people who attended at least one fair in the period; a person at two info meetings counts once",
		Filters:    []string{FilterProject, FilterSector, FilterKind, FilterCountry, FilterResidence},
		Breakdowns: []string{BySector, ByMunicipality, ByMonth, ByYear, ByCountry, ByResidence, ByKind},
	},
	{
		Name: "distinct_participants", Family: "participant", Agg: Count, Unit: "people",
		Doc:        "people who attended a fair or completed a course in the period, each person once",
		Filters:    personFilters,
		Breakdowns: []string{BySector, ByMunicipality, ByMonth, ByYear, ByResidence},
	},
	{
		Name: "vacancies_published", Family: "vacancy", Agg: Count, Unit: "vacancies",
		Doc:        "vacancies published in the period, each vacancy once",
		Filters:    []string{FilterProject, FilterSector, FilterCountry},
		Breakdowns: []string{BySector, ByMunicipality, ByMonth, ByYear, ByCountry, ByOccupation},
	},
	{
		Name: "vacancies_filled", Family: "vacancy_closed", Agg: Count, Unit: "vacancies",
		Doc:        "vacancies closed as filled in the period, dated by the closing day",
		Filters:    []string{FilterProject, FilterSector, FilterCountry},
		Breakdowns: []string{BySector, ByMunicipality, ByMonth, ByYear, ByCountry, ByOccupation},
	},
	{
		Name: "positions_filled", Family: "vacancy_closed", Agg: Sum, Unit: "positions",
		Doc:        "positions (persons hired) of vacancies closed as filled in the period",
		Filters:    []string{FilterProject, FilterSector, FilterCountry},
		Breakdowns: []string{BySector, ByMunicipality, ByMonth, ByYear, ByCountry, ByOccupation},
	},
	{
		Name: "time_to_fill_days", Family: "vacancy_closed", Agg: Mean, Unit: "days", LowerIsBetter: true,
		Doc:        "mean days from publication to closing of the vacancies filled in the period",
		Filters:    []string{FilterProject, FilterSector, FilterCountry},
		Breakdowns: []string{BySector, ByMunicipality, ByMonth, ByYear, ByCountry, ByOccupation},
	},
}

// Metrics returns the catalogue, sorted by name.
func Metrics() []Metric {
	out := append([]Metric(nil), metrics...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupMetric returns the metric with that name.
func LookupMetric(name string) (Metric, bool) {
	for _, m := range metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

func metricNames() []string {
	names := make([]string, len(metrics))
	for i, m := range metrics {
		names[i] = m.Name
	}
	sort.Strings(names)
	return names
}

// Allows reports whether filter f applies to the metric.
func (m Metric) Allows(f string) bool { return contains(m.Filters, f) }

// CanSplit reports whether the metric can be broken down by dim.
func (m Metric) CanSplit(dim string) bool { return contains(m.Breakdowns, dim) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The enumerations of the event contract (schemas/*.json) that filters
// take; TestEnumsMatchSchemas keeps them in step with the schemas.
var (
	placementKinds  = []string{"ordinary_job", "wage_subsidy", "internship", "apprenticeship", "seasonal"}
	fairKinds       = []string{"job_fair", "popup_fair", "speed_dating", "info_meeting"}
	courseStatuses  = []string{"ordinary_job", "wage_subsidy", "self_employed", "internship", "other_placement", "education", "not_in_work"}
	statusesBefore  = []string{"insured_unemployed", "social_assistance", "education_allowance", "at_risk_of_dismissal", "employed", "student", "other"}
	sectors         = []string{"health_care", "logistics", "construction", "service", "academics", "other"}
	interregCodes   = []string{"RCO81", "RCO85", "RCO115", "RCR81"}
	interregPrefixs = []string{"RCO", "RCR"}
)

// filterValues is what a list filter accepts for a metric's family; nil
// means any ISO 3166-1 country code.
func filterValues(family, filter string) []string {
	switch filter {
	case FilterSector:
		return sectors
	case FilterKind:
		switch family {
		case "placement":
			return placementKinds
		case "fair", "signup":
			return fairKinds
		}
	case FilterStatus:
		switch family {
		case "placement":
			return statusesBefore
		case "course":
			return courseStatuses
		}
	}
	return nil
}
