package target

import "strings"

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
	// key identifies one unit: rows with the same values of these
	// expressions are one unit, dated by their earliest date in the
	// period. SQL joins them with '/' ([unitSQL.keySQL]); [Facts] compares
	// the values themselves.
	key []string
	// value is the number a unit carries for Sum and Mean ("1" for Count).
	value string
	// where narrows the family's rows (empty: all).
	where string
}

// rawEvents is the table of every event as received; openVacancies has
// one row per live vacancy with its publication and (nullable) closing.
const (
	rawEvents     = "events"
	openVacancies = "vacancies_current"
)

// personCol names the column holding a person's pseudonym in cols.
const personCol = "person"

// signupRows is one row per fair and person who signed up, with how their
// sign-up ended and the fair's attributes. It is built here rather than
// read from store's fair_participants because the metrics also need the
// person's residence municipality and the sign-up's own projects. A
// sign-up for a fair that was never scheduled keeps its first action date
// and counts toward no sector, kind or fair country.
const signupRows = `(
	SELECT fair_id, person, last_action, attended, residence_country, residence_municipality,
	       if(fair_known = 1, fair_date, first_date) AS activity_date, kind, sector, fair_country,
	       arrayConcat(signup_projects, fair_projects) AS projects
	FROM
	(
		SELECT fair_id, pseudonym AS person,
		       argMax(action, tuple(action_date, time, seq)) AS last_action,
		       max(action = 'attended') AS attended,
		       min(action_date) AS first_date,
		       argMax(residence_country, tuple(action_date, time, seq)) AS residence_country,
		       argMax(residence_municipality, tuple(action_date, time, seq)) AS residence_municipality,
		       groupUniqArrayArray(projects) AS signup_projects
		FROM fair_signups_current
		WHERE participant = 'person'
		GROUP BY fair_id, pseudonym
	)
	ANY LEFT JOIN
	(
		SELECT fair_id, 1 AS fair_known, fair_date, kind, sector, country AS fair_country, projects AS fair_projects
		FROM fairs_current
	) USING (fair_id)
)`

var relations = map[string]relation{
	"placement": {
		from: "placements_current",
		date: "start_date",
		cols: map[string]string{
			personCol:       "pseudonym",
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
			ByOccupation:    "isco_major",
		},
	},
	"course": {
		from: "course_completions_current",
		date: "completed_date",
		cols: map[string]string{
			personCol:       "pseudonym",
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
		from: signupRows,
		date: "activity_date",
		cols: map[string]string{
			personCol:       "person",
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
	SELECT person, activity_date, sector, residence_country, residence_municipality, projects
	FROM ` + signupRows + ` WHERE attended = 1
	UNION ALL
	SELECT pseudonym AS person, completed_date AS activity_date, sector, residence_country, residence_municipality, projects
	FROM course_completions_current)`,
		date: "activity_date",
		cols: map[string]string{
			personCol:       "person",
			"projects":      "projects",
			FilterSector:    "sector",
			FilterResidence: "residence_country",
			ByMunicipality:  "concat(residence_country, '-', residence_municipality)",
		},
	},
	"vacancy": {
		from: "vacancies_current",
		date: "published_date",
		cols: map[string]string{
			"projects":     "projects",
			FilterSector:   "sector",
			FilterCountry:  "work_country",
			ByMunicipality: "concat(work_country, '-', work_municipality)",
			ByOccupation:   "isco_major",
		},
	},
	"vacancy_closed": {
		from: "vacancies_current",
		// closed_date is NULL while a vacancy is open; assumeNotNull makes
		// that 1970-01-01, outside every span.
		date: "assumeNotNull(closed_date)",
		cols: map[string]string{
			"projects":     "projects",
			FilterSector:   "sector",
			FilterCountry:  "work_country",
			ByMunicipality: "concat(work_country, '-', work_municipality)",
			ByOccupation:   "isco_major",
		},
	},
}

// units: vacancies and placements are entities per source (the same id
// from two sources is two entities), as store's *_current views key them.
var units = map[string]unitSQL{
	"distinct_people_placed":    {key: []string{"pseudonym"}, value: "1"},
	"placements":                {key: []string{"source", "placement_id"}, value: "1"},
	"fairs_held":                {key: []string{"fair_id"}, value: "1"},
	"course_runs":               {key: []string{"course_id", "run_id"}, value: "1"},
	"course_completions":        {key: []string{"course_id", "run_id", "pseudonym"}, value: "1"},
	"distinct_people_completed": {key: []string{"pseudonym"}, value: "1"},
	"signups":                   {key: []string{"fair_id", "person"}, value: "1", where: "(attended = 1 OR last_action != 'cancelled')"},
	"attendances":               {key: []string{"fair_id", "person"}, value: "1", where: "attended = 1"},
	"distinct_people_attended":  {key: []string{"person"}, value: "1", where: "attended = 1"},
	"distinct_participants":     {key: []string{"person"}, value: "1"},
	"vacancies_published":       {key: []string{"source", "vacancy_id"}, value: "1"},
	"vacancies_filled":          {key: []string{"source", "vacancy_id"}, value: "1", where: "close_reason = 'filled'"},
	"positions_filled":          {key: []string{"source", "vacancy_id"}, value: "toFloat64(assumeNotNull(positions_filled))", where: "close_reason = 'filled'"},
	"time_to_fill_days":         {key: []string{"source", "vacancy_id"}, value: "toFloat64(assumeNotNull(days_open))", where: "close_reason = 'filled'"},
}

// keySQL is the unit key as one SQL expression.
func (u unitSQL) keySQL() string {
	if len(u.key) == 1 {
		return u.key[0]
	}
	return "concat(" + strings.Join(u.key, ", '/', ") + ")"
}
