package faulttest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/stack"
)

// TestKillNineUnderLoad: the gateway (with its embedded JetStream), the
// projector and the dashboard are killed with SIGKILL at random moments
// while a source posts steadily, each restarted at once; ClickHouse is
// killed and restarted too. At the end every acknowledged event is in
// ClickHouse exactly once and the figures equal the simulation's truth.
func TestKillNineUnderLoad(t *testing.T) {
	out := logOutput(t)
	r := rng(t)
	ch := startClickHouse(t)
	natsPort, err := stack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	natsURL := "nats://127.0.0.1:" + strconv.Itoa(natsPort)
	gw, gwURL := startGateway(t, out, "--nats-port", strconv.Itoa(natsPort), "--nats-store", t.TempDir(),
		"--publish-timeout", "2s", "--retry-after", "1s", "--shutdown-timeout", "5s")
	proj, _ := startProjector(t, out, natsURL, ch.Addr())
	dashAddr, err := stack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	dash, err := stack.Start(context.Background(), stack.Spec{
		Name: "dashboard", Path: bins["dashboard"], Output: out,
		Args: []string{"--listen", dashAddr, "--clickhouse-addr", ch.Addr(), "--nats-url", natsURL,
			"--projector-consumer", stack.ProjectorConsumer, "--refresh", "1s", "--log-format", "text", "--log-level", "warn"},
		Ready: "http://" + dashAddr + "/healthz",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dash.Kill() })

	events, truth := simEvents(t, 16000, 23)
	p := newPoster(gwURL, token)
	p.pause = 250 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	postDone := make(chan error, 1)
	var finished atomic.Bool
	go func() {
		err := p.postAll(ctx, events, 100, 2, nil)
		finished.Store(true)
		postDone <- err
	}()

	// Chaos until the source is done: every 0.5-2 s one victim.
	kills := map[string]int{}
	var chaosErrs []error
	var mu sync.Mutex
	chaosDone := make(chan struct{})
	go func() {
		defer close(chaosDone)
		procs := []*stack.Proc{gw, proj, dash}
		chKilled := false
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(500+r.IntN(1500)) * time.Millisecond):
			}
			if finished.Load() {
				return
			}
			var err error
			name := ""
			if !chKilled && kills["ingest"]+kills["projector"]+kills["dashboard"] >= 6 {
				chKilled, name = true, "clickhouse"
				if err = ch.Kill(); err == nil {
					time.Sleep(time.Duration(r.IntN(2000)) * time.Millisecond)
					err = ch.Restart(ctx)
				}
			} else {
				v := procs[r.IntN(len(procs))]
				name = v.Name()
				if err = v.Kill(); err == nil || errors.Is(err, stack.ErrNotRunning) {
					time.Sleep(time.Duration(r.IntN(500)) * time.Millisecond)
					err = v.Restart(ctx)
				}
			}
			mu.Lock()
			kills[name]++
			if err != nil {
				chaosErrs = append(chaosErrs, fmt.Errorf("kill and restart %s: %w", name, err))
			}
			mu.Unlock()
		}
	}()
	err = <-postDone
	<-chaosDone
	if err != nil {
		t.Fatalf("post: %v (%s)", err, p)
	}
	mu.Lock()
	for _, e := range chaosErrs {
		t.Error(e)
	}
	t.Logf("killed with SIGKILL and restarted: %v", kills)
	mu.Unlock()
	for _, pr := range []*stack.Proc{gw, proj, dash} {
		if pr.Pid() == 0 {
			if err := pr.Restart(context.Background()); err != nil {
				t.Fatalf("bring %s back: %v", pr.Name(), err)
			}
		}
	}
	if ch.Pid() == 0 {
		if err := ch.Restart(context.Background()); err != nil && !errors.Is(err, chserver.ErrNotRunning) {
			t.Fatal(err)
		}
	}

	acked := p.ackedKeys()
	if len(acked) != truth.Events {
		t.Errorf("acknowledged %d distinct events, the simulation sent %d", len(acked), truth.Events)
	}
	conn := chConn(t, ch.Addr())
	rows := checkExactlyOnce(t, conn, acked, 3*time.Minute)
	got, err := persons(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	for dir, want := range truth.PersonsByDirection {
		if got[dir] != want {
			t.Errorf("distinct persons %s: ClickHouse %d, truth %d", dir, got[dir], want)
		}
	}
	// The dashboard, killed and back, answers from the same figures.
	resp, err := http.Get("http://" + dashAddr + "/api/projects")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("dashboard API after the faults: %v %v, want 200", err, resp)
	} else {
		resp.Body.Close()
	}
	t.Logf("RESULT kill -9: %s; kills %v; ClickHouse holds %d rows for %d acknowledged; persons SE->DK %d (truth %d), DK->SE %d (truth %d)",
		p, kills, rows, len(acked), got["SE->DK"], truth.PersonsByDirection["SE->DK"], got["DK->SE"], truth.PersonsByDirection["DK->SE"])
}
