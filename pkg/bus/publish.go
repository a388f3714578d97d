package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
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
}

// Ack is JetStream's answer for one stored message.
type Ack struct {
	// Sequence is the message's sequence number in the stream (for a
	// duplicate, the sequence of the copy stored first).
	Sequence uint64
	// Duplicate is true when the message id was seen within the
	// stream's duplicate window and this copy was dropped.
	Duplicate bool
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

// PublishAll publishes every message asynchronously, so a batch costs
// about one round trip, and waits until JetStream has acknowledged each
// one or the timeout passed. acks[i] answers msgs[i]. Any failure fails
// the whole call with an error matching [ErrUnavailable] (or
// nats.ErrMaxPayload for a message the server never takes): the caller must
// then report nothing as stored, even though some messages may be (a
// retry stores them once thanks to the message ids).
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
	for i, m := range msgs {
		nm := &nats.Msg{Subject: m.Subject, Data: m.Data, Header: nats.Header{}}
		if m.ContentType != "" {
			nm.Header.Set("content-type", m.ContentType)
		}
		f, err := p.js.PublishMsgAsync(nm,
			jetstream.WithMsgID(m.MsgID),
			jetstream.WithExpectStream(p.stream),
			// Wait for a free slot as long as the call may take, not the
			// library's 200ms: a busy gateway slows down, it does not fail.
			jetstream.WithStallWait(max(time.Until(deadline), time.Millisecond)),
		)
		if errors.Is(err, nats.ErrMaxPayload) {
			return nil, fmt.Errorf("publish message %d of %d (%d bytes) to %s: %w", i+1, len(msgs), len(m.Data), m.Subject, err)
		}
		if err != nil {
			return nil, fmt.Errorf("publish message %d of %d to %s: %w: %w", i+1, len(msgs), m.Subject, ErrUnavailable, err)
		}
		futures[i] = f
	}

	acks := make([]Ack, len(msgs))
	for i, f := range futures {
		select {
		case a := <-f.Ok():
			acks[i] = Ack{Sequence: a.Sequence, Duplicate: a.Duplicate}
		case err := <-f.Err():
			return nil, fmt.Errorf("store message %d of %d on %s: %w: %w", i+1, len(msgs), msgs[i].Subject, ErrUnavailable, err)
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, fmt.Errorf("wait for acknowledgement of message %d of %d: %w: none within %s", i+1, len(msgs), ErrUnavailable, p.timeout)
			}
			return nil, fmt.Errorf("wait for acknowledgement of message %d of %d: %w: %w", i+1, len(msgs), ErrUnavailable, ctx.Err())
		}
	}
	return acks, nil
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
