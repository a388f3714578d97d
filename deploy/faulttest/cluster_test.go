package faulttest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/stack"
)

// natsCluster is three nats-servers in this process, each configured from
// deploy/nats/cluster.conf (ports and store moved to free ones and temp
// dirs, the example nkeys of the gateway and projector users replaced by
// fresh ones whose seeds the programs get).
type natsCluster struct {
	t       testing.TB
	opts    []*server.Options
	servers []*server.Server
	seeds   map[string]string // role -> seed file
	urls    []string
}

const clusterConf = "../nats/cluster.conf"

func startCluster(t testing.TB, syncAlways bool) *natsCluster {
	t.Helper()
	c := &natsCluster{t: t, seeds: map[string]string{}}
	var clientPorts, routePorts [3]int
	for i := range 3 {
		var err error
		if clientPorts[i], err = stack.FreePort(); err != nil {
			t.Fatal(err)
		}
		if routePorts[i], err = stack.FreePort(); err != nil {
			t.Fatal(err)
		}
	}
	var routes []string
	for _, p := range routePorts {
		routes = append(routes, fmt.Sprintf("nats-route://route:faulttest-pw@127.0.0.1:%d", p))
	}
	keys := map[string]nkeys.KeyPair{}
	for _, role := range []string{"ingest", "projector"} {
		kp, err := nkeys.CreateUser()
		if err != nil {
			t.Fatal(err)
		}
		seed, _ := kp.Seed()
		f := filepath.Join(t.TempDir(), role+".nk")
		if err := os.WriteFile(f, seed, 0o600); err != nil {
			t.Fatal(err)
		}
		keys[role], c.seeds[role] = kp, f
	}
	for i := range 3 {
		t.Setenv("NATS_SERVER_NAME", fmt.Sprintf("sundflow-nats-%d", i+1))
		t.Setenv("NATS_ROUTE_PASSWORD", "faulttest-pw")
		t.Setenv("NATS_ROUTES", "["+strings.Join(routes, ", ")+"]")
		o, err := server.ProcessConfigFile(clusterConf)
		if err != nil {
			t.Fatalf("parse %s: %v", clusterConf, err)
		}
		o.Host, o.Port, o.HTTPPort = "127.0.0.1", clientPorts[i], 0
		o.Cluster.Host, o.Cluster.Port = "127.0.0.1", routePorts[i]
		o.LeafNode.Port = 0
		o.StoreDir = t.TempDir()
		o.SyncAlways = syncAlways
		o.NoLog, o.NoSigs = true, true
		for _, u := range o.Nkeys {
			switch {
			case slices.Contains(u.Permissions.Publish.Allow, event.SubjectPrefix+">"):
				u.Nkey, _ = keys["ingest"].PublicKey()
			case slices.Contains(u.Permissions.Publish.Allow, bus.DeadLetterSubjectPrefix+">"):
				u.Nkey, _ = keys["projector"].PublicKey()
			}
		}
		c.opts = append(c.opts, o)
		c.urls = append(c.urls, fmt.Sprintf("nats://127.0.0.1:%d", clientPorts[i]))
	}
	c.servers = make([]*server.Server, 3)
	for i := range 3 {
		c.start(i)
	}
	t.Cleanup(func() {
		for _, s := range c.servers {
			if s != nil {
				s.Shutdown()
				s.WaitForShutdown()
			}
		}
	})
	// The gateway exits when it cannot declare the streams: wait for a
	// JetStream meta leader first.
	nc, js := c.connect("ingest")
	defer nc.Close()
	waitFor(t, time.Minute, "the JetStream cluster to elect a meta leader", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := js.AccountInfo(ctx)
		return err == nil, fmt.Sprint(err)
	})
	return c
}

func (c *natsCluster) start(i int) {
	c.t.Helper()
	o := *c.opts[i] // the server keeps its options; give each run a copy
	ns, err := server.NewServer(&o)
	if err != nil {
		c.t.Fatalf("configure nats-server %d: %v", i+1, err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(20 * time.Second) {
		c.t.Fatalf("nats-server %d not ready", i+1)
	}
	c.servers[i] = ns
}

func (c *natsCluster) stop(i int) {
	c.servers[i].Shutdown()
	c.servers[i].WaitForShutdown()
	c.servers[i] = nil
}

// URL lists all three nodes, as a client is configured.
func (c *natsCluster) URL() string { return strings.Join(c.urls, ",") }

func (c *natsCluster) connect(role string) (*nats.Conn, jetstream.JetStream) {
	c.t.Helper()
	opt, err := nats.NkeyOptionFromSeed(c.seeds[role])
	if err != nil {
		c.t.Fatal(err)
	}
	nc, err := nats.Connect(c.URL(), opt, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		c.t.Fatalf("connect to the cluster as %s: %v", role, err)
	}
	js, _ := jetstream.New(nc)
	return nc, js
}

// nodeIndex is the index of the server named name.
func (c *natsCluster) nodeIndex(name string) int {
	for i, o := range c.opts {
		if o.ServerName == name {
			return i
		}
	}
	return -1
}

// TestClusterNodeLossDuringIngest: three nodes, R3 streams, steady ingest
// through the gateway; the events stream's leader is shut down a third of
// the way in and comes back at two thirds. Every acknowledged event must
// be in the stream exactly once and reach ClickHouse exactly once.
func TestClusterNodeLossDuringIngest(t *testing.T) {
	out := logOutput(t)
	cl := startCluster(t, true)
	ch := startClickHouse(t)
	_, gwURL := startGateway(t, out, "--nats-url", cl.URL(), "--nats-nkey", cl.seeds["ingest"], "--stream-replicas", "3", "--publish-timeout", "3s", "--retry-after", "1s")
	_, projURL := startProjector(t, out, cl.URL(), ch.Addr(), "--nats-nkey", cl.seeds["projector"])

	nc, js := cl.connect("ingest")
	defer nc.Close()
	ctx := context.Background()
	stream, err := js.Stream(ctx, bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 {
		t.Fatalf("events stream has %d replicas, want 3", info.Config.Replicas)
	}

	events, truth := simEvents(t, 20000, 11)
	p := newPoster(gwURL, token)
	var killed, restarted atomic.Bool
	victim := -1
	var killedAt, restartedAt time.Time
	progress := func(done, total int) {
		switch {
		case done >= total/3 && killed.CompareAndSwap(false, true):
			info, err := stream.Info(ctx)
			if err != nil || info.Cluster == nil {
				t.Errorf("stream info before the kill: %v", err)
				return
			}
			victim = cl.nodeIndex(info.Cluster.Leader)
			killedAt = time.Now()
			cl.stop(victim)
			t.Logf("after %d of %d batches: shut down %s, the events stream's leader", done, total, info.Cluster.Leader)
		case done >= 2*total/3 && killed.Load() && restarted.CompareAndSwap(false, true):
			cl.start(victim)
			restartedAt = time.Now()
			t.Logf("after %d of %d batches: %s back (down %s)", done, total, cl.opts[victim].ServerName, restartedAt.Sub(killedAt).Round(time.Millisecond))
		}
	}
	// One batch at a time from two sources: steady, not a flood.
	pctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := p.postAll(pctx, events, 100, 2, progress); err != nil {
		t.Fatalf("post: %v (%s)", err, p)
	}
	if !restarted.Load() {
		t.Fatal("the node was never killed and restarted")
	}
	acked := p.ackedKeys()
	if len(acked) != truth.Events {
		t.Errorf("acknowledged %d distinct events, the simulation sent %d", len(acked), truth.Events)
	}

	// The stream: exactly once, on all three replicas once caught up.
	waitFor(t, time.Minute, "all three replicas current", func() (bool, string) {
		info, err := stream.Info(ctx)
		if err != nil || info.Cluster == nil {
			return false, fmt.Sprint(err)
		}
		if info.Cluster.Leader == "" || len(info.Cluster.Replicas) != 2 {
			return false, fmt.Sprintf("leader %q, %d replicas", info.Cluster.Leader, len(info.Cluster.Replicas))
		}
		for _, r := range info.Cluster.Replicas {
			if !r.Current || r.Offline {
				return false, fmt.Sprintf("replica %s current %v offline %v lag %d", r.Name, r.Current, r.Offline, r.Lag)
			}
		}
		return true, ""
	})
	info, err = stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != uint64(len(acked)) {
		t.Errorf("events stream holds %d messages, %d distinct events were acknowledged: want exactly once", info.State.Msgs, len(acked))
	}
	conn := chConn(t, ch.Addr())
	rows := checkExactlyOnce(t, conn, acked, 2*time.Minute)
	got, err := persons(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	for dir, want := range truth.PersonsByDirection {
		if got[dir] != want {
			t.Errorf("distinct persons %s: ClickHouse %d, truth %d", dir, got[dir], want)
		}
	}
	checks, err := decodedByCheck(&http.Client{Timeout: 10 * time.Second}, projURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("RESULT cluster node loss: %s; events stream holds %d (R3, leader now %s); ClickHouse holds %d rows for %d acknowledged; persons SE->DK %d (truth %d), DK->SE %d (truth %d); projector decoded %.0f attested, %.0f with the full check",
		p, info.State.Msgs, info.Cluster.Leader, rows, len(acked), got["SE->DK"], truth.PersonsByDirection["SE->DK"], got["DK->SE"], truth.PersonsByDirection["DK->SE"], checks["attested"], checks["full"])
}
