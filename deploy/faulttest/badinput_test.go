package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/stack"
)

// badRequest is one request of the mixed stream and the statuses it may
// get.
type badRequest struct {
	class       string
	contentType string
	token       string
	body        func() io.Reader
	size        int64 // for the log
	want        []int
}

// TestBadInputAtVolume: a stream of malformed, oversized, wrongly
// authenticated, PII-carrying and fuzzed requests mixed with good
// batches, from eight clients at once. Good events are all stored and
// counted; every bad request gets its status; nothing gets a 5xx; the
// gateway's resident memory stays bounded although 64 MiB bodies arrive.
func TestBadInputAtVolume(t *testing.T) {
	out := logOutput(t)
	r := rng(t)
	natsPort, err := stack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	gw, gwURL := startGateway(t, out, "--nats-port", strconv.Itoa(natsPort), "--nats-store", t.TempDir(),
		"--max-body", "1MiB", "--max-batch", "200", "--max-event", "64KiB")

	events, _ := simEvents(t, 10000, 5)
	var reqs []badRequest
	good := func(batch []ce.Event) badRequest {
		b, _ := json.Marshal(batch)
		return badRequest{class: "good batch", contentType: "application/cloudevents-batch+json", token: token,
			body: func() io.Reader { return bytes.NewReader(b) }, size: int64(len(b)), want: []int{202}}
	}
	for i := 0; i < len(events); i += 50 {
		reqs = append(reqs, good(events[i:min(i+50, len(events))]))
	}
	one, _ := json.Marshal(events[0])
	bad := func(class, ctype, tok string, body []byte, want ...int) badRequest {
		return badRequest{class: class, contentType: ctype, token: tok, body: func() io.Reader { return bytes.NewReader(body) }, size: int64(len(body)), want: want}
	}
	withData := func(id, field, value string) []byte {
		var m map[string]any
		_ = json.Unmarshal(one, &m)
		m["id"] = id
		data := m["data"].(map[string]any)
		data[field] = value
		b, _ := json.Marshal(m)
		return b
	}
	const structured, batch = "application/cloudevents+json", "application/cloudevents-batch+json"
	tooMany, _ := json.Marshal(slices.Repeat([]ce.Event{events[1]}, 201))
	big := bytes.Repeat([]byte(" "), 2<<20)
	copy(big, "[")
	for i := range 600 {
		id := "bad-" + strconv.Itoa(i)
		reqs = append(reqs,
			bad("malformed json", batch, token, []byte(`[{"specversion":"1.0","id":`+strconv.Quote(id)), 400),
			bad("not an array", batch, token, one, 400),
			bad("empty body", structured, token, nil, 400),
			bad("no token", structured, "", one, 401),
			bad("unknown token", structured, "not-a-token-"+id, one, 401),
			bad("source not allowed", structured, restrictedToken, one, 403),
			bad("cpr number in data", structured, token, withData(id+"-cpr", "note", "borger 010190-1234 ringede"), 400),
			bad("e-mail in data", structured, token, withData(id+"-mail", "note", "skriv til anna.hansen@example.dk"), 400),
			bad("wrong content type", "text/plain", token, one, 415),
			bad("batch too long", batch, token, tooMany, 413),
		)
		if i%10 == 0 {
			reqs = append(reqs, bad("body over --max-body (2 MiB)", batch, token, big, 413))
		}
		if i%30 == 0 {
			// 64 MiB streamed: the gateway must stop reading at 1 MiB.
			reqs = append(reqs, badRequest{class: "body of 64 MiB", contentType: batch, token: token, size: 64 << 20,
				body: func() io.Reader { return io.MultiReader(strings.NewReader("["), &zeros{n: 64 << 20}) }, want: []int{413, -1}})
		}
	}
	for range 4000 {
		b := mutate(r, one)
		reqs = append(reqs, badRequest{class: "fuzzed event", contentType: structured, token: token,
			body: func() io.Reader { return bytes.NewReader(b) }, size: int64(len(b)), want: []int{202, 400, 413, 415}})
	}
	r.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })

	client := &http.Client{Timeout: 30 * time.Second}
	before, err := gw.Memory()
	if err != nil {
		t.Fatal(err)
	}

	type tally struct {
		statuses map[int]int
		bytes    int64
	}
	var mu sync.Mutex
	byClass := map[string]*tally{}
	acked := map[string]bool{}
	var wrong []string
	work := make(chan badRequest)
	var wg sync.WaitGroup
	start := time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for q := range work {
				code, answer := send(client, gwURL, q)
				mu.Lock()
				tl := byClass[q.class]
				if tl == nil {
					tl = &tally{statuses: map[int]int{}}
					byClass[q.class] = tl
				}
				tl.statuses[code]++
				tl.bytes += q.size
				if !slices.Contains(q.want, code) && len(wrong) < 20 {
					wrong = append(wrong, fmt.Sprintf("%s: %d, want one of %v: %s", q.class, code, q.want, firstBytes(answer, 300)))
				}
				if code == 202 || code == 207 {
					for _, k := range ackedIn(answer) {
						acked[k] = true
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, q := range reqs {
		work <- q
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	after, err := gw.Memory()
	if err != nil {
		t.Fatalf("gateway after the stream: %v (did it die?)", err)
	}
	for _, w := range wrong {
		t.Error(w)
	}

	// The stream holds exactly the acknowledged events.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, js, err := bus.Connect(ctx, bus.ConnConfig{URL: "nats://127.0.0.1:" + strconv.Itoa(natsPort), Name: "faulttest"})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	st, err := js.Stream(ctx, bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	goodKeys := map[string]bool{}
	for _, e := range events {
		goodKeys[eventKey(e.Source(), e.ID())] = true
	}
	missing := 0
	for k := range goodKeys {
		if !acked[k] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d distinct good events were not acknowledged", missing, len(goodKeys))
	}
	if info.State.Msgs != uint64(len(acked)) {
		t.Errorf("stream holds %d events, %d distinct were acknowledged", info.State.Msgs, len(acked))
	}
	// Memory: bounded by the limits, not by what clients send.
	const bound = 256 << 20
	if after.Peak > bound {
		t.Errorf("gateway peak resident memory %d MiB, want under %d MiB (1 MiB body limit, 8 clients)", after.Peak>>20, bound>>20)
	}

	classes := make([]string, 0, len(byClass))
	var total int
	var sentBytes int64
	for c, tl := range byClass {
		classes = append(classes, c)
		for _, n := range tl.statuses {
			total += n
		}
		sentBytes += tl.bytes
	}
	sort.Strings(classes)
	for _, c := range classes {
		t.Logf("  %-30s %v", c, byClass[c].statuses)
	}
	t.Logf("RESULT bad input: %d requests (%d MiB) in %s from 8 clients; %d distinct good events sent, all acknowledged: %v; %d fuzzed/good distinct acknowledged in all; the stream holds %d; gateway RSS %d MiB before, %d MiB after, peak %d MiB",
		total, sentBytes>>20, elapsed.Round(time.Millisecond), len(goodKeys), missing == 0, len(acked), info.State.Msgs,
		before.RSS>>20, after.RSS>>20, after.Peak>>20)
}

// send posts one request; -1 is a connection closed by the server before
// an answer was read (allowed only where want says so).
func send(c *http.Client, base string, q badRequest) (int, []byte) {
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/events", q.body())
	req.Header.Set("Content-Type", q.contentType)
	if q.token != "" {
		req.Header.Set("Authorization", "Bearer "+q.token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return -1, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, b
}

// ackedIn reads the stored events of a 202/207 answer (single or batch).
func ackedIn(answer []byte) []string {
	var a struct {
		ID, Source, Status string
		Results            []struct{ ID, Source, Status string }
	}
	if json.Unmarshal(answer, &a) != nil {
		return nil
	}
	var out []string
	if a.Results == nil && (a.Status == "accepted" || a.Status == "duplicate") {
		out = append(out, eventKey(a.Source, a.ID))
	}
	for _, r := range a.Results {
		if r.Status == "accepted" || r.Status == "duplicate" {
			out = append(out, eventKey(r.Source, r.ID))
		}
	}
	return out
}

// mutate returns a damaged copy of a JSON event: flipped bytes, a cut,
// junk inserted, a field's value replaced, or it blown up past the event
// limit.
func mutate(r *rand.Rand, in []byte) []byte {
	b := slices.Clone(in)
	switch r.IntN(6) {
	case 0:
		for range 1 + r.IntN(4) {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
	case 1:
		i := r.IntN(len(b))
		b = append(b[:i], b[min(len(b), i+1+r.IntN(40)):]...)
	case 2:
		junk := make([]byte, 1+r.IntN(30))
		for i := range junk {
			junk[i] = byte(r.IntN(256))
		}
		i := r.IntN(len(b))
		b = slices.Insert(b, i, junk...)
	case 3:
		for _, f := range []string{`"specversion":"1.0"`, `"type":"org.sundflow.`, `"time":"`} {
			if r.IntN(2) == 0 {
				b = bytes.Replace(b, []byte(f), []byte(strings.ReplaceAll(f, "1", "9")), 1)
			}
		}
	case 4:
		b = bytes.Replace(b, []byte(`"id":"`), []byte(`"id":"fz`+strconv.Itoa(r.IntN(1e6))), 1)
	case 5:
		b = bytes.Replace(b, []byte(`"data":{`), []byte(`"data":{"pad":"`+strings.Repeat("x", 70<<10)+`",`), 1)
	}
	return b
}

// zeros reads n spaces without holding them.
type zeros struct{ n int }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), z.n)
	for i := range p[:k] {
		p[i] = ' '
	}
	z.n -= k
	return k, nil
}
