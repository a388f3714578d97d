package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/auth"
	"github.com/sundflow/sundflow/pkg/bus"
	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/gateway"
)

// Config is the gateway's configuration; flags and environment variables
// fill it, the defaults are in the tags.
type Config struct {
	Listen     string        `default:"127.0.0.1:8080" env:"INGEST_LISTEN" help:"Address to serve HTTP on (host:port; :8080 for every interface)."`
	TokensFile string        `name:"tokens-file" env:"INGEST_TOKENS_FILE" type:"path" help:"YAML file of source-system tokens (SHA-256 hashes with allowed source prefixes and types); re-read on SIGHUP and when it changes. Required; deploy/ingest/tokens.dev.yaml is for local runs."`
	TokensPoll time.Duration `name:"tokens-poll" default:"5s" env:"INGEST_TOKENS_POLL" help:"How often to check the tokens file for changes."`

	AttestKeyFile string `name:"attest-key-file" env:"SUNDFLOW_ATTEST_KEY_FILE" type:"path" help:"File with a secret key (64+ hex digits, e.g. openssl rand -hex 32) to attest every stored event as validated; a projector with the same key (its --attest-key-file) then stores it without checking it again. Empty: no attestation, the projector checks every event."`

	NATSURL   string `name:"nats-url" env:"NATS_URL" help:"NATS server(s) to connect to, e.g. nats://user:pass@host:4222. Empty: start an embedded nats-server with JetStream."`
	NATSCreds string `name:"nats-creds" env:"NATS_CREDS" type:"path" help:"NATS credentials file (JWT and seed) for --nats-url."`
	NATSNkey  string `name:"nats-nkey" env:"NATS_NKEY_SEED_FILE" type:"path" help:"File holding a NATS user nkey seed for --nats-url."`
	NATSStore string `name:"nats-store" default:"var/nats" env:"INGEST_NATS_STORE" type:"path" help:"Embedded server only: JetStream store directory."`
	NATSHost  string `name:"nats-host" default:"127.0.0.1" env:"INGEST_NATS_HOST" help:"Embedded server only: address to accept NATS clients on (keep it on loopback unless the server is secured)."`
	NATSPort  int    `name:"nats-port" default:"4222" env:"INGEST_NATS_PORT" help:"Embedded server only: port for NATS clients (-1 picks a free one)."`

	StreamReplicas  int           `name:"stream-replicas" default:"1" env:"INGEST_STREAM_REPLICAS" help:"Replicas of the events and dead-letter streams (3 on a cluster)."`
	DuplicateWindow time.Duration `name:"duplicate-window" default:"10m" env:"INGEST_DUPLICATE_WINDOW" help:"How long JetStream remembers an event's Nats-Msg-Id to drop a re-sent copy (costs memory per event published within it; a copy sent later is stored again but still counted once)."`
	MaxAge          time.Duration `name:"max-age" default:"0s" env:"INGEST_MAX_AGE" help:"Drop stored events older than this; 0 keeps them for ever (the stream is the system of record)."`

	PublishTimeout time.Duration `name:"publish-timeout" default:"5s" env:"INGEST_PUBLISH_TIMEOUT" help:"How long a request waits for JetStream to acknowledge its events before answering 503."`
	RetryAfter     time.Duration `name:"retry-after" default:"5s" env:"INGEST_RETRY_AFTER" help:"Retry-After sent with 503 answers."`
	MaxBodyBytes   byteSize      `name:"max-body" default:"8MiB" env:"INGEST_MAX_BODY" help:"Largest request body (e.g. 512KiB, 8MiB); more is answered 413."`
	MaxBatch       int           `name:"max-batch" default:"1000" env:"INGEST_MAX_BATCH" help:"Most events in one batch; more is answered 413."`
	MaxEventBytes  byteSize      `name:"max-event" default:"256KiB" env:"INGEST_MAX_EVENT" help:"Largest single event in structured JSON (never more than the NATS max payload)."`

	ShutdownTimeout time.Duration `name:"shutdown-timeout" default:"30s" env:"INGEST_SHUTDOWN_TIMEOUT" help:"How long to let requests in flight finish on SIGTERM."`
	LogFormat       string        `name:"log-format" default:"json" enum:"json,text" env:"INGEST_LOG_FORMAT" help:"Log format: json or text."`
	LogLevel        string        `name:"log-level" default:"info" enum:"debug,info,warn,error" env:"INGEST_LOG_LEVEL" help:"Log level."`
}

// Validate reports a configuration that cannot work; kong calls it after
// parsing.
func (c *Config) Validate() error {
	var errs []error
	if c.TokensFile == "" {
		errs = append(errs, errors.New("--tokens-file (INGEST_TOKENS_FILE) is required: the gateway lets no one in without a token; use deploy/ingest/tokens.dev.yaml for a local run"))
	}
	if c.NATSURL == "" && (c.NATSCreds != "" || c.NATSNkey != "") {
		errs = append(errs, errors.New("--nats-creds and --nats-nkey need --nats-url"))
	}
	if c.StreamReplicas < 1 || c.StreamReplicas > 5 {
		errs = append(errs, fmt.Errorf("--stream-replicas %d: must be 1 to 5", c.StreamReplicas))
	}
	if c.DuplicateWindow <= 0 {
		errs = append(errs, errors.New("--duplicate-window: must be positive"))
	}
	if c.MaxAge < 0 || (c.MaxAge > 0 && c.MaxAge < c.DuplicateWindow) {
		errs = append(errs, errors.New("--max-age: 0 (keep for ever) or at least --duplicate-window"))
	}
	if c.PublishTimeout <= 0 || c.RetryAfter <= 0 || c.TokensPoll <= 0 || c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("--publish-timeout, --retry-after, --tokens-poll and --shutdown-timeout must be positive"))
	}
	if c.MaxBodyBytes <= 0 || c.MaxBatch <= 0 || c.MaxEventBytes <= 0 {
		errs = append(errs, errors.New("--max-body, --max-batch and --max-event must be positive"))
	}
	return errors.Join(errs...)
}

// serveCmd runs the gateway.
type serveCmd struct {
	Config `embed:""`
}

func (c *serveCmd) Run(ctx context.Context) error {
	log := newLogger(c.LogFormat, c.LogLevel)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := run(ctx, c.Config, log, reg); err != nil {
		log.Error("ingest gateway stopped", "err", err)
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

// run serves until ctx ends, then stops in order: stop taking requests,
// let those in flight finish (each waits for its acknowledgements), wait
// for any acknowledgement still outstanding, close NATS, stop the
// embedded server.
func run(ctx context.Context, cfg Config, log *slog.Logger, reg *prometheus.Registry) (err error) {
	var attestKey attest.Key
	if cfg.AttestKeyFile != "" {
		if attestKey, err = attest.LoadKey(cfg.AttestKeyFile); err != nil {
			return fmt.Errorf("--attest-key-file: %w", err)
		}
	}
	keys, err := auth.Load(cfg.TokensFile, log, reg)
	if err != nil {
		return fmt.Errorf("load tokens: %w", err)
	}

	natsURL := cfg.NATSURL
	if natsURL == "" {
		ns, err := bus.StartServer(bus.ServerConfig{StoreDir: cfg.NATSStore, Host: cfg.NATSHost, Port: cfg.NATSPort})
		if err != nil {
			return fmt.Errorf("start embedded nats-server: %w", err)
		}
		defer func() {
			ns.Shutdown()
			ns.WaitForShutdown()
			log.Info("embedded nats-server stopped")
		}()
		natsURL = ns.ClientURL()
		log.Info("embedded nats-server started; other programs connect with --nats-url", "nats_url", natsURL, "store", cfg.NATSStore)
	}

	connectCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	nc, js, err := bus.Connect(connectCtx, bus.ConnConfig{
		URL: natsURL, Name: "sundflow-ingest",
		CredsFile: cfg.NATSCreds, NkeySeedFile: cfg.NATSNkey,
		PublishTimeout: cfg.PublishTimeout,
	})
	if err != nil {
		return err
	}
	defer nc.Close()
	streams := bus.StreamOptions{Replicas: cfg.StreamReplicas, DuplicateWindow: cfg.DuplicateWindow, MaxAge: cfg.MaxAge}
	if err := bus.EnsureStreams(connectCtx, js, streams); err != nil {
		return err
	}
	log.Info("connected to nats; streams in place", "nats_url", bus.Redact(natsURL),
		"events_stream", bus.EventsStream, "deadletter_stream", bus.DeadLetterStream, "duplicate_window", cfg.DuplicateWindow.String())

	v, err := event.NewValidator()
	if err != nil {
		return err
	}
	gw, err := gateway.New(gateway.Options{
		Validator: v,
		Keyring:   keys,
		Publisher: bus.NewPublisher(nc, js, bus.EventsStream, cfg.PublishTimeout),
		Ready:     func(ctx context.Context) error { return bus.CheckReady(ctx, nc, js) },
		Limits: gateway.Limits{
			MaxBodyBytes:   int64(cfg.MaxBodyBytes),
			MaxBatchEvents: cfg.MaxBatch,
			MaxEventBytes:  int(cfg.MaxEventBytes),
		},
		Attest:     attestKey,
		RetryAfter: cfg.RetryAfter,
		Logger:     log,
		Registerer: reg,
		Gatherer:   reg,
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           gw,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	lim := gw.Limits()
	log.Info("ingest gateway listening", "addr", ln.Addr().String(), "path", gateway.EventsPath,
		"max_body_bytes", lim.MaxBodyBytes, "max_batch_events", lim.MaxBatchEvents, "max_event_bytes", lim.MaxEventBytes)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve http: %w", err)
		}
		return nil
	})
	g.Go(func() error { return keys.Watch(gctx, cfg.TokensPoll, hup) })
	g.Go(func() error {
		<-gctx.Done()
		log.Info("shutting down: no new requests, finishing those in flight", "timeout", cfg.ShutdownTimeout.String())
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			return fmt.Errorf("shut down http server: %w", err)
		}
		return nil
	})
	err = g.Wait()

	wctx, cancel := context.WithTimeout(context.Background(), cfg.PublishTimeout)
	defer cancel()
	if werr := bus.WaitPending(wctx, js); werr != nil {
		log.Warn("acknowledgements still outstanding at shutdown; their requests were answered 503", "err", werr)
	}
	if derr := bus.Drain(nc, cfg.PublishTimeout); derr != nil {
		log.Warn("close nats connection", "err", derr)
	}
	log.Info("ingest gateway stopped")
	return err
}

// byteSize is a size flag: a number of bytes with an optional unit
// (B, KiB, MiB, GiB, or KB, MB, GB).
type byteSize int64

func (b *byteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("size %q: want a number of bytes with an optional unit, e.g. 512KiB or 8MiB", string(text))
	}
	*b = byteSize(n * mult)
	return nil
}
