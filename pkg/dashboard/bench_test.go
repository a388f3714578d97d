package dashboard_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/sundflow/sundflow/deploy/targets"
	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/dashboard"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/simulation"
	"github.com/sundflow/sundflow/pkg/store"
	"github.com/sundflow/sundflow/pkg/target"
	tt "github.com/sundflow/sundflow/pkg/target/targettest"
)

// BenchmarkDashboard measures the dashboard over a ClickHouse filled with
// SUNDFLOW_DASHBOARD_BENCH_EVENTS simulated Job på Tværs events (default
// 1,000,000; written straight through store.Writer, not through the
// pipeline): the time of a full refresh of the figures, and p50/p99 of
// SUNDFLOW_DASHBOARD_BENCH_REQUESTS sequential requests (default 20) to
// every page and API route. Baselines measured in the same run over the
// same table: `SELECT count() FROM events` and one deduplicating scan of
// the events table (`GROUP BY source, id`), the least any exact figure
// over every event costs. Figures are printed (lines starting with
// BENCH) and reported as ratios to the scan; nothing is asserted.
func BenchmarkDashboard(b *testing.B) {
	n := benchEnv(b, "SUNDFLOW_DASHBOARD_BENCH_EVENTS", 1_000_000)
	reqs := benchEnv(b, "SUNDFLOW_DASHBOARD_BENCH_REQUESTS", 20)
	ctx := context.Background()
	db := chservertest.DatabaseName(b)
	admin := chservertest.Conn(b, srv, "", "")
	tt.Migrate(ctx, b, admin, db)
	start := time.Now()
	stored := fill(ctx, b, admin, db, n)
	fmt.Printf("BENCH dashboard: machine %s; %d events written in %s\n", benchMachine(), stored, time.Since(start).Round(time.Second))

	evaluator := chservertest.Conn(b, srv, chserver.EvaluatorUser, db)
	count := timeQuery(ctx, b, evaluator, "SELECT count() FROM events", 5)
	scan := timeQuery(ctx, b, evaluator, "SELECT count() FROM (SELECT source, id FROM events GROUP BY source, id)", 5)
	fmt.Printf("BENCH dashboard baseline: SELECT count() p50 %s; deduplicating scan of events p50 %s\n", ms(count), ms(scan))

	cat, err := target.Load(targets.FS, targets.Label)
	if err != nil {
		b.Fatal(err)
	}
	reg := newRegistry()
	s, err := dashboard.New(dashboard.Options{Catalog: cat, DB: evaluator, Registerer: reg, Gatherer: reg,
		AsOf: time.Date(2020, 6, 30, 23, 59, 59, 0, time.UTC), Logger: quiet(), Refresh: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	var refresh []time.Duration
	base := liveHeap()
	var mem []refreshMem
	for range 3 {
		t0 := time.Now()
		m := measureRefresh(func() {
			if _, err := s.Refresh(ctx); err != nil {
				b.Fatal(err)
			}
		})
		refresh = append(refresh, time.Since(t0))
		mem = append(mem, m)
	}
	for i, m := range mem {
		fmt.Printf("BENCH dashboard refresh %d memory: peak heap in use %s, most found live by a GC during it %s, allocated %s, live heap after GC %s (%.2f× the live heap before the first)\n",
			i+1, mib(m.peak), mib(m.peakLive), mib(m.allocated), mib(m.live), float64(m.live)/float64(base))
	}
	fmt.Printf("BENCH dashboard memory: live heap before the first refresh %s; after the third %s; peak in use during the third %s = %.2f× its live heap after\n",
		mib(base), mib(mem[2].live), mib(mem[2].peak), float64(mem[2].peak)/float64(mem[2].live))
	b.ReportMetric(float64(mem[2].peak)/(1<<20), "refresh_peak_heap_MiB")
	b.ReportMetric(float64(mem[2].live)/(1<<20), "live_heap_MiB")
	if p := os.Getenv("SUNDFLOW_DASHBOARD_BENCH_HEAPPROFILE"); p != "" {
		writeHeapProfiles(b, p, mem[2])
	}
	slices.Sort(refresh)
	fmt.Printf("BENCH dashboard refresh: %s (min %s, max %s of 3) = %.1f× the scan\n", ms(refresh[1]), ms(refresh[0]), ms(refresh[2]), ratio(refresh[1], scan))
	b.ReportMetric(refresh[1].Seconds(), "refresh_s")
	b.ReportMetric(ratio(refresh[1], scan), "refresh/scan")

	// Where a refresh's time goes: the same reads, one by one.
	facts, err := target.NewReader(evaluator).Facts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range facts.Reads {
		fmt.Printf("BENCH dashboard refresh read %-28s %9d rows %10s = %.2f× the scan\n", r.From, r.Rows, ms(r.Took), ratio(r.Took, scan))
	}

	web := httptest.NewServer(s.Handler())
	defer web.Close()
	pf := "/api/projects/job-paa-tvaers"
	// The breakdown and its CSV go through every indicator and dimension
	// in turn, so no two requests in a row ask for the same figures.
	var splits []string
	for _, ind := range cat.Projects[0].Indicators {
		if m, ok := target.LookupMetric(ind.Measure.Metric); ok {
			for _, by := range m.Breakdowns {
				splits = append(splits, "indicator="+ind.ID+"&by="+by)
			}
		}
	}
	if cat.Projects[0].ID != "job-paa-tvaers" || len(splits) == 0 {
		b.Fatalf("the first project is %s with %d splits; the benchmark wants job-paa-tvaers", cat.Projects[0].ID, len(splits))
	}
	routes := []struct {
		name string
		path func(i int) string
	}{
		{"overview page", fixed("/")},
		{"project page", func(i int) string { return "/projects/job-paa-tvaers?" + splits[i%len(splits)] }},
		{"vacancies page", fixed("/vacancies")},
		{"balance page", fixed("/balance")},
		{"api projects", fixed("/api/projects")},
		{"api project", fixed(pf)},
		{"api indicator", fixed(pf + "/indicators/commuters-se-dk")},
		{"api each", fixed(pf + "/indicators/courses/each")},
		{"api breakdown", func(i int) string { return pf + "/breakdown?" + splits[i%len(splits)] }},
		{"api funnel", fixed(pf + "/funnel")},
		{"api vacancies", fixed("/api/vacancies")},
		{"api vacancies of a project", fixed("/api/vacancies?project=job-paa-tvaers")},
		{"api balance", fixed("/api/balance")},
		{"api freshness", fixed("/api/freshness")},
		{"api projects as of another day", func(i int) string { return "/api/projects?as_of=2019-" + fmt.Sprintf("%02d", 1+i%12) + "-28" }},
		{"csv indicators", fixed("/api/projects?format=csv")},
		{"csv breakdown", func(i int) string { return pf + "/breakdown?format=csv&" + splits[(i+7)%len(splits)] }},
		{"csv funnel", fixed(pf + "/funnel?format=csv")},
		{"csv vacancies", fixed("/api/vacancies?format=csv&table=time_to_fill_by_sector")},
		{"csv balance", fixed("/api/balance?format=csv")},
	}
	for _, r := range routes {
		var lat []time.Duration
		for i := range reqs {
			t0 := time.Now()
			resp, err := http.Get(web.URL + r.path(i))
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("%s: GET %s: status %d: %.300s", r.name, r.path(i), resp.StatusCode, body)
			}
			lat = append(lat, time.Since(t0))
		}
		p50, p99 := quantile(lat, 0.5), quantile(lat, 0.99)
		fmt.Printf("BENCH dashboard %-32s p50 %10s  p99 %10s  p50/scan %.4f  p99/scan %.4f\n", r.name, ms(p50), ms(p99), ratio(p50, scan), ratio(p99, scan))
		b.ReportMetric(ratio(p99, scan), strings.ReplaceAll(r.name, " ", "_")+"_p99/scan")
	}
}

// refreshMem is the Go heap around one refresh.
type refreshMem struct {
	peak      uint64 // most heap in use sampled during it (every ms, and at its end)
	peakLive  uint64 // most heap a GC during it found live
	allocated uint64 // bytes allocated by it (garbage included)
	live      uint64 // heap after a full GC once it is done, the facts held
	profile   []byte // heap profile as of the GC that found peakLive
}

// measureRefresh runs refresh and samples the heap in use while it runs
// (runtime/metrics "/memory/classes/heap/objects:bytes": live objects plus
// garbage not yet swept). The samples are taken every millisecond, so a
// peak shorter than that can be missed.
func measureRefresh(refresh func()) refreshMem {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/live:bytes"}}
	read := func() (inUse, allocs, live uint64) {
		metrics.Read(sample)
		return sample[0].Value.Uint64(), sample[1].Value.Uint64(), sample[2].Value.Uint64()
	}
	_, allocs0, live0 := read()
	done := make(chan struct{})
	peak := make(chan refreshMem)
	go func() {
		p := refreshMem{peakLive: live0}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			u, _, l := read()
			p.peak = max(p.peak, u)
			if l > p.peakLive {
				p.peakLive = l
				var buf bytes.Buffer
				if err := pprof.Lookup("heap").WriteTo(&buf, 0); err == nil {
					p.profile = buf.Bytes()
				}
			}
			select {
			case <-done:
				peak <- p
				return
			case <-tick.C:
			}
		}
	}()
	refresh()
	close(done)
	m := <-peak
	inUse, allocs, _ := read()
	m.peak = max(m.peak, inUse)
	m.allocated = allocs - allocs0
	m.live = liveHeap()
	return m
}

// liveHeap is the heap in use after a full GC.
func liveHeap() uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// writeHeapProfiles writes the heap profile now (the facts held, after a
// full GC) to path, and the one of the GC that found most live during the
// last refresh to path.peak.
func writeHeapProfiles(b *testing.B, path string, last refreshMem) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatalf("write heap profile: %v", err)
	}
	if err := os.WriteFile(path+".peak", last.profile, 0o644); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("BENCH dashboard heap profiles: facts held after the last refresh in %s, at its peak live heap in %s.peak\n", path, path)
}

func mib(n uint64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB" }

func fixed(p string) func(int) string { return func(int) string { return p } }

func benchEnv(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}

// fill writes n simulated events (seed 42, scaled to n) into db the way
// the projector does, in stream order, 50,000 per write; re-sends of an
// event get a later sequence, as in the stream. It returns how many it
// wrote.
func fill(ctx context.Context, b *testing.B, conn driver.Conn, db string, n int) int {
	b.Helper()
	cfg := simulation.Config{Seed: 42}
	scale, err := simulation.ScaleFor(cfg, n)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Scale = scale
	g, err := simulation.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	w := store.NewWriter(conn, db)
	batch := store.NewBatch()
	written := 0
	flush := func() {
		if batch.Len() == 0 {
			return
		}
		if err := w.Write(ctx, batch); err != nil {
			b.Fatalf("write %d events: %v", batch.Len(), err)
		}
		written += batch.Len()
		batch.Reset()
	}
	for i := range n {
		d, ok := g.Next()
		if !ok {
			break
		}
		meta := store.Meta{Subject: event.Type(d.Event.Type()).Subject(), Seq: uint64(i + 1), Received: d.SendAt}
		if err := batch.Add(d.Event, meta); err != nil {
			b.Fatalf("event %d: %v", i, err)
		}
		if batch.Len() == 50_000 {
			flush()
		}
	}
	flush()
	return written
}

// timeQuery runs sql times times and returns the median duration.
func timeQuery(ctx context.Context, b *testing.B, conn driver.Conn, sql string, times int) time.Duration {
	b.Helper()
	var ds []time.Duration
	for range times {
		t0 := time.Now()
		rows, err := conn.Query(ctx, sql)
		if err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
		rows.Close()
		ds = append(ds, time.Since(t0))
	}
	return quantile(ds, 0.5)
}

// quantile is the nearest-rank quantile q of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ratio(a, base time.Duration) float64 { return float64(a) / float64(base) }

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

func benchMachine() string {
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return fmt.Sprintf("%d CPUs, %s/%s, load average %s", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, load)
}
