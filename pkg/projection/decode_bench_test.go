package projection

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/store"
	"github.com/sundflow/sundflow/pkg/store/storetest"
)

// BenchmarkDecode measures the projector's own CPU per event on one core:
// decoding, validating and mapping fetched messages into store batches
// (decodeAll with one worker), next to validation alone of the same
// payloads, so a change to either shows as a ratio. The messages are
// real ones, fetched from an in-process JetStream and never
// acknowledged.
func BenchmarkDecode(b *testing.B) {
	key, err := attest.ParseKey(strings.Repeat("5a", 32))
	if err != nil {
		b.Fatal(err)
	}
	msgs, payloads := fetchScenario(b, 20_000, attest.Key{})
	signed, _ := fetchScenario(b, 20_000, key)
	v, err := event.NewValidator()
	if err != nil {
		b.Fatal(err)
	}
	bs := []*store.Batch{store.NewBatch()}
	b.Run("validate", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := v.ParseStructured(payloads[i%len(payloads)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	for _, bc := range []struct {
		name string
		c    checker
		msgs []jetstream.Msg
	}{
		{"decode-map-full", checker{v: v, maxDeliver: 10}, msgs},
		{"decode-map-attested", checker{v: v, key: key, maxDeliver: 10}, signed},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bs[0].Reset()
				for _, d := range bc.c.decodeAll(bc.msgs, bs) {
					if d.kind != "" {
						b.Fatalf("%s: %s", d.kind, d.reason)
					}
					if d.attested != bc.c.key.On() {
						b.Fatalf("attested %v with key on %v", d.attested, bc.c.key.On())
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bc.msgs)), "ns/event")
		})
	}
}

// fetchScenario publishes n scenario events into an in-process JetStream,
// attested with key when it is on, and fetches them all, unacknowledged.
func fetchScenario(b *testing.B, n int, key attest.Key) ([]jetstream.Msg, [][]byte) {
	b.Helper()
	ctx := context.Background()
	ns, err := bus.StartServer(bus.ServerConfig{StoreDir: b.TempDir(), Port: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{Memory: true}); err != nil {
		b.Fatal(err)
	}
	sc := storetest.NewScenario(42, n)
	payloads := make([][]byte, len(sc.Events))
	for i, e := range sc.Events {
		if payloads[i], err = event.Encode(e); err != nil {
			b.Fatal(err)
		}
		subject, id := event.Type(e.Type()).Subject(), event.MessageID(e.Source(), e.ID())
		m := &nats.Msg{Subject: subject, Data: payloads[i], Header: nats.Header{"content-type": {"application/cloudevents+json"}}}
		if key.On() {
			m.Header.Set(attest.Header, key.Sign(subject, id, payloads[i]))
		}
		if _, err := js.PublishMsgAsync(m, jetstream.WithMsgID(id)); err != nil {
			b.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	cfg := Config{Consumer: "bench-decode", AckWait: time.Hour, MaxAckPending: len(payloads)}.ConsumerConfig()
	cons, err := js.CreateOrUpdateConsumer(ctx, bus.EventsStream, cfg)
	if err != nil {
		b.Fatal(err)
	}
	var msgs []jetstream.Msg
	for len(msgs) < len(payloads) {
		mb, err := cons.Fetch(5000, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			b.Fatal(err)
		}
		for m := range mb.Messages() {
			msgs = append(msgs, m)
		}
	}
	return msgs, payloads
}
