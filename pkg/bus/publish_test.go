package bus_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
)

// startJetStream runs an embedded server with the streams in a temp dir
// and returns a connection to it.
func startJetStream(t *testing.T) (*server.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	ns, err := bus.StartServer(bus.ServerConfig{StoreDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatalf("start nats-server: %v", err)
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, js, err := bus.Connect(ctx, bus.ConnConfig{URL: ns.ClientURL(), Name: "bus-test", PublishTimeout: 2 * time.Second, ReconnectWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{DuplicateWindow: time.Hour}); err != nil {
		t.Fatalf("ensure streams: %v", err)
	}
	return ns, nc, js
}

func msg(id string) bus.Message {
	return bus.Message{
		Subject:     event.PlacementStarted.Subject(),
		MsgID:       "test:" + id,
		ContentType: "application/cloudevents+json",
		Data:        []byte(`{"id":"` + id + `"}`),
	}
}

func TestPublishAll(t *testing.T) {
	_, nc, js := startJetStream(t)
	p := bus.NewPublisher(nc, js, bus.EventsStream, 2*time.Second)
	ctx := context.Background()

	tests := []struct {
		name string
		msgs []bus.Message
		want []bool // Duplicate of each ack
	}{
		{"new messages", []bus.Message{msg("a"), msg("b")}, []bool{false, false}},
		{"resent message", []bus.Message{msg("a"), msg("c")}, []bool{true, false}},
		{"same id twice in one call", []bus.Message{msg("d"), msg("d")}, []bool{false, true}},
		{"nothing", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acks, err := p.PublishAll(ctx, tt.msgs)
			if err != nil {
				t.Fatalf("PublishAll: %v", err)
			}
			if len(acks) != len(tt.want) {
				t.Fatalf("got %d acks, want %d", len(acks), len(tt.want))
			}
			for i, a := range acks {
				if a.Duplicate != tt.want[i] {
					t.Errorf("ack %d: Duplicate = %v, want %v", i, a.Duplicate, tt.want[i])
				}
				if a.Sequence == 0 {
					t.Errorf("ack %d: no sequence", i)
				}
			}
		})
	}
	s, err := js.Stream(ctx, bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.State.Msgs, uint64(4); got != want {
		t.Errorf("stream holds %d messages, want %d (a, b, c, d once each)", got, want)
	}
	m, err := s.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Header.Get(jetstream.MsgIDHeader); got != "test:a" {
		t.Errorf("Nats-Msg-Id = %q, want test:a", got)
	}
	if got := m.Header.Get("content-type"); got != "application/cloudevents+json" {
		t.Errorf("content-type = %q", got)
	}
}

func TestPublishAllUnavailable(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(t *testing.T, ns *server.Server, js jetstream.JetStream)
		wantIn  []string // one of them in the error
	}{
		{"server down", func(t *testing.T, ns *server.Server, _ jetstream.JetStream) {
			ns.Shutdown()
			ns.WaitForShutdown()
		}, []string{"jetstream unavailable"}},
		// Just after the deletion the server may still route the message
		// to the stream going away, which never answers, or already
		// answer that nothing listens: either way it is unavailable.
		{"stream deleted", func(t *testing.T, _ *server.Server, js jetstream.JetStream) {
			if err := js.DeleteStream(context.Background(), bus.EventsStream); err != nil {
				t.Fatal(err)
			}
		}, []string{"none within 500ms", "no response from stream"}},
		{"no acknowledgement in time", func(t *testing.T, ns *server.Server, js jetstream.JetStream) {
			// The stream gone and a plain subscriber that never answers in
			// its place: the publish is delivered but nobody acknowledges,
			// as with a JetStream too slow to answer.
			if err := js.DeleteStream(context.Background(), bus.EventsStream); err != nil {
				t.Fatal(err)
			}
			nc, err := nats.Connect(ns.ClientURL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nc.Close)
			if _, err := nc.SubscribeSync(event.PlacementStarted.Subject()); err != nil {
				t.Fatal(err)
			}
			if err := nc.Flush(); err != nil {
				t.Fatal(err)
			}
		}, []string{"none within 500ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, nc, js := startJetStream(t)
			p := bus.NewPublisher(nc, js, bus.EventsStream, 500*time.Millisecond)
			tt.breakIt(t, ns, js)
			_, err := p.PublishAll(context.Background(), []bus.Message{msg("x")})
			if !errors.Is(err, bus.ErrUnavailable) {
				t.Fatalf("PublishAll: got %v, want ErrUnavailable", err)
			}
			if !slices.ContainsFunc(tt.wantIn, func(w string) bool { return strings.Contains(err.Error(), w) }) {
				t.Errorf("error %q says none of %q", err, tt.wantIn)
			}
			if err := bus.CheckReady(context.Background(), nc, js); !errors.Is(err, bus.ErrNotReady) {
				t.Errorf("CheckReady: got %v, want ErrNotReady", err)
			}
		})
	}
}

func TestCheckReady(t *testing.T) {
	_, nc, js := startJetStream(t)
	if err := bus.CheckReady(context.Background(), nc, js); err != nil {
		t.Fatalf("CheckReady: %v", err)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://ingest:s3cret@h:4222", "nats://ingest:xxxxx@h:4222"},
		{"nats://tok3n@h:4222,nats://a:b@g:4222", "nats://redacted@h:4222,nats://a:xxxxx@g:4222"},
	}
	for _, tt := range tests {
		if got := bus.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
