package faulttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
)

// BenchmarkClusterSync measures what deploy/nats/cluster.conf's
// `sync_interval: always` costs: the same events published to the R3
// events stream of a three-node cluster on loopback, once with every write
// fsynced before it is acknowledged and once with the default (fsync every
// two minutes), asynchronously (as the gateway publishes a batch) and one
// at a time (as a direct publisher waiting for each ack).
func BenchmarkClusterSync(b *testing.B) {
	events, _ := simEvents(b, 20000, 7)
	msgs := make([]*nats.Msg, len(events))
	ids := make([]string, len(events))
	for i, e := range events {
		data, err := event.Encode(e)
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = &nats.Msg{Subject: event.Type(e.Type()).Subject(), Data: data}
		ids[i] = event.MessageID(e.Source(), e.ID())
	}
	rates := map[string]float64{}
	for _, mode := range []struct {
		name   string
		always bool
	}{{"default", false}, {"always", true}} {
		cl := startCluster(b, mode.always)
		nc, js := cl.connect("ingest")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{Replicas: 3}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for i, m := range msgs {
			if _, err := js.PublishMsgAsync(m, jetstream.WithMsgID(ids[i]), jetstream.WithStallWait(time.Minute)); err != nil {
				b.Fatal(err)
			}
		}
		select {
		case <-js.PublishAsyncComplete():
		case <-ctx.Done():
			b.Fatal("acks did not all come")
		}
		rates[mode.name+" async"] = rate(len(msgs), time.Since(start))
		const sync = 2000
		start = time.Now()
		for i := range sync {
			m := *msgs[i]
			if _, err := js.PublishMsg(ctx, &m, jetstream.WithMsgID("sync-"+ids[i])); err != nil {
				b.Fatal(err)
			}
		}
		rates[mode.name+" one by one"] = rate(sync, time.Since(start))
		cancel()
		nc.Close()
		for i := range cl.servers {
			cl.stop(i)
		}
	}
	fmt.Printf("BENCH cluster sync (R3, 3 nodes on loopback, %d events async, 2000 one by one): sync_interval default %.0f events/s async, %.0f one by one; always %.0f async (%.2f x default), %.0f one by one (%.2f x default)\n",
		len(msgs), rates["default async"], rates["default one by one"], rates["always async"], rates["always async"]/rates["default async"],
		rates["always one by one"], rates["always one by one"]/rates["default one by one"])
	b.ReportMetric(rates["default async"], "default_async_events/s")
	b.ReportMetric(rates["always async"], "always_async_events/s")
	b.ReportMetric(rates["always async"]/rates["default async"], "always/default_async")
	b.ReportMetric(rates["always one by one"]/rates["default one by one"], "always/default_sync")
}
