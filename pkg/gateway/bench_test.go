package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sundflow/sundflow/pkg/auth"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/gateway"
)

// Benchmark sizes: events per run, events per batch post, concurrent
// HTTP clients.
const (
	benchEvents  = 50_000
	benchBatch   = 500
	benchClients = 4
)

// BenchmarkIngest measures, in one run over the same 50k encoded
// placement.started events, (a) the raw rate of JetStream async publish
// with message ids to an embedded server and (b) the rate of the gateway
// taking them as batch posts over HTTP (decode, validate, authorise,
// re-encode, publish, wait for acks), each into a fresh file-backed
// stream, and reports (b)/(a). One iteration is the whole measured run;
// run it with -benchtime 1x.
func BenchmarkIngest(b *testing.B) {
	events := make([][]byte, benchEvents)
	msgIDs := make([]string, benchEvents)
	for i := range events {
		e := placement(b, sourceOther, i)
		events[i] = encodeEvent(b, e)
		msgIDs[i] = event.MessageID(e.Source(), e.ID())
	}
	var bodies [][]byte
	for start := 0; start < benchEvents; start += benchBatch {
		end := min(start+benchBatch, benchEvents)
		bodies = append(bodies, append(append([]byte("["), bytes.Join(events[start:end], []byte(","))...), ']'))
	}
	subject := event.PlacementStarted.Subject()
	b.ResetTimer()

	var raw, gw, val time.Duration
	for range b.N {
		// (c) for context: validation alone, over every core, which bounds
		// what the gateway can reach.
		v, err := event.NewValidator()
		if err != nil {
			b.Fatal(err)
		}
		began := time.Now()
		var vwg sync.WaitGroup
		for w := range benchClients {
			vwg.Go(func() {
				for i := w; i < len(events); i += benchClients {
					if _, err := v.ParseStructured(events[i]); err != nil {
						b.Errorf("event %d invalid: %v", i, err)
					}
				}
			})
		}
		vwg.Wait()
		val = time.Since(began)

		b.StopTimer()
		_, nc, js := benchJetStream(b)
		b.StartTimer()
		began = time.Now()
		for i, data := range events {
			m := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
			m.Header.Set("content-type", gateway.StructuredContentType)
			if _, err := js.PublishMsgAsync(m, jetstream.WithMsgID(msgIDs[i]), jetstream.WithExpectStream(bus.EventsStream),
				jetstream.WithStallWait(10*time.Second)); err != nil {
				b.Fatalf("raw publish %d: %v", i, err)
			}
		}
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(60 * time.Second):
			b.Fatal("raw publish: acks not complete after 60s")
		}
		raw = time.Since(began)
		b.StopTimer()
		benchCheckStored(b, js, benchEvents)
		nc.Close()

		url, js2 := benchGateway(b)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients}}
		work := make(chan []byte, len(bodies))
		for _, body := range bodies {
			work <- body
		}
		close(work)
		b.StartTimer()
		began = time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, benchClients)
		for range benchClients {
			wg.Go(func() {
				for body := range work {
					if err := benchPost(client, url, body); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		gw = time.Since(began)
		b.StopTimer()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		benchCheckStored(b, js2, benchEvents)
		b.StartTimer()
	}
	rawRate := float64(benchEvents) / raw.Seconds()
	gwRate := float64(benchEvents) / gw.Seconds()
	b.ReportMetric(rawRate, "raw_events/s")
	b.ReportMetric(gwRate, "gateway_events/s")
	b.ReportMetric(gwRate/rawRate, "ratio")
	valRate := float64(benchEvents) / val.Seconds()
	b.ReportMetric(valRate, "validate_only_events/s")
	fmt.Printf("ingest benchmark: %d placement.started events; raw JetStream async publish %.0f events/s (%s); "+
		"gateway batch posts of %d over HTTP, %d clients %.0f events/s (%s); ratio %.2f (goal >= 0.5); "+
		"for context, validation alone on every core %.0f events/s\n",
		benchEvents, rawRate, raw.Round(time.Millisecond), benchBatch, benchClients, gwRate, gw.Round(time.Millisecond), gwRate/rawRate, valRate)
}

// benchJetStream starts a fresh embedded server with the streams in
// file storage, as the gateway runs by default.
func benchJetStream(b *testing.B) (*bus.ServerConfig, *nats.Conn, jetstream.JetStream) {
	b.Helper()
	cfg := bus.ServerConfig{StoreDir: b.TempDir(), Port: -1}
	ns, err := bus.StartServer(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, js, err := bus.Connect(ctx, bus.ConnConfig{URL: ns.ClientURL(), Name: "bench", PublishTimeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{}); err != nil {
		b.Fatal(err)
	}
	return &cfg, nc, js
}

// benchGateway serves a gateway on a real loopback listener in front of
// a fresh embedded server.
func benchGateway(b *testing.B) (string, jetstream.JetStream) {
	b.Helper()
	_, nc, js := benchJetStream(b)
	v, err := event.NewValidator()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "tokens.yaml")
	if err := os.WriteFile(path, []byte("tokens:\n  - name: bench\n    token_sha256: "+auth.HashToken(tokenAll)+
		"\n    source_prefixes: [\"*\"]\n    types: [\"*\"]\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	keys, err := auth.Load(path, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		b.Fatal(err)
	}
	g, err := gateway.New(gateway.Options{
		Validator: v, Keyring: keys,
		Publisher:  bus.NewPublisher(nc, js, bus.EventsStream, 30*time.Second),
		Ready:      func(ctx context.Context) error { return bus.CheckReady(ctx, nc, js) },
		Registerer: reg,
	})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: g}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + gateway.EventsPath, js
}

func benchPost(client *http.Client, url string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", gateway.BatchContentType)
	req.Header.Set("Authorization", "Bearer "+tokenAll)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("batch post: status %d: %.300s", resp.StatusCode, buf.Bytes())
	}
	return nil
}

// benchCheckStored makes sure a run stored every event exactly once.
func benchCheckStored(b *testing.B, js jetstream.JetStream, want int) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, bus.EventsStream)
	if err != nil {
		b.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if info.State.Msgs != uint64(want) {
		b.Fatalf("stream holds %d events, want %d", info.State.Msgs, want)
	}
}
