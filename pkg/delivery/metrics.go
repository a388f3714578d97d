package delivery

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests *prometheus.HistogramVec
	events   *prometheus.CounterVec
	retries  prometheus.Counter
}

// newMetrics registers the client's metrics with reg; a nil reg gives
// working metrics that nobody scrapes.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sundflow_delivery_request_duration_seconds",
			Help:    "Time for one batch request to the ingest gateway, by HTTP status code (error: no answer).",
			Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10),
		}, []string{"code"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sundflow_delivery_events_total",
			Help: "Events the gateway answered for, by status (accepted, duplicate, rejected).",
		}, []string{"status"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "sundflow_delivery_retries_total",
			Help: "Batch requests repeated after a 5xx, 408, 429 or connection error.",
		}),
	}
	for _, s := range []Status{StatusAccepted, StatusDuplicate, StatusRejected} {
		m.events.WithLabelValues(string(s))
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.requests, m.events, m.retries} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register delivery metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) observe(code string, d time.Duration) {
	m.requests.WithLabelValues(code).Observe(d.Seconds())
}

func (m *metrics) countResult(r Result) {
	m.events.WithLabelValues(string(StatusAccepted)).Add(float64(r.Accepted))
	m.events.WithLabelValues(string(StatusDuplicate)).Add(float64(r.Duplicates))
	m.events.WithLabelValues(string(StatusRejected)).Add(float64(r.Rejected))
}
