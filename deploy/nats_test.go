package deploy_test

// The NATS configurations of deploy/nats, parsed with nats-server's own
// parser (server.ProcessConfigFile), checked for the choices they claim,
// and the leaf node run for real against a hub with the same users.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
)

// natsEnv is what the configs read from the environment, with example
// values; a leaf seed is made per test.
func setNATSEnv(t *testing.T) (leafSeed string, leafPub string) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	t.Setenv("NATS_SERVER_NAME", "sundflow-nats-2")
	t.Setenv("NATS_ROUTE_PASSWORD", "example-route-password")
	t.Setenv("NATS_ROUTES", "[nats-route://route:example-route-password@nats-1:6222, nats-route://route:example-route-password@nats-2:6222, nats-route://route:example-route-password@nats-3:6222]")
	t.Setenv("SUNDFLOW_HUB_URLS", "[nats-leaf://nats-1:7422, nats-leaf://nats-2:7422]")
	t.Setenv("HELSINGOR_LEAF_SEED", string(seed))
	t.Setenv("CASE_SYSTEM_PASSWORD", "example-case-system-password")
	return string(seed), pub
}

func TestNATSConfigs(t *testing.T) {
	setNATSEnv(t)
	tests := []struct {
		file  string
		check func(t *testing.T, o *server.Options)
	}{
		{"nats/nats-server.conf", func(t *testing.T, o *server.Options) {
			if !o.JetStream || !o.SyncAlways {
				t.Errorf("single server: jetstream %v, sync always %v; want both", o.JetStream, o.SyncAlways)
			}
			checkUsers(t, o)
		}},
		{"nats/cluster.conf", func(t *testing.T, o *server.Options) {
			if o.ServerName != "sundflow-nats-2" {
				t.Errorf("server name %q, want it from NATS_SERVER_NAME", o.ServerName)
			}
			if o.Cluster.Name != "sundflow" || o.Cluster.Port != 6222 || len(o.Routes) != 3 {
				t.Errorf("cluster %q port %d with %d routes; want sundflow, 6222, 3 routes", o.Cluster.Name, o.Cluster.Port, len(o.Routes))
			}
			if o.Cluster.Username != "route" || o.Cluster.Password == "" {
				t.Error("routes are not password protected")
			}
			if !o.JetStream || !o.SyncAlways {
				t.Errorf("jetstream %v, sync always %v; want both (see the comment in cluster.conf)", o.JetStream, o.SyncAlways)
			}
			if o.LeafNode.Port != 7422 {
				t.Errorf("leaf node port %d, want 7422", o.LeafNode.Port)
			}
			if o.Port != 4222 || o.HTTPPort != 8222 {
				t.Errorf("client port %d, monitoring %d; want 4222 and 8222 (compose and k8s use them)", o.Port, o.HTTPPort)
			}
			checkUsers(t, o)
		}},
		{"nats/leaf-helsingor.conf", func(t *testing.T, o *server.Options) {
			if len(o.LeafNode.Remotes) != 1 || len(o.LeafNode.Remotes[0].URLs) != 2 || o.LeafNode.Remotes[0].Nkey == "" {
				t.Fatalf("leaf remotes %+v: want one remote with two URLs and an nkey seed", o.LeafNode.Remotes)
			}
			if o.JetStream {
				t.Error("the leaf runs JetStream; the comment says it does not")
			}
			if len(o.Users) != 1 {
				t.Fatalf("leaf local users: %d, want the case system alone", len(o.Users))
			}
			checkSourcePermissions(t, "case-system", o.Users[0].Permissions)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			o, err := server.ProcessConfigFile(tt.file)
			if err != nil {
				t.Fatalf("parse %s: %v", tt.file, err)
			}
			tt.check(t, o)
		})
	}
}

// checkUsers finds the program users and checks every source user.
func checkUsers(t *testing.T, o *server.Options) {
	t.Helper()
	sources := 0
	for _, u := range o.Nkeys {
		if u.Account == nil || u.Account.Name != "SUNDFLOW" {
			t.Errorf("user %s not in the SUNDFLOW account", u.Nkey)
			continue
		}
		p := u.Permissions
		if p == nil || p.Publish == nil || p.Subscribe == nil {
			t.Errorf("user %s has no publish and subscribe permissions", u.Nkey)
			continue
		}
		if slices.ContainsFunc(p.Publish.Allow, func(s string) bool {
			return strings.HasPrefix(s, "$JS.") || strings.HasPrefix(s, "sundflow.deadletter.") || strings.HasSuffix(s, ">")
		}) {
			continue // a sundflow program: gateway, projector or dashboard
		}
		sources++
		checkSourcePermissions(t, u.Nkey, p)
	}
	if sources < 3 {
		t.Errorf("%d source-system users, want at least 3 (helsingor, jobtech, the helsingor leaf)", sources)
	}
}

// checkSourcePermissions: a source publishes only subjects of event
// types, never a wildcard or the JetStream API, and subscribes only to
// its own inbox prefix.
func checkSourcePermissions(t *testing.T, who string, p *server.Permissions) {
	t.Helper()
	if len(p.Publish.Allow) == 0 {
		t.Errorf("%s may publish nothing", who)
	}
	for _, s := range p.Publish.Allow {
		if _, ok := event.TypeOfSubject(s); !ok {
			t.Errorf("%s may publish %q, not the subject of an event type", who, s)
		}
	}
	if len(p.Subscribe.Allow) != 1 || !strings.HasPrefix(p.Subscribe.Allow[0], "_INBOX_") || !strings.HasSuffix(p.Subscribe.Allow[0], ".>") {
		t.Errorf("%s may subscribe %v, want only its own _INBOX_<name>.>", who, p.Subscribe.Allow)
	}
}

// TestLeafNodeForwardsOnlyItsSubjects runs the hub (nats-server.conf plus
// a leaf-node port) and the leaf (leaf-helsingor.conf) for real: the case
// system's publish through the leaf is stored in the hub's stream and
// acknowledged; a subject it may not publish is refused.
func TestLeafNodeForwardsOnlyItsSubjects(t *testing.T) {
	_, leafPub := setNATSEnv(t)
	hubOpts, err := server.ProcessConfigFile("nats/nats-server.conf")
	if err != nil {
		t.Fatal(err)
	}
	// Fresh keys for the gateway user (to make the streams) and the leaf.
	gwKP, _ := nkeys.CreateUser()
	gwPub, _ := gwKP.PublicKey()
	var leafUser bool
	for _, u := range hubOpts.Nkeys {
		switch {
		case slices.Contains(u.Permissions.Publish.Allow, event.SubjectPrefix+">"):
			u.Nkey = gwPub
		case slices.Contains(u.Permissions.Subscribe.Allow, "_INBOX_helsingor_leaf.>"):
			u.Nkey, leafUser = leafPub, true
		}
	}
	if !leafUser {
		t.Fatal("no leaf user in accounts.conf")
	}
	hubOpts.StoreDir = t.TempDir()
	hubOpts.Host, hubOpts.Port, hubOpts.HTTPPort = "127.0.0.1", -1, 0
	hubOpts.LeafNode.Host, hubOpts.LeafNode.Port = "127.0.0.1", -1
	hub := runServer(t, hubOpts)

	t.Setenv("SUNDFLOW_HUB_URLS", fmt.Sprintf("[nats-leaf://127.0.0.1:%d]", hubOpts.LeafNode.Port))
	leafOpts, err := server.ProcessConfigFile("nats/leaf-helsingor.conf")
	if err != nil {
		t.Fatal(err)
	}
	leafOpts.Port, leafOpts.HTTPPort = -1, 0
	leaf := runServer(t, leafOpts)
	waitUntil(t, 10*time.Second, "the leaf to connect", func() bool { return leaf.NumLeafNodes() == 1 && hub.NumLeafNodes() == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	gw, err := nats.Connect(hub.ClientURL(), nats.Nkey(gwPub, gwKP.Sign))
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	gwJS, _ := jetstream.New(gw)
	if err := bus.EnsureStreams(ctx, gwJS, bus.StreamOptions{}); err != nil {
		t.Fatal(err)
	}

	cs, err := nats.Connect(leaf.ClientURL(), nats.UserInfo("case-system", "example-case-system-password"),
		nats.CustomInboxPrefix("_INBOX_helsingor_leaf"), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		t.Fatalf("case system connects to its leaf: %v", err)
	}
	defer cs.Close()
	js, _ := jetstream.New(cs)
	// Interest crosses the leaf link asynchronously: retry until stored.
	var ack *jetstream.PubAck
	waitUntil(t, 10*time.Second, "a publish through the leaf to be acknowledged", func() bool {
		pctx, pcancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer pcancel()
		ack, err = js.Publish(pctx, event.PlacementStarted.Subject(), []byte(`{"example":true}`), jetstream.WithMsgID("leaf-test-1"))
		return err == nil
	})
	if ack.Stream != bus.EventsStream {
		t.Errorf("acknowledged by stream %q, want %s", ack.Stream, bus.EventsStream)
	}
	pctx, pcancel := context.WithTimeout(ctx, time.Second)
	defer pcancel()
	if _, err := js.Publish(pctx, event.VacancyPublished.Subject(), []byte(`{}`), jetstream.WithMsgID("leaf-test-2")); err == nil {
		t.Error("the Helsingør case system published a vacancy through its leaf; its permissions allow placements and retractions only")
	}
	st, err := gwJS.Stream(ctx, bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := st.Info(ctx)
	if info.State.Msgs != 1 {
		t.Errorf("hub stream holds %d messages, want the one allowed", info.State.Msgs)
	}
	t.Logf("through the leaf: 1 allowed publish acknowledged by %s seq %d, 1 forbidden refused; the hub stream holds %d", ack.Stream, ack.Sequence, info.State.Msgs)
}

func runServer(t *testing.T, o *server.Options) *server.Server {
	t.Helper()
	o.NoLog, o.NoSigs = true, true
	ns, err := server.NewServer(o)
	if err != nil {
		t.Fatalf("configure nats-server: %v", err)
	}
	go ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	return ns
}

func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
