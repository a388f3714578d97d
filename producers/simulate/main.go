// Command simulate plays the source systems of a project (default Job på
// Tværs, 2018-2020): job centres, a fair sign-up form and a vocational
// school, sending vacancies, fairs and sign-ups, course completions and
// cross-border placements to the ingest gateway, late, twice and
// retracted now and then, reproducibly from a seed.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kong"

	"github.com/sundflow/sundflow/pkg/delivery"
)

// Config is simulate's command line.
type Config struct {
	Seed    uint64  `help:"Seed: the same seed gives the same events." default:"1"`
	Project string  `help:"Project id the events count toward." default:"job-paa-tvaers"`
	From    string  `help:"First day of the project period." default:"2018-01-01"`
	To      string  `help:"Last day of the project period." default:"2020-12-31"`
	Scale   float64 `help:"Size relative to Job på Tværs (1: ~245 persons placed, ~5,000 events; 70: about the whole Øresund commuter flow). 0 picks 1, or what --count needs." default:"0"`
	SEtoDK  float64 `name:"se-to-dk" help:"Share of placed persons living in Sweden and working in Denmark." default:"0.94"`

	Late        float64 `help:"Share of events sent 2-45 days after they happened." default:"0.05"`
	Duplicates  float64 `help:"Share of events sent twice." default:"0.03"`
	Retractions float64 `help:"Share of placements and sign-ups retracted later (half with a corrected event)." default:"0.015"`

	Speed    float64       `help:"Simulated days per real second (e.g. 30: a month a second). 0 sends the whole period at once, as fast as --rate allows." default:"0"`
	Rate     float64       `help:"At most this many events a second; 0 is no limit." default:"0"`
	Duration time.Duration `help:"Stop after this long; 0 runs until the period is sent."`
	Count    int           `help:"Stop after this many events; 0 sends the whole period."`

	delivery.Flags `embed:""`

	Truth       string `help:"Write the ground truth of what was sent (JSON: persons by direction, sign-ups by action...) to this file." placeholder:"FILE"`
	MetricsAddr string `help:"Serve Prometheus metrics on this address (e.g. 127.0.0.1:9102) while running." placeholder:"ADDR"`
	LogFormat   string `help:"Log format on stderr: json or text." enum:"json,text" default:"json"`
	LogLevel    string `help:"Log level: debug, info, warn or error." enum:"debug,info,warn,error" default:"info"`

	from, to time.Time
}

// Validate checks what kong cannot.
func (c *Config) Validate() error {
	var err error
	if c.from, err = time.Parse(time.DateOnly, c.From); err != nil {
		return fmt.Errorf("--from %q: use YYYY-MM-DD", c.From)
	}
	if c.to, err = time.Parse(time.DateOnly, c.To); err != nil {
		return fmt.Errorf("--to %q: use YYYY-MM-DD", c.To)
	}
	switch {
	case !c.to.After(c.from):
		return errors.New("--to must be after --from")
	case c.Scale < 0, c.Speed < 0, c.Rate < 0, c.Count < 0, c.Duration < 0:
		return errors.New("--scale, --speed, --rate, --count and --duration cannot be negative")
	case c.SEtoDK < 0 || c.SEtoDK > 1:
		return errors.New("--se-to-dk is a share between 0 and 1")
	}
	for _, s := range []float64{c.Late, c.Duplicates, c.Retractions} {
		if s < 0 || s > 1 {
			return errors.New("--late, --duplicates and --retractions are shares between 0 and 1")
		}
	}
	return c.Flags.Validate()
}

func main() {
	var cfg Config
	kong.Parse(&cfg,
		kong.Name("simulate"),
		kong.Description("Simulate a project's source systems and send their events to the ingest gateway.\n\n"+
			"Examples:\n"+
			"  simulate --out events.jsonl --truth truth.json          # the whole of Job på Tværs, to a file\n"+
			"  SUNDFLOW_TOKEN=... simulate --speed 30                    # a simulated month per second, to the gateway\n"+
			"  SUNDFLOW_TOKEN=... simulate --count 100000 --rate 5000    # load: 100k events at 5,000/s"),
		kong.UsageOnError(),
	)
	logger := newLogger(cfg.LogFormat, cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg, logger)
	stop()
	if err != nil {
		logger.Error("simulation failed", "err", err)
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(1)
	}
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
