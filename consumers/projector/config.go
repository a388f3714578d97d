package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/store"
)

// Config is what every subcommand needs: where NATS and ClickHouse are,
// and how to log. Flags and environment variables fill it; the defaults
// are in the tags.
type Config struct {
	NATSURL   string `name:"nats-url" default:"nats://127.0.0.1:4222" env:"NATS_URL" help:"NATS server(s) with JetStream, e.g. nats://user:pass@host:4222."`
	NATSCreds string `name:"nats-creds" env:"NATS_CREDS" type:"path" help:"NATS credentials file (JWT and seed)."`
	NATSNkey  string `name:"nats-nkey" env:"NATS_NKEY_SEED_FILE" type:"path" help:"File holding a NATS user nkey seed."`
	Stream    string `name:"stream" default:"SUNDFLOW_EVENTS" env:"PROJECTOR_STREAM" help:"JetStream stream of accepted events (the gateway creates it)."`

	AttestKeyFile string `name:"attest-key-file" env:"SUNDFLOW_ATTEST_KEY_FILE" type:"path" help:"File with the key the gateway attests the events it validated with (the gateway's --attest-key-file): those are stored without being checked again. Events without a valid attestation are always checked in full. Empty: check every event."`

	ClickHouseAddr     string `name:"clickhouse-addr" default:"127.0.0.1:9000" env:"CLICKHOUSE_ADDR" help:"ClickHouse native protocol address (host:port)."`
	ClickHouseUser     string `name:"clickhouse-user" default:"default" env:"CLICKHOUSE_USER" help:"ClickHouse user; it needs to create tables and insert."`
	ClickHousePassword string `name:"clickhouse-password" env:"CLICKHOUSE_PASSWORD" help:"ClickHouse password (prefer the environment variable)."`
	Database           string `name:"database" default:"sundflow" env:"CLICKHOUSE_DATABASE" help:"ClickHouse database of the projection (created if missing)."`
	ClickHouseDir      string `name:"clickhouse-dir" env:"PROJECTOR_CLICKHOUSE_DIR" type:"path" help:"Local runs: start a clickhouse-server process with its data in this directory (e.g. var/clickhouse), listening on --clickhouse-addr, and stop it on exit. Empty: use the server at --clickhouse-addr."`

	LogFormat string `name:"log-format" default:"json" enum:"json,text" env:"PROJECTOR_LOG_FORMAT" help:"Log format: json or text."`
	LogLevel  string `name:"log-level" default:"info" enum:"debug,info,warn,error" env:"PROJECTOR_LOG_LEVEL" help:"Log level."`
}

// attestKey loads --attest-key-file; off when none is given.
func (c *Config) attestKey() (attest.Key, error) {
	if c.AttestKeyFile == "" {
		return attest.Key{}, nil
	}
	k, err := attest.LoadKey(c.AttestKeyFile)
	if err != nil {
		return attest.Key{}, fmt.Errorf("--attest-key-file: %w", err)
	}
	return k, nil
}

// Validate reports a configuration that cannot work; kong calls it.
func (c *Config) Validate() error {
	var errs []error
	if err := store.ValidDatabase(c.Database); err != nil {
		errs = append(errs, fmt.Errorf("--database: %w", err))
	} else if len(c.Database) > 48 {
		errs = append(errs, fmt.Errorf("--database %q: at most 48 characters (replay adds suffixes)", c.Database))
	}
	if _, port, err := net.SplitHostPort(c.ClickHouseAddr); err != nil {
		errs = append(errs, fmt.Errorf("--clickhouse-addr %q: want host:port: %w", c.ClickHouseAddr, err))
	} else if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		errs = append(errs, fmt.Errorf("--clickhouse-addr %q: port must be 1-65535", c.ClickHouseAddr))
	}
	if _, err := c.attestKey(); err != nil {
		errs = append(errs, err)
	}
	if c.NATSURL == "" {
		errs = append(errs, errors.New("--nats-url: required"))
	}
	if c.Stream == "" {
		errs = append(errs, errors.New("--stream: required"))
	}
	return errors.Join(errs...)
}

func newLogger(format, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

// retry calls f until it succeeds, stop(err) is true, or ctx ends,
// waiting with backoff between attempts: a dependency that is not up yet
// is waited for, not crash-looped on.
func retry(ctx context.Context, log *slog.Logger, what string, stop func(error) bool, f func(context.Context) error) error {
	backoff := 500 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := f(actx)
		cancel()
		if err == nil {
			return nil
		}
		if stop != nil && stop(err) {
			return err
		}
		log.Warn("waiting for "+what, "err", err, "retry_in", backoff.String())
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// deps are the connections every subcommand opens, and how to close them.
type deps struct {
	ch     driver.Conn
	nc     *nats.Conn
	js     jetstream.JetStream
	local  *chserver.Server
	closed bool
}

// open starts the local ClickHouse if asked, then connects to ClickHouse
// and, when withNATS, to NATS, waiting for each.
func open(ctx context.Context, c Config, log *slog.Logger, withNATS bool) (*deps, error) {
	d := &deps{}
	if c.ClickHouseDir != "" {
		host, portText, _ := net.SplitHostPort(c.ClickHouseAddr)
		port, _ := strconv.Atoi(portText)
		srv, err := chserver.Start(ctx, chserver.Config{Dir: c.ClickHouseDir, Host: host, TCPPort: port, HTTPPort: -1})
		if err != nil {
			return nil, fmt.Errorf("start local clickhouse-server in %s: %w", c.ClickHouseDir, err)
		}
		d.local = srv
		log.Info("local clickhouse-server started", "dir", srv.Dir(), "addr", srv.Addr())
	}
	err := retry(ctx, log, "clickhouse at "+c.ClickHouseAddr, nil, func(ctx context.Context) error {
		conn, err := store.Open(ctx, store.ConnConfig{Addr: c.ClickHouseAddr, Username: c.ClickHouseUser, Password: c.ClickHousePassword})
		d.ch = conn
		return err
	})
	if err != nil {
		d.close(log)
		return nil, err
	}
	if !withNATS {
		return d, nil
	}
	err = retry(ctx, log, "nats at "+bus.Redact(c.NATSURL), nil, func(ctx context.Context) error {
		nc, js, err := bus.Connect(ctx, bus.ConnConfig{URL: c.NATSURL, Name: "sundflow-projector", CredsFile: c.NATSCreds, NkeySeedFile: c.NATSNkey})
		d.nc, d.js = nc, js
		return err
	})
	if err != nil {
		d.close(log)
		return nil, err
	}
	return d, nil
}

// close releases in reverse order: NATS drained (acknowledgements sent),
// ClickHouse closed, the local server stopped.
func (d *deps) close(log *slog.Logger) {
	if d.closed {
		return
	}
	d.closed = true
	if d.nc != nil {
		if err := bus.Drain(d.nc, 10*time.Second); err != nil {
			log.Warn("drain nats", "err", err)
		}
	}
	if d.ch != nil {
		_ = d.ch.Close()
	}
	if d.local != nil {
		if err := d.local.Stop(); err != nil {
			log.Warn("stop local clickhouse-server", "err", err)
		} else {
			log.Info("local clickhouse-server stopped")
		}
	}
}

// migrate applies the migrations, waiting out ClickHouse hiccups but not
// a changed migration.
func migrate(ctx context.Context, conn driver.Conn, db string, log *slog.Logger) error {
	return retry(ctx, log, "clickhouse migrations", func(err error) bool { return errors.Is(err, store.ErrMigrationChanged) },
		func(ctx context.Context) error {
			res, err := store.Migrate(ctx, conn, db)
			if err != nil {
				return err
			}
			names := make([]string, len(res.Applied))
			for i, m := range res.Applied {
				names[i] = m.Name
			}
			log.Info("clickhouse schema up to date", "database", db, "version", res.Version, "applied", names)
			return nil
		})
}
