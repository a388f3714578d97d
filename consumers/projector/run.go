package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/sundflow/sundflow/pkg/event"
	"github.com/sundflow/sundflow/pkg/projection"
	"github.com/sundflow/sundflow/pkg/store"
)

// runCmd runs the projector.
type runCmd struct {
	Config `embed:""`

	Consumer      string        `name:"consumer" default:"sundflow-projector" env:"PROJECTOR_CONSUMER" help:"Durable consumer name; projector processes with the same name share the work."`
	BatchSize     int           `name:"batch-size" default:"5000" env:"PROJECTOR_BATCH_SIZE" help:"Most events fetched and inserted at once."`
	BatchWait     time.Duration `name:"batch-wait" default:"1s" env:"PROJECTOR_BATCH_WAIT" help:"Longest wait to fill a batch before inserting what there is."`
	AckWait       time.Duration `name:"ack-wait" default:"1m" env:"PROJECTOR_ACK_WAIT" help:"How long JetStream waits for an acknowledgement before redelivering."`
	MaxDeliver    int           `name:"max-deliver" default:"10" env:"PROJECTOR_MAX_DELIVER" help:"Dead-letter a message delivered more often than this without being acknowledged (waiting for ClickHouse does not count)."`
	InsertMax     int           `name:"insert-max-events" default:"25000" env:"PROJECTOR_INSERT_MAX_EVENTS" help:"Most events in one ClickHouse insert: batches fetched while an insert runs go together in the next (ClickHouse pays a large cost per insert). Bounds the projector's memory with --batch-size."`
	MaxAckPending int           `name:"max-ack-pending" default:"100000" env:"PROJECTOR_MAX_ACK_PENDING" help:"Most unacknowledged messages across all projectors of the consumer; at least --batch-size, and --insert-max-events plus two batches to keep inserts full."`
	RetryMax      time.Duration `name:"retry-max" default:"30s" env:"PROJECTOR_RETRY_MAX" help:"Longest pause between attempts while ClickHouse or NATS fail."`
	MetricsAddr   string        `name:"metrics-addr" default:"127.0.0.1:9464" env:"PROJECTOR_METRICS_ADDR" help:"Address serving /metrics (Prometheus) and /healthz; empty turns it off."`

	PProf bool `name:"pprof" env:"PROJECTOR_PPROF" help:"Also serve Go's profiles under /debug/pprof/ on --metrics-addr (CPU and heap profiles of a slow or large drain)."`

	PauseAfterInsert time.Duration `name:"pause-after-insert" hidden:"" env:"PROJECTOR_PAUSE_AFTER_INSERT" help:"Fault tests only: wait this long between a batch's insert and its acknowledgement."`
}

func (c *runCmd) projectorConfig() projection.Config {
	return projection.Config{
		Stream:           c.Stream,
		Consumer:         c.Consumer,
		BatchSize:        c.BatchSize,
		BatchWait:        c.BatchWait,
		InsertMaxEvents:  c.InsertMax,
		AckWait:          c.AckWait,
		MaxDeliver:       c.MaxDeliver,
		MaxAckPending:    c.MaxAckPending,
		RetryMax:         c.RetryMax,
		PauseAfterInsert: c.PauseAfterInsert,
	}
}

// Validate checks the common flags and the projector's.
func (c *runCmd) Validate() error {
	return errors.Join(c.Config.Validate(), c.projectorConfig().Validate())
}

func (c *runCmd) Run(ctx context.Context) error {
	log := newLogger(c.LogFormat, c.LogLevel)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if err := run(ctx, c, log, reg); err != nil {
		log.Error("projector stopped", "err", err)
		return err
	}
	return nil
}

// run projects until ctx ends, then stops in order: no new fetch, the
// batch in hand inserted and acknowledged, the metrics server closed,
// NATS drained, ClickHouse closed, a local ClickHouse stopped.
func run(ctx context.Context, c *runCmd, log *slog.Logger, reg *prometheus.Registry) error {
	d, err := open(ctx, c.Config, log, true)
	if err != nil {
		return err
	}
	defer d.close(log)
	if err := migrate(ctx, d.ch, c.Database, log); err != nil {
		return err
	}
	v, err := event.NewValidator()
	if err != nil {
		return err
	}
	key, err := c.attestKey()
	if err != nil {
		return err
	}
	if !key.On() {
		log.Info("no --attest-key-file: every event is checked in full")
	}
	p, err := projection.New(projection.Options{
		Config:    c.projectorConfig(),
		Conn:      d.nc,
		JetStream: d.js,
		Writer:    store.NewWriter(d.ch, c.Database),
		Validator: v,
		Attest:    key,
		Metrics:   projection.NewMetrics(reg),
		Logger:    log,
	})
	if err != nil {
		return err
	}

	g, gctx := errgroup.WithContext(ctx)
	if c.MetricsAddr != "" {
		ln, err := net.Listen("tcp", c.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", c.MetricsAddr, err)
		}
		srv := &http.Server{Handler: handler(reg, p, c.PProf), ReadHeaderTimeout: 10 * time.Second}
		log.Info("metrics and health served", "addr", ln.Addr().String())
		g.Go(func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve metrics: %w", err)
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		})
	}
	g.Go(func() error {
		// Run returns after the signal (or a failure of the metrics
		// server), once the batches in hand are inserted and acknowledged.
		err := p.Run(gctx)
		if err != nil {
			return err
		}
		return context.Canceled
	})
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// handler serves /metrics, /healthz and, when asked, /debug/pprof/: 200 with the projector's status
// while it can reach NATS (ClickHouse failing is reported, not fatal:
// restarting would not help, the projector waits), else 503.
func handler(reg *prometheus.Registry, p *projection.Projector, withPProf bool) http.Handler {
	mux := http.NewServeMux()
	if withPProf {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		st := p.Status()
		w.Header().Set("Content-Type", "application/json")
		if !st.NATSConnected {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(st)
	})
	return mux
}
