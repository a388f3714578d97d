package delivery_test

// End to end: the producers' client against the real ingest gateway
// (pkg/gateway) in front of a real nats-server with JetStream in a temp
// dir. Nothing here is a double.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sundflow/sundflow/pkg/auth"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/csvimport"
	"github.com/sundflow/sundflow/pkg/delivery"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/gateway"
	"github.com/sundflow/sundflow/pkg/jobtech"
	"github.com/sundflow/sundflow/pkg/simulation"
)

const (
	tokenAll       = "e2e-token-producers-0123456789abcdef"
	tokenHelsingor = "e2e-token-helsingor-0123456789abcdef"
)

type gatewayEnv struct {
	url      string
	ns       *server.Server
	storeDir string
	port     int
	js       jetstream.JetStream
}

func startGateway(t *testing.T) *gatewayEnv {
	t.Helper()
	e := &gatewayEnv{storeDir: t.TempDir(), port: -1}
	e.start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, js, err := bus.Connect(ctx, bus.ConnConfig{URL: e.ns.ClientURL(), Name: "delivery-e2e",
		PublishTimeout: time.Second, ReconnectWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	e.js = js
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{DuplicateWindow: time.Hour}); err != nil {
		t.Fatalf("ensure streams: %v", err)
	}
	tokens := filepath.Join(t.TempDir(), "tokens.yaml")
	body := fmt.Sprintf(`tokens:
  - name: producers
    token_sha256: %s
    source_prefixes: ["/sim/", "/dk/", "/se/"]
    types: ["*"]
  - name: helsingor-fairs
    token_sha256: %s
    source_prefixes: ["/dk/helsingor/"]
    types: [%s]
`, auth.HashToken(tokenAll), auth.HashToken(tokenHelsingor), event.FairSignup)
	if err := os.WriteFile(tokens, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	keys, err := auth.Load(tokens, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := event.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(gateway.Options{
		Validator:  v,
		Keyring:    keys,
		Publisher:  bus.NewPublisher(nc, js, bus.EventsStream, time.Second),
		Ready:      func(ctx context.Context) error { return bus.CheckReady(ctx, nc, js) },
		RetryAfter: time.Second,
		Registerer: reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

func (e *gatewayEnv) start(t *testing.T) {
	t.Helper()
	ns, err := bus.StartServer(bus.ServerConfig{StoreDir: e.storeDir, Port: e.port})
	if err != nil {
		t.Fatalf("start nats-server: %v", err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	e.ns = ns
	e.port = ns.Addr().(*net.TCPAddr).Port
}

func (e *gatewayEnv) stop() {
	e.ns.Shutdown()
	e.ns.WaitForShutdown()
}

// stored is the number of messages in the events stream.
func (e *gatewayEnv) stored(t *testing.T) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return int(info.State.Msgs)
}

func client(t *testing.T, url, token string, o delivery.Options) *delivery.Client {
	t.Helper()
	c, err := delivery.NewClient(url, token, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitFor polls cond until it holds or 20s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The simulation through the real gateway: every event valid, every
// re-send answered duplicate, the stream holding each distinct event
// once; the ground truth and the gateway agree.
func TestSimulationThroughGateway(t *testing.T) {
	e := startGateway(t)
	g, err := simulation.New(simulation.Config{Seed: 42, Scale: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, e.url, tokenAll, delivery.Options{BatchSize: 250})
	st, err := simulation.Run(context.Background(), g, c, simulation.RunOptions{BatchSize: 250})
	if err != nil {
		t.Fatal(err)
	}
	tr := st.Truth
	if st.Rejected != 0 || st.Accepted != tr.Events || st.Duplicates != tr.Duplicates || st.Sent != tr.Deliveries {
		t.Errorf("gateway: %d accepted, %d duplicates, %d rejected of %d sent; truth: %d events, %d re-sends",
			st.Accepted, st.Duplicates, st.Rejected, st.Sent, tr.Events, tr.Duplicates)
	}
	if n := e.stored(t); n != tr.Events {
		t.Errorf("stream holds %d events, truth says %d distinct", n, tr.Events)
	}
	// Sending the same seed again stores nothing new.
	g2, _ := simulation.New(simulation.Config{Seed: 42, Scale: 0.5})
	st2, err := simulation.Run(context.Background(), g2, c, simulation.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st2.Accepted != 0 || st2.Duplicates != st2.Sent || e.stored(t) != tr.Events {
		t.Errorf("second run: %+v, stream %d", st2, e.stored(t))
	}
}

func TestCSVImportThroughGateway(t *testing.T) {
	e := startGateway(t)
	m, err := csvimport.LoadMapping("../csvimport/testdata/helsingor-fair-signups.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := event.NewValidator()
	im, err := csvimport.NewImporter(m, v, csvimport.Options{Getenv: func(string) string { return "e2e-pseudonym-key-0123456789abcdef" }})
	if err != nil {
		t.Fatal(err)
	}
	list, err := os.ReadFile("../csvimport/testdata/helsingor-fair-signups.csv")
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, e.url, tokenHelsingor, delivery.Options{})
	first, err := im.Run(context.Background(), bytes.NewReader(list), c)
	if err != nil {
		t.Fatal(err)
	}
	second, err := im.Run(context.Background(), bytes.NewReader(list), c)
	if err != nil {
		t.Fatal(err)
	}
	if first.Accepted != 8 || second.Accepted != 0 || second.Duplicates != 8 || e.stored(t) != 8 {
		t.Errorf("first %+v, second %+v, stream %d", first, second, e.stored(t))
	}
	// The Helsingør token may not send course completions of a Swedish school.
	m2, err := csvimport.LoadMapping("../csvimport/testdata/course-completions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	im2, _ := csvimport.NewImporter(m2, v, csvimport.Options{})
	courses, _ := os.ReadFile("../csvimport/testdata/course-completions.csv")
	_, err = im2.Run(context.Background(), bytes.NewReader(courses), c)
	var se *delivery.StatusError
	if !errors.Is(err, delivery.ErrRefused) || !errors.As(err, &se) || se.Code != 403 {
		t.Errorf("err = %v, want a 403 refusal", err)
	}
}

func TestJobTechThroughGateway(t *testing.T) {
	e := startGateway(t)
	c := client(t, e.url, tokenAll, delivery.Options{})
	v, _ := event.NewValidator()
	for i, want := range []struct{ accepted, duplicates int }{{1, 0}, {0, 1}} {
		f, err := os.Open("/work/shared/testdata/jobtech/stream-sample.json")
		if err != nil {
			t.Fatal(err)
		}
		st, err := (&jobtech.Reader{Converter: &jobtech.Converter{}, Validator: v}).Run(context.Background(), f, c)
		f.Close()
		if err != nil || st.Accepted != want.accepted || st.Duplicates != want.duplicates {
			t.Errorf("run %d: %v, err %v", i+1, st, err)
		}
	}
	if e.stored(t) != 1 {
		t.Errorf("stream holds %d", e.stored(t))
	}
}

func TestClientAgainstGatewayFailures(t *testing.T) {
	e := startGateway(t)
	ds, _, err := simulation.Generate(simulation.Config{Seed: 9, Scale: 0.1}, 40)
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]ce.Event, 0, len(ds))
	for _, d := range ds {
		if !d.Duplicate {
			batch = append(batch, d.Event)
		}
	}

	t.Run("unknown token", func(t *testing.T) {
		_, err := client(t, e.url, "not-a-token", delivery.Options{}).PostBatch(context.Background(), batch)
		var se *delivery.StatusError
		if !errors.Is(err, delivery.ErrRefused) || !errors.As(err, &se) || se.Code != 401 {
			t.Errorf("err = %v, want 401", err)
		}
	})

	t.Run("JetStream down: 503, retried until it is back", func(t *testing.T) {
		e.stop()
		// Give up quickly first: the answer is 503 with Retry-After.
		quick := client(t, e.url, tokenAll, delivery.Options{MaxAttempts: 2, MaxDelay: 20 * time.Millisecond})
		_, err := quick.PostBatch(context.Background(), batch)
		var se *delivery.StatusError
		if !errors.Is(err, delivery.ErrUnavailable) || !errors.As(err, &se) || se.Code != 503 {
			t.Fatalf("err = %v, want 503 unavailable", err)
		}
		// A patient client keeps trying while the server comes back.
		reg := prometheus.NewRegistry()
		patient := client(t, e.url, tokenAll, delivery.Options{MaxAttempts: -1, BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond, Registerer: reg})
		done := make(chan error, 1)
		var res delivery.Result
		go func() {
			var err error
			res, err = patient.PostBatch(context.Background(), batch)
			done <- err
		}()
		waitFor(t, "a retry", func() bool { return counter(t, reg, "sundflow_delivery_retries_total") > 0 })
		e.start(t)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if res.Accepted+res.Duplicates != len(batch) || res.Rejected != 0 {
			t.Errorf("after restart: %+v", res)
		}
		if n := e.stored(t); n != len(batch) {
			t.Errorf("stream holds %d, want %d", n, len(batch))
		}
	})
}

// counter reads a counter from a registry.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			sum := 0.0
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			return sum
		}
	}
	return 0
}
