package bus_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sundflow/sundflow/pkg/bus"
)

func TestDeadLetterMsg(t *testing.T) {
	at := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		dl         bus.DeadLetter
		wantSubj   string
		wantReason string
		wantHeader map[string]string // "" means absent
	}{
		{
			name: "structured event",
			dl: bus.DeadLetter{
				Subject: "sundflow.events.placement.started.v1",
				Header:  nats.Header{"Nats-Msg-Id": {"abc"}, "Nats-Expected-Stream": {"X"}, "Content-Type": {"application/cloudevents+json"}},
				Data:    []byte("{}"), Stream: bus.EventsStream, Sequence: 42, Deliveries: 1,
				Kind: "invalid", Reason: "invalid event:\n 1 problem", At: at,
			},
			wantSubj:   "sundflow.deadletter.placement.started.v1",
			wantReason: "invalid event: 1 problem",
			wantHeader: map[string]string{
				"Content-Type":             "application/cloudevents+json",
				bus.HeaderOriginalMsgID:    "abc",
				"Nats-Msg-Id":              "deadletter:SUNDFLOW_EVENTS:42",
				"Nats-Expected-Stream":     "",
				bus.HeaderOriginalSequence: "42",
				bus.HeaderOriginalStream:   bus.EventsStream,
				bus.HeaderOriginalSubject:  "sundflow.events.placement.started.v1",
				bus.HeaderDeliveries:       "1",
				bus.HeaderDeadLetterKind:   "invalid",
				bus.HeaderDeadLetterAt:     "2024-03-01T10:00:00Z",
			},
		},
		{
			name: "long reason",
			dl: bus.DeadLetter{
				Subject: "sundflow.events.x", Stream: bus.EventsStream, Sequence: 7, Deliveries: 11,
				Kind: "max_deliver", Reason: strings.Repeat("é", 3000), At: at,
			},
			wantSubj: "sundflow.deadletter.x",
			wantHeader: map[string]string{
				bus.HeaderOriginalMsgID: "",
				bus.HeaderDeliveries:    "11",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.dl.Msg()
			if m.Subject != tt.wantSubj {
				t.Errorf("subject = %q, want %q", m.Subject, tt.wantSubj)
			}
			if string(m.Data) != string(tt.dl.Data) {
				t.Errorf("data = %q, want the original %q", m.Data, tt.dl.Data)
			}
			reason := m.Header.Get(bus.HeaderDeadLetterReason)
			if tt.wantReason != "" && reason != tt.wantReason {
				t.Errorf("reason = %q, want %q", reason, tt.wantReason)
			}
			if len(reason) > 4010 || strings.ContainsAny(reason, "\n\r") {
				t.Errorf("reason not one bounded line: %d bytes", len(reason))
			}
			if reason != strings.ToValidUTF8(reason, "") {
				t.Errorf("reason is not valid UTF-8")
			}
			for k, want := range tt.wantHeader {
				if got := m.Header.Get(k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}
