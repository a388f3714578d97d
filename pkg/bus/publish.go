package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/attest"
)

// Message is one event ready to be stored: its subject, its Nats-Msg-Id
// and its encoded form.
type Message struct {
	Subject string
	// MsgID is the Nats-Msg-Id JetStream drops re-sent copies by.
	MsgID string
	// ContentType goes in the content-type header, e.g.
	// application/cloudevents+json for a structured CloudEvent.
	ContentType string
	Data        []byte
	// Attestation, when not empty, goes in the attest.Header header: the
	// gateway's proof that it validated Data (see pkg/attest).
	Attestation string
}

// Ack is JetStream's answer for one stored message.
type Ack struct {
	// Sequence is the message's sequence number in the stream (for a
	// duplicate, the sequence of the copy stored first).
	Sequence uint64
	// Duplicate is true when the message id was seen within the
	// stream's duplicate window and this copy was dropped.
	Duplicate bool
	// Conflicts counts the answers "duplicate message id is in process"
	// (JetStream error 10158) this message got before it was confirmed;
	// see [Publisher.PublishAll].
	Conflicts int
}

// Publisher stores messages in the events stream and tells only once
// JetStream has acknowledged them.
type Publisher struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  string
	timeout time.Duration
}

// NewPublisher publishes through js to stream (usually [EventsStream]);
// timeout bounds the wait for all acknowledgements of one call.
func NewPublisher(nc *nats.Conn, js jetstream.JetStream, stream string, timeout time.Duration) *Publisher {
	return &Publisher{nc: nc, js: js, stream: stream, timeout: timeout}
}

// MaxPayload is the largest message the server takes, in bytes.
func (p *Publisher) MaxPayload() int64 { return p.nc.MaxPayload() }

// Retrying a message whose id JetStream is still storing: at most
// conflictRetries more publishes, waiting conflictBackoff, doubled each
// time up to maxConflictBackoff, and never past the call's deadline.
// Raft on an R3 stream commits in milliseconds, so a few tries suffice;
// what is still unconfirmed after them is a real outage.
const (
	conflictRetries    = 8
	conflictBackoff    = 5 * time.Millisecond
	maxConflictBackoff = 250 * time.Millisecond
)

// PublishAll publishes every message asynchronously, so a batch costs
// about one round trip, and waits until JetStream has acknowledged each
// one or the timeout passed. acks[i] answers msgs[i]. Any failure fails
// the whole call with an error matching [ErrUnavailable] (or
// nats.ErrMaxPayload for a message the server never takes): the caller must
// then report nothing as stored, even though some messages may be (a
// retry stores them once thanks to the message ids).
//
// On a clustered stream JetStream answers a message whose id it is still
// storing from an earlier copy (a client's retry, or the same event twice
// in one call) with error 10158, "duplicate message id is in process",
// rather than wait for that copy. It is neither stored nor refused yet,
// so PublishAll publishes it again, with a short backoff and within the
// timeout, until JetStream confirms it (normally as a duplicate); only
// if it cannot does the call fail.
func (p *Publisher) PublishAll(ctx context.Context, msgs []Message) ([]Ack, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	if st := p.nc.Status(); st != nats.CONNECTED {
		return nil, fmt.Errorf("publish %d messages: nats connection %s: %w", len(msgs), st, ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()

	futures := make([]jetstream.PubAckFuture, len(msgs))
	for i := range msgs {
		f, err := p.publishAsync(&msgs[i], deadline)
		if err != nil {
			return nil, fmt.Errorf("publish message %d of %d: %w", i+1, len(msgs), err)
		}
		futures[i] = f
	}

	acks := make([]Ack, len(msgs))
	for i := range futures {
		a, err := p.await(ctx, futures[i], &msgs[i], deadline)
		if err != nil {
			return nil, fmt.Errorf("store message %d of %d: %w", i+1, len(msgs), err)
		}
		acks[i] = a
	}
	return acks, nil
}

// publishAsync sends one message; its acknowledgement comes on the
// future.
func (p *Publisher) publishAsync(m *Message, deadline time.Time) (jetstream.PubAckFuture, error) {
	nm := &nats.Msg{Subject: m.Subject, Data: m.Data, Header: nats.Header{}}
	if m.ContentType != "" {
		nm.Header.Set("content-type", m.ContentType)
	}
	if m.Attestation != "" {
		nm.Header.Set(attest.Header, m.Attestation)
	}
	f, err := p.js.PublishMsgAsync(nm,
		jetstream.WithMsgID(m.MsgID),
		jetstream.WithExpectStream(p.stream),
		// Wait for a free slot as long as the call may take, not the
		// library's 200ms: a busy gateway slows down, it does not fail.
		jetstream.WithStallWait(max(time.Until(deadline), time.Millisecond)),
	)
	if errors.Is(err, nats.ErrMaxPayload) {
		return nil, fmt.Errorf("%d bytes to %s: %w", len(m.Data), m.Subject, err)
	}
	if err != nil {
		return nil, fmt.Errorf("to %s: %w: %w", m.Subject, ErrUnavailable, err)
	}
	return f, nil
}

// await waits for f's acknowledgement, publishing m again while
// JetStream answers that its id is still being stored.
func (p *Publisher) await(ctx context.Context, f jetstream.PubAckFuture, m *Message, deadline time.Time) (Ack, error) {
	var conflicts int
	backoff := conflictBackoff
	for {
		select {
		case a := <-f.Ok():
			return Ack{Sequence: a.Sequence, Duplicate: a.Duplicate, Conflicts: conflicts}, nil
		case err := <-f.Err():
			if !IsInProcess(err) || conflicts >= conflictRetries || time.Until(deadline) < backoff {
				if conflicts > 0 {
					return Ack{}, fmt.Errorf("on %s, still in process after %d tries: %w: %w", m.Subject, conflicts+1, ErrUnavailable, err)
				}
				return Ack{}, fmt.Errorf("on %s: %w: %w", m.Subject, ErrUnavailable, err)
			}
			conflicts++
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return Ack{}, p.waitErr(ctx)
			}
			backoff = min(2*backoff, maxConflictBackoff)
			if f, err = p.publishAsync(m, deadline); err != nil {
				return Ack{}, fmt.Errorf("publish again: %w", err)
			}
		case <-ctx.Done():
			return Ack{}, p.waitErr(ctx)
		}
	}
}

func (p *Publisher) waitErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("wait for acknowledgement: %w: none within %s", ErrUnavailable, p.timeout)
	}
	return fmt.Errorf("wait for acknowledgement: %w: %w", ErrUnavailable, ctx.Err())
}

// errCodeInProcess is JetStream's JSStreamDuplicateMessageConflict (HTTP-ish
// code 409): "duplicate message id is in process". nats-server answers it
// on a clustered stream when a message's id is staged for storing by an
// earlier copy that raft has not committed yet.
const errCodeInProcess jetstream.ErrorCode = 10158

// IsInProcess reports whether err is JetStream's answer that a message
// with the same id is still being stored (error 10158). Such a message
// is not refused: publishing it again once the first copy is stored gets
// a normal acknowledgement marked duplicate.
func IsInProcess(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeInProcess
}

// WaitPending blocks until every asynchronous publish of the connection
// has its answer or ctx ends; shutdown calls it before closing NATS.
func WaitPending(ctx context.Context, js jetstream.JetStream) error {
	if js.PublishAsyncPending() == 0 {
		return nil
	}
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for %d outstanding acknowledgements: %w", js.PublishAsyncPending(), ctx.Err())
	}
}

// CheckReady reports whether the connection is up and every stream of
// the declaration exists; /readyz calls it.
func CheckReady(ctx context.Context, nc *nats.Conn, js jetstream.JetStream) error {
	if st := nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("nats connection %s: %w", st, ErrNotReady)
	}
	for _, name := range []string{EventsStream, DeadLetterStream} {
		if _, err := js.Stream(ctx, name); err != nil {
			if errors.Is(err, jetstream.ErrStreamNotFound) {
				return fmt.Errorf("stream %s missing: %w", name, ErrNotReady)
			}
			return fmt.Errorf("look up stream %s: %w: %w", name, ErrNotReady, err)
		}
	}
	return nil
}
