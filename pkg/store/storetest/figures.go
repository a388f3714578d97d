package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Figures are what an evaluator reads from the views. Map keys join the
// grouping values with spaces, e.g. "SE->DK 2019-03". Zero values are
// left out.
type Figures struct {
	// Events is the number of rows of events_current.
	Events uint64
	// People is the number of distinct people with a placement.
	People uint64
	// PeopleByDirection and PlacementsByDirection: commuters_by_direction.
	PeopleByDirection     map[string]uint64
	PlacementsByDirection map[string]uint64
	// PeopleByDirectionMonth and NewPeopleByDirectionMonth, keyed
	// "direction YYYY-MM": commuters_by_direction_month.
	PeopleByDirectionMonth    map[string]uint64
	NewPeopleByDirectionMonth map[string]uint64
	// OpenVacancies and OpenPositions, keyed "country isco_major":
	// vacancies_open_by_occupation_country summed over isco and sector.
	OpenVacancies map[string]uint64
	OpenPositions map[string]uint64
	// Completions and CompletionPeople, keyed "sector status year":
	// course_completions_by_sector_status.
	Completions      map[string]uint64
	CompletionPeople map[string]uint64
	// FairSignedUp and FairAttended, keyed by fair_id: fair_participation.
	FairSignedUp map[string]uint64
	FairAttended map[string]uint64
}

func newFigures() Figures {
	return Figures{
		PeopleByDirection: map[string]uint64{}, PlacementsByDirection: map[string]uint64{},
		PeopleByDirectionMonth: map[string]uint64{}, NewPeopleByDirectionMonth: map[string]uint64{},
		OpenVacancies: map[string]uint64{}, OpenPositions: map[string]uint64{},
		Completions: map[string]uint64{}, CompletionPeople: map[string]uint64{},
		FairSignedUp: map[string]uint64{}, FairAttended: map[string]uint64{},
	}
}

// truth accumulates the expected figures while a scenario is generated.
type truth struct {
	figures  Figures
	excluded uint64
	people   map[string]bool
	// by direction and person: the months they started placements in,
	// and their first start.
	dirPeople    map[string]map[string]bool
	monthPeople  map[string]map[string]bool
	firstStart   map[[2]string]time.Time
	courseGroups map[string]map[string]bool
}

func newTruth() *truth {
	return &truth{
		figures: newFigures(), people: map[string]bool{},
		dirPeople: map[string]map[string]bool{}, monthPeople: map[string]map[string]bool{},
		firstStart: map[[2]string]time.Time{}, courseGroups: map[string]map[string]bool{},
	}
}

func addTo(m map[string]map[string]bool, key, member string) {
	if m[key] == nil {
		m[key] = map[string]bool{}
	}
	m[key][member] = true
}

func (w *truth) placement(direction, pseudonym string, start time.Time) {
	w.people[pseudonym] = true
	w.figures.PlacementsByDirection[direction]++
	addTo(w.dirPeople, direction, pseudonym)
	addTo(w.monthPeople, direction+" "+start.Format("2006-01"), pseudonym)
	k := [2]string{direction, pseudonym}
	if first, ok := w.firstStart[k]; !ok || start.Before(first) {
		w.firstStart[k] = start
	}
}

func (w *truth) openVacancy(country, iscoMajor string, positions int) {
	w.figures.OpenVacancies[country+" "+iscoMajor]++
	w.figures.OpenPositions[country+" "+iscoMajor] += uint64(positions)
}

func (w *truth) fair(fairID string, signedUp, attended bool) {
	if signedUp {
		w.figures.FairSignedUp[fairID]++
	}
	if attended {
		w.figures.FairAttended[fairID]++
	}
}

func (w *truth) completion(sector, status string, year int, pseudonym string) {
	k := fmt.Sprintf("%s %s %d", sector, status, year)
	w.figures.Completions[k]++
	addTo(w.courseGroups, k, pseudonym)
}

func (w *truth) done() Figures {
	f := w.figures
	f.People = uint64(len(w.people))
	for k, v := range w.dirPeople {
		f.PeopleByDirection[k] = uint64(len(v))
	}
	for k, v := range w.monthPeople {
		f.PeopleByDirectionMonth[k] = uint64(len(v))
	}
	for k, first := range w.firstStart {
		f.NewPeopleByDirectionMonth[k[0]+" "+first.Format("2006-01")]++
	}
	for k, v := range w.courseGroups {
		f.CompletionPeople[k] = uint64(len(v))
	}
	return f
}

// ReadFigures reads the figures from the views of database db.
func ReadFigures(ctx context.Context, conn driver.Conn, db string) (Figures, error) {
	f := newFigures()
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".events_current").Scan(&f.Events); err != nil {
		return f, fmt.Errorf("read events_current: %w", err)
	}
	if err := conn.QueryRow(ctx, "SELECT uniqExact(pseudonym) FROM "+db+".placements_current").Scan(&f.People); err != nil {
		return f, fmt.Errorf("read placements_current: %w", err)
	}
	queries := []struct {
		sql  string
		into []map[string]uint64
	}{
		{"SELECT direction, people, placements FROM " + db + ".commuters_by_direction",
			[]map[string]uint64{f.PeopleByDirection, f.PlacementsByDirection}},
		{"SELECT concat(direction, ' ', formatDateTime(month, '%Y-%m')), people, new_people FROM " + db + ".commuters_by_direction_month",
			[]map[string]uint64{f.PeopleByDirectionMonth, f.NewPeopleByDirectionMonth}},
		{"SELECT concat(work_country, ' ', isco_major), toUInt64(sum(vacancies)), toUInt64(sum(positions)) FROM " + db + ".vacancies_open_by_occupation_country GROUP BY work_country, isco_major",
			[]map[string]uint64{f.OpenVacancies, f.OpenPositions}},
		{"SELECT concat(sector, ' ', status, ' ', toString(year)), completions, people FROM " + db + ".course_completions_by_sector_status",
			[]map[string]uint64{f.Completions, f.CompletionPeople}},
		{"SELECT fair_id, signed_up_people, attended_people FROM " + db + ".fair_participation",
			[]map[string]uint64{f.FairSignedUp, f.FairAttended}},
	}
	for _, q := range queries {
		if err := readInto(ctx, conn, q.sql, q.into); err != nil {
			return f, err
		}
	}
	return f, nil
}

func readInto(ctx context.Context, conn driver.Conn, sql string, into []map[string]uint64) error {
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return fmt.Errorf("query %q: %w", sql, err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		vals := make([]uint64, len(into))
		dest := []any{&key}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan %q: %w", sql, err)
		}
		for i, v := range vals {
			if v != 0 {
				into[i][key] += v
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %q: %w", sql, err)
	}
	return nil
}

// Diff lists the differences between want and got, at most max lines.
func Diff(want, got Figures, limit int) []string {
	var out []string
	add := func(s string) {
		if len(out) < limit {
			out = append(out, s)
		}
	}
	if want.Events != got.Events {
		add(fmt.Sprintf("Events: want %d, got %d", want.Events, got.Events))
	}
	if want.People != got.People {
		add(fmt.Sprintf("People: want %d, got %d", want.People, got.People))
	}
	for _, m := range []struct {
		name      string
		want, got map[string]uint64
	}{
		{"PeopleByDirection", want.PeopleByDirection, got.PeopleByDirection},
		{"PlacementsByDirection", want.PlacementsByDirection, got.PlacementsByDirection},
		{"PeopleByDirectionMonth", want.PeopleByDirectionMonth, got.PeopleByDirectionMonth},
		{"NewPeopleByDirectionMonth", want.NewPeopleByDirectionMonth, got.NewPeopleByDirectionMonth},
		{"OpenVacancies", want.OpenVacancies, got.OpenVacancies},
		{"OpenPositions", want.OpenPositions, got.OpenPositions},
		{"Completions", want.Completions, got.Completions},
		{"CompletionPeople", want.CompletionPeople, got.CompletionPeople},
		{"FairSignedUp", want.FairSignedUp, got.FairSignedUp},
		{"FairAttended", want.FairAttended, got.FairAttended},
	} {
		keys := slices.Sorted(maps.Keys(m.want))
		for k := range m.got {
			if _, ok := m.want[k]; !ok {
				keys = append(keys, k)
			}
		}
		for _, k := range keys {
			if m.want[k] != m.got[k] {
				add(fmt.Sprintf("%s[%s]: want %d, got %d", m.name, k, m.want[k], m.got[k]))
			}
		}
	}
	return out
}
