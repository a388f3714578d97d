package bus

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sundflow/sundflow/pkg/event"
)

// Headers of a dead-letter record, beside the original message's own
// headers. The payload is the original payload, byte for byte, so an
// operator can fix the source and re-publish it as it was.
const (
	// HeaderDeadLetterReason says why, for a person: the problems of an
	// invalid event, or how often it was delivered. One line.
	HeaderDeadLetterReason = "Sundflow-Dead-Letter-Reason"
	// HeaderDeadLetterKind is the reason as one word: invalid,
	// unstorable or max_deliver.
	HeaderDeadLetterKind = "Sundflow-Dead-Letter-Kind"
	// HeaderDeadLetterAt is when the record was written (RFC 3339, UTC).
	HeaderDeadLetterAt = "Sundflow-Dead-Letter-At"
	// HeaderOriginalSubject, HeaderOriginalStream and
	// HeaderOriginalSequence locate the original message.
	HeaderOriginalSubject  = "Sundflow-Original-Subject"
	HeaderOriginalStream   = "Sundflow-Original-Stream"
	HeaderOriginalSequence = "Sundflow-Original-Sequence"
	// HeaderOriginalMsgID is the original Nats-Msg-Id, if any.
	HeaderOriginalMsgID = "Sundflow-Original-Msg-Id"
	// HeaderDeliveries is how many times the consumer had been given the
	// message when it gave up.
	HeaderDeliveries = "Sundflow-Deliveries"
)

// DeadLetter describes one message a consumer gives up on.
type DeadLetter struct {
	// Subject, Header and Data of the original message.
	Subject string
	Header  nats.Header
	Data    []byte
	// Stream and Sequence locate it in JetStream.
	Stream   string
	Sequence uint64
	// Deliveries is its delivery count.
	Deliveries uint64
	// Kind (one word) and Reason (for a person) say why.
	Kind   string
	Reason string
	// At is when the consumer gave up.
	At time.Time
}

// DeadLetterSubject is where the dead-letter record of a message stored
// under subject goes: [DeadLetterSubjectPrefix] plus the subject without
// event.SubjectPrefix.
func DeadLetterSubject(subject string) string {
	return DeadLetterSubjectPrefix + strings.TrimPrefix(subject, event.SubjectPrefix)
}

// DeadLetterMsgID is the Nats-Msg-Id of the record of stream message
// seq, so a consumer that dead-letters the same message twice (it crashed
// before terminating it) stores one record.
func DeadLetterMsgID(stream string, seq uint64) string {
	return "deadletter:" + stream + ":" + strconv.FormatUint(seq, 10)
}

// maxReasonBytes bounds the reason header: NATS headers travel with every
// message and a list of problems can be long.
const maxReasonBytes = 4000

// Msg builds the dead-letter record to publish to the dead-letter stream.
// The original headers are kept except JetStream's own (Nats-*), which
// would steer the dead-letter stream; the original message id moves to
// [HeaderOriginalMsgID].
func (d DeadLetter) Msg() *nats.Msg {
	h := nats.Header{}
	for k, vs := range d.Header {
		if strings.HasPrefix(strings.ToLower(k), "nats-") {
			continue
		}
		h[k] = append([]string(nil), vs...)
	}
	if id := d.Header.Get(nats.MsgIdHdr); id != "" {
		h.Set(HeaderOriginalMsgID, id)
	}
	reason := strings.Join(strings.Fields(d.Reason), " ") // one line
	if len(reason) > maxReasonBytes {
		reason = strings.ToValidUTF8(reason[:maxReasonBytes], "") + "..."
	}
	h.Set(HeaderDeadLetterReason, reason)
	h.Set(HeaderDeadLetterKind, d.Kind)
	h.Set(HeaderDeadLetterAt, d.At.UTC().Format(time.RFC3339Nano))
	h.Set(HeaderOriginalSubject, d.Subject)
	h.Set(HeaderOriginalStream, d.Stream)
	h.Set(HeaderOriginalSequence, strconv.FormatUint(d.Sequence, 10))
	h.Set(HeaderDeliveries, strconv.FormatUint(d.Deliveries, 10))
	h.Set(nats.MsgIdHdr, DeadLetterMsgID(d.Stream, d.Sequence))
	return &nats.Msg{Subject: DeadLetterSubject(d.Subject), Header: h, Data: d.Data}
}

// String is a short description for logs.
func (d DeadLetter) String() string {
	return fmt.Sprintf("%s seq %d (%s): %s", d.Stream, d.Sequence, d.Kind, d.Reason)
}
