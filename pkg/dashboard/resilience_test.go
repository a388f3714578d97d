package dashboard_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sundflow/sundflow/deploy/targets"
	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/dashboard"
	"github.com/sundflow/sundflow/pkg/target"
	tt "github.com/sundflow/sundflow/pkg/target/targettest"
)

// With ClickHouse gone the dashboard keeps serving the last figures it
// read, says so on every page, counts the failures, and recovers by
// itself when ClickHouse is back.
func TestClickHouseDownAndBack(t *testing.T) {
	own := chservertest.Start(t)
	ctx := context.Background()
	db := chservertest.DatabaseName(t)
	admin := chservertest.Conn(t, own, "", "")
	tt.Migrate(ctx, t, admin, db)
	b := tt.New(t)
	b.Place(tt.Placement{ID: "p-1", Person: 1, From: "SE", FromMunicipality: "1283", To: "DK", ToMunicipality: "217", Sector: "service", ISCO: "5120", Start: "2019-03-01", Projects: []string{"job-paa-tvaers"}})
	tt.Store(ctx, t, admin, db, b.Events())

	cat, err := target.Load(targets.FS, targets.Label)
	if err != nil {
		t.Fatal(err)
	}
	reg := newRegistry()
	s, err := dashboard.New(dashboard.Options{Catalog: cat, DB: chservertest.Conn(t, own, chserver.EvaluatorUser, db), Registerer: reg, Gatherer: reg, AsOf: asOf, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, srv: s, web: serve(t, s), reg: reg}
	if v := indicator(t, decode[dashboard.ProjectsView](t, h.get("/api/projects")), "job-paa-tvaers", "commuters-se-dk"); v.Value != 1 {
		t.Fatalf("value before the outage = %g, want 1", v.Value)
	}

	if err := own.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Refresh(ctx); err != nil {
		t.Fatalf("refresh with ClickHouse down must keep the old figures, got %v", err)
	}
	v := decode[dashboard.ProjectsView](t, h.get("/api/projects"))
	if got := indicator(t, v, "job-paa-tvaers", "commuters-se-dk").Value; got != 1 {
		t.Errorf("value during the outage = %g, want the last one read, 1", got)
	}
	if !strings.Contains(v.Freshness.Warning, "could not be read from ClickHouse") {
		t.Errorf("freshness warning %q does not say ClickHouse could not be read", v.Freshness.Warning)
	}
	page, _ := io.ReadAll(h.get("/").Body)
	if !strings.Contains(string(page), `role="alert"`) {
		t.Error("the overview page shows no warning during the outage")
	}
	if n := counterValue(t, reg, "sundflow_dashboard_refresh_errors_total"); n != 1 {
		t.Errorf("refresh errors = %g, want 1", n)
	}
	// Another as-of day is measured from the facts last read, like every
	// other page: it answers, with the same warning.
	if v := decode[dashboard.ProjectsView](t, h.get("/api/projects?as_of=2019-06-30")); v.AsOf != "2019-06-30" ||
		indicator(t, v, "job-paa-tvaers", "commuters-se-dk").Value != 1 || !strings.Contains(v.Freshness.Warning, "could not be read from ClickHouse") {
		t.Errorf("as of 2019-06-30 during the outage: as_of %s, warning %q; want the last figures read (1) with the warning", v.AsOf, v.Freshness.Warning)
	}

	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := own.Restart(rctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, func() bool {
		_, err := s.Refresh(ctx)
		return err == nil && decode[dashboard.ProjectsView](t, h.get("/api/projects")).Freshness.Warning == ""
	})
}

// A projection nobody has fed for longer than StaleAfter is flagged.
func TestStaleWarning(t *testing.T) {
	sm := simulate(t)
	later := time.Now().Add(3 * time.Hour)
	h := start(t, sm.db, func(o *dashboard.Options) {
		o.StaleAfter = time.Hour
		o.Now = func() time.Time { return later }
	})
	v := decode[dashboard.ProjectsView](t, h.get("/api/projects"))
	if !v.Freshness.Stale || !strings.Contains(v.Freshness.Warning, "nothing new for 3 h") {
		t.Errorf("freshness = %+v, want stale with 'nothing new for 3 h'", v.Freshness)
	}
	h2 := start(t, sm.db, func(o *dashboard.Options) { o.Lag = func(context.Context) (uint64, error) { return 1234, nil } })
	v = decode[dashboard.ProjectsView](t, h2.get("/api/projects"))
	if v.Freshness.Lag == nil || *v.Freshness.Lag != 1234 || !strings.Contains(v.Freshness.Warning, "1,234 events behind") {
		t.Errorf("freshness = %+v, want the projector 1,234 events behind", v.Freshness)
	}
}
