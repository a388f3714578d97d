package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sundflow/sundflow/pkg/event"
)

// testEvents builds n structured events without the contract's data; the
// gateway double below only looks at id and source.
func testEvents(t *testing.T, n int) []ce.Event {
	t.Helper()
	out := make([]ce.Event, n)
	for i := range out {
		e := ce.New()
		e.SetID(fmt.Sprintf("e-%03d", i))
		e.SetSource("/test/delivery")
		e.SetType(string(event.FairSignup))
		e.SetTime(time.Date(2019, 3, 1, 12, 0, 0, 0, time.UTC))
		if err := e.SetData("application/json", map[string]int{"n": i}); err != nil {
			t.Fatal(err)
		}
		out[i] = e
	}
	return out
}

// request is what the gateway double saw.
type request struct {
	auth, contentType string
	ids               []string
}

// gateway is a test double of the ingest gateway's batch contract: each
// request is answered by the next reply in the script (the last one
// repeats).
type gateway struct {
	t      *testing.T
	mu     sync.Mutex
	seen   []request
	script []func(w http.ResponseWriter, ids []string)
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		g.t.Errorf("read body: %v", err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		g.t.Errorf("body is not a JSON array: %v", err)
	}
	ids := make([]string, len(raw))
	for i, m := range raw {
		ids[i], _ = m["id"].(string)
		if m["specversion"] != "1.0" {
			g.t.Errorf("event %d: specversion %v", i, m["specversion"])
		}
	}
	g.mu.Lock()
	g.seen = append(g.seen, request{auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type"), ids: ids})
	n := len(g.seen)
	g.mu.Unlock()
	g.script[min(n, len(g.script))-1](w, ids)
}

func (g *gateway) requests() []request {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]request(nil), g.seen...)
}

// answer writes a batch answer where the ids in rejected are rejected,
// those in dup duplicates and the rest accepted, with the contract's
// status code.
func answer(rejected, dup map[string]bool) func(http.ResponseWriter, []string) {
	return func(w http.ResponseWriter, ids []string) {
		var r Result
		for i, id := range ids {
			er := EventResult{Index: i, ID: id, Source: "/test/delivery", Status: StatusAccepted}
			switch {
			case rejected[id]:
				er.Status = StatusRejected
				er.Problems = []event.Problem{{Path: "$.data.fair_id", Rule: "required", Message: "fair_id is required"}}
				r.Rejected++
			case dup[id]:
				er.Status = StatusDuplicate
				r.Duplicates++
			default:
				r.Accepted++
			}
			r.Results = append(r.Results, er)
		}
		switch {
		case r.Rejected == len(ids):
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(Problem{Title: "Every event was rejected", Status: 400,
				Accepted: r.Accepted, Duplicates: r.Duplicates, Rejected: r.Rejected, Results: r.Results})
			return
		case r.Rejected > 0:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMultiStatus)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
		}
		_ = json.NewEncoder(w).Encode(r)
	}
}

func problem(code int, title string, header ...string) func(http.ResponseWriter, []string) {
	return func(w http.ResponseWriter, _ []string) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(Problem{Title: title, Status: code, Detail: "detail of " + title})
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter, _ []string) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func tooLargeAbove(n int, then func(http.ResponseWriter, []string)) func(http.ResponseWriter, []string) {
	return func(w http.ResponseWriter, ids []string) {
		if len(ids) > n {
			problem(http.StatusRequestEntityTooLarge, "Batch too long")(w, ids)
			return
		}
		then(w, ids)
	}
}

func TestPostBatch(t *testing.T) {
	allOK := answer(nil, nil)
	tests := []struct {
		name      string
		events    int
		batch     int
		script    []func(http.ResponseWriter, []string)
		want      Result // counts only
		wantSizes []int  // events per request, in order
		wantSleep []time.Duration
		wantErr   error
		wantCode  int
	}{
		{name: "one batch accepted", events: 4, batch: 10, script: nil,
			want: Result{Accepted: 4}, wantSizes: []int{4}},
		{name: "split into batches", events: 7, batch: 3,
			want: Result{Accepted: 7}, wantSizes: []int{3, 3, 1}},
		{name: "207 mixed", events: 5, batch: 10,
			script: []func(http.ResponseWriter, []string){answer(map[string]bool{"e-001": true}, map[string]bool{"e-003": true})},
			want:   Result{Accepted: 3, Duplicates: 1, Rejected: 1}, wantSizes: []int{5}},
		{name: "400 all rejected is a result, not an error", events: 2, batch: 10,
			script: []func(http.ResponseWriter, []string){answer(map[string]bool{"e-000": true, "e-001": true}, nil)},
			want:   Result{Rejected: 2}, wantSizes: []int{2}},
		{name: "503 with Retry-After then accepted", events: 3, batch: 10,
			script: []func(http.ResponseWriter, []string){problem(503, "JetStream unavailable", "Retry-After", "2"), allOK},
			want:   Result{Accepted: 3}, wantSizes: []int{3, 3}, wantSleep: []time.Duration{2 * time.Second}},
		{name: "500 twice then accepted", events: 3, batch: 10,
			script: []func(http.ResponseWriter, []string){problem(500, "boom"), problem(502, "bad gateway"), allOK},
			want:   Result{Accepted: 3}, wantSizes: []int{3, 3, 3}, wantSleep: []time.Duration{-1, -1}},
		{name: "429 is retried", events: 1, batch: 10,
			script: []func(http.ResponseWriter, []string){problem(429, "slow down", "Retry-After", "1"), allOK},
			want:   Result{Accepted: 1}, wantSizes: []int{1, 1}, wantSleep: []time.Duration{time.Second}},
		{name: "connection dropped then accepted", events: 2, batch: 10,
			script: []func(http.ResponseWriter, []string){hangUp, allOK},
			want:   Result{Accepted: 2}, wantSizes: []int{2, 2}, wantSleep: []time.Duration{-1}},
		{name: "gives up after MaxAttempts", events: 2, batch: 10,
			script:    []func(http.ResponseWriter, []string){problem(503, "down")},
			wantSizes: []int{2, 2, 2}, wantSleep: []time.Duration{-1, -1}, wantErr: ErrUnavailable, wantCode: 503},
		{name: "401 is not retried", events: 2, batch: 10,
			script:    []func(http.ResponseWriter, []string){problem(401, "No or unknown token"), allOK},
			wantSizes: []int{2}, wantErr: ErrRefused, wantCode: 401},
		{name: "403 is not retried", events: 2, batch: 10,
			script:    []func(http.ResponseWriter, []string){problem(403, "Source not allowed"), allOK},
			wantSizes: []int{2}, wantErr: ErrRefused, wantCode: 403},
		{name: "415 is not retried", events: 2, batch: 10,
			script:    []func(http.ResponseWriter, []string){problem(415, "Unsupported")},
			wantSizes: []int{2}, wantErr: ErrRefused, wantCode: 415},
		{name: "400 without results is refused", events: 2, batch: 10,
			script:    []func(http.ResponseWriter, []string){problem(400, "Malformed batch")},
			wantSizes: []int{2}, wantErr: ErrRefused, wantCode: 400},
		{name: "413 halves the batch", events: 5, batch: 10,
			script: []func(http.ResponseWriter, []string){tooLargeAbove(2, allOK)},
			want:   Result{Accepted: 5}, wantSizes: []int{5, 2, 3, 1, 2}},
		{name: "413 for one event is refused", events: 1, batch: 10,
			script:    []func(http.ResponseWriter, []string){tooLargeAbove(0, allOK)},
			wantSizes: []int{1}, wantErr: ErrRefused, wantCode: 413},
		{name: "short answer is a bad response", events: 3, batch: 10,
			script: []func(http.ResponseWriter, []string){func(w http.ResponseWriter, _ []string) {
				w.WriteHeader(http.StatusAccepted)
				_, _ = io.WriteString(w, `{"accepted":3,"results":[]}`)
			}},
			wantSizes: []int{3}, wantErr: ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := tt.script
			if script == nil {
				script = []func(http.ResponseWriter, []string){allOK}
			}
			g := &gateway{t: t, script: script}
			srv := httptest.NewServer(g)
			t.Cleanup(srv.Close)
			reg := prometheus.NewPedanticRegistry()
			c, err := NewClient(srv.URL, "s3cret", Options{BatchSize: tt.batch, MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Second, Registerer: reg})
			if err != nil {
				t.Fatal(err)
			}
			var slept []time.Duration
			c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }

			events := testEvents(t, tt.events)
			got, err := c.PostBatch(context.Background(), events)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantCode != 0 {
				var se *StatusError
				if !errors.As(err, &se) || se.Code != tt.wantCode {
					t.Fatalf("err = %v, want a StatusError with code %d", err, tt.wantCode)
				}
				if se.Problem == nil || se.Problem.Title == "" {
					t.Errorf("problem document not kept: %+v", se.Problem)
				}
			}
			if got.Accepted != tt.want.Accepted || got.Duplicates != tt.want.Duplicates || got.Rejected != tt.want.Rejected {
				t.Errorf("counts = %d/%d/%d, want %d/%d/%d", got.Accepted, got.Duplicates, got.Rejected, tt.want.Accepted, tt.want.Duplicates, tt.want.Rejected)
			}
			if err == nil {
				if len(got.Results) != len(events) {
					t.Fatalf("%d results for %d events", len(got.Results), len(events))
				}
				for i, er := range got.Results {
					if er.Index != i || er.ID != events[i].ID() {
						t.Errorf("result %d = index %d id %s, want index %d id %s", i, er.Index, er.ID, i, events[i].ID())
					}
				}
			}
			reqs := g.requests()
			var sizes []int
			for _, r := range reqs {
				sizes = append(sizes, len(r.ids))
				if r.auth != "Bearer s3cret" || r.contentType != BatchContentType {
					t.Errorf("request headers: auth %q content-type %q", r.auth, r.contentType)
				}
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tt.wantSizes) {
				t.Errorf("request sizes = %v, want %v", sizes, tt.wantSizes)
			}
			if len(slept) != len(tt.wantSleep) {
				t.Fatalf("slept %v, want %d sleeps", slept, len(tt.wantSleep))
			}
			for i, d := range tt.wantSleep {
				if d >= 0 && slept[i] != d {
					t.Errorf("sleep %d = %v, want %v (Retry-After)", i, slept[i], d)
				}
				if d < 0 && (slept[i] <= 0 || slept[i] > 5*time.Second) {
					t.Errorf("sleep %d = %v, want a backoff in (0, MaxDelay]", i, slept[i])
				}
			}
			if n := testutil.ToFloat64(c.metrics.retries); int(n) != len(tt.wantSleep) {
				t.Errorf("retries metric = %v, want %d", n, len(tt.wantSleep))
			}
			if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
				t.Errorf("metric lint: %v %v", problems, err)
			}
		})
	}
}

func TestPostBatchCancelledWhileWaiting(t *testing.T) {
	g := &gateway{t: t, script: []func(http.ResponseWriter, []string){problem(503, "down", "Retry-After", "30")}}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL+"/v1/events", "", Options{MaxAttempts: -1, MaxDelay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.sleep = func(ctx context.Context, d time.Duration) error {
		if d != 30*time.Second {
			t.Errorf("wait %v, want Retry-After 30s", d)
		}
		cancel()
		return sleepCtx(ctx, d)
	}
	_, err = c.PostBatch(ctx, testEvents(t, 1))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(g.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	c, err := NewClient("http://127.0.0.1:1", "", Options{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= 40; attempt++ {
		for range 20 {
			d := c.backoff(attempt, 0)
			ceiling := min(100*time.Millisecond<<min(attempt-1, 20), time.Second)
			if d < 50*time.Millisecond || d > ceiling {
				t.Fatalf("attempt %d: backoff %v outside [50ms, %v]", attempt, d, ceiling)
			}
		}
	}
	if d := c.backoff(1, 10*time.Second); d != time.Second {
		t.Errorf("Retry-After 10s with MaxDelay 1s: waited %v, want 1s", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 0 ", 0},
		{"-3", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseRetryAfter(tt.in, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNewClientURL(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080/v1/events"},
		{in: "http://127.0.0.1:8080/", want: "http://127.0.0.1:8080/v1/events"},
		{in: "https://ingest.example/v1/events", want: "https://ingest.example/v1/events"},
		{in: "https://example/sundflow", want: "https://example/sundflow/v1/events"},
		{in: "127.0.0.1:8080", wantErr: true},
		{in: "ftp://x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := NewClient(tt.in, "", Options{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && c.Endpoint() != tt.want {
				t.Errorf("endpoint = %s, want %s", c.Endpoint(), tt.want)
			}
		})
	}
}
