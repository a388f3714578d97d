package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/sundflow/sundflow/deploy/targets"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/dashboard"
	"github.com/sundflow/sundflow/pkg/target"
)

// Config is the dashboard's configuration; flags and environment
// variables fill it, the defaults are in the tags.
type Config struct {
	Listen  string `default:"127.0.0.1:8090" env:"DASHBOARD_LISTEN" help:"Address to serve HTTP on (host:port; :8090 for every interface)."`
	Targets string `env:"DASHBOARD_TARGETS" type:"path" help:"Folder of project target files (*.yaml). Empty: the files built in from deploy/targets."`

	ClickHouseAddr     string        `name:"clickhouse-addr" default:"127.0.0.1:9000" env:"CLICKHOUSE_ADDR" help:"ClickHouse native-protocol address(es), comma-separated."`
	ClickHouseDB       string        `name:"clickhouse-db" default:"sundflow" env:"CLICKHOUSE_DB" help:"Database holding the projector's views."`
	ClickHouseUser     string        `name:"clickhouse-user" default:"default" env:"CLICKHOUSE_USER" help:"ClickHouse user; a read-only one is enough (e.g. the evaluator user of deploy/clickhouse)."`
	ClickHousePassword string        `name:"clickhouse-password" env:"CLICKHOUSE_PASSWORD" help:"Password of --clickhouse-user."`
	DialTimeout        time.Duration `name:"dial-timeout" default:"5s" env:"CLICKHOUSE_DIAL_TIMEOUT" help:"Timeout to connect to ClickHouse."`

	AsOf       string        `name:"as-of" env:"DASHBOARD_AS_OF" placeholder:"YYYY-MM-DD" help:"Show the figures as they stood at the end of this day (events dated later do not count). Empty: today. Pages also take ?as_of=."`
	Refresh    time.Duration `default:"30s" env:"DASHBOARD_REFRESH" help:"How often to recompute the figures from ClickHouse."`
	StaleAfter time.Duration `name:"stale-after" default:"1h" env:"DASHBOARD_STALE_AFTER" help:"Warn on every page when nothing has been projected for this long; 0 never warns."`
	Window     int           `name:"window-days" default:"90" env:"DASHBOARD_WINDOW_DAYS" help:"Days of recent history the run rate (and so the forecast) looks at."`

	NATSURL           string `name:"nats-url" env:"NATS_URL" help:"Optional: NATS server, to show how many events the projector still has to project (its consumer's pending count)."`
	NATSCreds         string `name:"nats-creds" env:"NATS_CREDS" type:"path" help:"NATS credentials file (JWT and seed) for --nats-url."`
	NATSNkey          string `name:"nats-nkey" env:"NATS_NKEY_SEED_FILE" type:"path" help:"File holding a NATS user nkey seed for --nats-url."`
	NATSInboxPrefix   string `name:"nats-inbox-prefix" default:"_INBOX_dashboard" env:"DASHBOARD_NATS_INBOX_PREFIX" help:"Subject prefix the answers to the dashboard's NATS requests come back on: deploy/nats/accounts.conf lets the dashboard's user receive only on _INBOX_dashboard.>. Empty: NATS's default _INBOX."`
	ProjectorConsumer string `name:"projector-consumer" default:"sundflow-projector" env:"DASHBOARD_PROJECTOR_CONSUMER" help:"Durable consumer name of the projector on the events stream (for --nats-url; the projector's --consumer)."`

	ShutdownTimeout time.Duration `name:"shutdown-timeout" default:"10s" env:"DASHBOARD_SHUTDOWN_TIMEOUT" help:"How long to let requests in flight finish on SIGTERM."`
	LogFormat       string        `name:"log-format" default:"json" enum:"json,text" env:"DASHBOARD_LOG_FORMAT" help:"Log format: json or text."`
	LogLevel        string        `name:"log-level" default:"info" enum:"debug,info,warn,error" env:"DASHBOARD_LOG_LEVEL" help:"Log level."`
}

// Validate reports a configuration that cannot work; kong calls it after
// parsing.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("--listen %q: want host:port: %w", c.Listen, err))
	}
	if c.AsOf != "" {
		if _, err := time.Parse(time.DateOnly, c.AsOf); err != nil {
			errs = append(errs, fmt.Errorf("--as-of %q: want a date YYYY-MM-DD", c.AsOf))
		}
	}
	if c.Refresh <= 0 || c.DialTimeout <= 0 || c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("--refresh, --dial-timeout and --shutdown-timeout must be positive"))
	}
	if c.StaleAfter < 0 {
		errs = append(errs, errors.New("--stale-after must not be negative"))
	}
	if c.Window < 1 || c.Window > 3650 {
		errs = append(errs, fmt.Errorf("--window-days %d: must be 1 to 3650", c.Window))
	}
	if c.NATSURL == "" && (c.NATSCreds != "" || c.NATSNkey != "") {
		errs = append(errs, errors.New("--nats-creds and --nats-nkey need --nats-url"))
	}
	if p := c.NATSInboxPrefix; p != "" && (strings.ContainsAny(p, "*> \t\r\n") || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") || strings.Contains(p, "..")) {
		errs = append(errs, fmt.Errorf("--nats-inbox-prefix %q: want subject tokens without wildcards, spaces or empty tokens, e.g. _INBOX_dashboard", p))
	}
	if c.ClickHouseDB == "" || c.ClickHouseAddr == "" {
		errs = append(errs, errors.New("--clickhouse-addr and --clickhouse-db are required"))
	}
	return errors.Join(errs...)
}

func (c *Config) asOf() time.Time {
	if c.AsOf == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.DateOnly, c.AsOf)
	return t.Add(24*time.Hour - time.Second)
}

// loadTargets reads the target files from dir, or the built-in ones.
func loadTargets(dir string) (*target.Catalog, error) {
	if dir == "" {
		return target.Load(targets.FS, targets.Label)
	}
	return target.Load(os.DirFS(dir), dir)
}

type serveCmd struct {
	Config `embed:""`
}

func (c *serveCmd) Run(ctx context.Context) error {
	log := newLogger(c.LogFormat, c.LogLevel)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := run(ctx, c.Config, log, reg); err != nil {
		log.Error("dashboard stopped", "err", err)
		return err
	}
	return nil
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

// run serves until ctx ends, then stops taking requests, lets those in
// flight finish, stops refreshing and closes the connections.
func run(ctx context.Context, cfg Config, log *slog.Logger, reg *prometheus.Registry) error {
	cat, err := loadTargets(cfg.Targets)
	if err != nil {
		return fmt.Errorf("load targets: %w", err)
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        splitAddrs(cfg.ClickHouseAddr),
		Auth:        clickhouse.Auth{Database: cfg.ClickHouseDB, Username: cfg.ClickHouseUser, Password: cfg.ClickHousePassword},
		DialTimeout: cfg.DialTimeout,
	})
	if err != nil {
		return fmt.Errorf("open clickhouse %s: %w", cfg.ClickHouseAddr, err)
	}
	defer conn.Close()

	opts := dashboard.Options{
		Catalog: cat, DB: conn, Registerer: reg, Gatherer: reg, Logger: log,
		AsOf: cfg.asOf(), Refresh: cfg.Refresh, WindowDays: cfg.Window, StaleAfter: cfg.StaleAfter,
	}
	if cfg.StaleAfter == 0 {
		opts.StaleAfter = -1
	}
	if cfg.NATSURL != "" {
		nc, js, err := bus.Connect(ctx, cfg.natsConn())
		if err != nil {
			return fmt.Errorf("connect to nats for the projector's lag: %w", err)
		}
		defer nc.Close()
		opts.Lag = func(ctx context.Context) (uint64, error) { return consumerLag(ctx, js, cfg.ProjectorConsumer) }
	}
	srv, err := dashboard.New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("dashboard listening", "addr", ln.Addr().String(), "projects", len(cat.Projects), "clickhouse", cfg.ClickHouseAddr, "database", cfg.ClickHouseDB)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Run(gctx) })
	g.Go(func() error {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			return fmt.Errorf("shut down http: %w", err)
		}
		log.Info("dashboard stopped taking requests")
		return nil
	})
	return g.Wait()
}

func splitAddrs(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if a := s[start:i]; a != "" {
				out = append(out, a)
			}
			start = i + 1
		}
	}
	return out
}

// natsConn is how the dashboard reaches NATS for the projector's lag.
func (c *Config) natsConn() bus.ConnConfig {
	return bus.ConnConfig{URL: c.NATSURL, Name: "sundflow-dashboard", CredsFile: c.NATSCreds, NkeySeedFile: c.NATSNkey, InboxPrefix: c.NATSInboxPrefix}
}

// consumerLag is what the projector's durable consumer has still to
// deliver or have acknowledged.
func consumerLag(ctx context.Context, js jetstream.JetStream, name string) (uint64, error) {
	cons, err := js.Consumer(ctx, bus.EventsStream, name)
	if err != nil {
		return 0, fmt.Errorf("look up consumer %s on %s: %w", name, bus.EventsStream, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("read consumer %s: %w", name, err)
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}

// checkCmd validates target files.
type checkCmd struct {
	Targets string `arg:"" optional:"" type:"path" help:"Folder of target files; empty checks the built-in deploy/targets."`
}

func (c *checkCmd) Run() error {
	cat, err := loadTargets(c.Targets)
	if err != nil {
		return err
	}
	for _, p := range cat.Projects {
		fmt.Printf("%s (%s): %s to %s, %d indicators\n", p.ID, p.File, p.Period.Start.Format(time.DateOnly), p.Period.End.Format(time.DateOnly), len(p.Indicators))
		for _, ind := range p.Indicators {
			fmt.Printf("  %-28s %-8s target %-6g %s %s\n", ind.ID, ind.Code, ind.Target, ind.Measure.Metric, describeFilters(ind.Measure.Filters))
		}
	}
	return nil
}

func describeFilters(f target.Filters) string {
	s := ""
	if f.Direction != nil {
		s += " direction=" + f.Direction.String()
	}
	for _, kv := range []struct {
		k string
		v []string
	}{{"sector", f.Sector}, {"kind", f.Kind}, {"country", f.Country}, {"residence", f.Residence}, {"status", f.Status}} {
		if len(kv.v) > 0 {
			s += fmt.Sprintf(" %s=%v", kv.k, kv.v)
		}
	}
	return s
}
