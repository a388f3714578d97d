// Package bustest starts NATS for tests of the packages around pkg/bus, in
// the test's process and on loopback: a three-node JetStream cluster, so
// R3 behaviour (e.g. JetStream's "duplicate message id is in process"
// answer) is tested for real, and a server with deploy/nats's users and
// permissions under fresh keys.
package bustest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/sundflow/sundflow/pkg/bus"
)

// StartCluster runs three nats-servers with JetStream in this process,
// routed to each other on loopback (the cluster and server names start
// with name), stopped when the test ends; then it connects to the first
// node with bus.Connect and declares the streams with three replicas,
// waiting for the cluster to elect its meta leader.
func StartCluster(tb testing.TB, name string) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	// JetStream on a cluster needs every node's routes configured up
	// front, so take three free ports for them.
	var routes []*url.URL
	var routePorts []int
	for range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		routePorts = append(routePorts, port)
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))})
	}
	var servers []*server.Server
	for i := range 3 {
		ns, err := server.NewServer(&server.Options{
			ServerName: fmt.Sprintf("%s-%d", name, i+1),
			Host:       "127.0.0.1",
			Port:       -1,
			JetStream:  true,
			StoreDir:   tb.TempDir(),
			NoSigs:     true,
			NoLog:      true,
			Cluster:    server.ClusterOpts{Name: name, Host: "127.0.0.1", Port: routePorts[i]},
			Routes:     routes,
		})
		if err != nil {
			tb.Fatalf("configure nats-server %d: %v", i+1, err)
		}
		go ns.Start()
		tb.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		servers = append(servers, ns)
	}
	for i, ns := range servers {
		if !ns.ReadyForConnections(20 * time.Second) {
			tb.Fatalf("nats-server %d not ready", i+1)
		}
	}
	nc, js, err := bus.Connect(context.Background(), bus.ConnConfig{URL: servers[0].ClientURL(), Name: name, PublishTimeout: 5 * time.Second})
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	tb.Cleanup(nc.Close)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := bus.EnsureStreams(ctx, js, bus.StreamOptions{Replicas: 3, DuplicateWindow: time.Hour})
		cancel()
		if err == nil {
			return nc, js
		}
		if time.Now().After(deadline) {
			tb.Fatalf("declare R3 streams: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StartWithFreshKeys runs one nats-server in this process from opts (as
// parsed from a deploy/nats file by server.ProcessConfigFile) on loopback
// with a temporary store, after giving each of users a fresh nkey in
// place of the example one; it returns the server, stopped when the test
// ends, and the new key pairs by the users' map keys.
func StartWithFreshKeys(tb testing.TB, opts *server.Options, users map[string]*server.NkeyUser) (*server.Server, map[string]nkeys.KeyPair) {
	tb.Helper()
	seeds := make(map[string]nkeys.KeyPair, len(users))
	for role, u := range users {
		kp, err := nkeys.CreateUser()
		if err != nil {
			tb.Fatal(err)
		}
		if u.Nkey, err = kp.PublicKey(); err != nil {
			tb.Fatal(err)
		}
		seeds[role] = kp
	}
	opts.StoreDir = tb.TempDir()
	opts.Host, opts.Port, opts.HTTPPort = "127.0.0.1", -1, 0
	opts.NoLog, opts.NoSigs = true, true
	ns, err := server.NewServer(opts)
	if err != nil {
		tb.Fatal(err)
	}
	go ns.Start()
	tb.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		tb.Fatal("nats-server not ready")
	}
	return ns, seeds
}
