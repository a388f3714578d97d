package bus_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/bus/bustest"
	"github.com/sundflow/sundflow/pkg/event"
)

const deployConfig = "../../deploy/nats/nats-server.conf"

// directInbox is the inbox prefix of the example direct publisher.
const directInbox = "_INBOX_helsingor"

// TestDirectPublisherConfig parses deploy/nats/nats-server.conf with
// nats-server's own parser, checks the direct publisher may publish only
// subjects of event types, then runs a server with those permissions
// (fresh keys in place of the example ones) and tries them for real.
func TestDirectPublisherConfig(t *testing.T) {
	opts, err := server.ProcessConfigFile(deployConfig)
	if err != nil {
		t.Fatalf("parse %s: %v", deployConfig, err)
	}
	users := map[string]*server.NkeyUser{} // by role
	for _, u := range opts.Nkeys {
		if u.Permissions == nil || u.Permissions.Publish == nil || u.Permissions.Subscribe == nil {
			t.Fatalf("user %s has no publish and subscribe permissions", u.Nkey)
		}
		switch {
		case slices.Contains(u.Permissions.Publish.Allow, event.SubjectPrefix+">"):
			users["ingest"] = u
		case slices.Contains(u.Permissions.Publish.Allow, bus.DeadLetterSubjectPrefix+">"):
			users["projector"] = u
		case slices.Contains(u.Permissions.Subscribe.Allow, directInbox+".>"):
			users["direct"] = u
		}
	}
	for _, role := range []string{"ingest", "projector", "direct"} {
		if users[role] == nil {
			t.Fatalf("no %s user in %s", role, deployConfig)
		}
	}
	allowed := users["direct"].Permissions.Publish.Allow
	for _, subj := range allowed {
		if _, ok := event.TypeOfSubject(subj); !ok {
			t.Errorf("direct publisher may publish %q, which is not the subject of an event type", subj)
		}
	}

	// Run it: same permissions, fresh keys, temp store, free ports.
	ns, seeds := bustest.StartWithFreshKeys(t, opts, users)
	connect := func(role string, extra ...nats.Option) (*nats.Conn, jetstream.JetStream) {
		t.Helper()
		kp := seeds[role]
		pub, _ := kp.PublicKey()
		nc, err := nats.Connect(ns.ClientURL(), append(extra, nats.Nkey(pub, kp.Sign), nats.NoCallbacksAfterClientClose())...)
		if err != nil {
			t.Fatalf("connect as %s: %v", role, err)
		}
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		return nc, js
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, ingestJS := connect("ingest")
	if err := bus.EnsureStreams(ctx, ingestJS, bus.StreamOptions{}); err != nil {
		t.Fatalf("the ingest user cannot set up the streams: %v", err)
	}
	_, directJS := connect("direct", nats.CustomInboxPrefix(directInbox),
		// The denied publishes below come back as asynchronous errors.
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))

	tests := []struct {
		name    string
		subject string
		wantOK  bool
	}{
		{"allowed type", event.PlacementStarted.Subject(), true},
		{"another allowed type", event.EventRetracted.Subject(), true},
		{"type not allowed", event.VacancyPublished.Subject(), false},
		{"dead-letter stream", bus.DeadLetterSubjectPrefix + "placement.started.v1", false},
	}
	stored := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			_, err := directJS.Publish(pctx, tt.subject, []byte(`{}`), jetstream.WithMsgID(tt.name))
			if tt.wantOK && err != nil {
				t.Fatalf("publish to %s: %v", tt.subject, err)
			}
			if !tt.wantOK && err == nil {
				t.Fatalf("publish to %s was acknowledged; the permissions should deny it", tt.subject)
			}
			if tt.wantOK {
				stored++
			}
		})
	}
	sctx, scancel := context.WithTimeout(ctx, time.Second)
	defer scancel()
	if _, err := directJS.Stream(sctx, bus.EventsStream); err == nil {
		t.Error("the direct publisher can read stream info; it should have no $JS.API access")
	}
	s, err := ingestJS.Stream(ctx, bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(stored) {
		t.Errorf("events stream holds %d messages, want %d", info.State.Msgs, stored)
	}
}
