package target

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// The dashboard's figures that are not one indicator: the funnel from fair
// to job, open vacancies, and how fresh the projection is. Like the
// metrics they read only the views named in relations.go and the raw
// events table.

// Freshness is how up to date the projection is.
type Freshness struct {
	// NewestEvent is the CloudEvents time of the newest projected event.
	NewestEvent time.Time
	// NewestProjected is when the projector last inserted an event.
	NewestProjected time.Time
	// Events is the number of event rows stored (before deduplication).
	Events uint64
}

// Freshness reads the newest event and projection times.
func (r *Reader) Freshness(ctx context.Context) (Freshness, error) {
	rows, err := r.db.Query(ctx, "SELECT max(time), max(projected), count() FROM "+rawEvents)
	if err != nil {
		return Freshness{}, fmt.Errorf("query freshness: %w", err)
	}
	defer rows.Close()
	var f Freshness
	for rows.Next() {
		if err := rows.Scan(&f.NewestEvent, &f.NewestProjected, &f.Events); err != nil {
			return Freshness{}, fmt.Errorf("scan freshness: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return Freshness{}, fmt.Errorf("read freshness: %w", err)
	}
	if f.Events == 0 {
		return Freshness{}, nil
	}
	return f, nil
}

// Funnel counts distinct people of a project at three steps: signed up
// for a fair (and not cancelled), of those who completed a course, of
// those who started a placement; and each step on its own.
type Funnel struct {
	Signed, SignedCompleted, SignedCompletedPlaced uint64
	Completed, Placed                              uint64
}

// Funnel reads the funnel of project ("*" for all) over the span.
func (r *Reader) Funnel(ctx context.Context, project string, span Span) (Funnel, error) {
	if span.Empty() {
		return Funnel{}, nil
	}
	signed, args, err := peopleQuery("signups", project, span)
	if err != nil {
		return Funnel{}, err
	}
	completed, _, err := peopleQuery("distinct_people_completed", project, span)
	if err != nil {
		return Funnel{}, err
	}
	placed, _, err := peopleQuery("distinct_people_placed", project, span)
	if err != nil {
		return Funnel{}, err
	}
	q := fmt.Sprintf(`SELECT
  (SELECT count() FROM (%[1]s)) AS signed,
  (SELECT count() FROM (%[1]s) WHERE person IN (%[2]s)) AS signed_completed,
  (SELECT count() FROM (%[1]s) WHERE person IN (%[2]s) AND person IN (%[3]s)) AS signed_completed_placed,
  (SELECT count() FROM (%[2]s)) AS completed,
  (SELECT count() FROM (%[3]s)) AS placed`, signed, completed, placed)
	rows, err := r.db.Query(ctx, q, args...)
	if err != nil {
		return Funnel{}, fmt.Errorf("query funnel of %s: %w", project, err)
	}
	defer rows.Close()
	var f Funnel
	for rows.Next() {
		if err := rows.Scan(&f.Signed, &f.SignedCompleted, &f.SignedCompletedPlaced, &f.Completed, &f.Placed); err != nil {
			return Funnel{}, fmt.Errorf("scan funnel: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return Funnel{}, fmt.Errorf("read funnel: %w", err)
	}
	return f, nil
}

// peopleQuery is the distinct people a person metric counts, as a
// one-column (person) query. All three share the same arguments.
func peopleQuery(metric, project string, span Span) (string, []any, error) {
	m, ok := LookupMetric(metric)
	if !ok {
		return "", nil, fmt.Errorf("metric %s: %w", metric, ErrUnknownMetric)
	}
	rel := relations[m.Family]
	inner, args, err := unitsQuery(Metric{Name: metric, Family: m.Family, Agg: Count, Filters: m.Filters},
		Filters{Project: project}, span, rel.cols[personCol])
	if err != nil {
		return "", nil, err
	}
	return "SELECT DISTINCT grp AS person FROM (" + inner + ")", args, nil
}

// OpenPositions is open vacancies in one occupation group and country.
type OpenPositions struct {
	ISCOMajor string
	Country   string
	Sector    string
	Vacancies uint64
	Positions uint64
}

// OpenVacancies lists vacancies open at the end of asOf's day (published
// by then and not closed by then) by ISCO-08 major group, work country and
// focus area. project "*" or "" means all.
func (r *Reader) OpenVacancies(ctx context.Context, project string, asOf time.Time) ([]OpenPositions, error) {
	where := "published_date <= toDate(@as_of) AND (isNull(closed_date) OR assumeNotNull(closed_date) > toDate(@as_of))"
	args := []any{clickhouse.Named("as_of", Day(asOf).Format(time.DateOnly))}
	if project != "" && project != "*" {
		where += " AND has(projects, @project)"
		args = append(args, clickhouse.Named("project", project))
	}
	q := `SELECT isco_major, work_country, sector, count() AS vacancies, sum(positions) AS positions
FROM ` + openVacancies + `
WHERE ` + where + `
GROUP BY isco_major, work_country, sector
ORDER BY isco_major, work_country, sector`
	rows, err := r.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query open vacancies: %w", err)
	}
	defer rows.Close()
	var out []OpenPositions
	for rows.Next() {
		var o OpenPositions
		if err := rows.Scan(&o.ISCOMajor, &o.Country, &o.Sector, &o.Vacancies, &o.Positions); err != nil {
			return nil, fmt.Errorf("scan open vacancies: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read open vacancies: %w", err)
	}
	return out, nil
}
