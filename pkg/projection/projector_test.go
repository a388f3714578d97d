package projection_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/projection"
	"github.com/sundflow/sundflow/pkg/store/storetest"
)

const consumerName = "sundflow-projector"

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     projection.Config
		wantErr string
	}{
		{"defaults", projection.Config{}, ""},
		{"batch too big", projection.Config{BatchSize: 200_000}, "batch size 200000"},
		{"batch wait", projection.Config{BatchWait: time.Millisecond}, "batch wait 1ms"},
		{"ack wait short", projection.Config{AckWait: time.Second}, "ack wait 1s"},
		{"ack wait below batch wait", projection.Config{AckWait: 10 * time.Second, BatchWait: 20 * time.Second}, "ack wait 10s"},
		{"max deliver", projection.Config{MaxDeliver: -1}, "max deliver -1"},
		{"ack pending below batch", projection.Config{BatchSize: 5000, MaxAckPending: 100}, "max ack pending 100"},
		{"backoff", projection.Config{RetryMin: time.Minute, RetryMax: time.Second}, "retry backoff"},
		{"insert below batch", projection.Config{BatchSize: 5000, InsertMaxEvents: 100}, "insert max events 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			if !errors.Is(err, projection.ErrConfig) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want ErrConfig containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestMetricsLint(t *testing.T) {
	reg := prometheus.NewRegistry()
	projection.NewMetrics(reg)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
}

// N events in give exactly the figures known by construction, whatever
// order they arrive in; every event is projected once per delivery.
func TestProjectsExactFigures(t *testing.T) {
	e := newEnv(t, shared)
	sc := storetest.NewScenario(11, 3000)
	e.publish(sc.Events, publishOpts{})
	r := e.startProjector(projection.Config{BatchSize: 400})
	e.waitDrained(consumerName, time.Minute)
	e.checkFigures(sc.Want, "after one delivery of each event")
	if got := metric(t, r.reg, "sundflow_projector_events_projected_total", ""); got != float64(len(sc.Events)) {
		t.Errorf("events_projected_total = %v, want %d", got, len(sc.Events))
	}
	if got := metric(t, r.reg, "sundflow_projector_dead_letters_total", ""); got != 0 {
		t.Errorf("dead_letters_total = %v, want 0", got)
	}
	if got := histogramSum(t, r.reg, "sundflow_projector_batch_events"); got != float64(len(sc.Events)) {
		t.Errorf("batch_events sums to %v events, want %d", got, len(sc.Events))
	}
	waitFor(t, 5*time.Second, "lag gauges read", func() (bool, string) {
		st := r.p.Status()
		return st.Pending == 0 && st.AckPending == 0 && !st.LastInsert.IsZero() && st.NATSConnected, ""
	})
}

// The same events delivered again by the consumer (nak, ack timeout) and
// sent again by a producer outside the duplicate window (new message
// ids) give the same figures.
func TestRedeliveryAndResendCountOnce(t *testing.T) {
	e := newEnv(t, shared)
	sc := storetest.NewScenario(12, 2000)
	e.publish(sc.Events, publishOpts{})
	e.publish(sc.Events, publishOpts{msgID: "resent-"}) // the stream now holds every event twice

	// Another member of the consumer takes the first messages and naks
	// half and never acknowledges the rest: all are redelivered.
	cons, err := e.js.CreateOrUpdateConsumer(context.Background(), bus.EventsStream, projection.Config{AckWait: 5 * time.Second}.ConsumerConfig())
	if err != nil {
		t.Fatal(err)
	}
	mb, err := cons.Fetch(600, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// Take all 600 first: a nak while the fetch is still open would be
	// redelivered into this very fetch.
	var taken []jetstream.Msg
	for m := range mb.Messages() {
		taken = append(taken, m)
	}
	n := len(taken)
	for i, m := range taken {
		if i%2 == 0 {
			if err := m.Nak(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n != 600 {
		t.Fatalf("fetched %d messages, want 600", n)
	}
	r := e.startProjector(projection.Config{BatchSize: 300, AckWait: 5 * time.Second})
	e.waitDrained(consumerName, 2*time.Minute)
	e.checkFigures(sc.Want, "after redelivery and re-send")
	// At least the 600 given back; a loaded machine may make a batch
	// outlive the 5s ack wait and add more, which must not change a figure.
	redelivered := metric(t, r.reg, "sundflow_projector_redeliveries_total", "")
	if redelivered < 600 {
		t.Errorf("redeliveries_total = %v, want at least 600", redelivered)
	}
	if got := metric(t, r.reg, "sundflow_projector_events_projected_total", ""); got < float64(2*len(sc.Events)) {
		t.Errorf("events_projected_total = %v, want at least %d (each stored copy projected)", got, 2*len(sc.Events))
	}
}

// Events in binary content mode (ce- headers) are projected like
// structured ones.
func TestBinaryModeProjected(t *testing.T) {
	e := newEnv(t, shared)
	sc := storetest.NewScenario(13, 1000)
	half := len(sc.Events) / 2
	e.publish(sc.Events[:half], publishOpts{binary: true})
	e.publish(sc.Events[half:], publishOpts{})
	r := e.startProjector(projection.Config{})
	e.waitDrained(consumerName, time.Minute)
	e.checkFigures(sc.Want, "half binary, half structured")
	if got := metric(t, r.reg, "sundflow_projector_dead_letters_total", ""); got != 0 {
		t.Errorf("dead_letters_total = %v, want 0", got)
	}
}

func deadLetters(t *testing.T, e *env, want int) []jetstream.Msg {
	t.Helper()
	var out []jetstream.Msg
	cons, err := e.js.OrderedConsumer(context.Background(), bus.DeadLetterStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := cons.Fetch(want+10, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range mb.Messages() {
		out = append(out, m)
	}
	if len(out) != want {
		t.Fatalf("dead-letter stream holds %d records, want %d", len(out), want)
	}
	return out
}

// Poison lands in the dead-letter stream with the reason, the original
// headers and payload, its delivery count and sequence; the good events
// around it are all projected.
func TestPoisonIsDeadLetteredAndTheRestFlows(t *testing.T) {
	e := newEnv(t, shared)
	sc := storetest.NewScenario(14, 1500)
	half := len(sc.Events) / 2
	e.publish(sc.Events[:half], publishOpts{})

	placement := func(start string) ce.Event {
		ev, err := event.New(event.PlacementStarted, storetest.SourceSE, "poison-"+start, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), event.PlacementStartedData{
			PlacementID: "poison", Person: event.Person{Pseudonym: storetest.Pseudonym(1), Residence: event.Place{Country: "SE"}},
			Workplace: event.Place{Country: "DK"}, Employer: event.Employer{Country: "DK", Name: "x"}, Sector: "other",
			Occupation: event.Occupation{ISCO: "2221"}, Kind: "ordinary_job", StatusBefore: "other", Start: start})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	structured := func(ev ce.Event) []byte {
		b, err := event.Encode(ev)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	subject := event.PlacementStarted.Subject()
	missingField := []byte(strings.Replace(string(structured(placement("2019-02-01"))), `"kind":"ordinary_job",`, "", 1))
	poison := []struct {
		name, kind, subject, reasonHas string
		header                         nats.Header
		data                           []byte
	}{
		{"not json", projection.KindInvalid, subject, "invalid event", nats.Header{"X-Trace": {"t-1"}}, []byte("{not json")},
		{"schema", projection.KindInvalid, subject, "$.data.kind", nats.Header{"X-Trace": {"t-2"}}, missingField},
		{"binary without id", projection.KindInvalid, subject, "$.id", nats.Header{"ce-specversion": {"1.0"}, "ce-source": {"urn:x"}, "ce-type": {string(event.PlacementStarted)}, "content-type": {"application/json"}}, []byte(`{}`)},
		{"wrong subject", projection.KindInvalid, event.VacancyClosed.Subject(), "stored on subject", nats.Header{}, structured(placement("2019-03-01"))},
		{"date before 1970", projection.KindUnstorable, subject, "data.start 1969-12-31", nats.Header{}, structured(placement("1969-12-31"))},
	}
	for _, p := range poison {
		e.publishRaw(p.subject, p.header, p.data)
	}
	e.publish(sc.Events[half:], publishOpts{})

	r := e.startProjector(projection.Config{BatchSize: 200})
	e.waitDrained(consumerName, time.Minute)
	e.checkFigures(sc.Want, "with poison in the stream")

	records := deadLetters(t, e, len(poison))
	for i, p := range poison {
		t.Run(p.name, func(t *testing.T) {
			m := records[i]
			h := m.Headers()
			if got := h.Get(bus.HeaderDeadLetterKind); got != p.kind {
				t.Errorf("kind = %q, want %q", got, p.kind)
			}
			if got := h.Get(bus.HeaderDeadLetterReason); !strings.Contains(got, p.reasonHas) {
				t.Errorf("reason = %q, want it to contain %q", got, p.reasonHas)
			}
			if got := h.Get(bus.HeaderOriginalSubject); got != p.subject {
				t.Errorf("original subject = %q, want %q", got, p.subject)
			}
			if want := bus.DeadLetterSubject(p.subject); m.Subject() != want {
				t.Errorf("dead-letter subject = %q, want %q", m.Subject(), want)
			}
			if got := h.Get(bus.HeaderDeliveries); got != "1" {
				t.Errorf("deliveries = %q, want 1", got)
			}
			if seq, err := strconv.ParseUint(h.Get(bus.HeaderOriginalSequence), 10, 64); err != nil || seq != uint64(half+i+1) {
				t.Errorf("original sequence = %q, want %d", h.Get(bus.HeaderOriginalSequence), half+i+1)
			}
			if string(m.Data()) != string(p.data) {
				t.Errorf("payload changed: %q, want %q", m.Data(), p.data)
			}
			for k := range p.header {
				if h.Get(k) != p.header.Get(k) {
					t.Errorf("original header %s = %q, want %q", k, h.Get(k), p.header.Get(k))
				}
			}
		})
	}
	if got := metric(t, r.reg, "sundflow_projector_dead_letters_total", projection.KindInvalid); got != 4 {
		t.Errorf("dead_letters_total{reason=invalid} = %v, want 4", got)
	}
	if got := metric(t, r.reg, "sundflow_projector_dead_letters_total", projection.KindUnstorable); got != 1 {
		t.Errorf("dead_letters_total{reason=unstorable} = %v, want 1", got)
	}
}

// A message delivered more often than MaxDeliver is dead-lettered, not
// retried for ever.
func TestMaxDeliverDeadLetters(t *testing.T) {
	e := newEnv(t, shared)
	sc := storetest.NewScenario(15, 200)
	e.publish(sc.Events[:1], publishOpts{})
	cfg := projection.Config{MaxDeliver: 2, AckWait: 5 * time.Second}
	cons, err := e.js.CreateOrUpdateConsumer(context.Background(), bus.EventsStream, cfg.ConsumerConfig())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // two deliveries that never end in an ack, as if the projector crashed
		mb, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range mb.Messages() {
			_ = m.Nak()
		}
	}
	r := e.startProjector(cfg)
	e.waitDrained(consumerName, time.Minute)
	recs := deadLetters(t, e, 1)
	if got := recs[0].Headers().Get(bus.HeaderDeadLetterKind); got != projection.KindMaxDeliver {
		t.Fatalf("kind = %q, want max_deliver", got)
	}
	if got := recs[0].Headers().Get(bus.HeaderDeliveries); got != "3" {
		t.Fatalf("deliveries = %q, want 3", got)
	}
	if got := metric(t, r.reg, "sundflow_projector_dead_letters_total", projection.KindMaxDeliver); got != 1 {
		t.Errorf("dead_letters_total{reason=max_deliver} = %v, want 1", got)
	}
}

// Several projector processes share one durable consumer; together they
// project every event once.
func TestProjectorsShareTheConsumer(t *testing.T) {
	e := newEnv(t, shared)
	sc := storetest.NewScenario(16, 4000)
	a := e.startProjector(projection.Config{BatchSize: 100})
	b := e.startProjector(projection.Config{BatchSize: 100})
	e.publish(sc.Events, publishOpts{})
	e.waitDrained(consumerName, time.Minute)
	e.checkFigures(sc.Want, "two projectors")
	na := metric(t, a.reg, "sundflow_projector_events_projected_total", "")
	nb := metric(t, b.reg, "sundflow_projector_events_projected_total", "")
	if na+nb != float64(len(sc.Events)) || na == 0 || nb == 0 {
		t.Errorf("projected %v + %v events, want both > 0 and %d together", na, nb, len(sc.Events))
	}
}

// ClickHouse stopped for a while: the projector keeps its batch, waits
// with backoff, exposes the lag and the failures, does not dead-letter or
// burn deliveries, and the figures are exact once ClickHouse is back.
func TestClickHouseOutage(t *testing.T) {
	srv := chservertest.Start(t)
	e := newEnv(t, srv)
	sc := storetest.NewScenario(17, 3000)
	half := len(sc.Events) / 2
	// Inserts of one batch: the projector holds at most three batches,
	// so the rest stays pending in the stream and the lag shows.
	r := e.startProjector(projection.Config{BatchSize: 250, InsertMaxEvents: 250, RetryMin: 100 * time.Millisecond, RetryMax: 400 * time.Millisecond, AckWait: 6 * time.Second})
	e.publish(sc.Events[:half], publishOpts{})
	e.waitDrained(consumerName, time.Minute)

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	e.publish(sc.Events[half:], publishOpts{})
	waitFor(t, 30*time.Second, "inserts failing", func() (bool, string) {
		return metric(t, r.reg, "sundflow_projector_insert_failures_total", "") >= 3 &&
			metric(t, r.reg, "sundflow_projector_clickhouse_up", "") == 0 &&
			!r.p.Status().ClickHouseFailingSince.IsZero(), ""
	})
	// Longer than the ack wait: the batch held is kept in progress, not
	// redelivered.
	waitFor(t, 30*time.Second, "lag visible", func() (bool, string) {
		st := r.p.Status()
		return st.Pending > 0 && st.AckPending > 0 && time.Since(st.ClickHouseFailingSince) > 8*time.Second,
			"pending " + strconv.FormatUint(st.Pending, 10)
	})
	if err := srv.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.waitDrained(consumerName, 2*time.Minute)
	e.checkFigures(sc.Want, "after the outage")
	if got := metric(t, r.reg, "sundflow_projector_dead_letters_total", ""); got != 0 {
		t.Errorf("dead_letters_total = %v, want 0", got)
	}
	if got := metric(t, r.reg, "sundflow_projector_redeliveries_total", ""); got != 0 {
		t.Errorf("redeliveries_total = %v, want 0 (waiting for ClickHouse must not redeliver)", got)
	}
	if got := metric(t, r.reg, "sundflow_projector_clickhouse_up", ""); got != 1 {
		t.Errorf("clickhouse_up = %v, want 1", got)
	}
}

// Stopping mid-stream flushes: Run returns with nothing left
// unacknowledged and what was fetched is stored.
func TestStopFlushesAndAcks(t *testing.T) {
	e := newEnv(t, shared)
	sc := storetest.NewScenario(18, 6000)
	e.publish(sc.Events, publishOpts{})
	r := e.startProjector(projection.Config{BatchSize: 500})
	waitFor(t, time.Minute, "some batches projected", func() (bool, string) {
		return metric(t, r.reg, "sundflow_projector_events_projected_total", "") >= 1000, ""
	})
	r.stop()
	projected := metric(t, r.reg, "sundflow_projector_events_projected_total", "")
	c, err := e.js.Consumer(context.Background(), bus.EventsStream, consumerName)
	if err != nil {
		t.Fatal(err)
	}
	// The acknowledgements were flushed before Run returned; the server
	// applies them asynchronously.
	var info *jetstream.ConsumerInfo
	waitFor(t, 5*time.Second, "nothing left unacknowledged", func() (bool, string) {
		info, err = c.Info(context.Background())
		if err != nil {
			return false, err.Error()
		}
		return info.NumAckPending == 0, "ack pending " + strconv.Itoa(info.NumAckPending)
	})
	if got := uint64(len(sc.Events)) - info.NumPending; float64(got) != projected {
		t.Errorf("consumer acknowledged %d, projector counted %v", got, projected)
	}
	var rows uint64
	if err := e.ch.QueryRow(context.Background(), "SELECT count() FROM "+e.db+".events FINAL").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if float64(rows) != projected {
		t.Errorf("events stored = %d, acknowledged %v", rows, projected)
	}
	// A new projector finishes the job exactly.
	e.startProjector(projection.Config{})
	e.waitDrained(consumerName, time.Minute)
	e.checkFigures(sc.Want, "after a stop and a restart")
}

func TestHealthStatusJSON(t *testing.T) {
	st := projection.Status{NATSConnected: true, Pending: 3}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != `{"nats_connected":true,"pending":3,"ack_pending":0}` {
		t.Fatalf("status JSON = %s", got)
	}
}

// An operator deleting the consumer does not stop the projector: it
// declares the consumer again and the figures stay exact.
func TestConsumerDeletedIsRecreated(t *testing.T) {
	e := newEnv(t, shared)
	sc := storetest.NewScenario(24, 1000)
	half := len(sc.Events) / 2
	e.publish(sc.Events[:half], publishOpts{})
	e.startProjector(projection.Config{})
	e.waitDrained(consumerName, time.Minute)
	if err := e.js.DeleteConsumer(context.Background(), bus.EventsStream, consumerName); err != nil {
		t.Fatal(err)
	}
	e.publish(sc.Events[half:], publishOpts{})
	waitFor(t, time.Minute, "consumer declared again", func() (bool, string) {
		_, err := e.js.Consumer(context.Background(), bus.EventsStream, consumerName)
		return err == nil, fmt.Sprint(err)
	})
	e.waitDrained(consumerName, time.Minute)
	e.checkFigures(sc.Want, "after the consumer was deleted and declared again")
}

// The end of a backlog is fetched by its number, so it does not wait out
// BatchWait for a full batch: a backlog of two and a bit batches drains
// long before one BatchWait, and then a trickle is still batched by time.
func TestBacklogTailDoesNotWaitForAFullBatch(t *testing.T) {
	e := newEnv(t, shared)
	sc := storetest.NewScenario(12, 300)
	const batch = 100
	tail := len(sc.Events) % batch
	if tail == 0 || len(sc.Events) < 2*batch {
		t.Fatalf("scenario of %d events: want a backlog of more than two batches with a partial last one", len(sc.Events))
	}
	e.publish(sc.Events, publishOpts{})
	const wait = 8 * time.Second
	start := time.Now()
	r := e.startProjector(projection.Config{BatchSize: batch, InsertMaxEvents: batch, BatchWait: wait, AckWait: 2 * wait})
	e.waitDrained(consumerName, wait/2)
	t.Logf("%d events (last batch %d) drained in %s with a BatchWait of %s", len(sc.Events), tail, time.Since(start).Round(time.Millisecond), wait)
	e.checkFigures(sc.Want, "after the backlog")

	// Caught up, the next fetch waits for a full batch or BatchWait
	// again: a few more events are not inserted at once.
	more := storetest.NewScenario(13, 40).Events[:3]
	e.publish(more, publishOpts{})
	time.Sleep(2 * time.Second)
	if got := metric(t, r.reg, "sundflow_projector_events_projected_total", ""); got != float64(len(sc.Events)) {
		t.Fatalf("events_projected_total = %v two seconds after 3 more events, want %d: a trickle must wait for its batch", got, len(sc.Events))
	}
}
