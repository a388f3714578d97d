package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	ce "github.com/cloudevents/sdk-go/v2/event"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/gateway"
)

// With a key, every event the gateway stores, whatever mode it came in,
// carries an attestation of exactly what was stored; without one, none.
func TestAttestation(t *testing.T) {
	key, err := attest.ParseKey(strings.Repeat("c3", 32))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		key  attest.Key
	}{{"with a key", key}, {"without a key", attest.Key{}}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{attest: tt.key})
			binary := placement(t, sourceOther, 1)
			structured := placement(t, sourceOther, 2)
			batch := []ce.Event{placement(t, sourceOther, 3), placement(t, sourceHelsing, 4)}
			for _, a := range []answer{
				do(t, http.MethodPost, e.url+gateway.EventsPath, tokenAll, binaryHeaders(binary), binary.Data()),
				e.post(t, tokenAll, "application/cloudevents+json", encodeEvent(t, structured)),
				e.post(t, tokenAll, gateway.BatchContentType, batchBody(t, batch...)),
			} {
				if a.code != http.StatusAccepted {
					t.Fatalf("status %d, want 202: %s", a.code, a.body)
				}
			}
			stored := e.streamMsgs(t)
			for _, ev := range append([]ce.Event{binary, structured}, batch...) {
				id := event.MessageID(ev.Source(), ev.ID())
				m, ok := stored[id]
				if !ok {
					t.Fatalf("event %s not stored", ev.ID())
				}
				got := m.Header.Get(attest.Header)
				if !tt.key.On() {
					if got != "" {
						t.Errorf("event %s attested without a key: %q", ev.ID(), got)
					}
					continue
				}
				if m.Header.Get(jetstream.MsgIDHeader) != id {
					t.Errorf("event %s: Nats-Msg-Id %q, want %q", ev.ID(), m.Header.Get(jetstream.MsgIDHeader), id)
				}
				if !tt.key.Verify(m.Subject, id, m.Data, got) {
					t.Errorf("event %s: attestation %q does not verify for what was stored", ev.ID(), got)
				}
			}
		})
	}
}
