package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/auth"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/gateway"
)

// Tokens of the test token file.
const (
	tokenAll       = "test-token-all-0123456789abcdef"
	tokenHelsingor = "test-token-helsingor-0123456789"
	sourceHelsing  = "urn:sundflow:source:helsingor:case-system"
	sourceOther    = "urn:sundflow:source:malmo:case-system"
)

func tokenFile(t *testing.T) string {
	t.Helper()
	body := fmt.Sprintf(`tokens:
  - name: everything
    token_sha256: %s
    source_prefixes: ["*"]
    types: ["*"]
  - name: helsingor
    token_sha256: %s
    source_prefixes: ["urn:sundflow:source:helsingor:"]
    types: [%s]
`, auth.HashToken(tokenAll), auth.HashToken(tokenHelsingor), event.PlacementStarted)
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// env is a gateway over HTTP in front of a real nats-server with
// JetStream in a temp dir.
type env struct {
	url      string
	ns       *server.Server
	storeDir string
	port     int
	nc       *nats.Conn
	js       jetstream.JetStream
	reg      *prometheus.Registry
	keys     *auth.Keyring
	tokens   string
}

type envOptions struct {
	limits         gateway.Limits
	publishTimeout time.Duration
	attest         attest.Key
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	if o.publishTimeout == 0 {
		o.publishTimeout = 2 * time.Second
	}
	e := &env{storeDir: t.TempDir()}
	e.startServer(t, -1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, js, err := bus.Connect(ctx, bus.ConnConfig{
		URL: e.ns.ClientURL(), Name: "gateway-test",
		PublishTimeout: o.publishTimeout, ReconnectWait: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	e.nc, e.js = nc, js
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{DuplicateWindow: time.Hour}); err != nil {
		t.Fatalf("ensure streams: %v", err)
	}
	e.serve(t, o)
	return e
}

// serve puts a gateway over e.nc and e.js behind an HTTP test server.
func (e *env) serve(t *testing.T, o envOptions) {
	t.Helper()
	nc, js := e.nc, e.js
	v, err := event.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	e.reg = prometheus.NewRegistry()
	e.tokens = tokenFile(t)
	e.keys, err = auth.Load(e.tokens, slog.New(slog.DiscardHandler), e.reg)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(gateway.Options{
		Validator:  v,
		Keyring:    e.keys,
		Publisher:  bus.NewPublisher(nc, js, bus.EventsStream, o.publishTimeout),
		Ready:      func(ctx context.Context) error { return bus.CheckReady(ctx, nc, js) },
		Limits:     o.limits,
		Attest:     o.attest,
		RetryAfter: 3 * time.Second,
		Registerer: e.reg,
		Gatherer:   e.reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	e.url = srv.URL
}

// startServer starts (or restarts) the nats-server on the env's store.
func (e *env) startServer(t *testing.T, port int) {
	t.Helper()
	ns, err := bus.StartServer(bus.ServerConfig{StoreDir: e.storeDir, Port: port})
	if err != nil {
		t.Fatalf("start nats-server: %v", err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	e.ns = ns
	e.port = ns.Addr().(*net.TCPAddr).Port
}

// stopServer shuts the nats-server down, as a crash or an operator would.
func (e *env) stopServer() {
	e.ns.Shutdown()
	e.ns.WaitForShutdown()
}

// streamMsgs returns the events stream's messages by Nats-Msg-Id.
func (e *env) streamMsgs(t *testing.T) map[string]*jetstream.RawStreamMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return streamMsgs(ctx, t, e.js)
}

func streamMsgs(ctx context.Context, t *testing.T, js jetstream.JetStream) map[string]*jetstream.RawStreamMsg {
	t.Helper()
	s, err := js.Stream(ctx, bus.EventsStream)
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatalf("stream info: %v", err)
	}
	out := map[string]*jetstream.RawStreamMsg{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("get message %d: %v", seq, err)
		}
		id := m.Header.Get(jetstream.MsgIDHeader)
		if _, dup := out[id]; dup {
			t.Errorf("message id %s stored twice", id)
		}
		out[id] = m
	}
	if uint64(len(out)) != info.State.Msgs {
		t.Errorf("read %d messages, stream says %d", len(out), info.State.Msgs)
	}
	return out
}

// placement is a valid synthetic placement.started event; the person is
// a pseudonym of a made-up number, never a real person.
func placement(t testing.TB, source string, i int) ce.Event {
	t.Helper()
	e, err := event.New(event.PlacementStarted, source, "placement-"+strconv.Itoa(i)+"-v1",
		time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC), placementData(i))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func placementData(i int) event.PlacementStartedData {
	sum := sha256.Sum256([]byte("synthetic-person-" + strconv.Itoa(i)))
	return event.PlacementStartedData{
		PlacementID:  "placement-" + strconv.Itoa(i),
		Person:       event.Person{Pseudonym: hex.EncodeToString(sum[:]), Residence: event.Place{Country: "SE", Municipality: "1283"}},
		Workplace:    event.Place{Country: "DK", Municipality: "217"},
		Employer:     event.Employer{Country: "DK", RegistrationNumber: "12345678", Name: "Syntetisk Pleje ApS"},
		Sector:       event.SectorHealthCare,
		Occupation:   event.Occupation{ISCO: "5322"},
		Kind:         "ordinary_job",
		StatusBefore: "insured_unemployed",
		Start:        "2024-03-01",
		Projects:     []string{"job-paa-tvaers"},
	}
}

func encodeEvent(t testing.TB, e ce.Event) []byte {
	t.Helper()
	b, err := event.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func batchBody(t testing.TB, evs ...ce.Event) []byte {
	t.Helper()
	parts := make([][]byte, len(evs))
	for i, e := range evs {
		parts[i] = encodeEvent(t, e)
	}
	return append(append([]byte("["), bytes.Join(parts, []byte(","))...), ']')
}

// binaryRequest puts e in binary mode: ce- headers and the data as body.
func binaryHeaders(e ce.Event) http.Header {
	h := http.Header{}
	h.Set("ce-specversion", "1.0")
	h.Set("ce-id", e.ID())
	h.Set("ce-source", e.Source())
	h.Set("ce-type", e.Type())
	h.Set("ce-time", e.Time().Format(time.RFC3339))
	h.Set("ce-dataschema", e.DataSchema())
	h.Set("Content-Type", "application/json")
	return h
}

type answer struct {
	code   int
	header http.Header
	body   []byte
}

func (a answer) problem(t *testing.T) gateway.Problem {
	t.Helper()
	if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, a.body)
	}
	var p gateway.Problem
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatalf("decode problem: %v; body %s", err, a.body)
	}
	if p.Status != a.code || p.Type == "" || p.Title == "" || p.Detail == "" || p.Instance == "" {
		t.Errorf("problem lacks members or status differs from %d: %s", a.code, a.body)
	}
	return p
}

func (a answer) batch(t *testing.T) gateway.BatchResult {
	t.Helper()
	var r gateway.BatchResult
	if err := json.Unmarshal(a.body, &r); err != nil {
		t.Fatalf("decode batch answer: %v; body %s", err, a.body)
	}
	return r
}

func (a answer) single(t *testing.T) gateway.EventResult {
	t.Helper()
	var r gateway.EventResult
	if err := json.Unmarshal(a.body, &r); err != nil {
		t.Fatalf("decode answer: %v; body %s", err, a.body)
	}
	return r
}

// do sends one request with the token (none if empty).
func do(t testing.TB, method, url, token string, h http.Header, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return readAnswer(t, resp)
}

func readAnswer(t testing.TB, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{code: resp.StatusCode, header: resp.Header, body: b}
}

func ctHeader(ct string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", ct)
	return h
}

// post sends a structured or batch body (by content type) with a token.
func (e *env) post(t testing.TB, token, contentType string, body []byte) answer {
	t.Helper()
	return do(t, http.MethodPost, e.url+gateway.EventsPath, token, ctHeader(contentType), body)
}

// waitFor polls cond until it holds or 10s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
