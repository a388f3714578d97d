package bus_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
)

// BenchmarkStreamMemory measures what an embedded nats-server costs the
// gateway's process in memory while a backlog of events (default
// 1,000,000; SUNDFLOW_MEM_EVENTS) is published into the events stream
// through [bus.Publisher], in batches as the gateway sends them. Each
// configuration runs in its own child process so each has its own peak
// RSS (VmHWM):
//
//   - before: the old default duplicate window of 24h;
//   - no dedup: the same messages without Nats-Msg-Id, the baseline of
//     what the store costs without JetStream's duplicate index;
//   - after: the new default window (10m);
//   - after with GOMEMLIMIT: the same, with the Go runtime's soft memory
//     limit set as README's operations section suggests.
//
// It prints each figure and its ratio to "before"; nothing is asserted.
// Run it with -benchtime 1x; at 1M events it takes about five minutes.
func BenchmarkStreamMemory(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("SUNDFLOW_MEM_EVENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1000 {
			b.Fatalf("SUNDFLOW_MEM_EVENTS %q: want a count of at least 1000", s)
		}
	}
	configs := []struct {
		name, window, memLimit string
		noIDs                  bool
	}{
		{name: "before (24h window)", window: "24h"},
		{name: "no dedup (no message ids)", window: "24h", noIDs: true},
		{name: "after (10m window)", window: "10m"},
		{name: "after (10m window, GOMEMLIMIT=256MiB)", window: "10m", memLimit: "256MiB"},
	}
	for range b.N {
		var before memFigures
		for i, c := range configs {
			f := runMemChild(b, n, c.window, c.noIDs, c.memLimit)
			if i == 0 {
				before = f
			}
			fmt.Printf("BENCH stream memory: %s: %d events in %s = %.0f events/s (%.2f x before); peak RSS %d MiB (%.2f x before); Go heap in use after GC %d MiB (%.2f x before)\n",
				c.name, n, f.took.Round(time.Millisecond), float64(n)/f.took.Seconds(), before.took.Seconds()/f.took.Seconds(),
				f.peakRSS>>20, float64(f.peakRSS)/float64(before.peakRSS), f.heap>>20, float64(f.heap)/float64(before.heap))
			b.ReportMetric(float64(f.peakRSS)/float64(before.peakRSS), fmt.Sprintf("rss_ratio_%d", i))
		}
	}
}

type memFigures struct {
	took          time.Duration
	peakRSS, heap uint64
}

// runMemChild runs TestStreamMemoryChild in a child process and reads
// the figures it prints.
func runMemChild(b *testing.B, n int, window string, noIDs bool, memLimit string) memFigures {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestStreamMemoryChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SUNDFLOW_MEM_CHILD="+strconv.Itoa(n)+","+window+","+strconv.FormatBool(noIDs))
	if memLimit != "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+memLimit)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child process: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var f memFigures
		var ns int64
		if _, err := fmt.Sscanf(sc.Text(), "MEMCHILD took_ns=%d peak_rss=%d heap=%d", &ns, &f.peakRSS, &f.heap); err == nil {
			f.took = time.Duration(ns)
			return f
		}
	}
	b.Fatalf("child process printed no figures:\n%s", out)
	return memFigures{}
}

// TestStreamMemoryChild is BenchmarkStreamMemory's child process; run
// on its own (SUNDFLOW_MEM_CHILD unset) it has nothing to do.
func TestStreamMemoryChild(t *testing.T) {
	spec := os.Getenv("SUNDFLOW_MEM_CHILD")
	if spec == "" {
		t.Skip("only run as BenchmarkStreamMemory's child process")
	}
	parts := strings.Split(spec, ",")
	n, _ := strconv.Atoi(parts[0])
	window, err := time.ParseDuration(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	noIDs := parts[2] == "true"

	ns, err := bus.StartServer(bus.ServerConfig{StoreDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	ctx := context.Background()
	nc, js, err := bus.Connect(ctx, bus.ConnConfig{URL: ns.ClientURL(), Name: "memory-bench", PublishTimeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{DuplicateWindow: window}); err != nil {
		t.Fatal(err)
	}
	p := bus.NewPublisher(nc, js, bus.EventsStream, 60*time.Second)
	// About the size of an encoded placement.started event; the message
	// ids are real ones (hex SHA-256 of source and id).
	data := []byte(`{"specversion":"1.0","data":"` + strings.Repeat("x", 720) + `"}`)
	const batch = 500
	msgs := make([]bus.Message, batch)
	began := time.Now()
	for start := 0; start < n; start += batch {
		msgs = msgs[:min(batch, n-start)]
		for j := range msgs {
			msgs[j] = bus.Message{Subject: event.PlacementStarted.Subject(), ContentType: "application/cloudevents+json", Data: data}
			if !noIDs {
				msgs[j].MsgID = event.MessageID("urn:sundflow:source:bench", "event-"+strconv.Itoa(start+j))
			}
		}
		if _, err := p.PublishAll(ctx, msgs); err != nil {
			t.Fatalf("publish events %d..: %v", start, err)
		}
	}
	took := time.Since(began)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("MEMCHILD took_ns=%d peak_rss=%d heap=%d\n", took.Nanoseconds(), peakRSS(t), ms.HeapInuse)
}

// peakRSS is this process's VmHWM in bytes.
func peakRSS(t *testing.T) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}
