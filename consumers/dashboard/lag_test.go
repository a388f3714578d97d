package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/bus/bustest"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/projection"
)

// deployNATS is the single-server configuration of deploy/nats; it
// includes accounts.conf, whose users the test runs with.
const deployNATS = "../../deploy/nats/nats-server.conf"

// TestLagWithDeployPermissions runs a nats-server with the users of
// deploy/nats/accounts.conf (fresh nkeys in place of the examples) and
// reads the projector's lag as the dashboard's user with the dashboard's
// own connection settings (its flags' defaults): the dashboard user may
// receive only on its own inbox prefix, so with NATS's default _INBOX the
// consumer-info request gets no answer.
func TestLagWithDeployPermissions(t *testing.T) {
	opts, err := server.ProcessConfigFile(deployNATS)
	if err != nil {
		t.Fatalf("parse %s: %v", deployNATS, err)
	}
	consumerInfo := "$JS.API.CONSUMER.INFO." + bus.EventsStream + ".*"
	users := map[string]*server.NkeyUser{} // by role
	for _, u := range opts.Nkeys {
		if u.Permissions == nil || u.Permissions.Publish == nil {
			continue
		}
		switch {
		case slices.Contains(u.Permissions.Publish.Allow, event.SubjectPrefix+">"):
			users["ingest"] = u
		case slices.Contains(u.Permissions.Publish.Allow, consumerInfo):
			users["dashboard"] = u
		}
	}
	for _, role := range []string{"ingest", "dashboard"} {
		if users[role] == nil {
			t.Fatalf("no %s user in %s", role, deployNATS)
		}
	}
	ns, seeds := bustest.StartWithFreshKeys(t, opts, users)

	// The gateway's user declares the streams, the projector's durable
	// consumer and a backlog of three events for it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ingestPub, _ := seeds["ingest"].PublicKey()
	nc, err := nats.Connect(ns.ClientURL(), nats.Nkey(ingestPub, seeds["ingest"].Sign))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateOrUpdateConsumer(ctx, bus.EventsStream, projection.Config{}.ConsumerConfig()); err != nil {
		t.Fatal(err)
	}
	const backlog = 3
	for i := range backlog {
		if _, err := js.Publish(ctx, event.PlacementStarted.Subject(), []byte(`{}`), jetstream.WithMsgID(string(rune('a'+i)))); err != nil {
			t.Fatal(err)
		}
	}

	seedFile := filepath.Join(t.TempDir(), "dashboard.nk")
	seed, err := seeds["dashboard"].Seed()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	var c cli
	p, err := kong.New(&c, kong.Name("dashboard"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse([]string{"serve", "--nats-url", ns.ClientURL(), "--nats-nkey", seedFile}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		prefix  func(defaultPrefix string) string
		want    uint64
		wantErr error
	}{
		{"the dashboard's default inbox prefix", func(d string) string { return d }, backlog, nil},
		{"NATS's default _INBOX", func(string) string { return "" }, 0, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := c.Serve
			cfg.NATSInboxPrefix = tt.prefix(cfg.NATSInboxPrefix)
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			conn := cfg.natsConn()
			nc, djs, err := bus.Connect(cctx, conn)
			if err != nil {
				t.Fatalf("connect as the dashboard: %v", err)
			}
			defer nc.Close()
			// A refused subscription is reported asynchronously; the
			// request then waits for an answer that never comes.
			nc.SetErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})
			got, err := consumerLag(cctx, djs, cfg.ProjectorConsumer)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("lag with inbox prefix %q: %d, %v; want %v", conn.InboxPrefix, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("lag with inbox prefix %q: %d, %v; want %d", conn.InboxPrefix, got, err, tt.want)
			}
		})
	}
}
