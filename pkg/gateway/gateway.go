package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/auth"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
)

// Limits bound what one request may carry.
type Limits struct {
	// MaxBodyBytes bounds a request body. Default 8 MiB.
	MaxBodyBytes int64
	// MaxBatchEvents bounds the events in one batch. Default 1000.
	MaxBatchEvents int
	// MaxEventBytes bounds one event in its stored (structured JSON)
	// form. Default 256 KiB; never more than the NATS server's max
	// payload less room for headers.
	MaxEventBytes int
}

func (l *Limits) setDefaults() {
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = 8 << 20
	}
	if l.MaxBatchEvents == 0 {
		l.MaxBatchEvents = 1000
	}
	if l.MaxEventBytes == 0 {
		l.MaxEventBytes = 256 << 10
	}
}

// Validate reports a limit that cannot work.
func (l Limits) Validate() error {
	switch {
	case l.MaxBodyBytes < 0:
		return errors.New("max body bytes: must not be negative")
	case l.MaxBatchEvents < 0:
		return errors.New("max batch events: must not be negative")
	case l.MaxEventBytes < 0:
		return errors.New("max event bytes: must not be negative")
	}
	return nil
}

// Options are what a [Gateway] works with.
type Options struct {
	Validator *event.Validator
	// Keyring authenticates tokens; required.
	Keyring   *auth.Keyring
	Publisher *bus.Publisher
	// Ready backs /readyz, e.g. a closure over [bus.CheckReady].
	Ready  func(ctx context.Context) error
	Limits Limits
	// Attest, when set, attests every event stored as validated, so the
	// projector holding the same key does not check it again (see
	// pkg/attest). Off: no attestation is added.
	Attest attest.Key
	// RetryAfter is sent with 503 answers. Default 5s.
	RetryAfter time.Duration
	Logger     *slog.Logger
	// Registerer gets the gateway's metrics; Gatherer (usually the same
	// registry) is served on /metrics.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
}

// Gateway is the http.Handler of the ingest gateway.
type Gateway struct {
	v          *event.Validator
	keys       *auth.Keyring
	pub        *bus.Publisher
	ready      func(ctx context.Context) error
	limits     Limits
	attest     attest.Key
	retryAfter string
	log        *slog.Logger
	m          *metrics
	metricsH   http.Handler
}

// New builds a gateway.
func New(o Options) (*Gateway, error) {
	if o.Validator == nil || o.Keyring == nil || o.Publisher == nil || o.Ready == nil {
		return nil, errors.New("gateway: validator, keyring, publisher and ready check are required")
	}
	o.Limits.setDefaults()
	if err := o.Limits.Validate(); err != nil {
		return nil, fmt.Errorf("gateway limits: %w", err)
	}
	// Leave 4 KiB of the NATS max payload for the headers.
	if maxPayload := int(o.Publisher.MaxPayload()) - 4<<10; maxPayload > 0 && o.Limits.MaxEventBytes > maxPayload {
		o.Limits.MaxEventBytes = maxPayload
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registerer == nil {
		o.Registerer = prometheus.NewRegistry()
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		v:          o.Validator,
		keys:       o.Keyring,
		pub:        o.Publisher,
		ready:      o.Ready,
		limits:     o.Limits,
		attest:     o.Attest,
		retryAfter: strconv.Itoa(int((o.RetryAfter + time.Second - 1) / time.Second)),
		log:        o.Logger,
		m:          m,
	}
	if o.Gatherer != nil {
		g.metricsH = promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{Registry: o.Registerer})
	}
	return g, nil
}

// Limits returns the limits in force (defaults filled in).
func (g *Gateway) Limits() Limits { return g.limits }

// EventsPath is where events are posted.
const EventsPath = "/v1/events"

// ServeHTTP routes by path, answering 404 and 405 as problem documents.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	began := time.Now()
	rw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, newRequestID()))
	rw.Header().Set("X-Request-Id", requestID(r))
	handler, allow, serve := g.route(r.URL.Path)
	switch {
	case serve == nil:
		writeProblem(rw, r, newProblem(http.StatusNotFound, ProblemNotFound, "Not Found",
			fmt.Sprintf("nothing at %s; events are posted to POST %s", r.URL.Path, EventsPath)))
	case !methodAllowed(r.Method, allow):
		rw.Header().Set("Allow", allow)
		writeProblem(rw, r, newProblem(http.StatusMethodNotAllowed, ProblemMethod, "Method Not Allowed",
			fmt.Sprintf("%s does not take %s; allowed: %s", r.URL.Path, r.Method, allow)))
	default:
		serve(rw, r)
	}
	g.m.requests.WithLabelValues(handler, strconv.Itoa(rw.code)).Inc()
	g.log.Debug("request answered", "request_id", requestID(r), "method", r.Method, "path", r.URL.Path,
		"code", rw.code, "duration", time.Since(began).String())
}

func (g *Gateway) route(path string) (handler, allow string, serve http.HandlerFunc) {
	switch path {
	case EventsPath:
		return "events", http.MethodPost, g.serveEvents
	case "/healthz":
		return "healthz", "GET, HEAD", g.serveHealth
	case "/readyz":
		return "readyz", "GET, HEAD", g.serveReady
	case "/metrics":
		if g.metricsH != nil {
			return "metrics", "GET, HEAD", g.metricsH.ServeHTTP
		}
	}
	return "other", "", nil
}

func methodAllowed(method, allow string) bool {
	switch allow {
	case http.MethodPost:
		return method == http.MethodPost
	default:
		return method == http.MethodGet || method == http.MethodHead
	}
}

func (g *Gateway) serveHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"status": "ok"})
}

func (g *Gateway) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := g.ready(ctx); err != nil {
		w.Header().Set("Retry-After", g.retryAfter)
		writeProblem(w, r, newProblem(http.StatusServiceUnavailable, ProblemNotReady, "Not Ready", err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, "application/json", map[string]string{"status": "ready"})
}

// statusWriter remembers the status code for the metrics.
type statusWriter struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wroteHeader {
		s.code, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

type requestIDKey struct{}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

// requestURN is a problem's instance: the request id, which is also in
// the X-Request-Id header and in the gateway's log lines about it.
func requestURN(r *http.Request) string {
	return "urn:sundflow:ingest:request:" + requestID(r)
}
