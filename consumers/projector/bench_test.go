package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/projection"
	"github.com/sundflow/sundflow/pkg/store"
	"github.com/sundflow/sundflow/pkg/store/storetest"
)

// BenchmarkDrain measures, in one run on one machine:
//
//	(a) a plain JetStream consume of the pre-filled events stream (fetch
//	    and ack, no decoding), the bus's ceiling;
//	(b) a plain ClickHouse batch insert of the same events as rows of the
//	    raw table (columns prepared beforehand), the store's ceiling;
//	(b2) a plain insert of every row the projector writes for them (raw
//	    and typed tables, through the store's writer, merges included);
//	(v) validation alone of the same payloads on every core (the
//	    contract check the projector runs on each message);
//	(c) the projector binary draining the same backlog into ClickHouse
//	    (decode, map, insert raw and typed tables, ack), the events
//	    attested as the gateway stores them (--attest-key-file), so
//	    they are not checked a second time;
//	(f) the same drain with every event checked in full, as for events
//	    a source system published straight to NATS;
//
// and reports c's and f's rates against each, the CPU a and b2 take per
// event (so the most a projector costing nothing could reach on these
// cores), and the projector process's peak RSS and Go heap with a backlog
// of 100k and of 300k events (memory must not grow with the backlog). The
// figures of every 300k drain are checked against the ones known by
// construction.
//
// make bench runs it once (-benchtime 1x); BENCH_ROUNDS=3 measures a, b,
// b2, c and f three times and reports the round with the median c/min(a,b)
// in full; BENCH_EVENTS changes the size,
// BENCH_PROJECTOR_ARGS adds flags to the projector (e.g. --batch-size
// 20000), BENCH_PROJECTOR_ENV variables to its environment alone (e.g.
// GOGC=200), BENCH_LOG_LEVEL=debug shows where each batch's time went, and
// BENCH_PROFILE_DIR=dir saves the projector's CPU profile of the first
// 5 s of each drain and its heap profile at the peak heap there.
func BenchmarkDrain(b *testing.B) {
	total := 300_000
	if s := os.Getenv("BENCH_EVENTS"); s != "" {
		total, _ = strconv.Atoi(s)
	}
	small := total / 3
	for range b.N {
		benchDrain(b, small, total)
	}
}

func benchDrain(b *testing.B, small, total int) {
	ctx := context.Background()
	ns, err := bus.StartServer(bus.ServerConfig{StoreDir: b.TempDir(), Port: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{}); err != nil {
		b.Fatal(err)
	}

	genStart := time.Now()
	sc := storetest.NewScenario(42, total)
	payloads := make([][]byte, len(sc.Events))
	for i, e := range sc.Events {
		if payloads[i], err = event.Encode(e); err != nil {
			b.Fatal(err)
		}
	}
	n := len(sc.Events)
	small = min(small, n)
	fmt.Printf("drain benchmark: %d events generated in %s (%d for the small backlog)\n", n, time.Since(genStart).Round(time.Millisecond), small)

	keyFile := filepath.Join(b.TempDir(), "attest.key")
	key, err := attest.EnsureKeyFile(keyFile)
	if err != nil {
		b.Fatal(err)
	}
	pubStart := time.Now()
	publish(b, js, key, sc.Events[:small], payloads[:small])
	smallRun := drainProjector(b, ns.ClientURL(), "bench_small", "bench-small", small, "--attest-key-file", keyFile)

	publish(b, js, key, sc.Events[small:], payloads[small:])
	pubRate := float64(n) / time.Since(pubStart).Seconds() // includes the small drain: informative only

	validateRate := validateOnly(b, payloads)
	rounds := make([]benchRound, benchRounds())
	for i := range rounds {
		rounds[i] = measureRound(b, js, ns.ClientURL(), keyFile, sc, i+1)
		if len(rounds) > 1 {
			r := rounds[i]
			fmt.Printf("  round %d: (a) %.0f, (b) %.0f, (b2) %.0f, (c) %.0f, (f) %.0f events/s; c/min(a,b) %.3f, f/min(a,b) %.3f, zero-cost ceiling %.2f\n",
				i+1, r.consume, r.insert, r.all.rate, r.big.rate, r.full.rate, r.ratio(), r.full.rate/r.slower(), r.ceiling()/r.slower())
		}
	}
	// The round with the median c/min(a,b) is reported in full.
	sorted := slices.Clone(rounds)
	slices.SortFunc(sorted, func(x, y benchRound) int { return cmp.Compare(x.ratio(), y.ratio()) })
	med := sorted[len(sorted)/2]
	if len(rounds) > 1 {
		fmt.Printf("  over %d rounds c/min(a,b) ran from %.3f to %.3f; the median round (%d) in full:\n", len(rounds), sorted[0].ratio(), sorted[len(sorted)-1].ratio(), med.n)
	}
	consumeRate, insertRate, allRows, bigRun, fullRun := med.consume, med.insert, med.all, med.big, med.full

	c, f := bigRun.rate, fullRun.rate
	slower := med.slower()
	fmt.Printf("  (a) plain JetStream consume (fetch+ack)   %9.0f events/s\n", consumeRate)
	fmt.Printf("  (b) plain ClickHouse insert, raw table    %9.0f rows/s\n", insertRate)
	fmt.Printf("  (b2) plain ClickHouse insert of every row the projector writes (raw and typed tables, %d inserts)\n", allRows.inserts)
	fmt.Printf("                                            %9.0f events/s (%.0f rows/s)\n", allRows.rate, allRows.rate*float64(allRows.rows)/float64(n))
	fmt.Printf("  (v) validation alone, %d cores             %9.0f events/s\n", runtime.GOMAXPROCS(0), validateRate)
	fmt.Printf("  (c) projector drain, %6d backlog        %9.0f events/s  peak RSS %5.1f MiB, peak Go heap %5.1f MiB (attested)\n", n, c, mib(bigRun.peakRSS), mib(bigRun.peakHeap))
	fmt.Printf("      projector drain, %6d backlog        %9.0f events/s  peak RSS %5.1f MiB, peak Go heap %5.1f MiB (attested)\n", small, smallRun.rate, mib(smallRun.peakRSS), mib(smallRun.peakHeap))
	fmt.Printf("  (f) projector drain, %6d backlog        %9.0f events/s  peak RSS %5.1f MiB, peak Go heap %5.1f MiB (every event checked in full)\n", n, f, mib(fullRun.peakRSS), mib(fullRun.peakHeap))
	for _, r := range []struct {
		name string
		d    drainResult
	}{{fmt.Sprintf("%d-event attested", n), bigRun}, {fmt.Sprintf("%d-event attested", small), smallRun}, {fmt.Sprintf("%d-event full-check", n), fullRun}} {
		fmt.Printf("  CPU during the %s drain (%.1f s wall, %d cores): projector %.1f s, clickhouse-server %.1f s, nats-server and this test %.1f s\n",
			r.name, r.d.wall, runtime.NumCPU(), r.d.cpuProjector, r.d.cpuClickHouse, r.d.cpuNATS)
		fmt.Printf("      clickhouse meanwhile: %d inserts of %d rows; %d merges rewrote %d rows (%.0f MiB)\n",
			r.d.chWork["InsertQuery"], r.d.chWork["InsertedRows"], r.d.chWork["Merge"], r.d.chWork["MergedRows"], mib(r.d.chWork["MergedUncompressedBytes"]))
	}
	fmt.Printf("  CPU per event: (a) %.1f µs (nats-server and client), (b) %.1f µs, (b2) %.1f µs (clickhouse-server and client); a zero-cost projector on %d cores: at most %.0f events/s = %.2f of min(a,b)\n",
		med.consumeCPU/float64(n)*1e6, med.insertCPU/float64(n)*1e6, allRows.cpu/float64(n)*1e6, runtime.NumCPU(), med.ceiling(), med.ceiling()/slower)
	fmt.Printf("  clickhouse's files are on %s (%s)\n", fsType(shared.Dir()), shared.Dir())
	fmt.Printf("  ratios: c/a %.3f, c/b %.3f, c/min(a,b) %.3f (goal 0.6), f/min(a,b) %.3f, c/f %.2f; RSS %dk/%dk backlog %.2f\n",
		c/consumeRate, c/insertRate, c/slower, f/slower, c/f, n/1000, small/1000, float64(bigRun.peakRSS)/float64(smallRun.peakRSS))
	fmt.Printf("  (pre-fill publish ran at about %.0f events/s; figures of the %d events checked exact in every drain)\n", pubRate, n)

	b.ReportMetric(c, "drain_events/s")
	b.ReportMetric(consumeRate, "consume_events/s")
	b.ReportMetric(insertRate, "insert_rows/s")
	b.ReportMetric(validateRate, "validate_events/s")
	b.ReportMetric(c/slower, "ratio_c/min(a,b)")
	b.ReportMetric(f, "drain_full_check_events/s")
	b.ReportMetric(f/slower, "ratio_f/min(a,b)")
	b.ReportMetric(c/consumeRate, "ratio_c/a")
	b.ReportMetric(med.ceiling()/slower, "ceiling_zero_cost/min(a,b)")
	b.ReportMetric(mib(bigRun.peakRSS), "peak_rss_MiB")
	b.ReportMetric(mib(smallRun.peakRSS), "peak_rss_small_MiB")
	b.ReportMetric(mib(bigRun.peakHeap), "peak_heap_MiB")
}

// benchRound is one measure of the baselines and both drains, back to
// back, so that a round's ratios share the machine's state of the moment.
type benchRound struct {
	n, events             int     // the round's number; the events drained
	consume, insert       float64 // (a) events/s and (b) rows/s
	consumeCPU, insertCPU float64 // CPU seconds of a and b
	all                   insertAllResult
	big, full             drainResult
}

func (r benchRound) slower() float64 { return min(r.consume, r.insert) }
func (r benchRound) ratio() float64  { return r.big.rate / r.slower() }

// ceiling is the rate of a projector that cost no CPU at all: it would
// still need a's and b2's CPU for every event, on the same cores.
func (r benchRound) ceiling() float64 {
	return float64(runtime.NumCPU()) / ((r.consumeCPU + r.all.cpu) / float64(r.events))
}

// benchRounds is BENCH_ROUNDS, default 1: on a shared machine whose speed
// changes from minute to minute, 3 gives a median.
func benchRounds() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 1
}

// measureRound measures (a), (b), (b2) and the two drains once, checks
// the drains' figures and drops their databases.
func measureRound(b *testing.B, js jetstream.JetStream, natsURL, keyFile string, sc *storetest.Scenario, i int) benchRound {
	b.Helper()
	ctx := context.Background()
	n := len(sc.Events)
	r := benchRound{n: i, events: n}
	cpu0 := cpuSeconds(os.Getpid())
	r.consume = plainConsume(b, js, fmt.Sprintf("bench-plain-%d", i), n)
	r.consumeCPU = cpuSeconds(os.Getpid()) - cpu0
	cpu0, chCPU0 := cpuSeconds(os.Getpid()), cpuSeconds(shared.Pid())
	r.insert = plainInsert(b, sc.Events)
	r.insertCPU = cpuSeconds(os.Getpid()) - cpu0 + cpuSeconds(shared.Pid()) - chCPU0
	r.all = plainInsertAll(b, sc.Events)
	big, full := fmt.Sprintf("bench_big_%d", i), fmt.Sprintf("bench_full_%d", i)
	r.big = drainProjector(b, natsURL, big, fmt.Sprintf("bench-big-%d", i), n, "--attest-key-file", keyFile)
	r.full = drainProjector(b, natsURL, full, fmt.Sprintf("bench-full-%d", i), n)
	conn := chservertest.Conn(b, shared, "", "")
	for _, db := range []string{big, full} {
		got, err := storetest.ReadFigures(ctx, conn, db)
		if err != nil {
			b.Fatal(err)
		}
		if d := storetest.Diff(sc.Want, got, 10); len(d) > 0 {
			b.Fatalf("figures in %s after the drain differ from the ones known by construction:\n%s", db, strings.Join(d, "\n"))
		}
		_ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db)
	}
	return r
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// publish stores the events in windows of 2000 unacknowledged messages.
func publish(b *testing.B, js jetstream.JetStream, key attest.Key, events []ce.Event, payloads [][]byte) {
	b.Helper()
	wait := func() {
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(5 * time.Minute):
			b.Fatal("publish not acknowledged")
		}
	}
	for i, e := range events {
		subject, id := event.Type(e.Type()).Subject(), event.MessageID(e.Source(), e.ID())
		m := &nats.Msg{Subject: subject, Data: payloads[i], Header: nats.Header{
			"content-type": {"application/cloudevents+json"},
			attest.Header:  {key.Sign(subject, id, payloads[i])},
		}}
		if _, err := js.PublishMsgAsync(m, jetstream.WithMsgID(id)); err != nil {
			b.Fatal(err)
		}
		if i%2000 == 1999 {
			wait()
		}
	}
	wait()
}

// plainConsume fetches and acks every message of the stream with the
// projector's batch size and consumer settings, decoding nothing.
func plainConsume(b *testing.B, js jetstream.JetStream, consumer string, n int) float64 {
	b.Helper()
	ctx := context.Background()
	cfg := projection.Config{Consumer: consumer}.ConsumerConfig()
	cons, err := js.CreateOrUpdateConsumer(ctx, bus.EventsStream, cfg)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	got := 0
	for got < n {
		// No more than are left: a fetch asking for more waits out its
		// whole FetchMaxWait for messages that will not come.
		mb, err := cons.Fetch(min(5000, n-got), jetstream.FetchMaxWait(time.Second), jetstream.FetchMaxBytes(32<<20))
		if err != nil {
			b.Fatal(err)
		}
		for m := range mb.Messages() {
			if err := m.Ack(); err != nil {
				b.Fatal(err)
			}
			got++
		}
	}
	// Done, as a drain is, when the server has taken every ack.
	waitAcked(b, cons, n)
	return float64(n) / time.Since(start).Seconds()
}

// drainPoll is how often the end of a consume or a drain is looked for.
const drainPoll = 25 * time.Millisecond

// acked reports whether cons has acknowledged the first n messages of the
// stream with none in flight.
func acked(cons jetstream.Consumer, n int) bool {
	info, err := cons.Info(context.Background())
	return err == nil && info.AckFloor.Stream >= uint64(n) && info.NumAckPending == 0
}

// waitAcked polls until acked holds (at most a minute).
func waitAcked(b *testing.B, cons jetstream.Consumer, n int) {
	b.Helper()
	for deadline := time.Now().Add(time.Minute); !acked(cons, n); time.Sleep(drainPoll) {
		if time.Now().After(deadline) {
			b.Fatalf("%d messages fetched and acknowledged, but the server has not taken every ack after a minute", n)
		}
	}
}

// plainInsert inserts the events as raw-table rows in batches of 5000,
// columns prepared before the clock starts.
func plainInsert(b *testing.B, events []ce.Event) float64 {
	b.Helper()
	ctx := context.Background()
	const db = "bench_plain"
	conn := freshDatabase(b, db)
	type block struct{ cols []any }
	var blocks []block
	for lo := 0; lo < len(events); lo += 5000 {
		part := events[lo:min(lo+5000, len(events))]
		var (
			source, id, typ, spec, subject, ct, schema, data, natsSubject = make([]string, 0, len(part)), make([]string, 0, len(part)), make([]string, 0, len(part)), make([]string, 0, len(part)), make([]string, 0, len(part)), make([]string, 0, len(part)), make([]string, 0, len(part)), make([]string, 0, len(part)), make([]string, 0, len(part))
			tm, received                                                  = make([]time.Time, 0, len(part)), make([]time.Time, 0, len(part))
			ns                                                            = make([]uint32, 0, len(part))
			extN, extV                                                    = make([][]string, 0, len(part)), make([][]string, 0, len(part))
			seq                                                           = make([]uint64, 0, len(part))
		)
		for i, e := range part {
			source = append(source, e.Source())
			id = append(id, e.ID())
			typ = append(typ, e.Type())
			spec = append(spec, e.SpecVersion())
			subject = append(subject, e.Subject())
			tm = append(tm, e.Time().UTC().Truncate(time.Second))
			ns = append(ns, uint32(e.Time().Nanosecond()))
			ct = append(ct, e.DataContentType())
			schema = append(schema, e.DataSchema())
			extN = append(extN, []string{})
			extV = append(extV, []string{})
			data = append(data, string(e.Data()))
			natsSubject = append(natsSubject, event.Type(e.Type()).Subject())
			seq = append(seq, uint64(lo+i+1))
			received = append(received, time.Now().UTC())
		}
		blocks = append(blocks, block{cols: []any{source, id, typ, spec, subject, tm, ns, ct, schema, extN, extV, data, natsSubject, seq, received}})
	}
	settle(b, conn)
	const insert = "INSERT INTO " + db + ".events (source, id, type, specversion, subject, time, time_ns, datacontenttype, dataschema, extension_names, extension_values, data, nats_subject, seq, received)"
	start := time.Now()
	for _, bl := range blocks {
		batch, err := conn.PrepareBatch(ctx, insert)
		if err != nil {
			b.Fatal(err)
		}
		for i, c := range bl.cols {
			if err := batch.Column(i).Append(c); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Send(); err != nil {
			b.Fatal(err)
		}
	}
	rate := float64(len(events)) / time.Since(start).Seconds()
	_ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db)
	return rate
}

// insertAllResult is what plainInsertAll measured.
type insertAllResult struct {
	rate, cpu     float64 // events/s; CPU seconds of ClickHouse and this process
	rows, inserts int
}

// freshDatabase drops db and migrates it anew on the shared server.
func freshDatabase(b *testing.B, db string) driver.Conn {
	b.Helper()
	ctx := context.Background()
	conn := chservertest.Conn(b, shared, "", "")
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		b.Fatal(err)
	}
	if _, err := store.Migrate(ctx, conn, db); err != nil {
		b.Fatal(err)
	}
	return conn
}

// plainInsertAll inserts every row the projector writes for the events
// (the raw table and the typed ones), mapped into store batches of the
// projector's default insert size before the clock starts, through the
// store's writer: ClickHouse's ceiling for the projector's own rows.
func plainInsertAll(b *testing.B, events []ce.Event) insertAllResult {
	b.Helper()
	ctx := context.Background()
	const db = "bench_plain_all"
	conn := freshDatabase(b, db)
	per := projection.Config{}.WithDefaults().InsertMaxEvents
	var batches []*store.Batch
	now := time.Now().UTC()
	for i, e := range events {
		if i%per == 0 {
			batches = append(batches, store.NewBatch())
		}
		m := store.Meta{Subject: event.Type(e.Type()).Subject(), Seq: uint64(i + 1), Received: now}
		if err := batches[len(batches)-1].Add(e, m); err != nil {
			b.Fatal(err)
		}
	}
	res := insertAllResult{}
	for _, bt := range batches {
		res.rows += bt.Rows()
		res.inserts += bt.Tables()
	}
	settle(b, conn)
	w := store.NewWriter(conn, db)
	cpu0, chCPU0 := cpuSeconds(os.Getpid()), cpuSeconds(shared.Pid())
	start := time.Now()
	for _, bt := range batches {
		if err := w.Write(ctx, bt); err != nil {
			b.Fatal(err)
		}
	}
	settle(b, conn) // the merges the inserts caused are part of their cost
	res.rate = float64(len(events)) / time.Since(start).Seconds()
	res.cpu = cpuSeconds(os.Getpid()) - cpu0 + cpuSeconds(shared.Pid()) - chCPU0
	_ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db)
	return res
}

// fsType names the file system dir is on, as far as the benchmark cares.
func fsType(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "an unknown file system"
	}
	switch st.Type {
	case 0x01021994:
		return "tmpfs"
	case 0xEF53:
		return "ext2/3/4"
	case 0x58465342:
		return "xfs"
	case 0x9123683E:
		return "btrfs"
	case 0x794c7630:
		return "overlayfs"
	}
	return fmt.Sprintf("file system type %#x", st.Type)
}

// validateOnly runs the contract check the projector runs on each
// message, on every core, and nothing else.
func validateOnly(b *testing.B, payloads [][]byte) float64 {
	b.Helper()
	v, err := event.NewValidator()
	if err != nil {
		b.Fatal(err)
	}
	workers := runtime.GOMAXPROCS(0)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(payloads); i += workers {
				if _, err := v.ParseStructured(payloads[i]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(len(payloads)) / time.Since(start).Seconds()
}

type drainResult struct {
	rate              float64
	peakRSS, peakHeap uint64
	// CPU seconds spent during the drain by the projector, ClickHouse
	// and this process (which hosts the nats-server).
	cpuProjector, cpuClickHouse, cpuNATS float64
	wall                                 float64
	// chWork is what ClickHouse did meanwhile (system.events deltas).
	chWork map[string]uint64
}

// chEventNames are the ClickHouse counters that show where its time goes
// during a drain: inserts, the parts they make, and background merges.
var chEventNames = []string{"InsertQuery", "InsertedRows", "Merge", "MergedRows", "MergedUncompressedBytes"}

func chEvents(b *testing.B, conn driver.Conn) map[string]uint64 {
	b.Helper()
	out := map[string]uint64{}
	rows, err := conn.Query(context.Background(), "SELECT event, value FROM system.events WHERE has(?, event)", chEventNames)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v uint64
		if err := rows.Scan(&name, &v); err != nil {
			b.Fatal(err)
		}
		out[name] = v
	}
	return out
}

// drainProjector runs the projector binary with a fresh durable consumer
// and database until it has acknowledged n events, sampling its memory.
func drainProjector(b *testing.B, natsURL, db, consumer string, n int, extraArgs ...string) drainResult {
	b.Helper()
	ctx := context.Background()
	conn := chservertest.Conn(b, shared, "", "")
	if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
		b.Fatal(err)
	}
	settle(b, conn)
	metricsAddr := freeAddr(b)
	args := []string{"run", "--nats-url", natsURL, "--clickhouse-addr", shared.Addr(),
		"--database", db, "--consumer", consumer, "--metrics-addr", metricsAddr, "--log-format", "json", "--log-level", benchLogLevel()}
	args = append(args, extraArgs...)
	profDir := os.Getenv("BENCH_PROFILE_DIR")
	if profDir != "" {
		args = append(args, "--pprof")
	}
	cmd := exec.Command(binary, append(args, strings.Fields(os.Getenv("BENCH_PROJECTOR_ARGS"))...)...)
	cmd.Env = append(os.Environ(), strings.Fields(os.Getenv("BENCH_PROJECTOR_ENV"))...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		// Stop it as an operator would; kill it if it does not stop.
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if l := sc.Text(); !strings.Contains(l, `"level":"INFO"`) {
				fmt.Println("  projector:", l)
			}
		}
	}()
	js, err := jetstream.New(mustConnect(b, natsURL))
	if err != nil {
		b.Fatal(err)
	}
	// The clock starts when the projector has migrated and created its
	// consumer.
	for wait := time.Now().Add(time.Minute); ; {
		if _, err := js.Consumer(ctx, bus.EventsStream, consumer); err == nil {
			break
		}
		if time.Now().After(wait) {
			b.Fatal("projector did not create its consumer")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	chCPU0, natsCPU0 := cpuSeconds(shared.Pid()), cpuSeconds(os.Getpid())
	chEvents0 := chEvents(b, conn)
	if profDir != "" {
		go saveProfile(metricsAddr, "profile?seconds=5", filepath.Join(profDir, db+".cpu.pprof"))
	}

	var res drainResult
	deadline := time.Now().Add(20 * time.Minute)
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for i := 0; ; i++ {
		if rss := procStatus(cmd.Process.Pid, "VmRSS"); rss > res.peakRSS {
			res.peakRSS = rss
		}
		if i%20 == 0 {
			if h := scrapeFloat(metricsAddr, "go_memstats_heap_inuse_bytes"); uint64(h) > res.peakHeap {
				res.peakHeap = uint64(h)
				if profDir != "" {
					saveProfile(metricsAddr, "heap", filepath.Join(profDir, db+".heap.pprof"))
				}
			}
		}
		if c, err := js.Consumer(ctx, bus.EventsStream, consumer); err == nil && acked(c, n) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("projector did not drain %d events in 20 minutes", n)
		}
		<-tick.C
	}
	res.wall = time.Since(start).Seconds()
	res.rate = float64(n) / res.wall
	res.cpuProjector = cpuSeconds(cmd.Process.Pid)
	res.cpuClickHouse = cpuSeconds(shared.Pid()) - chCPU0
	res.cpuNATS = cpuSeconds(os.Getpid()) - natsCPU0
	res.chWork = chEvents(b, conn)
	for k, v := range chEvents0 {
		res.chWork[k] -= v
	}
	if hwm := procStatus(cmd.Process.Pid, "VmHWM"); hwm > res.peakRSS {
		res.peakRSS = hwm
	}
	return res
}

// settle waits until ClickHouse has no merge running (at most two
// minutes), so a measurement does not pay for the background work of the
// one before.
func settle(b *testing.B, conn driver.Conn) {
	b.Helper()
	ctx := context.Background()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.merges").Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	fmt.Println("  (clickhouse still merging after 2 minutes; measuring anyway)")
}

func mustConnect(b *testing.B, url string) *nats.Conn {
	b.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	return nc
}

// cpuSeconds is the user and system CPU time a process has used.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) in ")".
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// procStatus reads a memory line of /proc/<pid>/status, in bytes.
func procStatus(pid int, field string) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseUint(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// saveProfile writes the projector's pprof profile name to path.
func saveProfile(addr, name, path string) {
	resp, err := http.Get("http://" + addr + "/debug/pprof/" + name)
	if err != nil {
		fmt.Println("  profile:", err)
		return
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		fmt.Println("  profile:", err)
	}
}

func scrapeFloat(addr, name string) float64 {
	v, _ := strconv.ParseFloat(scrapeQuiet(addr, name), 64)
	return v
}

// benchLogLevel is BENCH_LOG_LEVEL (e.g. debug: a line per batch with
// where its time went), default warn.
func benchLogLevel() string {
	if l := os.Getenv("BENCH_LOG_LEVEL"); l != "" {
		return l
	}
	return "warn"
}
