package projection_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/projection"
	"github.com/sundflow/sundflow/pkg/store"
	"github.com/sundflow/sundflow/pkg/store/storetest"
)

var shared *chserver.Server

func TestMain(m *testing.M) { os.Exit(chservertest.Main(m, &shared)) }

// env is one test's world: an in-process JetStream with the streams, a
// ClickHouse database migrated for it.
type env struct {
	t   *testing.T
	nc  *nats.Conn
	js  jetstream.JetStream
	srv *chserver.Server
	ch  driver.Conn
	db  string
	// attest is the key the projectors started by startProjector hold.
	attest attest.Key
}

func newEnv(t *testing.T, srv *chserver.Server) *env {
	t.Helper()
	ns, err := bus.StartServer(bus.ServerConfig{StoreDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{Memory: true}); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, nc: nc, js: js, srv: srv, db: chservertest.DatabaseName(t)}
	e.ch = e.open()
	if _, err := store.Migrate(ctx, e.ch, e.db); err != nil {
		t.Fatal(err)
	}
	return e
}

// open connects to the env's ClickHouse; the connection survives a
// server restart (the pool redials).
func (e *env) open() driver.Conn {
	e.t.Helper()
	conn, err := store.Open(context.Background(), store.ConnConfig{Addr: e.srv.Addr(), ReadTimeout: 20 * time.Second, DialTimeout: time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// publishOpts say how to publish events.
type publishOpts struct {
	binary bool       // binary content mode (ce- headers) instead of structured
	msgID  string     // prefix for Nats-Msg-Id; "" uses event.MessageID
	attest attest.Key // when on, attest each message as the gateway does
}

// publish stores events in the events stream and waits for every ack.
func (e *env) publish(events []ce.Event, o publishOpts) {
	e.t.Helper()
	var futures []jetstream.PubAckFuture
	for _, ev := range events {
		m := &nats.Msg{Subject: event.Type(ev.Type()).Subject(), Header: nats.Header{}}
		if o.binary {
			m.Header.Set("ce-specversion", ev.SpecVersion())
			m.Header.Set("ce-id", ev.ID())
			m.Header.Set("ce-source", ev.Source())
			m.Header.Set("ce-type", ev.Type())
			m.Header.Set("ce-time", ev.Time().Format(time.RFC3339Nano))
			m.Header.Set("ce-dataschema", ev.DataSchema())
			m.Header.Set("content-type", ev.DataContentType())
			m.Data = ev.Data()
		} else {
			b, err := event.Encode(ev)
			if err != nil {
				e.t.Fatal(err)
			}
			m.Header.Set("content-type", "application/cloudevents+json")
			m.Data = b
		}
		id := event.MessageID(ev.Source(), ev.ID())
		if o.msgID != "" {
			id = o.msgID + id
		}
		if o.attest.On() {
			m.Header.Set(attest.Header, o.attest.Sign(m.Subject, id, m.Data))
		}
		f, err := e.js.PublishMsgAsync(m, jetstream.WithMsgID(id))
		if err != nil {
			e.t.Fatal(err)
		}
		futures = append(futures, f)
	}
	e.waitAcks(futures)
}

func (e *env) publishRaw(subject string, h nats.Header, data []byte) {
	e.t.Helper()
	f, err := e.js.PublishMsgAsync(&nats.Msg{Subject: subject, Header: h, Data: data})
	if err != nil {
		e.t.Fatal(err)
	}
	e.waitAcks([]jetstream.PubAckFuture{f})
}

func (e *env) waitAcks(futures []jetstream.PubAckFuture) {
	e.t.Helper()
	select {
	case <-e.js.PublishAsyncComplete():
	case <-time.After(30 * time.Second):
		e.t.Fatal("publish acks not received in 30s")
	}
	for _, f := range futures {
		select {
		case err := <-f.Err():
			e.t.Fatalf("publish: %v", err)
		default:
		}
	}
}

// running is a projector running in the test's process.
type running struct {
	p    *projection.Projector
	reg  *prometheus.Registry
	stop func()
}

func (e *env) startProjector(cfg projection.Config) *running {
	e.t.Helper()
	v, err := event.NewValidator()
	if err != nil {
		e.t.Fatal(err)
	}
	if cfg.AckWait == 0 {
		cfg.AckWait = 10 * time.Second
	}
	if cfg.BatchWait == 0 {
		cfg.BatchWait = 100 * time.Millisecond
	}
	if cfg.LagInterval == 0 {
		cfg.LagInterval = 200 * time.Millisecond
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = time.Second
	}
	reg := prometheus.NewRegistry()
	p, err := projection.New(projection.Options{
		Config: cfg, Conn: e.nc, JetStream: e.js,
		Writer: store.NewWriter(e.open(), e.db), Validator: v, Attest: e.attest,
		Metrics: projection.NewMetrics(reg),
		Logger:  slog.New(slog.NewTextHandler(testWriter{e.t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = p.Run(ctx) })
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			if runErr != nil {
				e.t.Errorf("projector Run: %v", runErr)
			}
		})
	}
	e.t.Cleanup(stop)
	return &running{p: p, reg: reg, stop: stop}
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s (%s)", what, timeout, state)
		}
		<-tick.C
	}
}

// waitDrained waits until the consumer has nothing pending or unacked.
func (e *env) waitDrained(consumer string, timeout time.Duration) {
	e.t.Helper()
	waitFor(e.t, timeout, "consumer drained", func() (bool, string) {
		c, err := e.js.Consumer(context.Background(), bus.EventsStream, consumer)
		if err != nil {
			return false, err.Error()
		}
		info, err := c.Info(context.Background())
		if err != nil {
			return false, err.Error()
		}
		return info.NumPending == 0 && info.NumAckPending == 0,
			fmt.Sprintf("pending %d, ack pending %d, redelivered %d", info.NumPending, info.NumAckPending, info.NumRedelivered)
	})
}

func (e *env) figures() storetest.Figures {
	e.t.Helper()
	f, err := storetest.ReadFigures(context.Background(), e.ch, e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func (e *env) checkFigures(want storetest.Figures, when string) {
	e.t.Helper()
	if d := storetest.Diff(want, e.figures(), 15); len(d) > 0 {
		e.t.Fatalf("%s: figures differ from the ones known by construction:\n%s", when, strings.Join(d, "\n"))
	}
}

// metric reads one sample of a registry by name and label value ("" for
// none), summing over the other labels.
func metric(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, lp := range m.GetLabel() {
				if lp.GetValue() == label {
					match = true
				}
			}
			if !match {
				continue
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			case m.Histogram != nil:
				sum += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return sum
}

// histogramSum is the sum of a histogram's observations.
func histogramSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetHistogram().GetSampleSum()
			}
			return sum
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
