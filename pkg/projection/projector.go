package projection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/store"
)

// Config tunes a [Projector]. Zero values take the defaults named.
type Config struct {
	// Stream to consume. Default bus.EventsStream.
	Stream string
	// Consumer is the durable consumer's name; every projector process
	// using the same name shares the work. Default "sundflow-projector".
	Consumer string
	// BatchSize is the most events fetched and inserted at once.
	// Default 5000.
	BatchSize int
	// BatchWait is the longest a fetch waits to fill a batch. Default 1s.
	BatchWait time.Duration
	// BatchMaxBytes bounds the bytes of one fetched batch, which bounds
	// the projector's memory whatever the backlog. Default 32 MiB.
	BatchMaxBytes int
	// InsertMaxEvents bounds the events of one ClickHouse insert. While
	// fetches come back full (a backlog), their batches are held and
	// inserted together (as blocks of one INSERT) up to this many, or
	// after BatchWait: ClickHouse pays a large fixed cost per insert, so
	// a backlog drains in few big inserts, while a batch that is not
	// full (the projector caught up) is inserted at once. At least
	// BatchSize. Default 25000.
	InsertMaxEvents int
	// AckWait is how long JetStream waits for an acknowledgement before it
	// redelivers (to this or another projector). Default 1m.
	AckWait time.Duration
	// MaxDeliver: a message delivered more often than this without being
	// acknowledged is dead-lettered (kind max_deliver). Waiting for
	// ClickHouse does not count: the projector keeps a batch it cannot
	// insert (telling JetStream it is in progress) instead of returning
	// it. Default 10.
	MaxDeliver int
	// MaxAckPending bounds the unacknowledged messages of the consumer
	// across all projectors; at least BatchSize. Default the larger of
	// 100000 and InsertMaxEvents+2*BatchSize, so one projector can keep
	// an insert full.
	MaxAckPending int
	// RetryMin and RetryMax bound the backoff between attempts to insert
	// a batch while ClickHouse fails, or to fetch while NATS fails.
	// Defaults 500ms and 30s.
	RetryMin, RetryMax time.Duration
	// InsertTimeout bounds one insert attempt. Default 2m.
	InsertTimeout time.Duration
	// LagInterval is how often the consumer's pending counts are read
	// for the metrics. Default 5s.
	LagInterval time.Duration
	// Workers decode and validate a batch in parallel. Default GOMAXPROCS.
	Workers int
	// PauseAfterInsert makes the projector wait this long after a batch
	// is inserted and before it is acknowledged, logging "batch inserted"
	// first: the fault tests kill it in that window. 0 (default) in
	// production.
	PauseAfterInsert time.Duration
}

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	if c.Stream == "" {
		c.Stream = bus.EventsStream
	}
	if c.Consumer == "" {
		c.Consumer = "sundflow-projector"
	}
	if c.BatchSize == 0 {
		c.BatchSize = 5000
	}
	if c.BatchWait == 0 {
		c.BatchWait = time.Second
	}
	if c.BatchMaxBytes == 0 {
		c.BatchMaxBytes = 32 << 20
	}
	if c.AckWait == 0 {
		c.AckWait = time.Minute
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = 10
	}
	if c.InsertMaxEvents == 0 {
		c.InsertMaxEvents = max(25000, c.BatchSize)
	}
	if c.MaxAckPending == 0 {
		// The events waiting for an insert, the one fetched meanwhile and
		// the one being decoded.
		c.MaxAckPending = max(100_000, c.InsertMaxEvents+2*c.BatchSize)
	}
	if c.RetryMin == 0 {
		c.RetryMin = 500 * time.Millisecond
	}
	if c.RetryMax == 0 {
		c.RetryMax = 30 * time.Second
	}
	if c.InsertTimeout == 0 {
		c.InsertTimeout = 2 * time.Minute
	}
	if c.LagInterval == 0 {
		c.LagInterval = 5 * time.Second
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
}

// Validate reports a configuration that cannot work, naming the field.
func (c Config) Validate() error {
	c.setDefaults()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...))
	}
	if c.BatchSize < 1 || c.BatchSize > 100_000 {
		bad("batch size %d: must be 1 to 100000", c.BatchSize)
	}
	if c.BatchWait < 10*time.Millisecond {
		bad("batch wait %s: must be at least 10ms", c.BatchWait)
	}
	if c.AckWait < 5*time.Second || c.AckWait <= c.BatchWait {
		bad("ack wait %s: must be at least 5s and longer than the batch wait", c.AckWait)
	}
	if c.MaxDeliver < 1 {
		bad("max deliver %d: must be at least 1", c.MaxDeliver)
	}
	if c.MaxAckPending < c.BatchSize {
		bad("max ack pending %d: must be at least the batch size %d", c.MaxAckPending, c.BatchSize)
	}
	if c.InsertMaxEvents < c.BatchSize || c.InsertMaxEvents > 1_000_000 {
		bad("insert max events %d: must be from the batch size %d to 1000000", c.InsertMaxEvents, c.BatchSize)
	}
	if c.RetryMin <= 0 || c.RetryMax < c.RetryMin {
		bad("retry backoff %s to %s: must be positive and min <= max", c.RetryMin, c.RetryMax)
	}
	if c.BatchMaxBytes < 1<<20 {
		bad("batch max bytes %d: must be at least 1 MiB", c.BatchMaxBytes)
	}
	return errors.Join(errs...)
}

// ConsumerConfig is the durable consumer the projectors share, declared
// here once and applied idempotently at start. MaxDeliver is unlimited on
// the server: the projector itself dead-letters a message delivered too
// often, so it is never left unacknowledged and forgotten.
func (c Config) ConsumerConfig() jetstream.ConsumerConfig {
	c.setDefaults()
	return jetstream.ConsumerConfig{
		Durable:       c.Consumer,
		Description:   "sundflow projector: every event into ClickHouse",
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.AckWait,
		MaxDeliver:    -1,
		FilterSubject: event.SubjectPrefix + ">",
		MaxAckPending: c.MaxAckPending,
		ReplayPolicy:  jetstream.ReplayInstantPolicy,
	}
}

// Options are what a Projector works with.
type Options struct {
	Config    Config
	Conn      *nats.Conn
	JetStream jetstream.JetStream
	Writer    *store.Writer
	Validator *event.Validator
	// Attest, when set, is the gateway's attestation key: events it
	// verifies are decoded without the full check (see pkg/attest); every
	// other event is checked in full.
	Attest  attest.Key
	Metrics *Metrics
	Logger  *slog.Logger
}

// Projector consumes the events stream into ClickHouse.
type Projector struct {
	cfg Config
	nc  *nats.Conn
	js  jetstream.JetStream
	w   *store.Writer
	c   checker
	m   *Metrics
	log *slog.Logger

	free chan *store.Batch // batches to reuse: memory stays flat

	mu     sync.Mutex
	status Status
}

// Status is the projector's state for /healthz.
type Status struct {
	// NATSConnected is false while the connection to NATS is down.
	NATSConnected bool `json:"nats_connected"`
	// ClickHouseFailingSince is when inserts started to fail, zero while
	// they succeed.
	ClickHouseFailingSince time.Time `json:"clickhouse_failing_since,omitzero"`
	// LastInsert is the time of the last successful insert.
	LastInsert time.Time `json:"last_insert,omitzero"`
	// Pending and AckPending are the consumer's lag as last read.
	Pending    uint64 `json:"pending"`
	AckPending int    `json:"ack_pending"`
}

// New checks the options and returns a Projector.
func New(o Options) (*Projector, error) {
	if err := o.Config.Validate(); err != nil {
		return nil, err
	}
	if o.Conn == nil || o.JetStream == nil || o.Writer == nil || o.Validator == nil || o.Metrics == nil {
		return nil, fmt.Errorf("%w: Conn, JetStream, Writer, Validator and Metrics are required", ErrConfig)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Config.setDefaults()
	return &Projector{cfg: o.Config, nc: o.Conn, js: o.JetStream, w: o.Writer, m: o.Metrics, log: o.Logger,
		c:    checker{v: o.Validator, key: o.Attest, maxDeliver: o.Config.MaxDeliver},
		free: make(chan *store.Batch, (o.Config.InsertMaxEvents/o.Config.BatchSize+3)*o.Config.Workers)}, nil
}

// Status returns the current state.
func (p *Projector) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.status
	s.NATSConnected = p.nc.IsConnected()
	return s
}

// Run consumes until ctx ends, then stops in order: no new fetch, the
// batch in hand inserted and acknowledged (or, if ClickHouse is failing,
// returned to JetStream with a delay), acknowledgements flushed. Failures
// of NATS or ClickHouse are waited out with backoff, never returned: only
// a consumer that cannot be created before ctx ends is an error.
func (p *Projector) Run(ctx context.Context) error {
	cons, err := p.ensureConsumer(ctx)
	if err != nil {
		return err
	}
	p.log.Info("projector consuming", "stream", p.cfg.Stream, "consumer", p.cfg.Consumer,
		"database", p.w.Database(), "batch_size", p.cfg.BatchSize, "batch_wait", p.cfg.BatchWait.String())

	lagDone := make(chan struct{})
	go func() {
		defer close(lagDone)
		p.watchLag(ctx, cons)
	}()

	// Four stages: one fetches while another validates and maps the
	// batch before, a third gathers the batches decoded while the last
	// inserts and acknowledges the ones gathered before, so JetStream,
	// the validator (CPU) and ClickHouse work at the same time, and a
	// backlog goes into ClickHouse in few large inserts. At most
	// InsertMaxEvents plus two batches are in hand whatever the backlog.
	// The channels are unbuffered so that a batch always has an owner
	// keeping its messages in progress.
	raw := make(chan fetched)
	decoded := make(chan fetched)
	ready := make(chan fetched)
	go p.fetchLoop(ctx, cons, raw)
	go p.decodeLoop(raw, decoded)
	go p.gatherLoop(decoded, ready)
	for f := range ready {
		p.process(ctx, f)
		p.release(f.batches)
	}
	<-lagDone
	if err := p.nc.FlushTimeout(5 * time.Second); err != nil {
		p.log.Warn("flush acknowledgements to nats", "err", err)
	}
	p.log.Info("projector stopped")
	return nil
}

// ensureConsumer creates or updates the durable consumer, waiting (with
// backoff) for NATS and the events stream, which the gateway creates.
func (p *Projector) ensureConsumer(ctx context.Context) (jetstream.Consumer, error) {
	backoff := p.cfg.RetryMin
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		cons, err := p.js.CreateOrUpdateConsumer(cctx, p.cfg.Stream, p.cfg.ConsumerConfig())
		cancel()
		if err == nil {
			return cons, nil
		}
		p.log.Warn("cannot create the consumer yet; waiting (is the events stream there? the gateway creates it)",
			"stream", p.cfg.Stream, "consumer", p.cfg.Consumer, "err", err, "retry_in", backoff.String())
		if !sleep(ctx, backoff) {
			return nil, fmt.Errorf("create consumer %s on stream %s: %w", p.cfg.Consumer, p.cfg.Stream, err)
		}
		backoff = min(backoff*2, p.cfg.RetryMax)
	}
}

func (p *Projector) fetch(cons jetstream.Consumer, size int) ([]jetstream.Msg, error) {
	mb, err := cons.Fetch(size, jetstream.FetchMaxWait(p.cfg.BatchWait), jetstream.FetchMaxBytes(p.cfg.BatchMaxBytes))
	if err != nil {
		return nil, err
	}
	msgs := make([]jetstream.Msg, 0, size)
	for m := range mb.Messages() {
		msgs = append(msgs, m)
	}
	if err := mb.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, jetstream.ErrNoMessages) {
		// Messages received before the error are still ours to process.
		if len(msgs) == 0 {
			return nil, err
		}
		p.log.Warn("fetch ended early", "err", err, "messages", len(msgs))
	}
	return msgs, nil
}

// nextFetchSize is how many messages the fetch after msgs asks for: a
// batch, except at the end of a backlog. There a fetch for a full batch
// would wait out BatchWait for messages not yet published, so after a
// full fetch whose last message says fewer than a batch are pending, the
// next asks for those alone and returns as soon as they are in. A fetch
// that was not full (caught up) leaves the next to wait for a batch by
// count and time as usual, so a trickle of events is still batched.
func nextFetchSize(msgs []jetstream.Msg, asked, batch int) int {
	if len(msgs) < asked {
		return batch
	}
	md, err := msgs[len(msgs)-1].Metadata()
	if err != nil || md.NumPending == 0 || md.NumPending >= uint64(batch) {
		return batch
	}
	return int(md.NumPending)
}

// fetched is a batch of messages with their decoded events, mapped into
// one store batch per decoding goroutine.
type fetched struct {
	msgs    []jetstream.Msg
	results []decoded
	batches []*store.Batch
	took    time.Duration // fetching, validating and mapping
	// touched is when JetStream's ack timer of msgs last restarted: the
	// fetch, or the last InProgress.
	touched time.Time
}

// batches returns Workers empty batches, reused when there are.
func (p *Projector) batches() []*store.Batch {
	bs := make([]*store.Batch, p.cfg.Workers)
	for i := range bs {
		select {
		case bs[i] = <-p.free:
		default:
			bs[i] = store.NewBatch()
		}
	}
	return bs
}

func (p *Projector) release(bs []*store.Batch) {
	for _, b := range bs {
		b.Reset()
		select {
		case p.free <- b:
		default:
		}
	}
}

// fetchLoop fetches batches into out until ctx ends, then closes it.
func (p *Projector) fetchLoop(ctx context.Context, cons jetstream.Consumer, out chan<- fetched) {
	defer close(out)
	backoff := p.cfg.RetryMin
	size := p.cfg.BatchSize
	for ctx.Err() == nil {
		t0 := time.Now()
		msgs, err := p.fetch(cons, size)
		if err != nil {
			p.log.Warn("fetch from jetstream failed; retrying", "err", err, "retry_in", backoff.String())
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, p.cfg.RetryMax)
			if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) {
				// Deleted by an operator, or lost with a server's memory
				// storage: declare it again (it restarts where the
				// stream begins; the tables make that harmless).
				if c, err := p.ensureConsumer(ctx); err == nil {
					cons = c
				}
			}
			continue
		}
		backoff = p.cfg.RetryMin
		size = nextFetchSize(msgs, size, p.cfg.BatchSize)
		if len(msgs) == 0 {
			continue
		}
		f := fetched{msgs: msgs, touched: t0}
		f.took = time.Since(t0)
		p.handOver(&f, out)
	}
}

// decodeLoop validates and maps each batch from in into store batches and
// passes it to out; it closes out when in is closed.
func (p *Projector) decodeLoop(in <-chan fetched, out chan<- fetched) {
	defer close(out)
	for f := range in {
		t0 := time.Now()
		f.batches = p.batches()
		f.results = p.c.decodeAll(f.msgs, f.batches)
		f.took += time.Since(t0)
		keepInProgress(&f, p.cfg.AckWait)
		p.handOver(&f, out)
	}
}

// gatherLoop passes the batches from in to out, joining them into
// inserts of up to InsertMaxEvents events: while fetches come back full
// (a backlog) it holds them until the next would pass InsertMaxEvents or
// the first has waited BatchWait; a batch that is not full (the consumer
// caught up) goes at once with those held. It keeps what it holds in
// progress, and closes out when in is closed.
func (p *Projector) gatherLoop(in <-chan fetched, out chan<- fetched) {
	defer close(out)
	var (
		held   []fetched
		events int
		wait   = time.NewTimer(time.Hour)
	)
	wait.Stop()
	keep := time.NewTicker(p.cfg.AckWait / 6)
	defer keep.Stop()
	send := func() {
		wait.Stop()
		joined := join(held)
		p.handOver(&joined, out)
		held, events = held[:0], 0
	}
	for {
		select {
		case f, ok := <-in:
			if !ok {
				if len(held) > 0 {
					send()
				}
				return
			}
			if len(held) > 0 && events+len(f.msgs) > p.cfg.InsertMaxEvents {
				send() // f would pass the bound: it goes in the next
			}
			if len(held) == 0 {
				wait.Reset(p.cfg.BatchWait)
			}
			held, events = append(held, f), events+len(f.msgs)
			if len(f.msgs) < p.cfg.BatchSize || events >= p.cfg.InsertMaxEvents {
				send()
			}
		case <-wait.C:
			if len(held) > 0 {
				send()
			}
		case <-keep.C:
			for i := range held {
				keepInProgress(&held[i], p.cfg.AckWait)
			}
		}
	}
}

// join makes one batch of several, their messages, results and store
// batches in order.
func join(fs []fetched) fetched {
	if len(fs) == 1 {
		return fs[0]
	}
	n, nb := 0, 0
	for _, f := range fs {
		n, nb = n+len(f.msgs), nb+len(f.batches)
	}
	j := fetched{msgs: make([]jetstream.Msg, 0, n), results: make([]decoded, 0, n), batches: make([]*store.Batch, 0, nb), touched: fs[0].touched}
	for _, f := range fs {
		j.msgs = append(j.msgs, f.msgs...)
		j.results = append(j.results, f.results...)
		j.batches = append(j.batches, f.batches...)
		j.took += f.took
		if f.touched.Before(j.touched) {
			j.touched = f.touched
		}
	}
	return j
}

// handOver sends f to the next stage, keeping its messages in progress
// while that stage is busy (ClickHouse failing): waiting never makes
// JetStream redeliver them. A batch is handed over even after shutdown
// began: its messages are ours to flush.
func (p *Projector) handOver(f *fetched, out chan<- fetched) {
	keep := time.NewTicker(p.cfg.AckWait / 6)
	defer keep.Stop()
	for {
		select {
		case out <- *f:
			return
		case <-keep.C:
			keepInProgress(f, p.cfg.AckWait)
		}
	}
}

// process handles one fetched batch: poison to the dead-letter stream,
// the rest inserted, then acknowledged.
func (p *Projector) process(ctx context.Context, f fetched) {
	good := make([]jetstream.Msg, 0, len(f.msgs))
	attested := 0
	for i, m := range f.msgs {
		r := &f.results[i]
		if r.deliveries > 1 {
			p.m.redeliveries.Inc()
		}
		if r.attested {
			attested++
		}
		if r.kind != "" {
			p.deadLetter(ctx, m, r)
			continue
		}
		good = append(good, m)
	}
	p.m.checked.WithLabelValues("attested").Add(float64(attested))
	p.m.checked.WithLabelValues("full").Add(float64(len(f.msgs) - attested))
	if len(good) == 0 {
		return
	}
	t0 := time.Now()
	f.msgs = good
	stopKeeping := keepAlive(&f, p.cfg.AckWait)
	inserted := p.insert(ctx, &f)
	stopKeeping()
	if !inserted {
		return
	}
	t1 := time.Now()
	if p.cfg.PauseAfterInsert > 0 {
		p.log.Info("batch inserted; pausing before ack", "events", len(good), "pause", p.cfg.PauseAfterInsert.String())
		time.Sleep(p.cfg.PauseAfterInsert)
	}
	for _, m := range good {
		if err := m.Ack(); err != nil {
			// Not acknowledged means redelivered later and stored again:
			// harmless, the tables collapse repeats.
			p.log.Warn("ack failed; the event will be redelivered", "err", err)
			break
		}
	}
	for _, b := range f.batches {
		for t, n := range b.Counts() {
			p.m.projected.WithLabelValues(string(t)).Add(float64(n))
		}
	}
	p.log.Debug("batch projected", "events", len(good), "fetch_decode", f.took.String(),
		"insert", t1.Sub(t0).String(), "ack", time.Since(t1).String())
}

// insert writes the batch, retrying with backoff while ClickHouse fails.
// Meanwhile the caller's keepAlive keeps the messages in progress, so
// waiting for ClickHouse never pushes an event toward MaxDeliver. If ctx
// ends first it gives the messages back (NakWithDelay) and reports false.
func (p *Projector) insert(ctx context.Context, f *fetched) bool {
	batches, msgs := f.batches, f.msgs // f.touched belongs to keepAlive meanwhile
	backoff := p.cfg.RetryMin
	for attempt := 1; ; attempt++ {
		start := time.Now()
		// An insert under way finishes even when shutdown starts: stop
		// taking work, but flush what is in hand.
		ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.InsertTimeout)
		err := p.w.Write(ictx, batches...)
		cancel()
		if err == nil {
			now := time.Now()
			p.m.insertSeconds.Observe(now.Sub(start).Seconds())
			p.m.batchEvents.Observe(float64(len(msgs)))
			p.m.lastInsert.Set(float64(now.UnixNano()) / 1e9)
			p.m.clickhouseUp.Set(1)
			p.mu.Lock()
			if !p.status.ClickHouseFailingSince.IsZero() {
				p.log.Info("clickhouse inserts succeed again", "failed_attempts", attempt-1,
					"down_for", now.Sub(p.status.ClickHouseFailingSince).Round(time.Millisecond).String())
			}
			p.status.ClickHouseFailingSince = time.Time{}
			p.status.LastInsert = now
			p.mu.Unlock()
			return true
		}
		p.m.insertFailures.Inc()
		p.m.clickhouseUp.Set(0)
		p.mu.Lock()
		if p.status.ClickHouseFailingSince.IsZero() {
			p.status.ClickHouseFailingSince = start
		}
		p.mu.Unlock()
		p.log.Warn("insert into clickhouse failed; keeping the batch and retrying", "err", err,
			"events", len(msgs), "attempt", attempt, "retry_in", backoff.String())

		if !sleep(ctx, backoff) {
			for _, m := range msgs {
				_ = m.NakWithDelay(backoff)
			}
			p.log.Warn("stopping while clickhouse fails; batch returned to jetstream", "events", len(msgs))
			return false
		}
		backoff = min(backoff*2, p.cfg.RetryMax)
	}
}

// keepAlive keeps f's messages in progress from another goroutine until
// the returned function is called: however long an insert (or its
// retries while ClickHouse fails) takes, JetStream does not redeliver a
// batch the projector still means to store.
func keepAlive(f *fetched, ackWait time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(ackWait / 6)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				keepInProgress(f, ackWait)
			}
		}
	}()
	return func() { close(done); <-finished }
}

// keepInProgress restarts JetStream's ack timer of f's messages when a
// third of the ack wait has passed since it last did, so a batch the
// projector still means to store is never redelivered meanwhile.
func keepInProgress(f *fetched, ackWait time.Duration) {
	if time.Since(f.touched) < ackWait/3 {
		return
	}
	for _, m := range f.msgs {
		_ = m.InProgress()
	}
	f.touched = time.Now()
}

// deadLetter records a poison message in the dead-letter stream, then
// terminates it. If the record cannot be stored the message is returned
// with a delay instead, so it is never dropped unrecorded.
func (p *Projector) deadLetter(ctx context.Context, m jetstream.Msg, r *decoded) {
	var seq uint64
	if md, err := m.Metadata(); err == nil {
		seq = md.Sequence.Stream
	}
	dl := bus.DeadLetter{
		Subject: m.Subject(), Header: m.Headers(), Data: m.Data(),
		Stream: p.cfg.Stream, Sequence: seq, Deliveries: r.deliveries,
		Kind: r.kind, Reason: r.reason, At: time.Now(),
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := p.js.PublishMsg(pctx, dl.Msg(), jetstream.WithExpectStream(bus.DeadLetterStream)); err != nil {
		p.log.Error("cannot write dead letter; returning the message", "err", err, "seq", seq, "kind", r.kind)
		_ = m.NakWithDelay(p.cfg.RetryMax)
		return
	}
	if err := m.TermWithReason(r.kind); err != nil {
		p.log.Warn("terminate dead-lettered message", "err", err, "seq", seq)
	}
	p.m.deadLetters.WithLabelValues(r.kind).Inc()
	p.log.Warn("event dead-lettered", "seq", seq, "kind", r.kind, "reason", r.reason,
		"event_id", eventID(r), "event_type", eventType(r), "subject", m.Subject())
}

// watchLag reads the consumer's pending counts into the metrics until
// ctx ends.
func (p *Projector) watchLag(ctx context.Context, cons jetstream.Consumer) {
	t := time.NewTicker(p.cfg.LagInterval)
	defer t.Stop()
	for {
		ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
		info, err := cons.Info(ictx)
		cancel()
		if err == nil {
			p.m.pending.Set(float64(info.NumPending))
			p.m.ackPending.Set(float64(info.NumAckPending))
			p.m.redelivered.Set(float64(info.NumRedelivered))
			p.mu.Lock()
			p.status.Pending, p.status.AckPending = info.NumPending, info.NumAckPending
			p.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sleep waits d or until ctx ends; false means ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// eventID and eventType name a poison event in logs when decoding got
// that far (the validator keeps id and type where safe to echo).
func eventID(r *decoded) string {
	if r.ev.Context == nil {
		return ""
	}
	return r.ev.ID()
}

func eventType(r *decoded) string {
	if r.ev.Context == nil {
		return ""
	}
	return r.ev.Type()
}
