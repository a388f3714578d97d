package faulttest

// BenchmarkEndToEnd is `make bench`'s run of the whole pipeline: the
// gateway (with its embedded JetStream), the projector and the dashboard
// as subprocesses over a real ClickHouse, fed the simulated sources. Per
// size (SUNDFLOW_BENCH_SIZES, default 100000,1000000; the BENCHMARKS.md
// run used 100000,1000000,3000000) it measures, in one run:
//
//   - raw baselines: async JetStream publish of the same events into an
//     in-process nats-server with the same stream declaration, and a plain
//     ClickHouse batch insert of the same events as rows;
//   - A, ingest: HTTP batch posts with the projector stopped, so the
//     stream ends with a backlog of the whole size;
//   - B, drain: the projector started on that backlog until ClickHouse and
//     the dashboard's API show every event; peak memory (VmHWM) of each
//     program;
//   - C, end to end: more events posted with everything running: events/s
//     from the first post until the dashboard's API shows them all, and per
//     batch the time from its post until the API's event count covers it;
//   - over the largest size, the latency of dashboard pages and API calls.
//
// The gateway and the projector share an attestation key
// (--attest-key-file, see attestKeyFile) as in `make run` and the
// deployments; the drain line says how many events the projector decoded
// as attested and how many with the full check.
//
// Figures are printed (lines starting with BENCH) and reported as metrics;
// nothing is asserted about them.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/simulation"
	"github.com/sundflow/sundflow/pkg/stack"
)

func benchSizes(b *testing.B) []int {
	s := os.Getenv("SUNDFLOW_BENCH_SIZES")
	if s == "" {
		s = "100000,1000000"
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1000 {
			b.Fatalf("SUNDFLOW_BENCH_SIZES %q: want comma-separated event counts of at least 1000", s)
		}
		out = append(out, n)
	}
	return out
}

func BenchmarkEndToEnd(b *testing.B) {
	sizes := benchSizes(b)
	fmt.Printf("BENCH machine: %s\n", machine())
	for _, n := range sizes {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			for range b.N {
				runEndToEnd(b, n, n == slices.Max(sizes))
			}
		})
	}
}

// machine describes this computer for BENCHMARKS.md.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown memory"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0]); len(f) >= 2 {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return fmt.Sprintf("%d CPUs (%s), %s, %s/%s, %s, load average at start %s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format(time.DateOnly), load)
}

// source streams simulated events in batches, generated as they are
// needed (3 million events are not held in memory at once).
type source struct {
	g *simulation.Generator
}

func newSource(b *testing.B, total int) *source {
	cfg := simulation.Config{Seed: 42}
	scale, err := simulation.ScaleFor(cfg, total)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Scale = scale
	g, err := simulation.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return &source{g: g}
}

// batches sends n events in batches of size on the returned channel.
func (s *source) batches(n, size int) <-chan []ce.Event {
	ch := make(chan []ce.Event, 8)
	go func() {
		defer close(ch)
		batch := make([]ce.Event, 0, size)
		for i := 0; i < n; i++ {
			d, ok := s.g.Next()
			if !ok {
				break
			}
			batch = append(batch, d.Event)
			if len(batch) == size {
				ch <- batch
				batch = make([]ce.Event, 0, size)
			}
		}
		if len(batch) > 0 {
			ch <- batch
		}
	}()
	return ch
}

// postStream posts every batch with workers in parallel; after each
// acknowledgement it calls acked with the batch's post start and how many
// of its events were stored (re-sends answered duplicate are not).
func postStream(ctx context.Context, p *poster, batches <-chan []ce.Event, workers int, acked func(start time.Time, n int)) error {
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range batches {
				start := time.Now()
				stored, err := p.post(ctx, batch)
				if err != nil {
					errs <- err
					for range batches {
					}
					return
				}
				if acked != nil {
					acked(start, stored)
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// memWatch samples programs' memory and keeps the highest VmHWM seen.
type memWatch struct {
	mu   sync.Mutex
	peak map[string]int64
	stop chan struct{}
	done chan struct{}
}

func watchMemory(procs ...*stack.Proc) *memWatch {
	w := &memWatch{peak: map[string]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			w.sample(procs)
			select {
			case <-w.stop:
				w.sample(procs)
				return
			case <-t.C:
			}
		}
	}()
	return w
}

func (w *memWatch) sample(procs []*stack.Proc) {
	for _, p := range procs {
		if m, err := p.Memory(); err == nil {
			w.mu.Lock()
			w.peak[p.Name()] = max(w.peak[p.Name()], m.Peak)
			w.mu.Unlock()
		}
	}
}

func (w *memWatch) Stop() map[string]int64 {
	close(w.stop)
	<-w.done
	return w.peak
}

// apiEvents reads the dashboard API's count of projected events.
func apiEvents(c *http.Client, dashURL string) (uint64, error) {
	resp, err := c.Get(dashURL + "/api/freshness")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var f struct {
		Events uint64 `json:"events"`
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("freshness: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&f); err != nil {
		return 0, fmt.Errorf("decode freshness: %w", err)
	}
	return f.Events, nil
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func rate(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }

func runEndToEnd(b *testing.B, n int, largest bool) {
	ctx := context.Background()
	logf, err := os.Create(filepath.Join(b.TempDir(), "programs.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logf.Close()
	out := stack.Synced(logf)
	k := min(max(n/5, 20000), 200000) // phase C
	base := min(n, 200000)            // baselines

	// Baselines, on the same events, before anything else runs.
	src := newSource(b, base)
	var baseEvents []ce.Event
	for batch := range src.batches(base, 1000) {
		baseEvents = append(baseEvents, batch...)
	}
	rawJS := rawJetStream(b, baseEvents)
	ch := startClickHouse(b)
	rawCH := rawClickHouse(b, ch.Addr(), baseEvents)
	baseEvents = nil

	natsPort, err := stack.FreePort()
	if err != nil {
		b.Fatal(err)
	}
	natsURL := "nats://127.0.0.1:" + strconv.Itoa(natsPort)
	gw, gwURL := startGateway(b, out, "--nats-port", strconv.Itoa(natsPort), "--nats-store", b.TempDir())
	src = newSource(b, n+k)

	// A: ingest with the projector stopped: the backlog grows to n.
	p := newPoster(gwURL, token)
	p.acked = nil
	mw := watchMemory(gw)
	t0 := time.Now()
	if err := postStream(ctx, p, src.batches(n, 1000), 4, nil); err != nil {
		b.Fatalf("phase A: %v (%s)", err, p)
	}
	ingest := time.Since(t0)
	stored := p.accepted
	gwPeakA := mw.Stop()["ingest"]
	ingestRate := rate(stored, ingest)
	fmt.Printf("BENCH size=%d raw: JetStream async publish %.0f events/s, ClickHouse batch insert %.0f rows/s (%d events each)\n", n, rawJS, rawCH, base)
	fmt.Printf("BENCH size=%d A ingest: %d stored (%d re-sends answered duplicate) in %s = %.0f events/s = %.2f x raw JetStream; gateway peak RSS %d MiB\n",
		n, stored, p.dups, ingest.Round(time.Millisecond), ingestRate, ingestRate/rawJS, gwPeakA>>20)

	// B: drain the backlog.
	dashAddr, err := stack.FreeAddr()
	if err != nil {
		b.Fatal(err)
	}
	t1 := time.Now()
	proj, projURL := startProjector(b, out, natsURL, ch.Addr())
	dash, err := stack.Start(ctx, stack.Spec{
		Name: "dashboard", Path: bins["dashboard"], Output: out,
		Args: []string{"--listen", dashAddr, "--clickhouse-addr", ch.Addr(), "--nats-url", natsURL,
			"--projector-consumer", stack.ProjectorConsumer, "--refresh", "5s", "--log-format", "text", "--log-level", "warn"},
		Ready: "http://" + dashAddr + "/healthz", ReadyTimeout: 2 * time.Minute,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer dash.Kill()
	dashURL := "http://" + dashAddr
	mw = watchMemory(gw, proj, dash)
	conn := chConn(b, ch.Addr())
	var drainedCH time.Duration
	hc := &http.Client{Timeout: 30 * time.Second}
	waitFor(b, 30*time.Minute, "the backlog in the dashboard's API", func() (bool, string) {
		if drainedCH == 0 {
			var c uint64
			if err := conn.QueryRow(ctx, "SELECT count() FROM sundflow.events").Scan(&c); err == nil && c >= uint64(stored) {
				drainedCH = time.Since(t1)
			}
		}
		got, err := apiEvents(hc, dashURL)
		return err == nil && got >= uint64(stored), fmt.Sprintf("%d of %d (%v)", got, stored, err)
	})
	drainedAPI := time.Since(t1)
	peaksB := mw.Stop()
	drainRate := rate(stored, drainedCH)
	checks, err := decodedByCheck(hc, projURL)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("BENCH size=%d B drain of a backlog of %d: in ClickHouse after %s = %.0f events/s = %.2f x raw ClickHouse insert; in the dashboard API after %s; peak RSS gateway %d MiB, projector %d MiB, dashboard %d MiB; projector decoded %.0f attested, %.0f with the full check\n",
		n, stored, drainedCH.Round(time.Millisecond), drainRate, drainRate/rawCH, drainedAPI.Round(time.Millisecond), peaksB["ingest"]>>20, peaksB["projector"]>>20, peaksB["dashboard"]>>20, checks["attested"], checks["full"])

	// C: end to end with everything running.
	mw = watchMemory(gw, proj, dash)
	var ackedSoFar atomic.Int64
	ackedSoFar.Store(int64(stored))
	type pending struct {
		start  time.Time
		target int64
	}
	var mu sync.Mutex
	var waitCH, waitAPI []pending
	var latCH, lat []time.Duration
	settle := func(waiting []pending, got uint64, now time.Time, lat *[]time.Duration) []pending {
		keep := waiting[:0]
		for _, w := range waiting {
			if int64(got) >= w.target {
				*lat = append(*lat, now.Sub(w.start))
			} else {
				keep = append(keep, w)
			}
		}
		return keep
	}
	stopPoll := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			var inCH uint64
			errCH := conn.QueryRow(ctx, "SELECT count() FROM sundflow.events").Scan(&inCH)
			nowCH := time.Now()
			inAPI, errAPI := apiEvents(hc, dashURL)
			nowAPI := time.Now()
			mu.Lock()
			if errCH == nil {
				waitCH = settle(waitCH, inCH, nowCH, &latCH)
			}
			if errAPI == nil {
				waitAPI = settle(waitAPI, inAPI, nowAPI, &lat)
			}
			left := len(waitCH) + len(waitAPI)
			mu.Unlock()
			select {
			case <-stopPoll:
				if left == 0 {
					return
				}
			default:
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	p2 := newPoster(gwURL, token)
	p2.acked = nil
	t2 := time.Now()
	if err := postStream(ctx, p2, src.batches(k, 1000), 4, func(start time.Time, m int) {
		target := ackedSoFar.Add(int64(m))
		mu.Lock()
		waitCH = append(waitCH, pending{start: start, target: target})
		waitAPI = append(waitAPI, pending{start: start, target: target})
		mu.Unlock()
	}); err != nil {
		b.Fatalf("phase C: %v (%s)", err, p2)
	}
	postedC := time.Since(t2)
	close(stopPoll)
	select {
	case <-polled:
	case <-time.After(10 * time.Minute):
		b.Fatal("phase C events never all visible in the dashboard's API")
	}
	e2e := time.Since(t2)
	peaksC := mw.Stop()
	kStored := p2.accepted

	e2eRate := rate(kStored, e2e)
	fmt.Printf("BENCH size=%d C end to end: %d events posted in %s, all in the dashboard API after %s = %.0f events/s sustained = %.2f x the slower raw baseline; post-to-ClickHouse latency p50 %s p99 %s, post-to-API latency p50 %s p99 %s over %d batches (the API recomputes every 5s); peak RSS gateway %d MiB, projector %d MiB, dashboard %d MiB\n",
		n, kStored, postedC.Round(time.Millisecond), e2e.Round(time.Millisecond), e2eRate, e2eRate/min(rawJS, rawCH),
		percentile(latCH, 0.5).Round(time.Millisecond), percentile(latCH, 0.99).Round(time.Millisecond),
		percentile(lat, 0.5).Round(time.Millisecond), percentile(lat, 0.99).Round(time.Millisecond), len(lat), peaksC["ingest"]>>20, peaksC["projector"]>>20, peaksC["dashboard"]>>20)
	// Dashboard pages and API over the largest size.
	if largest {
		fmt.Printf("BENCH size=%d dashboard over %d events: %s\n", n, stored+kStored, dashboardLatency(b, dashURL))
	}
	b.ReportMetric(rawJS, "raw_js_events/s")
	b.ReportMetric(rawCH, "raw_ch_rows/s")
	b.ReportMetric(ingestRate, "ingest_events/s")
	b.ReportMetric(ingestRate/rawJS, "ingest/raw_js")
	b.ReportMetric(drainRate, "drain_events/s")
	b.ReportMetric(drainRate/rawCH, "drain/raw_ch")
	b.ReportMetric(e2eRate, "e2e_events/s")
	b.ReportMetric(float64(percentile(latCH, 0.5).Milliseconds()), "post_to_ch_p50_ms")
	b.ReportMetric(float64(percentile(latCH, 0.99).Milliseconds()), "post_to_ch_p99_ms")
	b.ReportMetric(float64(percentile(lat, 0.5).Milliseconds()), "e2e_p50_ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Milliseconds()), "e2e_p99_ms")
	b.ReportMetric(float64(peaksB["projector"]>>20), "projector_peak_MiB")
	b.ReportMetric(float64(max(gwPeakA, peaksB["ingest"])>>20), "gateway_peak_MiB")
	b.ReportMetric(float64(max(peaksB["dashboard"], peaksC["dashboard"])>>20), "dashboard_peak_MiB")
}

// rawJetStream publishes the events, encoded as the gateway stores them,
// asynchronously with message ids into an in-process nats-server with the
// same stream declaration, and returns events/s.
func rawJetStream(b *testing.B, events []ce.Event) float64 {
	ns, err := bus.StartServer(bus.ServerConfig{StoreDir: b.TempDir(), Port: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	nc, js, err := bus.Connect(ctx, bus.ConnConfig{URL: ns.ClientURL(), Name: "bench-raw"})
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{}); err != nil {
		b.Fatal(err)
	}
	msgs := make([]*nats.Msg, len(events))
	ids := make([]string, len(events))
	for i, e := range events {
		data, err := event.Encode(e)
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = &nats.Msg{Subject: event.Type(e.Type()).Subject(), Data: data,
			Header: nats.Header{"content-type": {"application/cloudevents+json"}}}
		ids[i] = event.MessageID(e.Source(), e.ID())
	}
	start := time.Now()
	for i, m := range msgs {
		if _, err := js.PublishMsgAsync(m, jetstream.WithMsgID(ids[i]), jetstream.WithStallWait(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		b.Fatal("raw publish: acks did not all come")
	}
	return rate(len(events), time.Since(start))
}

// rawClickHouse inserts the events as plain rows (source, id, type, time,
// data) in batches of 50,000 into a MergeTree table, and returns rows/s.
func rawClickHouse(b *testing.B, addr string, events []ce.Event) float64 {
	ctx := context.Background()
	conn := chConn(b, addr)
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS benchraw",
		"CREATE TABLE IF NOT EXISTS benchraw.events (source String, id String, type String, time DateTime('UTC'), data String) ENGINE = MergeTree PARTITION BY tuple() ORDER BY (source, id)",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	for i := 0; i < len(events); i += 50000 {
		batch, err := conn.PrepareBatch(ctx, "INSERT INTO benchraw.events (source, id, type, time, data)")
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range events[i:min(i+50000, len(events))] {
			if err := batch.Append(e.Source(), e.ID(), e.Type(), e.Time().UTC(), string(e.Data())); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Send(); err != nil {
			b.Fatal(err)
		}
	}
	return rate(len(events), time.Since(start))
}

// dashboardLatency times pages and API calls, 5 each, one after another;
// a request that takes over two minutes is reported as such.
func dashboardLatency(b *testing.B, base string) string {
	c := &http.Client{Timeout: 2 * time.Minute}
	var parts []string
	for _, path := range []string{"/api/freshness", "/api/projects", "/api/projects/job-paa-tvaers", "/", "/projects/job-paa-tvaers", "/vacancies", "/api/projects/job-paa-tvaers/funnel"} {
		var d []time.Duration
		failed := ""
		for range 5 {
			start := time.Now()
			resp, err := c.Get(base + path)
			if err != nil {
				failed = fmt.Sprintf(" (a request failed after %s: %v)", time.Since(start).Round(time.Millisecond), err)
				break
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed = fmt.Sprintf(" (answered %s)", resp.Status)
				break
			}
			d = append(d, time.Since(start))
		}
		parts = append(parts, fmt.Sprintf("%s p50 %s max %s over %d%s", path, percentile(d, 0.5).Round(100*time.Microsecond), percentile(d, 1).Round(100*time.Microsecond), len(d), failed))
	}
	return strings.Join(parts, "; ")
}
