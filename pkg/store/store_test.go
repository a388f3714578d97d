package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/store"
	"github.com/sundflow/sundflow/pkg/store/storetest"
)

var srv *chserver.Server

func TestMain(m *testing.M) { os.Exit(chservertest.Main(m, &srv)) }

func TestMigrationsParse(t *testing.T) {
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 2 {
		t.Fatalf("got %d migrations, want at least 2", len(ms))
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Errorf("migration %s has version %d, want %d (no gaps)", m.Name, m.Version, i+1)
		}
		stmts := m.Statements("somedb")
		if len(stmts) == 0 {
			t.Errorf("migration %s has no statements", m.Name)
		}
		for _, s := range stmts {
			if !strings.Contains(s, "IF NOT EXISTS") {
				t.Errorf("migration %s: statement is not idempotent (no IF NOT EXISTS): %.80s", m.Name, s)
			}
			if strings.Contains(s, "${db}") || strings.HasPrefix(s, "--") {
				t.Errorf("migration %s: statement not rendered: %.80s", m.Name, s)
			}
		}
	}
}

func TestValidDatabase(t *testing.T) {
	tests := []struct {
		db      string
		wantErr bool
	}{
		{"sundflow", false}, {"sundflow_replay", false}, {"_x1", false},
		{"", true}, {"1abc", true}, {"a-b", true}, {"a.b", true}, {"a;DROP", true}, {strings.Repeat("a", 64), true},
	}
	for _, tt := range tests {
		t.Run(tt.db, func(t *testing.T) {
			if err := store.ValidDatabase(tt.db); (err != nil) != tt.wantErr {
				t.Fatalf("ValidDatabase(%q) = %v, wantErr %v", tt.db, err, tt.wantErr)
			}
		})
	}
}

// objects returns the tables and views of db by engine kind.
func objects(t *testing.T, db string) (tables, views []string) {
	t.Helper()
	conn := chservertest.Conn(t, srv, "", "")
	rows, err := conn.Query(context.Background(), "SELECT name, engine FROM system.tables WHERE database = ? ORDER BY name", db)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, engine string
		if err := rows.Scan(&name, &engine); err != nil {
			t.Fatal(err)
		}
		if engine == "View" {
			views = append(views, name)
		} else {
			tables = append(tables, name)
		}
	}
	return tables, views
}

// Migrating from several processes at once and then again converges to
// one schema with one recorded row per migration.
func TestMigrateConcurrentlyAndTwice(t *testing.T) {
	ctx := context.Background()
	db := chservertest.DatabaseName(t)
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	const migrators = 4
	var wg sync.WaitGroup
	errs := make([]error, migrators)
	for i := range migrators {
		conn := chservertest.Conn(t, srv, "", "")
		wg.Go(func() { _, errs[i] = store.Migrate(ctx, conn, db) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrator %d: %v", i, err)
		}
	}
	conn := chservertest.Conn(t, srv, "", "")
	res, err := store.Migrate(ctx, conn, db)
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if len(res.Applied) != 0 {
		t.Errorf("second Migrate applied %d migrations, want 0", len(res.Applied))
	}
	if res.Version != ms[len(ms)-1].Version {
		t.Errorf("Version = %d, want %d", res.Version, ms[len(ms)-1].Version)
	}
	var recorded uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".schema_migrations FINAL").Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if recorded != uint64(len(ms)) {
		t.Errorf("schema_migrations holds %d versions, want %d", recorded, len(ms))
	}
	tables, views := objects(t, db)
	want := append(slices.Clone(store.Tables), store.MigrationsTable)
	slices.Sort(want)
	if !slices.Equal(tables, want) {
		t.Errorf("tables = %v, want %v", tables, want)
	}
	if len(views) < 10 {
		t.Errorf("views = %v, want the evaluator views", views)
	}
	// Every view answers on an empty database.
	for _, v := range views {
		if err := conn.Exec(ctx, "SELECT * FROM "+db+"."+v+" LIMIT 1"); err != nil {
			t.Errorf("view %s: %v", v, err)
		}
	}
}

func TestMigrateRefusesChangedMigration(t *testing.T) {
	ctx := context.Background()
	db := chservertest.DatabaseName(t)
	conn := chservertest.Conn(t, srv, "", "")
	if _, err := store.Migrate(ctx, conn, db); err != nil {
		t.Fatal(err)
	}
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".schema_migrations (version, name, checksum, applied, applied_by)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append(uint32(1), "0001_tables.sql", "edited", time.Now().Add(time.Hour), "test"); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Migrate(ctx, conn, db); !errors.Is(err, store.ErrMigrationChanged) {
		t.Fatalf("Migrate() = %v, want ErrMigrationChanged", err)
	}
}

func mustEvent(t *testing.T, typ event.Type, data any) ce.Event {
	t.Helper()
	e, err := event.New(typ, storetest.SourceSE, "x-1", time.Date(2019, 3, 4, 10, 0, 0, 0, time.UTC), data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestBatchAddRejectsWhatCannotBeStored(t *testing.T) {
	meta := store.Meta{Subject: "sundflow.events.x", Seq: 1, Received: time.Now()}
	placement := func(start string) event.PlacementStartedData {
		return event.PlacementStartedData{PlacementID: "p", Person: event.Person{Pseudonym: storetest.Pseudonym(1), Residence: event.Place{Country: "SE"}},
			Workplace: event.Place{Country: "DK"}, Employer: event.Employer{Country: "DK", Name: "x"}, Sector: "other",
			Occupation: event.Occupation{ISCO: "2221"}, Kind: "ordinary_job", StatusBefore: "other", Start: start}
	}
	tests := []struct {
		name    string
		e       ce.Event
		wantErr string
	}{
		{"ok", mustEvent(t, event.PlacementStarted, placement("2019-03-01")), ""},
		{"before 1970", mustEvent(t, event.PlacementStarted, placement("1969-12-31")), "data.start 1969-12-31 is outside"},
		{"after 2105", mustEvent(t, event.PlacementStarted, placement("2106-01-01")), "data.start 2106-01-01 is outside"},
		{"not a date", mustEvent(t, event.PlacementStarted, placement("2019-02-30")), "data.start \"2019-02-30\" is not a YYYY-MM-DD date"},
		{"bad data", mustEvent(t, event.PlacementStarted, map[string]any{"start": 5}), "decode data"},
		{"signup with both", mustEvent(t, event.FairSignup, event.FairSignupData{FairID: "f", Action: "attended", Date: "2019-01-01",
			Person: &event.Person{Pseudonym: storetest.Pseudonym(1)}, Employer: &event.Employer{Country: "DK", Name: "x"}}), "exactly one of person and employer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := store.NewBatch()
			err := b.Add(tt.e, meta)
			if tt.wantErr == "" {
				if err != nil || b.Len() != 1 {
					t.Fatalf("Add() = %v, Len %d; want nil, 1", err, b.Len())
				}
				return
			}
			if !errors.Is(err, store.ErrUnmappable) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Add() = %v, want ErrUnmappable containing %q", err, tt.wantErr)
			}
			if b.Len() != 0 {
				t.Fatalf("Len() = %d after a rejected event, want 0", b.Len())
			}
		})
	}
}

// The scenario's events are valid by the contract, so tests that publish
// them test the projector, not the validator.
func TestScenarioEventsAreValid(t *testing.T) {
	v, err := event.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	sc := storetest.NewScenario(1, 2000)
	types := map[event.Type]int{}
	for _, e := range sc.Events {
		if err := v.Validate(e); err != nil {
			t.Fatalf("event %s (%s): %v", e.ID(), e.Type(), err)
		}
		types[event.Type(e.Type())]++
	}
	for _, typ := range event.Types {
		if types[typ] == 0 {
			t.Errorf("scenario has no %s event", typ)
		}
	}
}

// write stores events through the Writer in batches of size n, with
// stream sequences starting at seq.
func write(t *testing.T, w *store.Writer, events []ce.Event, seq uint64, n int) {
	t.Helper()
	b := store.NewBatch()
	flush := func() {
		if err := w.Write(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		b.Reset()
	}
	for i, e := range events {
		if err := b.Add(e, store.Meta{Subject: event.Type(e.Type()).Subject(), Seq: seq + uint64(i), Received: time.Now()}); err != nil {
			t.Fatalf("add %s: %v", e.ID(), err)
		}
		if b.Len() == n {
			flush()
		}
	}
	flush()
}

func checkFigures(t *testing.T, db string, want storetest.Figures, when string) {
	t.Helper()
	got, err := storetest.ReadFigures(context.Background(), chservertest.Conn(t, srv, "", ""), db)
	if err != nil {
		t.Fatal(err)
	}
	if d := storetest.Diff(want, got, 20); len(d) > 0 {
		t.Fatalf("%s: figures differ:\n%s", when, strings.Join(d, "\n"))
	}
}

// The views give the figures known by construction, and the same ones
// when every event is stored again (as a consumer redelivery does, same
// sequence, and as a producer re-send does, new sequence), before and
// after ClickHouse merged the duplicates away.
func TestViewsExactUnderDuplicates(t *testing.T) {
	ctx := context.Background()
	db := chservertest.DatabaseName(t)
	conn := chservertest.Conn(t, srv, "", "")
	if _, err := store.Migrate(ctx, conn, db); err != nil {
		t.Fatal(err)
	}
	sc := storetest.NewScenario(7, 4000)
	if sc.Want.People == 0 || len(sc.Want.FairAttended) == 0 || len(sc.Want.OpenVacancies) == 0 {
		t.Fatalf("scenario too small to prove anything: %+v", sc.Want)
	}
	w := store.NewWriter(conn, db)
	write(t, w, sc.Events, 1, 500)
	checkFigures(t, db, sc.Want, "stored once")

	write(t, w, sc.Events, 1, 777)                         // redelivered: same sequences
	write(t, w, sc.Events, uint64(len(sc.Events))+1, 1000) // re-sent: new sequences
	var rows uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".events").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows <= uint64(len(sc.Events)) {
		t.Logf("ClickHouse merged duplicates already (%d rows)", rows)
	}
	checkFigures(t, db, sc.Want, "stored three times, unmerged")

	for _, table := range store.Tables {
		if err := conn.Exec(ctx, "OPTIMIZE TABLE "+db+"."+table+" FINAL"); err != nil {
			t.Fatal(err)
		}
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".events").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != uint64(len(sc.Events)) {
		t.Fatalf("events after OPTIMIZE FINAL: %d rows, want %d", rows, len(sc.Events))
	}
	checkFigures(t, db, sc.Want, "stored three times, merged")
}

// A retracted event stops counting whenever the retraction arrives, and
// counts again when the retraction is itself retracted.
func TestRetractionStopsCounting(t *testing.T) {
	ctx := context.Background()
	db := chservertest.DatabaseName(t)
	conn := chservertest.Conn(t, srv, "", "")
	if _, err := store.Migrate(ctx, conn, db); err != nil {
		t.Fatal(err)
	}
	w := store.NewWriter(conn, db)
	at := time.Date(2019, 5, 1, 10, 0, 0, 0, time.UTC)
	newEvent := func(typ event.Type, source, id string, data any) ce.Event {
		e, err := event.New(typ, source, id, at, data)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	start := func(id string, person int) ce.Event {
		return newEvent(event.PlacementStarted, storetest.SourceSE, id, event.PlacementStartedData{
			PlacementID: "p-" + id, Person: event.Person{Pseudonym: storetest.Pseudonym(person), Residence: event.Place{Country: "SE"}},
			Workplace: event.Place{Country: "DK"}, Employer: event.Employer{Country: "DK", Name: "x"}, Sector: "other",
			Occupation: event.Occupation{ISCO: "2221"}, Kind: "ordinary_job", StatusBefore: "other", Start: "2019-05-01"})
	}
	retract := func(source, id, target string) ce.Event {
		return newEvent(event.EventRetracted, source, id, event.EventRetractedData{RetractedSource: source, RetractedID: target, Reason: "test"})
	}
	people := func() uint64 {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT people FROM "+db+".commuters_by_direction WHERE direction = 'SE->DK'").Scan(&n); err != nil && !strings.Contains(err.Error(), "no rows") {
			t.Fatal(err)
		}
		return n
	}
	seq := uint64(0)
	steps := []struct {
		name   string
		events []ce.Event
		want   uint64
	}{
		{"retraction before the event", []ce.Event{retract(storetest.SourceSE, "r1", "a")}, 0},
		{"retracted event arrives", []ce.Event{start("a", 1)}, 0},
		{"two placements of one person", []ce.Event{start("b", 2), start("c", 2)}, 1},
		{"another source cannot retract", []ce.Event{retract(storetest.SourceDK, "r2", "b")}, 1},
		{"one of two retracted", []ce.Event{retract(storetest.SourceSE, "r3", "b")}, 1},
		{"both retracted", []ce.Event{retract(storetest.SourceSE, "r4", "c")}, 0},
		{"retraction retracted", []ce.Event{retract(storetest.SourceSE, "r5", "r4")}, 1},
		{"first retraction retracted", []ce.Event{retract(storetest.SourceSE, "r6", "r1")}, 2},
	}
	for _, st := range steps {
		write(t, w, st.events, seq+1, 100)
		seq += uint64(len(st.events))
		if got := people(); got != st.want {
			t.Fatalf("after %s: SE->DK people = %d, want %d", st.name, got, st.want)
		}
	}
}

// Late events land in the month of their own date, not of their arrival.
func TestLateEventLandsInItsMonth(t *testing.T) {
	ctx := context.Background()
	db := chservertest.DatabaseName(t)
	conn := chservertest.Conn(t, srv, "", "")
	if _, err := store.Migrate(ctx, conn, db); err != nil {
		t.Fatal(err)
	}
	w := store.NewWriter(conn, db)
	var events []ce.Event
	for i, start := range []string{"2019-03-10", "2019-04-02", "2018-11-30"} { // the last one is late
		e, err := event.New(event.PlacementStarted, storetest.SourceSE, fmt.Sprintf("late-%d", i), time.Date(2019, 4, 5, 0, 0, 0, 0, time.UTC), event.PlacementStartedData{
			PlacementID: fmt.Sprintf("p%d", i), Person: event.Person{Pseudonym: storetest.Pseudonym(i), Residence: event.Place{Country: "SE"}},
			Workplace: event.Place{Country: "DK"}, Employer: event.Employer{Country: "DK", Name: "x"}, Sector: "other",
			Occupation: event.Occupation{ISCO: "2221"}, Kind: "ordinary_job", StatusBefore: "other", Start: start})
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	write(t, w, events, 1, 10)
	rows, err := conn.Query(ctx, "SELECT formatDateTime(month, '%Y-%m'), people FROM "+db+".commuters_by_direction_month ORDER BY month")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var m string
		var n uint64
		if err := rows.Scan(&m, &n); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s:%d", m, n))
	}
	want := []string{"2018-11:1", "2019-03:1", "2019-04:1"}
	if !slices.Equal(got, want) {
		t.Fatalf("months = %v, want %v", got, want)
	}
}
