package projection_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/projection"
	"github.com/sundflow/sundflow/pkg/store/storetest"
)

// Events the gateway attested are projected without the full check and
// give the exact figures; an invalid event whose attestation does not
// verify (made with another key, or copied from another message) is
// checked in full and dead-lettered, so only the key's holder can skip
// the check.
func TestAttestedEventsSkipTheCheckOnlyWithTheKey(t *testing.T) {
	key, err := attest.ParseKey(strings.Repeat("a1", 32))
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := attest.ParseKey(strings.Repeat("b2", 32))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, shared)
	e.attest = key
	sc := storetest.NewScenario(21, 1200)
	e.publish(sc.Events, publishOpts{attest: key})

	// A schema-invalid placement (no kind), from the scenario's first
	// placement.
	var valid []byte
	for _, ev := range sc.Events {
		if event.Type(ev.Type()) == event.PlacementStarted {
			if valid, err = event.Encode(ev); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	invalid := []byte(strings.Replace(string(valid), `"kind":"ordinary_job",`, "", 1))
	if string(invalid) == string(valid) {
		t.Fatal("the scenario's placement has no ordinary_job kind to remove")
	}
	subject := event.PlacementStarted.Subject()
	forged := []struct {
		name, msgID, attestation string
	}{
		{"signed with another key", "forged-1", otherKey.Sign(subject, "forged-1", invalid)},
		{"attestation of another message", "forged-2", key.Sign(subject, "forged-2", valid)},
	}
	for _, f := range forged {
		e.publishRaw(subject, nats.Header{"content-type": {"application/cloudevents+json"},
			jetstream.MsgIDHeader: {f.msgID}, attest.Header: {f.attestation}}, invalid)
	}

	r := e.startProjector(projection.Config{BatchSize: 300})
	e.waitDrained(consumerName, time.Minute)
	e.checkFigures(sc.Want, "attested events")
	records := deadLetters(t, e, len(forged))
	for i, f := range forged {
		if got := records[i].Headers().Get(bus.HeaderDeadLetterKind); got != projection.KindInvalid {
			t.Errorf("%s: dead-letter kind %q, want %q", f.name, got, projection.KindInvalid)
		}
		if got := records[i].Headers().Get(bus.HeaderDeadLetterReason); !strings.Contains(got, "$.data.kind") {
			t.Errorf("%s: reason %q does not name $.data.kind: the full check did not run", f.name, got)
		}
	}
	if got, want := metric(t, r.reg, "sundflow_projector_events_decoded_total", "attested"), float64(len(sc.Events)); got != want {
		t.Errorf("events decoded as attested = %v, want %v", got, want)
	}
	if got, want := metric(t, r.reg, "sundflow_projector_events_decoded_total", "full"), float64(len(forged)); got != want {
		t.Errorf("events checked in full = %v, want %v", got, want)
	}
}
