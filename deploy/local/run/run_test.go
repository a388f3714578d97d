package main

// The orchestrator for real: the test builds `make run`'s binary, runs it
// with a var dir and free ports of its own, checks that every URL it
// prints answers, that the printed curl stores an event and that the
// simulation reaches ClickHouse, sends SIGINT as Ctrl-C would and checks
// the clean, ordered exit; then runs it again on the same var dir and
// checks that the data is kept and the re-fed simulation stored nothing
// twice.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/sundflow/sundflow/pkg/stack"
)

// syncBuffer is a bytes.Buffer safe for the process's writes and our reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waited %s for %s; last state: %s", timeout, what, last)
}

type ports struct {
	gateway, projector, dashboard string
	nats, chTCP, chHTTP           int
}

func freePorts(t *testing.T) ports {
	t.Helper()
	var ps [6]int
	seen := map[int]bool{}
	for i := range ps {
		for {
			p, err := stack.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			if !seen[p] {
				seen[p], ps[i] = true, p
				break
			}
		}
	}
	a := func(p int) string { return "127.0.0.1:" + strconv.Itoa(p) }
	return ports{gateway: a(ps[0]), projector: a(ps[1]), dashboard: a(ps[2]), nats: ps[3], chTCP: ps[4], chHTTP: ps[5]}
}

type runResult struct {
	stdout, stderr string
	summary        string // the simulation's summary line
}

// runOnce runs the orchestrator until the simulation has sent everything
// and check has passed, then sends SIGINT and checks the clean exit.
func runOnce(t *testing.T, bin, varDir, binDir string, p ports, check func()) runResult {
	t.Helper()
	cmd := exec.Command(bin,
		"--var-dir", varDir, "--bin-dir", binDir, "--no-deps",
		"--gateway-listen", p.gateway, "--nats-port", strconv.Itoa(p.nats),
		"--projector-metrics", p.projector, "--dashboard-listen", p.dashboard,
		"--clickhouse-tcp-port", strconv.Itoa(p.chTCP), "--clickhouse-http-port", strconv.Itoa(p.chHTTP),
		"--sim-speed", "0", "--stop-grace", "30s",
	)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Dir = "."
	if err := cmd.Start(); err != nil {
		t.Fatalf("start run: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	waitFor(t, 4*time.Minute, "the orchestrator to print its URLs", func() (bool, string) {
		select {
		case <-exited:
			t.Fatalf("run exited early (%v):\n%s\n%s", waitErr, stdout.String(), stderr.String())
		default:
		}
		return strings.Contains(stdout.String(), "sundflow is running"), lastLines(stderr.String(), 3)
	})
	summary := ""
	waitFor(t, 2*time.Minute, "the simulation to finish", func() (bool, string) {
		m := regexp.MustCompile(`summary="(sent [^"]*)"`).FindStringSubmatch(stderr.String())
		if m == nil {
			return false, lastLines(stderr.String(), 2)
		}
		summary = m[1]
		return true, ""
	})
	t.Logf("simulation: %s", summary)
	check()

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("run did not exit cleanly after SIGINT: %v\n%s", waitErr, lastLines(stderr.String(), 30))
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("run still running 3 minutes after SIGINT:\n%s", lastLines(stderr.String(), 30))
	}
	t.Logf("stopped cleanly %s after SIGINT", time.Since(start).Round(time.Millisecond))
	return runResult{stdout: stdout.String(), stderr: stderr.String(), summary: summary}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func httpGet(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), nil
}

var summaryRe = regexp.MustCompile(`sent (\d+) events .*: (\d+) accepted, (\d+) duplicates, (\d+) rejected`)

func parseSummary(t *testing.T, s string) (sent, accepted, dups, rejected int) {
	t.Helper()
	m := summaryRe.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("simulation summary %q not understood", s)
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	return n(1), n(2), n(3), n(4)
}

func TestRunStartsServesStopsAndKeepsData(t *testing.T) {
	root, err := stack.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(tmp, "run"), "./deploy/local/run")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the orchestrator: %v\n%s", err, out)
	}
	varDir, binDir := filepath.Join(tmp, "var"), filepath.Join(tmp, "bin")
	p := freePorts(t)

	var storedFirst uint64
	countEvents := func() (total, distinct uint64, err error) {
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{"127.0.0.1:" + strconv.Itoa(p.chTCP)}, DialTimeout: 2 * time.Second})
		if err != nil {
			return 0, 0, err
		}
		defer conn.Close()
		row := conn.QueryRow(context.Background(), "SELECT count(), uniqExact(source, id) FROM sundflow.events FINAL")
		err = row.Scan(&total, &distinct)
		return total, distinct, err
	}

	first := runOnce(t, filepath.Join(tmp, "run"), varDir, binDir, p, func() {
		// Every URL printed answers.
		for _, u := range []string{
			"http://" + p.dashboard + "/", "http://" + p.dashboard + "/api/projects", "http://" + p.dashboard + "/metrics",
			"http://" + p.gateway + "/healthz", "http://" + p.gateway + "/readyz", "http://" + p.gateway + "/metrics",
			"http://" + p.projector + "/metrics",
		} {
			code, _, err := httpGet(u)
			if err != nil || code != http.StatusOK {
				t.Errorf("GET %s: %d %v, want 200", u, code, err)
			}
		}
		// The printed curl works: same token, same event.
		tok, err := os.ReadFile(filepath.Join(varDir, "run", "dev-token"))
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+p.gateway+"/v1/events", strings.NewReader(sampleEvent))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
		req.Header.Set("Content-Type", "application/cloudevents+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("post the sample event: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("sample curl: %d %s, want 202", resp.StatusCode, body)
		}
	})
	if !strings.Contains(first.stdout, "curl -s http://"+p.gateway+"/v1/events") {
		t.Errorf("no sample curl printed:\n%s", first.stdout)
	}
	sent, accepted, dups, rejected := parseSummary(t, first.summary)
	if rejected != 0 || accepted+dups != sent || accepted == 0 {
		t.Errorf("first run: sent %d, accepted %d, duplicates %d, rejected %d: want all sent stored or answered duplicate, none rejected", sent, accepted, dups, rejected)
	}
	// The ordered stop, as logged.
	order := []string{"stopping simulate", "stopping projector", "stopping ingest", "stopping dashboard", "stopping clickhouse-server", "stopped cleanly"}
	at := 0
	for _, s := range order {
		i := strings.Index(first.stderr[at:], s)
		if i < 0 {
			t.Fatalf("stop order: %q not logged after %v:\n%s", s, order, lastLines(first.stderr, 20))
		}
		at += i
	}

	// Second run on the same var dir: the data is there before anything
	// is fed, and feeding the same simulation again stores nothing new.
	second := runOnce(t, filepath.Join(tmp, "run"), varDir, binDir, p, func() {
		want := uint64(accepted + 1) // + the sample event
		waitFor(t, time.Minute, "every accepted event in ClickHouse", func() (bool, string) {
			total, distinct, err := countEvents()
			if err != nil {
				return false, err.Error()
			}
			storedFirst = distinct
			return total == want && distinct == want, fmt.Sprintf("%d rows, %d distinct, want %d", total, distinct, want)
		})
	})
	sent2, accepted2, dups2, rejected2 := parseSummary(t, second.summary)
	if sent2 != sent || accepted2 != 0 || dups2 != sent || rejected2 != 0 {
		t.Errorf("second run: sent %d, accepted %d, duplicates %d, rejected %d: want the same %d events all answered duplicate", sent2, accepted2, dups2, rejected2, sent)
	}
	t.Logf("first run: %d sent, %d accepted, %d duplicates; second run: %d sent, %d accepted, %d duplicates; ClickHouse holds %d distinct events (%d + the sample)",
		sent, accepted, dups, sent2, accepted2, dups2, storedFirst, accepted)
}
