package gateway_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sundflow/sundflow/pkg/auth"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/gateway"
)

// TestContentModes posts one event in each content mode of the HTTP
// binding and checks the stream then holds it in structured JSON, on its
// type's subject, with the message id derived from source and id.
func TestContentModes(t *testing.T) {
	e := newEnv(t, envOptions{})
	v, err := event.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		events []ce.Event
		header func(evs []ce.Event) http.Header
		body   func(evs []ce.Event) []byte
		batch  bool
	}{
		{
			name:   "binary",
			events: []ce.Event{placement(t, sourceOther, 1)},
			header: func(evs []ce.Event) http.Header { return binaryHeaders(evs[0]) },
			body:   func(evs []ce.Event) []byte { return evs[0].Data() },
		},
		{
			name:   "binary with percent-encoded source",
			events: []ce.Event{placement(t, "urn:sundflow:source:helsing%C3%B8r", 2)},
			header: func(evs []ce.Event) http.Header {
				h := binaryHeaders(evs[0])
				h.Set("ce-source", "urn:sundflow:source:helsing%25C3%25B8r")
				return h
			},
			body: func(evs []ce.Event) []byte { return evs[0].Data() },
		},
		{
			name:   "structured",
			events: []ce.Event{placement(t, sourceOther, 3)},
			header: func([]ce.Event) http.Header { return ctHeader("application/cloudevents+json; charset=utf-8") },
			body:   func(evs []ce.Event) []byte { return encodeEvent(t, evs[0]) },
		},
		{
			name:   "batch",
			events: []ce.Event{placement(t, sourceOther, 4), placement(t, sourceHelsing, 5), placement(t, sourceOther, 6)},
			header: func([]ce.Event) http.Header { return ctHeader(gateway.BatchContentType) },
			body:   func(evs []ce.Event) []byte { return batchBody(t, evs...) },
			batch:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, http.MethodPost, e.url+gateway.EventsPath, tokenAll, tt.header(tt.events), tt.body(tt.events))
			if a.code != http.StatusAccepted {
				t.Fatalf("status %d, want 202; body %s", a.code, a.body)
			}
			if tt.batch {
				r := a.batch(t)
				if r.Accepted != len(tt.events) || r.Duplicates != 0 || r.Rejected != 0 || len(r.Results) != len(tt.events) {
					t.Fatalf("batch answer %+v", r)
				}
				for i, er := range r.Results {
					if er.Index == nil || *er.Index != i || er.Status != gateway.StatusAccepted || er.ID != tt.events[i].ID() {
						t.Errorf("result %d: %+v", i, er)
					}
				}
			} else {
				r := a.single(t)
				want := gateway.EventResult{ID: tt.events[0].ID(), Source: tt.events[0].Source(), Status: gateway.StatusAccepted}
				if r.ID != want.ID || r.Source != want.Source || r.Status != want.Status || r.Index != nil {
					t.Errorf("answer %+v, want %+v", r, want)
				}
			}
			stored := e.streamMsgs(t)
			for _, ev := range tt.events {
				m, ok := stored[event.MessageID(ev.Source(), ev.ID())]
				if !ok {
					t.Fatalf("event %s not in the stream", ev.ID())
				}
				if m.Subject != event.PlacementStarted.Subject() {
					t.Errorf("subject %s, want %s", m.Subject, event.PlacementStarted.Subject())
				}
				got, err := v.ParseStructured(m.Data)
				if err != nil {
					t.Fatalf("stored form does not parse: %v", err)
				}
				if !bytes.Equal(encodeEvent(t, got), encodeEvent(t, ev)) {
					t.Errorf("stored event differs:\n got %s\nwant %s", encodeEvent(t, got), encodeEvent(t, ev))
				}
			}
		})
	}
}

// TestDuplicates sends one event again and again in every mode; it is
// stored once and every later copy is answered "duplicate".
func TestDuplicates(t *testing.T) {
	e := newEnv(t, envOptions{})
	ev := placement(t, sourceOther, 1)
	other := placement(t, sourceOther, 2)

	steps := []struct {
		name string
		send func() answer
		want []string
	}{
		{"structured, first time", func() answer { return e.post(t, tokenAll, gateway.StructuredContentType, encodeEvent(t, ev)) }, []string{"accepted"}},
		{"structured again", func() answer { return e.post(t, tokenAll, gateway.StructuredContentType, encodeEvent(t, ev)) }, []string{"duplicate"}},
		{"binary again", func() answer {
			return do(t, http.MethodPost, e.url+gateway.EventsPath, tokenAll, binaryHeaders(ev), ev.Data())
		}, []string{"duplicate"}},
		{"batch with it twice and a new one", func() answer {
			return e.post(t, tokenAll, gateway.BatchContentType, batchBody(t, ev, other, ev, other))
		}, []string{"duplicate", "accepted", "duplicate", "duplicate"}},
	}
	for _, s := range steps {
		a := s.send()
		if a.code != http.StatusAccepted {
			t.Fatalf("%s: status %d; body %s", s.name, a.code, a.body)
		}
		var got []string
		if len(s.want) == 1 && !strings.HasPrefix(s.name, "batch") {
			got = []string{a.single(t).Status}
		} else {
			for _, r := range a.batch(t).Results {
				got = append(got, r.Status)
			}
		}
		if strings.Join(got, ",") != strings.Join(s.want, ",") {
			t.Errorf("%s: statuses %v, want %v", s.name, got, s.want)
		}
	}
	if n := len(e.streamMsgs(t)); n != 2 {
		t.Errorf("stream holds %d messages, want 2", n)
	}
	if got := eventCount(t, e, string(event.PlacementStarted), "duplicate"); got != 5 {
		t.Errorf("duplicate events counted %v, want 5", got)
	}
}

// TestAuth covers 401 and 403: no token, unknown token, and a token used
// for a source or type it is not allowed.
func TestAuth(t *testing.T) {
	e := newEnv(t, envOptions{})
	mine := placement(t, sourceHelsing, 1)
	foreign := placement(t, sourceOther, 2)
	vacancy, err := event.New(event.VacancyClosed, sourceHelsing, "vacancy-1-closed", mine.Time(),
		event.VacancyClosedData{VacancyID: "vacancy-1", Reason: "withdrawn", Closed: "2024-03-02", PositionsFilled: 0})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		auth      string // Authorization header
		ct        string
		body      []byte
		wantCode  int
		wantWWW   bool
		wantInMsg string // in the detail
		wantRule  string // of the first problem or result
	}{
		{"no token", "", gateway.StructuredContentType, encodeEvent(t, mine), 401, true, "Authorization: Bearer", ""},
		{"basic auth", "Basic dXNlcjpwYXNz", gateway.StructuredContentType, encodeEvent(t, mine), 401, true, "Bearer", ""},
		{"unknown token", "Bearer not-a-token", gateway.StructuredContentType, encodeEvent(t, mine), 401, true, "not known", ""},
		{"source not allowed", "Bearer " + tokenHelsingor, gateway.StructuredContentType, encodeEvent(t, foreign), 403, false, "source", "auth.source"},
		{"type not allowed", "Bearer " + tokenHelsingor, gateway.StructuredContentType, encodeEvent(t, vacancy), 403, false, "type", "auth.type"},
		{"batch, nothing allowed", "Bearer " + tokenHelsingor, gateway.BatchContentType, batchBody(t, foreign, vacancy), 403, false, "may not send any", "auth.source"},
		{"allowed", "Bearer " + tokenHelsingor, gateway.StructuredContentType, encodeEvent(t, mine), 202, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := ctHeader(tt.ct)
			if tt.auth != "" {
				h.Set("Authorization", tt.auth)
			}
			a := do(t, http.MethodPost, e.url+gateway.EventsPath, "", h, tt.body)
			if a.code != tt.wantCode {
				t.Fatalf("status %d, want %d; body %s", a.code, tt.wantCode, a.body)
			}
			if got := a.header.Get("WWW-Authenticate"); tt.wantWWW != strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if tt.wantCode == 202 {
				return
			}
			p := a.problem(t)
			if !strings.Contains(p.Detail, tt.wantInMsg) {
				t.Errorf("detail %q does not mention %q", p.Detail, tt.wantInMsg)
			}
			if strings.Contains(string(a.body), tokenHelsingor) {
				t.Error("the answer echoes the token")
			}
			var rule string
			switch {
			case len(p.Problems) > 0:
				rule = p.Problems[0].Rule
			case len(p.Results) > 0 && len(p.Results[0].Problems) > 0:
				rule = p.Results[0].Problems[0].Rule
			}
			if rule != tt.wantRule {
				t.Errorf("rule %q, want %q", rule, tt.wantRule)
			}
		})
	}
	stored := e.streamMsgs(t)
	if len(stored) != 1 {
		t.Errorf("stream holds %d messages, want only the allowed one", len(stored))
	}
}

// TestTokenRevocation edits the token file; after the reload the removed
// token gets 401.
func TestTokenRevocation(t *testing.T) {
	e := newEnv(t, envOptions{})
	body := encodeEvent(t, placement(t, sourceHelsing, 1))
	if a := e.post(t, tokenHelsingor, gateway.StructuredContentType, body); a.code != 202 {
		t.Fatalf("before: status %d; body %s", a.code, a.body)
	}
	revoked := "tokens:\n  - name: everything\n    token_sha256: " + auth.HashToken(tokenAll) + "\n    source_prefixes: [\"*\"]\n    types: [\"*\"]\n"
	if err := os.WriteFile(e.tokens, []byte(revoked), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.keys.Reload(); err != nil {
		t.Fatal(err)
	}
	if a := e.post(t, tokenHelsingor, gateway.StructuredContentType, body); a.code != 401 {
		t.Errorf("after: status %d, want 401", a.code)
	}
	if a := e.post(t, tokenAll, gateway.StructuredContentType, body); a.code != 202 {
		t.Errorf("other token after: status %d, want 202", a.code)
	}
}

// TestRejections: invalid events are answered with their problems; a
// batch stores its valid events and says which others were rejected.
func TestRejections(t *testing.T) {
	e := newEnv(t, envOptions{})
	bad := placement(t, sourceOther, 1)
	d := placementData(1)
	d.Workplace = event.Place{Country: "SE", Municipality: "1280"} // not cross-border
	if err := bad.SetData(ce.ApplicationJSON, d); err != nil {
		t.Fatal(err)
	}
	good := placement(t, sourceOther, 2)

	tests := []struct {
		name     string
		ct       string
		body     []byte
		wantCode int
		want     []string // statuses of a batch answer
		wantRule string   // a rule among the problems
	}{
		{"invalid single", gateway.StructuredContentType, encodeEvent(t, bad), 400, nil, event.RuleCrossBorder},
		{"not JSON", gateway.StructuredContentType, []byte(`{"id":`), 400, nil, ""},
		{"batch not an array", gateway.BatchContentType, []byte(`{"id":"x"}`), 400, nil, "batch"},
		{"batch, some invalid", gateway.BatchContentType, batchBody(t, good, bad), 207, []string{"accepted", "rejected"}, event.RuleCrossBorder},
		{"batch, all invalid", gateway.BatchContentType, batchBody(t, bad, bad), 400, []string{"rejected", "rejected"}, event.RuleCrossBorder},
		{"empty batch", gateway.BatchContentType, []byte(`[]`), 202, []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.post(t, tokenAll, tt.ct, tt.body)
			if a.code != tt.wantCode {
				t.Fatalf("status %d, want %d; body %s", a.code, tt.wantCode, a.body)
			}
			var results []gateway.EventResult
			var problems []event.Problem
			switch a.code {
			case 202, 207:
				r := a.batch(t)
				results = r.Results
				if r.Accepted+r.Duplicates+r.Rejected != len(r.Results) {
					t.Errorf("counts do not add up: %+v", r)
				}
			default:
				p := a.problem(t)
				results, problems = p.Results, p.Problems
				if tt.want != nil && (p.Rejected == nil || *p.Rejected != len(tt.want)) {
					t.Errorf("problem lacks the rejected count: %s", a.body)
				}
			}
			if tt.want != nil {
				var got []string
				for _, r := range results {
					got = append(got, r.Status)
					problems = append(problems, r.Problems...)
				}
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Errorf("statuses %v, want %v", got, tt.want)
				}
			}
			if len(problems) == 0 && a.code >= 400 {
				t.Errorf("no problems listed: %s", a.body)
			}
			if tt.wantRule != "" && !hasRule(problems, tt.wantRule) {
				t.Errorf("no problem with rule %s: %s", tt.wantRule, a.body)
			}
		})
	}
	stored := e.streamMsgs(t)
	if _, ok := stored[event.MessageID(good.Source(), good.ID())]; !ok || len(stored) != 1 {
		t.Errorf("stream holds %d messages, want only the valid one", len(stored))
	}
}

func hasRule(ps []event.Problem, rule string) bool {
	for _, p := range ps {
		if p.Rule == rule {
			return true
		}
	}
	return false
}

// TestLimits: 413 for a body over the limit (announced or not), a batch
// over the length limit and an event over the size limit.
func TestLimits(t *testing.T) {
	e := newEnv(t, envOptions{limits: gateway.Limits{MaxBodyBytes: 8 << 10, MaxBatchEvents: 3, MaxEventBytes: 1000}})
	big := placement(t, sourceOther, 1)
	d := placementData(1)
	d.Employer.Name = strings.Repeat("x", 200)
	d.Projects = []string{"a-long-project-name-one-0123456789012345678901234567890123456789", "a-long-project-name-two-0123456789012345678901234567890123456789"}
	if err := big.SetData(ce.ApplicationJSON, d); err != nil {
		t.Fatal(err)
	}
	if n := len(encodeEvent(t, big)); n <= 1000 {
		t.Fatalf("test event is %d bytes, not over the limit", n)
	}
	four := batchBody(t, placement(t, sourceOther, 2), placement(t, sourceOther, 3), placement(t, sourceOther, 4), placement(t, sourceOther, 5))
	huge := bytes.Repeat([]byte(" "), 9<<10)

	tests := []struct {
		name    string
		ct      string
		body    []byte
		chunked bool
		want    string // in the detail
	}{
		{"body over the limit", gateway.BatchContentType, append([]byte("[]"), huge...), false, "larger than 8192 bytes"},
		{"body over the limit, no Content-Length", gateway.BatchContentType, append([]byte("[]"), huge...), true, "larger than 8192 bytes"},
		{"batch too long", gateway.BatchContentType, four, false, "at most 3"},
		{"event too large", gateway.StructuredContentType, encodeEvent(t, big), false, "at most 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, e.url+gateway.EventsPath, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.chunked {
				req.ContentLength = -1
				req.Body = io.NopCloser(struct{ io.Reader }{bytes.NewReader(tt.body)})
			}
			req.Header.Set("Content-Type", tt.ct)
			req.Header.Set("Authorization", "Bearer "+tokenAll)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			a := readAnswer(t, resp)
			if a.code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d, want 413; body %s", a.code, a.body)
			}
			if p := a.problem(t); !strings.Contains(p.Detail+problemText(p), tt.want) {
				t.Errorf("problem does not say %q: %s", tt.want, a.body)
			}
		})
	}
	if n := len(e.streamMsgs(t)); n != 0 {
		t.Errorf("stream holds %d messages, want none", n)
	}
}

func problemText(p gateway.Problem) string {
	var b strings.Builder
	for _, x := range p.Problems {
		b.WriteString(x.Message)
	}
	return b.String()
}

// TestUnsupportedMediaType: 415 naming what is supported.
func TestUnsupportedMediaType(t *testing.T) {
	e := newEnv(t, envOptions{})
	ev := placement(t, sourceOther, 1)
	tests := []struct {
		name   string
		header http.Header
		body   []byte
	}{
		{"plain JSON without ce- headers", ctHeader("application/json"), encodeEvent(t, ev)},
		{"no content type", http.Header{}, encodeEvent(t, ev)},
		{"another event format", ctHeader("application/cloudevents+xml"), []byte("<event/>")},
		{"latin-1", ctHeader("application/cloudevents+json; charset=iso-8859-1"), encodeEvent(t, ev)},
		{"binary mode with text data", func() http.Header {
			h := binaryHeaders(ev)
			h.Set("Content-Type", "text/plain")
			return h
		}(), []byte("hello")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, http.MethodPost, e.url+gateway.EventsPath, tokenAll, tt.header, tt.body)
			if a.code != http.StatusUnsupportedMediaType {
				t.Fatalf("status %d, want 415; body %s", a.code, a.body)
			}
			if p := a.problem(t); !strings.Contains(p.Detail, gateway.BatchContentType) {
				t.Errorf("detail does not list the supported types: %q", p.Detail)
			}
		})
	}
}

// TestRouting: 404 and 405 as problem documents, 405 with Allow.
func TestRouting(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		method, path string
		want         int
		allow        string
	}{
		{http.MethodGet, gateway.EventsPath, 405, "POST"},
		{http.MethodPut, gateway.EventsPath, 405, "POST"},
		{http.MethodPost, "/healthz", 405, "GET, HEAD"},
		{http.MethodGet, "/v1/event", 404, ""},
		{http.MethodPost, "/", 404, ""},
		{http.MethodGet, "/healthz", 200, ""},
		{http.MethodGet, "/readyz", 200, ""},
		{http.MethodGet, "/metrics", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			a := do(t, tt.method, e.url+tt.path, tokenAll, nil, nil)
			if a.code != tt.want {
				t.Fatalf("status %d, want %d; body %s", a.code, tt.want, a.body)
			}
			if got := a.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if tt.want >= 400 {
				a.problem(t)
			}
		})
	}
}

// TestMetrics checks the metric names with client_golang's linter and
// that a request shows up.
func TestMetrics(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.post(t, tokenAll, gateway.StructuredContentType, encodeEvent(t, placement(t, sourceOther, 1)))
	problems, err := testutil.GatherAndLint(e.reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
	if got := eventCount(t, e, string(event.PlacementStarted), "accepted"); got != 1 {
		t.Errorf("accepted events counted %v, want 1", got)
	}
	a := do(t, http.MethodGet, e.url+"/metrics", "", nil, nil)
	for _, name := range []string{
		"sundflow_ingest_http_requests_total", "sundflow_ingest_events_total",
		"sundflow_ingest_publish_duration_seconds", "sundflow_ingest_request_body_bytes", "sundflow_auth_reloads_total",
	} {
		if !bytes.Contains(a.body, []byte(name)) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}

// eventCount reads one series of sundflow_ingest_events_total.
func eventCount(t *testing.T, e *env, typ, outcome string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "sundflow_ingest_events_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["type"] == typ && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no series type=%s outcome=%s", typ, outcome)
	return 0
}
