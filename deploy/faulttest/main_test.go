package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/auth"
	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/simulation"
	"github.com/sundflow/sundflow/pkg/stack"
)

// bins are the programs under test, built once by TestMain.
var bins map[string]string

// attestKeyFile is the attestation key every gateway and projector of the
// run is started with (--attest-key-file), as `make run` and the
// deployments share one: the gateway attests what it stored and the
// projector decodes those events without checking them again, so the
// tests and benchmarks exercise the path production runs.
var attestKeyFile string

const token = "faulttest-token-0123456789abcdef0123"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sundflow-faulttest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	attestKeyFile = filepath.Join(dir, "attest.key")
	_, err = attest.EnsureKeyFile(attestKeyFile)
	var root string
	if err == nil {
		root, err = stack.ModuleRoot(".")
	}
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		bins, err = stack.Build(ctx, root, dir, []string{"ingest", "projector", "dashboard"})
		cancel()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: build the programs under test or create their attestation key:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// tokensFile writes a token file: token may send anything; the
// "restricted" token only placements from urn:faulttest:restricted:.
func tokensFile(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tokens.yaml")
	body := fmt.Sprintf(`tokens:
  - name: faulttest
    token_sha256: %s
    source_prefixes: ["*"]
    types: ["*"]
  - name: restricted
    token_sha256: %s
    source_prefixes: ["urn:faulttest:restricted:"]
    types: [org.sundflow.placement.started.v1]
`, auth.HashToken(token), auth.HashToken(restrictedToken))
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const restrictedToken = "faulttest-restricted-0123456789abcdef"

// simEvents returns about n simulated Job på Tværs deliveries (with their
// re-sends, late events and retractions) and the truth of all of them.
func simEvents(t testing.TB, n int, seed uint64) ([]ce.Event, simulation.Truth) {
	t.Helper()
	cfg := simulation.Config{Seed: seed}
	scale, err := simulation.ScaleFor(cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Scale = scale
	ds, truth, err := simulation.Generate(cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	evs := make([]ce.Event, len(ds))
	for i, d := range ds {
		evs[i] = d.Event
	}
	return evs, truth
}

func eventKey(source, id string) string { return source + "\x00" + id }

// poster posts batches to the gateway as a careful source does: every
// batch until it is answered 2xx, retrying the same events on 503 or a
// broken connection (re-sends are answered duplicate, stored once). It
// records which events were acknowledged.
type poster struct {
	url, token string
	client     *http.Client
	pause      time.Duration // after each acknowledged batch, per worker: paces the load

	mu        sync.Mutex
	acked     map[string]bool // eventKey -> acknowledged (accepted or duplicate); nil: not kept (benchmarks)
	sent      int             // events in requests sent, retries included
	accepted  int
	dups      int
	rejected  int
	retries   int            // batches sent again
	codes     map[string]int // status codes (or "conn-error") seen
	latencies []time.Duration
}

func newPoster(gatewayURL, token string) *poster {
	return &poster{
		url: gatewayURL + "/v1/events", token: token,
		client: &http.Client{Timeout: 30 * time.Second},
		acked:  map[string]bool{}, codes: map[string]int{},
	}
}

type batchAnswer struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Rejected   int `json:"rejected"`
	Results    []struct {
		ID     string `json:"id"`
		Source string `json:"source"`
		Status string `json:"status"`
	} `json:"results"`
}

// post sends one batch until the gateway acknowledges it or ctx ends,
// and returns how many of its events were stored now (not duplicates).
func (p *poster) post(ctx context.Context, batch []ce.Event) (int, error) {
	body, err := json.Marshal(batch)
	if err != nil {
		return 0, fmt.Errorf("encode batch: %w", err)
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			p.mu.Lock()
			p.retries++
			p.mu.Unlock()
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(time.Duration(min(attempt, 10)) * 100 * time.Millisecond):
			}
		}
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/cloudevents-batch+json")
		req.Header.Set("Authorization", "Bearer "+p.token)
		p.mu.Lock()
		p.sent += len(batch)
		p.mu.Unlock()
		resp, err := p.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			p.count("conn-error")
			continue
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		p.count(strconv.Itoa(resp.StatusCode))
		if resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode >= 500 {
			continue
		}
		if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusMultiStatus {
			return 0, fmt.Errorf("batch answered %d: %s", resp.StatusCode, firstBytes(raw, 300))
		}
		var a batchAnswer
		if err := json.Unmarshal(raw, &a); err != nil {
			return 0, fmt.Errorf("decode answer: %w", err)
		}
		if len(a.Results) != len(batch) {
			return 0, fmt.Errorf("answer has %d results for %d events", len(a.Results), len(batch))
		}
		p.mu.Lock()
		p.latencies = append(p.latencies, time.Since(start))
		for _, r := range a.Results {
			switch r.Status {
			case "accepted":
				p.accepted++
				if p.acked != nil {
					p.acked[eventKey(r.Source, r.ID)] = true
				}
			case "duplicate":
				p.dups++
				if p.acked != nil {
					p.acked[eventKey(r.Source, r.ID)] = true
				}
			default:
				p.rejected++
			}
		}
		p.mu.Unlock()
		return a.Accepted, nil
	}
}

func (p *poster) count(code string) {
	p.mu.Lock()
	p.codes[code]++
	p.mu.Unlock()
}

// postAll posts events in batches of size with workers in parallel; after
// each batch it calls progress with the number of batches done.
func (p *poster) postAll(ctx context.Context, events []ce.Event, size, workers int, progress func(done, total int)) error {
	var batches [][]ce.Event
	for i := 0; i < len(events); i += size {
		batches = append(batches, events[i:min(i+size, len(events))])
	}
	next := make(chan int)
	errs := make(chan error, workers)
	var done sync.WaitGroup
	var mu sync.Mutex
	finished := 0
	for range workers {
		done.Add(1)
		go func() {
			defer done.Done()
			for i := range next {
				if _, err := p.post(ctx, batches[i]); err != nil {
					errs <- err
					return
				}
				if p.pause > 0 {
					time.Sleep(p.pause)
				}
				mu.Lock()
				finished++
				f := finished
				mu.Unlock()
				if progress != nil {
					progress(f, len(batches))
				}
			}
		}()
	}
	var err error
feed:
	for i := range batches {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	done.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

func (p *poster) ackedKeys() map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]bool, len(p.acked))
	for k := range p.acked {
		out[k] = true
	}
	return out
}

func (p *poster) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprintf("sent %d event-posts (retries included), acknowledged %d distinct (%d accepted, %d duplicate answers), rejected %d, batches retried %d, answers %v",
		p.sent, len(p.acked), p.accepted, p.dups, p.rejected, p.retries, p.codes)
}

func firstBytes(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; last: %s", timeout, what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startClickHouse runs a clickhouse-server of the test's own, restartable.
func startClickHouse(t testing.TB) *chserver.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := chserver.Start(ctx, chserver.Config{Dir: t.TempDir(), HTTPPort: -1})
	if err != nil {
		t.Fatalf("start clickhouse-server: %v\n(the fault tests need a real clickhouse-server: run `make deps`)", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil && !errors.Is(err, chserver.ErrNotRunning) {
			t.Errorf("stop clickhouse-server: %v", err)
		}
	})
	return srv
}

func chConn(t testing.TB, addr string) driver.Conn {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, DialTimeout: 2 * time.Second, ReadTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// projected reads what ClickHouse holds: rows of sundflow.events through
// FINAL, distinct (source, id), and the keys themselves.
func projected(ctx context.Context, conn driver.Conn) (rows, distinct uint64, keys map[string]bool, err error) {
	if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(source, id) FROM sundflow.events FINAL").Scan(&rows, &distinct); err != nil {
		return 0, 0, nil, err
	}
	r, err := conn.Query(ctx, "SELECT source, id FROM sundflow.events FINAL")
	if err != nil {
		return 0, 0, nil, err
	}
	defer r.Close()
	keys = map[string]bool{}
	for r.Next() {
		var s, id string
		if err := r.Scan(&s, &id); err != nil {
			return 0, 0, nil, err
		}
		keys[eventKey(s, id)] = true
	}
	return rows, distinct, keys, r.Err()
}

// persons reads distinct persons by direction from the evaluator view.
func persons(ctx context.Context, conn driver.Conn) (map[string]int, error) {
	r, err := conn.Query(ctx, "SELECT direction, people FROM sundflow.commuters_by_direction")
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := map[string]int{}
	for r.Next() {
		var d string
		var n uint64
		if err := r.Scan(&d, &n); err != nil {
			return nil, err
		}
		out[d] = int(n)
	}
	return out, r.Err()
}

// checkExactlyOnce compares what ClickHouse holds with what was
// acknowledged: every acknowledged event once, nothing else.
func checkExactlyOnce(t testing.TB, conn driver.Conn, acked map[string]bool, timeout time.Duration) (rows uint64) {
	t.Helper()
	ctx := context.Background()
	waitFor(t, timeout, "every acknowledged event in ClickHouse", func() (bool, string) {
		r, d, _, err := projected(ctx, conn)
		if err != nil {
			return false, err.Error()
		}
		return d >= uint64(len(acked)), fmt.Sprintf("%d rows, %d distinct of %d acknowledged", r, d, len(acked))
	})
	r, d, keys, err := projected(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	missing, extra := 0, 0
	for k := range acked {
		if !keys[k] {
			missing++
		}
	}
	for k := range keys {
		if !acked[k] {
			extra++
		}
	}
	if r != d || d != uint64(len(acked)) || missing != 0 || extra != 0 {
		t.Errorf("ClickHouse: %d rows, %d distinct; acknowledged %d; %d acknowledged missing, %d not acknowledged present; want every acknowledged event exactly once", r, d, len(acked), missing, extra)
	}
	return r
}

// startGateway runs the ingest gateway as a subprocess on a free port,
// attesting what it stores with attestKeyFile.
func startGateway(t testing.TB, out io.Writer, args ...string) (*stack.Proc, string) {
	t.Helper()
	addr, err := stack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	p, err := stack.Start(context.Background(), stack.Spec{
		Name: "ingest", Path: bins["ingest"], Output: out,
		Args: append([]string{"--listen", addr, "--tokens-file", tokensFile(t), "--attest-key-file", attestKeyFile,
			"--log-format", "text", "--log-level", "warn"}, args...),
		Ready: "http://" + addr + "/readyz",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Kill() })
	return p, "http://" + addr
}

// startProjector runs the projector against natsURL and ClickHouse with
// the gateways' attestation key (attestKeyFile).
func startProjector(t testing.TB, out io.Writer, natsURL, chAddr string, args ...string) (*stack.Proc, string) {
	t.Helper()
	addr, err := stack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	p, err := stack.Start(context.Background(), stack.Spec{
		Name: "projector", Path: bins["projector"], Output: out,
		Args: append([]string{"run", "--nats-url", natsURL, "--clickhouse-addr", chAddr, "--metrics-addr", addr,
			"--attest-key-file", attestKeyFile, "--log-format", "text", "--log-level", "warn", "--retry-max", "2s", "--batch-wait", "200ms"}, args...),
		Ready: "http://" + addr + "/healthz",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Kill() })
	return p, "http://" + addr
}

// logOutput is where the subprocesses' logs go: the test log when -v, so
// a failure shows them.
func logOutput(t testing.TB) io.Writer {
	return stack.Synced(&testWriter{t: t})
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// rng is the tests' seeded randomness: the same seed, the same faults.
func rng(t testing.TB) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FAULTTEST_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("fault seed %d (FAULTTEST_SEED=%d repeats it)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x5eed))
}

// decodedByCheck reads the projector's sundflow_projector_events_decoded_total
// from its /metrics, by check: "attested" (the gateway's attestation
// verified) and "full"; it shows whether the gateway and the projector
// share the attestation key.
func decodedByCheck(c *http.Client, projectorURL string) (map[string]float64, error) {
	resp, err := c.Get(projectorURL + "/metrics")
	if err != nil {
		return nil, fmt.Errorf("get projector metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get projector metrics: %s", resp.Status)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read projector metrics: %w", err)
	}
	out := map[string]float64{}
	const prefix = `sundflow_projector_events_decoded_total{check="`
	for _, l := range strings.Split(string(raw), "\n") {
		rest, ok := strings.CutPrefix(l, prefix)
		if !ok {
			continue
		}
		check, value, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return nil, fmt.Errorf("parse %q: %w", l, err)
		}
		out[check] = v
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no sundflow_projector_events_decoded_total in the projector's metrics")
	}
	return out, nil
}
