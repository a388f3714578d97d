package projection

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/store"
)

// decoded is one fetched message after decoding and validation.
type decoded struct {
	// ev is the event, kept only while it is mapped and when it is
	// poison (for the log); source, id and typ name it after that.
	ev              ce.Event
	source, id, typ string
	meta            store.Meta
	// deliveries is the message's delivery count (1 the first time).
	deliveries uint64
	// attested: the gateway's attestation verified, so the event was
	// decoded without the full check.
	attested bool
	// kind and reason are set when the message is poison.
	kind, reason string
}

// isBinary reports a binary-mode CloudEvent: its attributes travel in ce-
// headers (the NATS protocol binding); a structured one is JSON alone.
func isBinary(h nats.Header) bool {
	for k := range h {
		if len(k) > 3 && strings.EqualFold(k[:3], "ce-") {
			return true
		}
	}
	return false
}

// checker decodes messages: fully checked by the validator unless the
// gateway's attestation under key verifies (see pkg/attest).
type checker struct {
	v   *event.Validator
	key attest.Key
	// maxDeliver, when positive, marks a message delivered more often
	// as poison.
	maxDeliver int
}

// decodeMsg decodes and validates one message.
func (c checker) decodeMsg(m jetstream.Msg) decoded {
	v, maxDeliver := c.v, c.maxDeliver
	var d decoded
	md, err := m.Metadata()
	if err != nil {
		d.kind, d.reason = KindInvalid, fmt.Sprintf("not a JetStream message: %v", err)
		return d
	}
	d.meta = store.Meta{Subject: m.Subject(), Seq: md.Sequence.Stream, Received: md.Timestamp}
	d.deliveries = md.NumDelivered
	if maxDeliver > 0 && md.NumDelivered > uint64(maxDeliver) {
		d.kind = KindMaxDeliver
		d.reason = fmt.Sprintf("delivered %d times without being acknowledged (limit %d): the projector failed or stopped on it each time; see its log around stream sequence %d",
			md.NumDelivered, maxDeliver, md.Sequence.Stream)
		return d
	}
	if h := m.Headers(); isBinary(h) {
		attrs, err := event.NATSBinaryAttrs(h)
		if err == nil {
			d.ev, err = v.ParseBinary(attrs, event.NATSContentType(h), m.Data())
		}
		if err != nil {
			d.kind, d.reason = KindInvalid, invalidReason(err)
		}
	} else {
		if c.key.On() && c.key.Verify(m.Subject(), h.Get(jetstream.MsgIDHeader), m.Data(), h.Get(attest.Header)) {
			d.attested = true
			d.ev, err = v.ParseAttested(m.Data())
		} else {
			d.ev, err = v.ParseStructured(m.Data())
		}
		if err != nil {
			d.kind, d.reason = KindInvalid, invalidReason(err)
		}
	}
	if d.kind == "" {
		// The stream takes every subject under event.SubjectPrefix; an
		// event must sit on its own type's subject, or a subscriber to
		// one type would miss it.
		if want := event.Type(d.ev.Type()).Subject(); want != m.Subject() {
			d.kind = KindInvalid
			d.reason = fmt.Sprintf("event of type %s stored on subject %s, want %s", d.ev.Type(), m.Subject(), want)
		}
	}
	return d
}

func invalidReason(err error) string {
	var ie *event.InvalidError
	if errors.As(err, &ie) {
		return ie.Error()
	}
	return "cannot decode: " + err.Error()
}

// decodeAll decodes, validates and maps msgs, one chunk per batch in bs
// on its own goroutine: validation (JSON Schema, reference codes) and
// mapping are the projector's main CPU cost. A message whose event cannot
// be stored is marked unstorable; every other valid one is in a batch.
func (c checker) decodeAll(msgs []jetstream.Msg, bs []*store.Batch) []decoded {
	out := make([]decoded, len(msgs))
	workers := max(1, min(len(bs), len(msgs)/64+1))
	var wg sync.WaitGroup
	chunk := (len(msgs) + workers - 1) / workers
	for w, lo := 0, 0; lo < len(msgs); w, lo = w+1, lo+chunk {
		hi := min(lo+chunk, len(msgs))
		b := bs[w]
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				d := &out[i]
				*d = c.decodeMsg(msgs[i])
				if d.kind != "" {
					continue
				}
				d.source, d.id, d.typ = b.Key(d.ev)
				if err := b.Add(d.ev, d.meta); err != nil {
					d.kind, d.reason = KindUnstorable, err.Error()
					continue
				}
				d.ev = ce.Event{} // the batch holds what is needed

			}
		})
	}
	wg.Wait()
	return out
}
