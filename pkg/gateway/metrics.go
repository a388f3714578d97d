package gateway

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sundflow/sundflow/pkg/event"
)

// Event outcomes, the values of the outcome label.
const (
	outcomeAccepted    = "accepted"    // stored now
	outcomeDuplicate   = "duplicate"   // stored before; JetStream dropped this copy
	outcomeRejected    = "rejected"    // invalid or not allowed; not stored
	outcomeUnavailable = "unavailable" // valid, but JetStream did not confirm; the client was told 503
)

type metrics struct {
	requests  *prometheus.CounterVec
	events    *prometheus.CounterVec
	publish   prometheus.Histogram
	inProcess prometheus.Counter
	bodyBytes *prometheus.HistogramVec
	inFlight  prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sundflow_ingest_http_requests_total",
			Help: "HTTP requests answered, by handler (events, healthz, readyz, metrics, other) and status code.",
		}, []string{"handler", "code"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sundflow_ingest_events_total",
			Help: "Events received, by type (unknown for an unrecognised type) and outcome (accepted, duplicate, rejected, unavailable).",
		}, []string{"type", "outcome"}),
		publish: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sundflow_ingest_publish_duration_seconds",
			Help:    "Time from publishing a request's events to JetStream until the last acknowledgement (or failure).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5ms .. ~16s
		}),
		inProcess: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sundflow_ingest_publish_in_process_retries_total",
			Help: "Publishes JetStream answered with error 10158 (the same message id is still being stored from an earlier copy, on a clustered stream) and the gateway published again instead of answering 503.",
		}),
		bodyBytes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sundflow_ingest_request_body_bytes",
			Help:    "Size of POST /v1/events request bodies, by content mode (binary, structured, batch).",
			Buckets: prometheus.ExponentialBuckets(256, 4, 10), // 256B .. 64MiB
		}, []string{"mode"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sundflow_ingest_requests_in_flight",
			Help: "POST /v1/events requests being handled.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.events, m.publish, m.inProcess, m.bodyBytes, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register ingest metrics: %w", err)
		}
	}
	// Make every series visible at zero so rates and alerts work from
	// the start.
	for _, t := range append([]event.Type{}, event.Types...) {
		for _, o := range []string{outcomeAccepted, outcomeDuplicate, outcomeRejected, outcomeUnavailable} {
			m.events.WithLabelValues(string(t), o)
		}
	}
	for _, mode := range []string{modeBinary, modeStructured, modeBatch} {
		m.bodyBytes.WithLabelValues(mode)
	}
	return m, nil
}

// typeLabel keeps the type label to the known types.
func typeLabel(t string) string {
	if event.Type(t).Known() {
		return t
	}
	return "unknown"
}
