package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/sundflow/sundflow/pkg/simulation"
)

func run(ctx context.Context, cfg Config, logger *slog.Logger) (err error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	loc, _ := time.LoadLocation("Europe/Copenhagen")
	sc := simulation.Config{
		Seed: cfg.Seed,
		Project: simulation.Project{
			ID:    cfg.Project,
			Start: time.Date(cfg.from.Year(), cfg.from.Month(), cfg.from.Day(), 0, 0, 0, 0, loc),
			End:   time.Date(cfg.to.Year(), cfg.to.Month(), cfg.to.Day(), 0, 0, 0, 0, loc),
		},
		Scale:          cfg.Scale,
		SEtoDK:         cfg.SEtoDK,
		LateShare:      orNone(cfg.Late),
		DuplicateShare: orNone(cfg.Duplicates),
		RetractShare:   orNone(cfg.Retractions),
	}
	if sc.Scale == 0 {
		sc.Scale = 1
		if cfg.Count > 0 {
			if sc.Scale, err = simulation.ScaleFor(sc, cfg.Count); err != nil {
				return err
			}
		}
	}
	g, err := simulation.New(sc)
	if err != nil {
		return err
	}
	target, err := cfg.Flags.Open(os.Stdout, logger, reg)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, target.Close()) }()

	runCtx := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	grp, gctx := errgroup.WithContext(runCtx)
	var srv *http.Server
	if cfg.MetricsAddr != "" {
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen for metrics: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
		srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		grp.Go(func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve metrics: %w", err)
			}
			return nil
		})
	}
	var st simulation.RunStats
	grp.Go(func() error {
		if srv != nil {
			defer func() {
				sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(sctx)
			}()
		}
		logger.Info("simulation started", "seed", sc.Seed, "project", sc.Project.ID, "scale", sc.Scale,
			"speed", cfg.Speed, "rate", cfg.Rate, "to", target.Describe())
		var err error
		st, err = simulation.Run(gctx, g, target, simulation.RunOptions{
			Speed: cfg.Speed, Rate: cfg.Rate, Count: cfg.Count, BatchSize: cfg.BatchSize, Logger: logger,
		})
		return err
	})
	runErr := grp.Wait()

	out := io.Writer(os.Stdout)
	if cfg.Out == "-" {
		out = os.Stderr
	}
	t := st.Truth
	fmt.Fprintf(out, "sent %d events in %s (%.0f/s): %d accepted, %d duplicates, %d rejected; truth: %d persons SE->DK, %d DK->SE, %d placed twice, %d retractions, %d late, %d re-sent\n",
		st.Sent, st.Elapsed.Round(time.Millisecond), float64(st.Sent)/max(st.Elapsed.Seconds(), 1e-9),
		st.Accepted, st.Duplicates, st.Rejected,
		t.PersonsByDirection["SE->DK"], t.PersonsByDirection["DK->SE"], t.PersonsPlacedTwice, t.Retractions, t.Late, t.Duplicates)
	if cfg.Truth != "" {
		if err := writeJSON(cfg.Truth, st); err != nil {
			runErr = errors.Join(runErr, err)
		}
	}
	if runErr == nil && st.Rejected > 0 {
		runErr = fmt.Errorf("the gateway rejected %d simulated events (see the warnings above)", st.Rejected)
	}
	return runErr
}

// orNone turns a flag's 0 into the config's "none" (negative), since a
// zero in simulation.Config means "default".
func orNone(share float64) float64 {
	if share == 0 {
		return -1
	}
	return share
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode truth: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write truth: %w", err)
	}
	return nil
}
