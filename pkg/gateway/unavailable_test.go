package gateway_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/gateway"
)

// TestJetStreamDown: while the nats-server is down the gateway answers
// 503 with Retry-After and /readyz fails; after the restart every event
// that got a 2xx is in the stream, and the events answered 503 can be
// sent again and are stored once.
func TestJetStreamDown(t *testing.T) {
	e := newEnv(t, envOptions{publishTimeout: 500 * time.Millisecond})
	acked := map[string]bool{} // message ids answered 2xx
	post := func(i int) answer {
		ev := placement(t, sourceOther, i)
		a := e.post(t, tokenAll, gateway.BatchContentType, batchBody(t, ev))
		if a.code/100 == 2 {
			acked[event.MessageID(ev.Source(), ev.ID())] = true
		}
		return a
	}
	for i := range 5 {
		if a := post(i); a.code != http.StatusAccepted {
			t.Fatalf("before: status %d; body %s", a.code, a.body)
		}
	}

	e.stopServer()
	for i := 5; i < 10; i++ {
		a := post(i)
		if a.code != http.StatusServiceUnavailable {
			t.Fatalf("server down: status %d, want 503; body %s", a.code, a.body)
		}
		if ra, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("Retry-After = %q", a.header.Get("Retry-After"))
		}
		if p := a.problem(t); !strings.Contains(p.Detail, "none is reported stored") {
			t.Errorf("detail %q", p.Detail)
		}
	}
	if a := do(t, http.MethodGet, e.url+"/readyz", "", nil, nil); a.code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while down: %d, want 503", a.code)
	}

	e.startServer(t, e.port)
	waitFor(t, "the gateway to reconnect", func() bool {
		return do(t, http.MethodGet, e.url+"/readyz", "", nil, nil).code == http.StatusOK
	})
	stored := e.streamMsgs(t)
	for id := range acked {
		if _, ok := stored[id]; !ok {
			t.Errorf("event %s was answered 2xx but is not in the stream", id)
		}
	}
	// The client's retry of what got 503 stores each event once.
	for i := 5; i < 10; i++ {
		if a := post(i); a.code != http.StatusAccepted {
			t.Fatalf("retry: status %d; body %s", a.code, a.body)
		}
	}
	if n := len(e.streamMsgs(t)); n != 10 {
		t.Errorf("stream holds %d events, want 10", n)
	}
	if got := eventCount(t, e, string(event.PlacementStarted), "unavailable"); got != 5 {
		t.Errorf("unavailable events counted %v, want 5", got)
	}
}

// TestStreamMissing: a deleted events stream gives 503 and a failing
// /readyz, never a 2xx.
func TestStreamMissing(t *testing.T) {
	e := newEnv(t, envOptions{publishTimeout: 500 * time.Millisecond})
	if err := e.js.DeleteStream(context.Background(), bus.EventsStream); err != nil {
		t.Fatal(err)
	}
	a := e.post(t, tokenAll, gateway.StructuredContentType, encodeEvent(t, placement(t, sourceOther, 1)))
	if a.code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503; body %s", a.code, a.body)
	}
	a.problem(t)
	r := do(t, http.MethodGet, e.url+"/readyz", "", nil, nil)
	if r.code != http.StatusServiceUnavailable || !strings.Contains(r.problem(t).Detail, bus.EventsStream) {
		t.Errorf("/readyz: %d %s", r.code, r.body)
	}
}
