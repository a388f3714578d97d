package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/store"
	"github.com/sundflow/sundflow/pkg/store/storetest"
)

var (
	shared *chserver.Server
	binary string // the projector built for these tests
)

// TestMain builds the projector once; the tests run it as a real
// process, so they can kill -9 it.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sundflow-projector-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "projector")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: go build the projector: %v\n", err)
		os.Exit(1)
	}
	code := chservertest.Main(m, &shared)
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a projector process.
type proc struct {
	cmd    *exec.Cmd
	lines  chan string // stderr, line by line
	stdout strings.Builder
	done   chan error
}

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary, args...), lines: make(chan string, 10000), done: make(chan error, 1)}
	p.cmd.Stdout = &p.stdout
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		close(p.lines)
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
		}
	})
	return p
}

// waitLine waits for a stderr line containing s; it fails the test if
// the process ends first.
func (p *proc) waitLine(t *testing.T, s string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	var seen []string
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("projector exited before logging %q; it logged:\n%s", s, strings.Join(seen, "\n"))
			}
			if strings.Contains(l, s) {
				return l
			}
			seen = append(seen, l)
		case <-deadline:
			t.Fatalf("projector did not log %q in %s; it logged:\n%s", s, timeout, strings.Join(seen, "\n"))
		}
	}
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	go func() {
		for range p.lines {
		}
	}()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("projector still running after %s", timeout)
		return -1
	}
}

func runOnce(t *testing.T, args ...string) (code int, output string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

func TestHelpAndFlagErrors(t *testing.T) {
	code, out := runOnce(t, "--help")
	if code != 0 || !strings.Contains(out, "migrate") || !strings.Contains(out, "replay") {
		t.Fatalf("--help: exit %d:\n%s", code, out)
	}
	code, out = runOnce(t, "run", "--help")
	if code != 0 || !strings.Contains(out, "--batch-size") || !strings.Contains(out, "NATS_URL") || strings.Contains(out, "pause-after-insert") {
		t.Fatalf("run --help: exit %d:\n%s", code, out)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--database", "a-b"}, "--database"},
		{[]string{"run", "--batch-size", "200000"}, "batch size 200000"},
		{[]string{"run", "--clickhouse-addr", "nohost"}, "--clickhouse-addr"},
		{[]string{"migrate", "--database", strings.Repeat("d", 49)}, "at most 48"},
		{[]string{"replay", "--database", "x;y"}, "--database"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out := runOnce(t, tt.args...)
			if code == 0 || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, want non-zero with %q:\n%s", code, tt.want, out)
			}
		})
	}
}

// The --stream default must be the stream the gateway declares.
func TestStreamDefault(t *testing.T) {
	_, out := runOnce(t, "run", "--help")
	if !strings.Contains(out, `--stream="`+bus.EventsStream+`"`) {
		t.Fatalf("run --help does not default --stream to %s:\n%s", bus.EventsStream, out)
	}
}

// Two `projector migrate` processes at once, then a third: all succeed
// and the schema is complete once.
func TestMigrateFromTwoProcessesAtOnce(t *testing.T) {
	db := chservertest.DatabaseName(t)
	args := []string{"migrate", "--clickhouse-addr", shared.Addr(), "--database", db, "--log-format", "text"}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	outs := make([]string, 2)
	for i := range 2 {
		wg.Go(func() { codes[i], outs[i] = runOnce(t, args...) })
	}
	wg.Wait()
	for i := range 2 {
		if codes[i] != 0 {
			t.Fatalf("migrate process %d: exit %d:\n%s", i, codes[i], outs[i])
		}
	}
	code, out := runOnce(t, args...)
	if code != 0 || !strings.Contains(out, "applied=[]") {
		t.Fatalf("third migrate: exit %d, want 0 and nothing applied:\n%s", code, out)
	}
	conn := chservertest.Conn(t, shared, "", "")
	var tables, versions uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM system.tables WHERE database = ? AND engine != 'View'", db).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".schema_migrations FINAL").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	ms, _ := store.Migrations()
	if tables != uint64(len(store.Tables)+1) || versions != uint64(len(ms)) {
		t.Fatalf("%d tables and %d recorded versions, want %d and %d", tables, versions, len(store.Tables)+1, len(ms))
	}
}

// world is NATS in this process (the projector processes connect to it)
// and a database on the shared ClickHouse.
type world struct {
	url string
	js  jetstream.JetStream
	db  string
}

func newWorld(t *testing.T) *world {
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
	if err := bus.EnsureStreams(context.Background(), js, bus.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	return &world{url: ns.ClientURL(), js: js, db: chservertest.DatabaseName(t)}
}

func (w *world) publish(t *testing.T, sc *storetest.Scenario) {
	t.Helper()
	for _, e := range sc.Events {
		b, err := event.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		m := &nats.Msg{Subject: event.Type(e.Type()).Subject(), Data: b, Header: nats.Header{"content-type": {"application/cloudevents+json"}}}
		if _, err := w.js.PublishMsgAsync(m, jetstream.WithMsgID(event.MessageID(e.Source(), e.ID()))); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-w.js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		t.Fatal("publish not acknowledged")
	}
}

func (w *world) args(extra ...string) []string {
	return append([]string{"run", "--nats-url", w.url, "--clickhouse-addr", shared.Addr(), "--database", w.db, "--log-format", "json"}, extra...)
}

func (w *world) consumerInfo(t *testing.T) *jetstream.ConsumerInfo {
	t.Helper()
	c, err := w.js.Consumer(context.Background(), bus.EventsStream, "sundflow-projector")
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func (w *world) waitDrained(t *testing.T, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		info := w.consumerInfo(t)
		if info.NumPending == 0 && info.NumAckPending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained after %s: pending %d, ack pending %d", timeout, info.NumPending, info.NumAckPending)
		}
		<-tick.C
	}
}

func (w *world) checkFigures(t *testing.T, want storetest.Figures) {
	t.Helper()
	got, err := storetest.ReadFigures(context.Background(), chservertest.Conn(t, shared, "", ""), w.db)
	if err != nil {
		t.Fatal(err)
	}
	if d := storetest.Diff(want, got, 15); len(d) > 0 {
		t.Fatalf("figures differ from the ones known by construction:\n%s", strings.Join(d, "\n"))
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func scrape(t *testing.T, addr, name string) string {
	t.Helper()
	v := scrapeQuiet(addr, name)
	if v == "" {
		t.Fatalf("metric %s not served at %s", name, addr)
	}
	return v
}

// scrapeQuiet reads one unlabelled sample from a /metrics endpoint, ""
// when it cannot.
func scrapeQuiet(addr, name string) string {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, name+" ") {
			return strings.TrimPrefix(l, name+" ")
		}
	}
	return ""
}

// kill -9 between a batch's insert and its acknowledgement, three times
// over, then a normal run: the figures are exact, the killed batches were
// redelivered and stored again, and SIGTERM ends the last run cleanly.
func TestKill9BetweenInsertAndAck(t *testing.T) {
	w := newWorld(t)
	sc := storetest.NewScenario(21, 3000)
	w.publish(t, sc)
	for i := range 3 {
		p := start(t, w.args("--batch-size", "400", "--ack-wait", "5s", "--pause-after-insert", "1m", "--metrics-addr", "")...)
		p.waitLine(t, "batch inserted; pausing before ack", time.Minute)
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if code := p.wait(t, 10*time.Second); code != -1 {
			t.Fatalf("kill %d: exit code %d, want -1 (killed)", i+1, code)
		}
	}
	if info := w.consumerInfo(t); info.NumAckPending == 0 {
		t.Fatalf("after the kills nothing is pending acknowledgement: the kills did not hit between insert and ack")
	}
	metrics := freeAddr(t)
	p := start(t, w.args("--batch-size", "400", "--ack-wait", "5s", "--metrics-addr", metrics)...)
	w.waitDrained(t, 2*time.Minute)
	w.checkFigures(t, sc.Want)
	if got := scrape(t, metrics, "sundflow_projector_redeliveries_total"); got == "" || got == "0" {
		t.Errorf("redeliveries_total = %q, want the killed batches redelivered", got)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("SIGTERM: exit code %d, want 0", code)
	}
}

// SIGTERM in the middle of a backlog: the process stops fetching,
// finishes and acknowledges its batch, exits 0; nothing is left
// unacknowledged; a new process finishes the job exactly.
func TestSIGTERMStopsCleanly(t *testing.T) {
	w := newWorld(t)
	sc := storetest.NewScenario(22, 8000)
	w.publish(t, sc)
	p := start(t, w.args("--batch-size", "300", "--metrics-addr", "")...)
	p.waitLine(t, "projector consuming", time.Minute)
	deadline := time.Now().Add(time.Minute)
	for w.consumerInfo(t).AckFloor.Stream < 600 {
		if time.Now().After(deadline) {
			t.Fatal("no progress")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLine(t, "projector stopped", 30*time.Second)
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	info := w.consumerInfo(t)
	if info.NumAckPending != 0 {
		t.Errorf("ack pending after SIGTERM = %d, want 0", info.NumAckPending)
	}
	if info.NumPending == 0 {
		t.Logf("the whole backlog was done before the signal; the test proves less")
	}
	start(t, w.args("--metrics-addr", "")...)
	w.waitDrained(t, 2*time.Minute)
	w.checkFigures(t, sc.Want)
}

// `projector replay` builds the projection from the stream alone.
func TestReplayCommand(t *testing.T) {
	w := newWorld(t)
	sc := storetest.NewScenario(23, 2000)
	w.publish(t, sc)
	code, out := runOnce(t, "replay", "--nats-url", w.url, "--clickhouse-addr", shared.Addr(), "--database", w.db, "--log-format", "text")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d events read", len(sc.Events))) {
		t.Fatalf("replay: exit %d:\n%s", code, out)
	}
	w.checkFigures(t, sc.Want)
}

// --clickhouse-dir starts (and stops) a local clickhouse-server, as
// `make run` does with var/clickhouse.
func TestLocalClickHouseDir(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	code, out := runOnce(t, "migrate", "--clickhouse-dir", dir, "--clickhouse-addr", addr, "--log-format", "text")
	if code != 0 || !strings.Contains(out, "local clickhouse-server stopped") {
		t.Fatalf("migrate with --clickhouse-dir: exit %d:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "metadata", "sundflow")); err != nil {
		t.Fatalf("no sundflow database in %s: %v", dir, err)
	}
}
