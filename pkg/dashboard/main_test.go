package dashboard_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sundflow/sundflow/deploy/targets"
	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/dashboard"
	"github.com/sundflow/sundflow/pkg/simulation"
	"github.com/sundflow/sundflow/pkg/target"
	tt "github.com/sundflow/sundflow/pkg/target/targettest"
)

var srv *chserver.Server

func TestMain(m *testing.M) { os.Exit(chservertest.Main(m, &srv)) }

// The simulated Job på Tværs runs from 2018 to 2020; the dashboard looks
// at it in the middle, on 15 October 2019, when a manager still wants to
// know whether 200 will be reached.
var (
	asOf   = time.Date(2019, 10, 15, 23, 59, 59, 0, time.UTC)
	cutoff = time.Date(2019, 10, 15, 20, 0, 0, 0, time.UTC) // every delivery sent by then, dated by 15 October in Copenhagen too
	seed   = uint64(7)
)

// sim is a stored simulation and what it amounts to.
type sim struct {
	truth simulation.Truth
	db    string
}

// simulate stores the deliveries the simulated sources sent by cutoff in
// a fresh database, through the projector's path, and returns the ground
// truth of exactly those deliveries.
func simulate(t *testing.T) sim {
	t.Helper()
	cfg := simulation.Config{Seed: seed}
	all, _, err := simulation.Generate(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for n < len(all) && !all[n].SendAt.After(cutoff) {
		n++
	}
	deliveries, truth, err := simulation.Generate(cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	db := chservertest.DatabaseName(t)
	ctx := context.Background()
	admin := chservertest.Conn(t, srv, "", "")
	tt.Migrate(ctx, t, admin, db)
	events := make([]ce.Event, 0, len(deliveries))
	for _, d := range deliveries {
		events = append(events, d.Event)
	}
	tt.Store(ctx, t, admin, db, events)
	return sim{truth: truth, db: db}
}

// harness is a running dashboard over a database.
type harness struct {
	t   *testing.T
	srv *dashboard.Server
	web *httptest.Server
	reg *prometheus.Registry
}

func start(t *testing.T, db string, mutate ...func(*dashboard.Options)) *harness {
	t.Helper()
	cat, err := target.Load(targets.FS, targets.Label)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	opts := dashboard.Options{
		Catalog: cat, DB: chservertest.Conn(t, srv, chserver.EvaluatorUser, db),
		Registerer: reg, Gatherer: reg, AsOf: asOf,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, m := range mutate {
		m(&opts)
	}
	s, err := dashboard.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Refresh(context.Background()); err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	web := httptest.NewServer(s.Handler())
	t.Cleanup(web.Close)
	return &harness{t: t, srv: s, web: web, reg: reg}
}

func (h *harness) get(path string, header ...string) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.web.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func newRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func serve(t *testing.T, s *dashboard.Server) *httptest.Server {
	t.Helper()
	web := httptest.NewServer(s.Handler())
	t.Cleanup(web.Close)
	return web
}

// counterValue reads a registered counter without labels.
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no counter %s", name)
	return 0
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
