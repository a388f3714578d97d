package target

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Query is SQL with its arguments, bound on the client side (@name): the
// one binding that works on ClickHouse 18.16 and current releases alike.
type Query struct {
	SQL  string
	Args []any
}

// Span is a closed range of days a query counts.
type Span struct{ From, To time.Time }

// SpanFor is the part of the period up to and including asOf's day.
func SpanFor(p Period, asOf time.Time) Span {
	return Span{From: p.Start, To: minTime(p.End, Day(asOf))}
}

// Empty reports whether the span holds no day (the period has not begun).
func (s Span) Empty() bool { return s.To.Before(s.From) }

// unitsQuery is the subquery of counted units: one row per unit key (and
// group, when grp is given) with its first date in the span and its value.
func unitsQuery(m Metric, f Filters, span Span, grp string) (string, []any, error) {
	rel, ok := relations[m.Family]
	if !ok {
		return "", nil, fmt.Errorf("metric %s: %w: no relation for family %q", m.Name, ErrUnknownMetric, m.Family)
	}
	u, ok := units[m.Name]
	if !ok {
		return "", nil, fmt.Errorf("metric %s: %w: no unit definition", m.Name, ErrUnknownMetric)
	}
	where := []string{
		rel.date + " >= toDate(@span_from)",
		rel.date + " <= toDate(@span_to)",
	}
	args := []any{
		clickhouse.Named("span_from", span.From.Format(time.DateOnly)),
		clickhouse.Named("span_to", span.To.Format(time.DateOnly)),
	}
	if u.where != "" {
		where = append(where, u.where)
	}
	if f.Project != "" && f.Project != "*" {
		where = append(where, "has("+rel.cols["projects"]+", @project)")
		args = append(args, clickhouse.Named("project", f.Project))
	}
	if f.Direction != nil {
		from, to := rel.cols["from_country"], rel.cols["to_country"]
		if from == "" || to == "" {
			return "", nil, fmt.Errorf("metric %s: %w: direction", m.Name, ErrUnknownFilter)
		}
		where = append(where, from+" = @dir_from", to+" = @dir_to")
		args = append(args, clickhouse.Named("dir_from", f.Direction.From), clickhouse.Named("dir_to", f.Direction.To))
	}
	for _, lf := range []struct {
		name string
		vals []string
	}{
		{FilterSector, f.Sector}, {FilterKind, f.Kind}, {FilterCountry, f.Country},
		{FilterResidence, f.Residence}, {FilterStatus, f.Status},
	} {
		if len(lf.vals) == 0 {
			continue
		}
		col, ok := rel.cols[lf.name]
		if !ok || !m.Allows(lf.name) {
			return "", nil, fmt.Errorf("metric %s: %w: %s", m.Name, ErrUnknownFilter, lf.name)
		}
		// has(@list, col), not col IN @list: a Go slice bound into IN
		// fails on ClickHouse 18.16.
		where = append(where, "has(@f_"+lf.name+", "+col+")")
		args = append(args, clickhouse.Named("f_"+lf.name, lf.vals))
	}
	sel := fmt.Sprintf("%s AS unit_key, min(%s) AS unit_date, any(%s) AS unit_value", u.keySQL(), rel.date, u.value)
	group := "unit_key"
	if grp != "" {
		sel += ", " + grp + " AS grp"
		group += ", grp"
	}
	return fmt.Sprintf("SELECT %s\nFROM %s\nWHERE %s\nGROUP BY %s", sel, rel.from, strings.Join(where, "\n  AND "), group), args, nil
}

func aggExpr(m Metric) string {
	switch m.Agg {
	case Sum:
		return "sum(unit_value)"
	case Mean:
		return "avg(unit_value)"
	}
	return "toFloat64(count())"
}

// IncrementsQuery counts, per day, the units whose first qualifying date
// is that day: the burn-up's steps. For a Mean metric it gives the daily
// mean instead; use [MeanQuery] for the level.
func IncrementsQuery(m Metric, f Filters, span Span) (Query, error) {
	inner, args, err := unitsQuery(m, f, span, "")
	if err != nil {
		return Query{}, err
	}
	return Query{SQL: fmt.Sprintf("SELECT unit_date AS day, %s AS n\nFROM (\n%s\n)\nGROUP BY day\nORDER BY day", aggExpr(m), inner), Args: args}, nil
}

// MeanQuery gives a Mean metric's mean over the span and how many units it averages.
func MeanQuery(m Metric, f Filters, span Span) (Query, error) {
	inner, args, err := unitsQuery(m, f, span, "")
	if err != nil {
		return Query{}, err
	}
	return Query{SQL: fmt.Sprintf("SELECT if(count() = 0, 0, avg(unit_value)) AS mean, count() AS n\nFROM (\n%s\n)", inner), Args: args}, nil
}

// BreakdownQuery splits a metric by a dimension: time dimensions bucket
// each unit by its first date (so the groups add up to the total); other
// dimensions count each unit once per group it appears in (a person
// placed in two sectors counts in both).
func BreakdownQuery(m Metric, f Filters, by string, span Span) (Query, error) {
	var inner string
	var args []any
	var err error
	var grp string
	switch by {
	case ByMonth:
		inner, args, err = unitsQuery(m, f, span, "")
		grp = "formatDateTime(toStartOfMonth(unit_date), '%Y-%m')"
	case ByYear:
		inner, args, err = unitsQuery(m, f, span, "")
		grp = "toString(toYear(unit_date))"
	default:
		col, ok := dimExpr(m, by)
		if !ok {
			return Query{}, fmt.Errorf("split %s by %q: %w", m.Name, by, ErrUnknownBreakdown)
		}
		inner, args, err = unitsQuery(m, f, span, "toString("+col+")")
		grp = "grp"
	}
	if err != nil {
		return Query{}, err
	}
	return Query{SQL: fmt.Sprintf("SELECT %s AS g, %s AS value, count() AS n\nFROM (\n%s\n)\nGROUP BY g\nORDER BY g", grp, aggExpr(m), inner), Args: args}, nil
}

// GridQuery counts a metric per group of a dimension and calendar year
// (by the unit's first date in the group): what an [Each] checks.
func GridQuery(m Metric, f Filters, by string, span Span) (Query, error) {
	col, ok := dimExpr(m, by)
	if !ok || by == ByMonth || by == ByYear {
		return Query{}, fmt.Errorf("grid of %s by %q: %w", m.Name, by, ErrUnknownBreakdown)
	}
	inner, args, err := unitsQuery(m, f, span, "toString("+col+")")
	if err != nil {
		return Query{}, err
	}
	return Query{SQL: fmt.Sprintf("SELECT grp AS g, toUInt16(toYear(unit_date)) AS y, %s AS value\nFROM (\n%s\n)\nGROUP BY g, y\nORDER BY g, y", aggExpr(m), inner), Args: args}, nil
}

func dimExpr(m Metric, by string) (string, bool) {
	if !m.CanSplit(by) {
		return "", false
	}
	col, ok := relations[m.Family].cols[by]
	return col, ok
}

// Querier runs a query; clickhouse-go's driver.Conn is one.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (driver.Rows, error)
}

// Reader measures indicators in ClickHouse.
type Reader struct {
	db Querier
}

// NewReader reads through db, a connection whose default database holds
// the projector's views.
func NewReader(db Querier) *Reader { return &Reader{db: db} }

// Increments returns the metric's daily growth over the span.
func (r *Reader) Increments(ctx context.Context, ms Measure, span Span) ([]Increment, error) {
	m, ok := LookupMetric(ms.Metric)
	if !ok {
		return nil, fmt.Errorf("measure %q: %w", ms.Metric, ErrUnknownMetric)
	}
	if span.Empty() {
		return nil, nil
	}
	q, err := IncrementsQuery(m, ms.Filters, span)
	if err != nil {
		return nil, err
	}
	rows, err := r.db.Query(ctx, q.SQL, q.Args...)
	if err != nil {
		return nil, fmt.Errorf("query increments of %s: %w", m.Name, err)
	}
	defer rows.Close()
	var out []Increment
	for rows.Next() {
		var in Increment
		if err := rows.Scan(&in.Day, &in.N); err != nil {
			return nil, fmt.Errorf("scan increments of %s: %w", m.Name, err)
		}
		in.Day = Day(in.Day)
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read increments of %s: %w", m.Name, err)
	}
	return out, nil
}

// Mean returns a Mean metric's mean over the span and the number of units.
func (r *Reader) Mean(ctx context.Context, ms Measure, span Span) (float64, int, error) {
	m, ok := LookupMetric(ms.Metric)
	if !ok {
		return 0, 0, fmt.Errorf("measure %q: %w", ms.Metric, ErrUnknownMetric)
	}
	if span.Empty() {
		return 0, 0, nil
	}
	q, err := MeanQuery(m, ms.Filters, span)
	if err != nil {
		return 0, 0, err
	}
	rows, err := r.db.Query(ctx, q.SQL, q.Args...)
	if err != nil {
		return 0, 0, fmt.Errorf("query mean of %s: %w", m.Name, err)
	}
	defer rows.Close()
	var mean float64
	var n uint64
	for rows.Next() {
		if err := rows.Scan(&mean, &n); err != nil {
			return 0, 0, fmt.Errorf("scan mean of %s: %w", m.Name, err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("read mean of %s: %w", m.Name, err)
	}
	return mean, int(n), nil
}

// Group is one row of a breakdown.
type Group struct {
	Key   string  // sector, municipality as COUNTRY-code, direction as SE->DK, month as 2019-03, year
	Value float64 // the metric in the group
	N     uint64  // units in the group
}

// Breakdown splits the metric over the span by a dimension.
func (r *Reader) Breakdown(ctx context.Context, ms Measure, by string, span Span) ([]Group, error) {
	m, ok := LookupMetric(ms.Metric)
	if !ok {
		return nil, fmt.Errorf("measure %q: %w", ms.Metric, ErrUnknownMetric)
	}
	q, err := BreakdownQuery(m, ms.Filters, by, span)
	if err != nil {
		return nil, err
	}
	if span.Empty() {
		return nil, nil
	}
	rows, err := r.db.Query(ctx, q.SQL, q.Args...)
	if err != nil {
		return nil, fmt.Errorf("query %s by %s: %w", m.Name, by, err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.Key, &g.Value, &g.N); err != nil {
			return nil, fmt.Errorf("scan %s by %s: %w", m.Name, by, err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s by %s: %w", m.Name, by, err)
	}
	return out, nil
}

// Grid counts the metric per group and calendar year, for [CheckEach];
// with per == "" the years are summed into year 0.
func (r *Reader) Grid(ctx context.Context, ms Measure, e Each, span Span) (map[string]map[int]float64, error) {
	m, ok := LookupMetric(ms.Metric)
	if !ok {
		return nil, fmt.Errorf("measure %q: %w", ms.Metric, ErrUnknownMetric)
	}
	q, err := GridQuery(m, ms.Filters, e.By, span)
	if err != nil {
		return nil, err
	}
	out := map[string]map[int]float64{}
	if span.Empty() {
		return out, nil
	}
	rows, err := r.db.Query(ctx, q.SQL, q.Args...)
	if err != nil {
		return nil, fmt.Errorf("query grid of %s by %s: %w", m.Name, e.By, err)
	}
	defer rows.Close()
	for rows.Next() {
		var g string
		var y uint16
		var v float64
		if err := rows.Scan(&g, &y, &v); err != nil {
			return nil, fmt.Errorf("scan grid of %s: %w", m.Name, err)
		}
		year := int(y)
		if e.Per != "year" {
			year = 0
		}
		if out[g] == nil {
			out[g] = map[int]float64{}
		}
		out[g][year] += v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read grid of %s: %w", m.Name, err)
	}
	return out, nil
}
