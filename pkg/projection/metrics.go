package projection

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sundflow/sundflow/pkg/event"
)

// Dead-letter kinds: the reason label of dead_letters_total and the
// Sundflow-Dead-Letter-Kind header.
const (
	// KindInvalid: the message is not a valid event by the contract.
	KindInvalid = "invalid"
	// KindUnstorable: a valid event ClickHouse cannot hold (see
	// store.ErrUnmappable).
	KindUnstorable = "unstorable"
	// KindMaxDeliver: delivered more than the allowed number of times
	// without being acknowledged: something about it stops the projector.
	KindMaxDeliver = "max_deliver"
)

// Metrics are the projector's Prometheus metrics.
type Metrics struct {
	projected      *prometheus.CounterVec
	checked        *prometheus.CounterVec
	batchEvents    prometheus.Histogram
	insertSeconds  prometheus.Histogram
	insertFailures prometheus.Counter
	pending        prometheus.Gauge
	ackPending     prometheus.Gauge
	redelivered    prometheus.Gauge
	redeliveries   prometheus.Counter
	deadLetters    *prometheus.CounterVec
	lastInsert     prometheus.Gauge
	clickhouseUp   prometheus.Gauge
	replayedEvents prometheus.Counter
}

// NewMetrics registers the projector's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	const ns, sub = "sundflow", "projector"
	m := &Metrics{
		projected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "events_projected_total",
			Help: "Events inserted into ClickHouse and acknowledged, by CloudEvents type (a redelivered event counts again).",
		}, []string{"type"}),
		checked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "events_decoded_total",
			Help: "Messages decoded, by check: attested (the gateway's attestation verified; decoded without re-checking) or full (schema, codes, rules and privacy checked).",
		}, []string{"check"}),
		batchEvents: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "batch_events",
			Help:    "Events per insert (batches fetched while an insert runs go together in the next).",
			Buckets: []float64{1, 10, 50, 100, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000},
		}),
		insertSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "insert_duration_seconds",
			Help:    "Time to insert one batch into every ClickHouse table it touches (successful attempts).",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		insertFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "insert_failures_total",
			Help: "Failed batch insert attempts; the batch is kept and retried with backoff.",
		}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "consumer_pending_messages",
			Help: "Messages in the events stream not yet delivered to the consumer (lag).",
		}),
		ackPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "consumer_ack_pending_messages",
			Help: "Messages delivered to projectors and not yet acknowledged.",
		}),
		redelivered: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "consumer_redelivered_messages",
			Help: "Messages the consumer has delivered more than once and not yet acknowledged (JetStream's count).",
		}),
		redeliveries: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "redeliveries_total",
			Help: "Messages this projector received that had been delivered before.",
		}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "dead_letters_total",
			Help: "Messages terminated and written to the dead-letter stream, by reason (invalid, unstorable, max_deliver).",
		}, []string{"reason"}),
		lastInsert: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "last_insert_timestamp_seconds",
			Help: "Unix time of the last successful batch insert.",
		}),
		clickhouseUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "clickhouse_up",
			Help: "1 when the last insert into ClickHouse succeeded, 0 while inserts fail.",
		}),
		replayedEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "replayed_events_total",
			Help: "Events read by replay into fresh tables.",
		}),
	}
	reg.MustRegister(m.projected, m.checked, m.batchEvents, m.insertSeconds, m.insertFailures, m.pending, m.ackPending,
		m.redelivered, m.redeliveries, m.deadLetters, m.lastInsert, m.clickhouseUp, m.replayedEvents)
	for _, t := range event.Types {
		m.projected.WithLabelValues(string(t))
	}
	for _, c := range []string{"attested", "full"} {
		m.checked.WithLabelValues(c)
	}
	for _, k := range []string{KindInvalid, KindUnstorable, KindMaxDeliver} {
		m.deadLetters.WithLabelValues(k)
	}
	return m
}
