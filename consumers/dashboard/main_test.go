package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/projection"
	"github.com/sundflow/sundflow/pkg/store"
)

func validConfig() Config {
	return Config{Listen: "127.0.0.1:0", ClickHouseAddr: "127.0.0.1:9000", ClickHouseDB: "sundflow", DialTimeout: 5 * time.Second,
		Refresh: 30 * time.Second, StaleAfter: time.Hour, Window: 90, ShutdownTimeout: 10 * time.Second, LogFormat: "text", LogLevel: "info"}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"defaults", func(*Config) {}, ""},
		{"listen without port", func(c *Config) { c.Listen = "localhost" }, "--listen"},
		{"as-of not a date", func(c *Config) { c.AsOf = "31-12-2019" }, "--as-of"},
		{"window too long", func(c *Config) { c.Window = 0 }, "--window-days"},
		{"negative stale-after", func(c *Config) { c.StaleAfter = -time.Second }, "--stale-after"},
		{"no database", func(c *Config) { c.ClickHouseDB = "" }, "--clickhouse-db"},
		{"nkey without nats url", func(c *Config) { c.NATSNkey = "/run/secrets/dashboard.nk" }, "--nats-url"},
		{"nkey with nats url", func(c *Config) { c.NATSNkey, c.NATSURL = "/run/secrets/dashboard.nk", "nats://127.0.0.1:4222" }, ""},
		{"inbox prefix with a wildcard", func(c *Config) { c.NATSInboxPrefix = "_INBOX_dashboard.>" }, "--nats-inbox-prefix"},
		{"inbox prefix ending in a dot", func(c *Config) { c.NATSInboxPrefix = "_INBOX_dashboard." }, "--nats-inbox-prefix"},
		{"inbox prefix of two tokens", func(c *Config) { c.NATSInboxPrefix = "_INBOX.dashboard" }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.mutate(&c)
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one naming %s", err, tc.wantErr)
			}
		})
	}
	c := validConfig()
	c.AsOf = "2019-12-31"
	if got := c.asOf(); !got.Equal(time.Date(2019, 12, 31, 23, 59, 59, 0, time.UTC)) {
		t.Errorf("as-of = %s, want the end of 31 Dec 2019", got)
	}
}

// The lag shown is the projector's own consumer's: the default name must
// be the one the projector uses by default.
func TestProjectorConsumerDefault(t *testing.T) {
	var c cli
	p, err := kong.New(&c, kong.Name("dashboard"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse([]string{"serve"}); err != nil {
		t.Fatal(err)
	}
	want := projection.Config{}.ConsumerConfig().Durable
	if got := c.Serve.ProjectorConsumer; got != want || want == "" {
		t.Errorf("--projector-consumer defaults to %q, the projector's durable consumer is %q", got, want)
	}
}

func TestBuiltInTargetsLoad(t *testing.T) {
	cat, err := loadTargets("")
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Projects) != 3 {
		t.Errorf("%d built-in projects, want 3", len(cat.Projects))
	}
	if _, err := loadTargets(t.TempDir()); err == nil {
		t.Error("an empty targets folder loaded without error")
	}
}

// TestRunServesAndStops runs the program against a real ClickHouse, asks
// for a page, then stops it as SIGTERM would and expects a clean return.
func TestRunServesAndStops(t *testing.T) {
	srv := chservertest.Start(t)
	if _, err := store.Migrate(context.Background(), chservertest.Conn(t, srv, "", ""), "sundflow"); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := validConfig()
	cfg.Listen, cfg.ClickHouseAddr, cfg.ClickHouseUser = addr, srv.Addr(), chserver.EvaluatorUser

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	}()

	var body string
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/api/projects")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				body = string(b)
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dashboard did not answer within 30s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(body, `"job-paa-tvaers"`) || !strings.Contains(body, "No events have been projected yet.") {
		t.Errorf("/api/projects over an empty projection: %.400s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after the stop, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return within 20s of the stop")
	}
}
