package target

// This file is the only place in pkg/target that names the projector's
// ClickHouse objects (pkg/store). Each family is read from a view that
// already holds one row per live unit: deduplicated (a re-sent or
// redelivered event is one row) and without retracted events.

// relation says where a family's rows come from and which expression
// gives each logical column the filters and breakdowns use.
type relation struct {
	// from is a view name or a parenthesised subquery.
	from string
	// date is the column that dates a row (a Date).
	date string
	// cols maps a filter or breakdown name to an expression; "projects"
	// must be an Array(String).
	cols map[string]string
}

// unitSQL says, for one metric, what a counted unit is.
type unitSQL struct {
	// key identifies one unit; rows with the same key are one unit,
	// dated by their earliest date in the period.
	key string
	// value is the number a unit carries for Sum and Mean ("1" for Count).
	value string
	// where narrows the family's rows (empty: all).
	where string
}

var relations = map[string]relation{
	"placement": {
		from: "placements_current",
		date: "start_date",
		cols: map[string]string{
			"projects":      "projects",
			FilterSector:    "sector",
			FilterKind:      "kind",
			FilterCountry:   "work_country",
			FilterResidence: "residence_country",
			FilterStatus:    "status_before",
			"from_country":  "residence_country",
			"to_country":    "work_country",
			ByMunicipality:  "concat(residence_country, '-', residence_municipality)",
			ByDirection:     "concat(residence_country, '->', work_country)",
			ByOccupation:    "substring(isco, 1, 1)",
		},
	},
	"course": {
		from: "course_completions_current",
		date: "completed",
		cols: map[string]string{
			"projects":      "projects",
			FilterSector:    "sector",
			FilterResidence: "residence_country",
			FilterStatus:    "status",
			ByMunicipality:  "concat(residence_country, '-', residence_municipality)",
		},
	},
	"fair": {
		from: "fairs_current",
		date: "fair_date",
		cols: map[string]string{
			"projects":     "projects",
			FilterSector:   "sector",
			FilterKind:     "kind",
			FilterCountry:  "country",
			ByMunicipality: "concat(country, '-', municipality)",
		},
	},
	"signup": {
		from: "fair_participation",
		date: "action_date",
		cols: map[string]string{
			"projects":      "projects",
			FilterSector:    "sector",
			FilterKind:      "kind",
			FilterCountry:   "fair_country",
			FilterResidence: "residence_country",
			ByMunicipality:  "concat(residence_country, '-', residence_municipality)",
		},
	},
	"participant": {
		from: `(
	SELECT person, action_date AS activity_date, sector, residence_country, residence_municipality, projects
	FROM fair_participation WHERE person != '' AND last_action = 'attended'
	UNION ALL
	SELECT person, completed AS activity_date, sector, residence_country, residence_municipality, projects
	FROM course_completions_current)`,
		date: "activity_date",
		cols: map[string]string{
			"projects":      "projects",
			FilterSector:    "sector",
			FilterResidence: "residence_country",
			ByMunicipality:  "concat(residence_country, '-', residence_municipality)",
		},
	},
	"vacancy": {
		from: "vacancies_current",
		date: "published",
		cols: map[string]string{
			"projects":     "projects",
			FilterSector:   "sector",
			FilterCountry:  "work_country",
			ByMunicipality: "concat(work_country, '-', work_municipality)",
			ByOccupation:   "substring(isco, 1, 1)",
		},
	},
	"vacancy_closed": {
		from: "vacancies_current",
		date: "closed",
		cols: map[string]string{
			"projects":     "projects",
			FilterSector:   "sector",
			FilterCountry:  "work_country",
			ByMunicipality: "concat(work_country, '-', work_municipality)",
			ByOccupation:   "substring(isco, 1, 1)",
		},
	},
}

var units = map[string]unitSQL{
	"distinct_people_placed":    {key: "person", value: "1"},
	"placements":                {key: "placement_id", value: "1"},
	"fairs_held":                {key: "fair_id", value: "1"},
	"course_runs":               {key: "concat(course_id, '/', run_id)", value: "1"},
	"course_completions":        {key: "concat(course_id, '/', run_id, '/', person)", value: "1"},
	"distinct_people_completed": {key: "person", value: "1"},
	"signups":                   {key: "concat(fair_id, '/', person)", value: "1", where: "person != '' AND last_action != 'cancelled'"},
	"attendances":               {key: "concat(fair_id, '/', person)", value: "1", where: "person != '' AND last_action = 'attended'"},
	"distinct_people_attended":  {key: "person", value: "1", where: "person != '' AND last_action = 'attended'"},
	"distinct_participants":     {key: "person", value: "1"},
	"vacancies_published":       {key: "vacancy_id", value: "1"},
	"vacancies_filled":          {key: "vacancy_id", value: "1", where: "close_reason = 'filled'"},
	"positions_filled":          {key: "vacancy_id", value: "toFloat64(positions_filled)", where: "close_reason = 'filled'"},
	"time_to_fill_days":         {key: "vacancy_id", value: "toFloat64(toUInt32(closed) - toUInt32(published))", where: "close_reason = 'filled'"},
}
