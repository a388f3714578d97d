package store

import (
	"strings"
	"time"

	"github.com/sundflow/sundflow/pkg/event"
)

// The data tables the migrations create, in the order the projector
// fills them; replay rebuilds and swaps exactly these. schema_migrations
// and the views are not data tables.
const (
	TableEvents             = "events"
	TableVacanciesPublished = "vacancies_published"
	TableVacanciesClosed    = "vacancies_closed"
	TableFairsScheduled     = "fairs_scheduled"
	TableFairSignups        = "fair_signups"
	TableCourseCompletions  = "course_completions"
	TablePlacementsStarted  = "placements_started"
	TablePlacementsEnded    = "placements_ended"
	TableRetractions        = "retractions"
)

// Tables lists the data tables.
var Tables = []string{
	TableEvents,
	TableVacanciesPublished, TableVacanciesClosed,
	TableFairsScheduled, TableFairSignups,
	TableCourseCompletions,
	TablePlacementsStarted, TablePlacementsEnded,
	TableRetractions,
}

// column buffers one column of a table being filled, as the typed slice
// clickhouse-go appends in one call (no per-value reflection).
type column interface {
	name() string
	values() any
	reset()
}

type col[T any] struct {
	n string
	v []T
}

func (c *col[T]) name() string { return c.n }
func (c *col[T]) values() any  { return c.v }
func (c *col[T]) add(x T)      { c.v = append(c.v, x) }
func (c *col[T]) reset() {
	clear(c.v) // drop references to strings and slices for the GC
	c.v = c.v[:0]
}

// table is the buffered rows of one table, column by column.
type table struct {
	name string
	cols []column
	rows int
}

func newCol[T any](t *table, name string) *col[T] {
	c := &col[T]{n: name}
	t.cols = append(t.cols, c)
	return c
}

func (t *table) insertSQL(db string) string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name()
	}
	return "INSERT INTO " + db + "." + t.name + " (" + strings.Join(names, ", ") + ")"
}

func (t *table) reset() {
	for _, c := range t.cols {
		c.reset()
	}
	t.rows = 0
}

// keyCols are the columns every typed table starts with.
type keyCols struct {
	source, id     *col[string]
	seq            *col[uint64]
	time, received *col[time.Time]
}

func newKeyCols(t *table) keyCols {
	return keyCols{
		source:   newCol[string](t, "source"),
		id:       newCol[string](t, "id"),
		seq:      newCol[uint64](t, "seq"),
		time:     newCol[time.Time](t, "time"),
		received: newCol[time.Time](t, "received"),
	}
}

func (k keyCols) add(r *rawRow) {
	k.source.add(r.source)
	k.id.add(r.id)
	k.seq.add(r.seq)
	k.time.add(r.time)
	k.received.add(r.received)
}

// TableOf is the typed table events of type t go to, "" for an unknown
// type. Every event also goes to [TableEvents].
func TableOf(t event.Type) string {
	switch t {
	case event.VacancyPublished:
		return TableVacanciesPublished
	case event.VacancyClosed:
		return TableVacanciesClosed
	case event.FairScheduled:
		return TableFairsScheduled
	case event.FairSignup:
		return TableFairSignups
	case event.CourseCompleted:
		return TableCourseCompletions
	case event.PlacementStarted:
		return TablePlacementsStarted
	case event.PlacementEnded:
		return TablePlacementsEnded
	case event.EventRetracted:
		return TableRetractions
	}
	return ""
}
