package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/event"
)

// Stream names.
const (
	// EventsStream is the system of record: every accepted event, kept
	// until removed by hand, so any projection can be rebuilt from it.
	EventsStream = "SUNDFLOW_EVENTS"
	// DeadLetterStream holds events the projector gave up on, with why.
	DeadLetterStream = "SUNDFLOW_DEADLETTER"
)

// DeadLetterSubjectPrefix starts every dead-letter subject; the rest is
// the subject the event arrived on, without event.SubjectPrefix.
const DeadLetterSubjectPrefix = "sundflow.deadletter."

// StreamOptions are the operator's choices for the streams.
type StreamOptions struct {
	// Replicas of each stream: 1 on one server, 3 on a cluster. Default 1.
	Replicas int
	// DuplicateWindow is how long JetStream remembers a Nats-Msg-Id to drop
	// a re-sent event. Default 10m: longer than a producer retries one
	// batch with pkg/delivery's defaults (10 tries, each at most the
	// gateway's 5s publish timeout plus a 30s backoff: under 6 minutes).
	// Outside it a re-sent event is stored again, and the projector still
	// counts it once (its tables are keyed by source and id).
	//
	// The window costs memory: nats-server keeps every id of the window in
	// an index on the heap (about 160 bytes of live heap per event, up to
	// three times that with its own slack and Go's GC headroom), so the
	// memory grows with the events published in the last window. The old
	// default of 24h made a gateway with embedded JetStream hold every
	// event of the day: 1.26 GiB RSS after 3M events.
	DuplicateWindow time.Duration
	// MaxAge bounds how long events are kept; 0 (default) keeps them for
	// ever, which is what rebuilding projections needs.
	MaxAge time.Duration
	// Memory stores the streams in memory instead of files (tests only).
	Memory bool
}

func (o *StreamOptions) setDefaults() {
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.DuplicateWindow == 0 {
		o.DuplicateWindow = 10 * time.Minute
	}
}

// Streams returns the declarations of the events and dead-letter streams.
func Streams(o StreamOptions) []jetstream.StreamConfig {
	o.setDefaults()
	storage := jetstream.FileStorage
	if o.Memory {
		storage = jetstream.MemoryStorage
	}
	return []jetstream.StreamConfig{
		{
			Name:        EventsStream,
			Description: "sundflow: every accepted CloudEvent, the system of record",
			Subjects:    []string{event.SubjectPrefix + ">"},
			Storage:     storage,
			Replicas:    o.Replicas,
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardNew,
			MaxAge:      o.MaxAge,
			Duplicates:  o.DuplicateWindow,
			// Never let the server drop stored events silently: with
			// DiscardNew and no limits a full disk rejects new publishes,
			// which the gateway answers with 503.
			MaxMsgs:  -1,
			MaxBytes: -1,
		},
		{
			Name:        DeadLetterStream,
			Description: "sundflow: events the projector could not use, with the reason",
			Subjects:    []string{DeadLetterSubjectPrefix + ">"},
			Storage:     storage,
			Replicas:    o.Replicas,
			Retention:   jetstream.LimitsPolicy,
			MaxAge:      o.MaxAge,
			Duplicates:  o.DuplicateWindow,
			MaxMsgs:     -1,
			MaxBytes:    -1,
		},
	}
}

// EnsureStreams creates the streams or updates them to the declaration.
// It is safe to call from every program at start.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, o StreamOptions) error {
	for _, cfg := range Streams(o) {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("ensure stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}
