package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/bus/bustest"
)

// TestPublishAllInProcess: on an R3 stream a copy published while the
// first one is still being committed gets error 10158 ("duplicate message
// id is in process") from JetStream. PublishAll publishes it again until
// JetStream confirms it as a duplicate, and the stream holds one copy.
func TestPublishAllInProcess(t *testing.T) {
	nc, js := bustest.StartCluster(t, "bus-test")
	ctx := context.Background()

	// Show the server's answer first, without PublishAll: two copies of
	// one id back to back.
	sawConflict, raw := false, 0
	for ; raw < 20 && !sawConflict; raw++ {
		id := fmt.Sprintf("raw-%d", raw)
		var fs []jetstream.PubAckFuture
		for range 2 {
			f, err := js.PublishMsgAsync(&nats.Msg{Subject: msg(id).Subject, Data: msg(id).Data}, jetstream.WithMsgID(msg(id).MsgID))
			if err != nil {
				t.Fatal(err)
			}
			fs = append(fs, f)
		}
		for _, f := range fs {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				if !bus.IsInProcess(err) {
					t.Fatalf("second copy: %v, want error 10158 or an ack", err)
				}
				sawConflict = true
			}
		}
	}
	if !sawConflict {
		t.Fatal("JetStream never answered 10158 to a copy published while the first was stored; the test does not reproduce the case")
	}

	p := bus.NewPublisher(nc, js, bus.EventsStream, 5*time.Second)
	var msgs []bus.Message
	for i := range 50 {
		m := msg(fmt.Sprintf("pair-%d", i))
		msgs = append(msgs, m, m)
	}
	acks, err := p.PublishAll(ctx, msgs)
	if err != nil {
		t.Fatalf("PublishAll: %v", err)
	}
	conflicts := 0
	for i := 0; i < len(acks); i += 2 {
		first, second := acks[i], acks[i+1]
		if first.Duplicate || !second.Duplicate || first.Sequence != second.Sequence || first.Sequence == 0 {
			t.Errorf("pair %d: acks %+v and %+v, want one stored and one duplicate of the same sequence", i/2, first, second)
		}
		conflicts += first.Conflicts + second.Conflicts
	}
	if conflicts == 0 {
		t.Error("no ack counted a 10158 answer; the retry path was not exercised")
	}
	t.Logf("%d pairs stored once each; %d publishes answered 10158 and retried", len(msgs)/2, conflicts)

	s, err := js.Stream(ctx, bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.State.Msgs, uint64(50+raw); got != want {
		t.Errorf("stream holds %d messages, want %d", got, want)
	}
}
