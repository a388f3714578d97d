package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sundflow/sundflow/pkg/stack"
)

// Config is make run's command line; every flag has an environment
// variable RUN_<FLAG>.
type Config struct {
	VarDir  string `name:"var-dir" default:"var" env:"RUN_VAR_DIR" type:"path" help:"Where the run keeps its data: clickhouse/, nats/ (JetStream), log/ (each program's output), run/ (token file and dev token)."`
	BinDir  string `name:"bin-dir" default:"bin" env:"RUN_BIN_DIR" type:"path" help:"Where the programs are built."`
	NoBuild bool   `name:"no-build" env:"RUN_NO_BUILD" help:"Use the binaries already in --bin-dir instead of building them."`
	NoDeps  bool   `name:"no-deps" env:"RUN_NO_DEPS" help:"Do not run deploy/local/deps.sh (which installs clickhouse-server from Debian's packages when missing)."`

	GatewayListen    string `name:"gateway-listen" default:"127.0.0.1:8080" env:"RUN_GATEWAY_LISTEN" help:"Ingest gateway HTTP address (events, /healthz, /readyz, /metrics)."`
	NATSPort         int    `name:"nats-port" default:"4222" env:"RUN_NATS_PORT" help:"Port of the gateway's embedded nats-server on 127.0.0.1."`
	ProjectorMetrics string `name:"projector-metrics" default:"127.0.0.1:9101" env:"RUN_PROJECTOR_METRICS" help:"Projector metrics address (/metrics)."`
	DashboardListen  string `name:"dashboard-listen" default:"127.0.0.1:8090" env:"RUN_DASHBOARD_LISTEN" help:"Dashboard HTTP address (pages, /api, /metrics)."`
	ClickHouseTCP    int    `name:"clickhouse-tcp-port" default:"9000" env:"RUN_CLICKHOUSE_TCP_PORT" help:"ClickHouse native-protocol port on 127.0.0.1."`
	ClickHouseHTTP   int    `name:"clickhouse-http-port" default:"8123" env:"RUN_CLICKHOUSE_HTTP_PORT" help:"ClickHouse HTTP port on 127.0.0.1."`
	ClickHouseDB     string `name:"clickhouse-db" default:"sundflow" env:"RUN_CLICKHOUSE_DB" help:"ClickHouse database of the projection."`

	Simulate bool    `name:"simulate" default:"true" negatable:"" env:"RUN_SIMULATE" help:"Feed the simulated Job på Tværs sources to the gateway (--no-simulate: post your own events)."`
	SimSeed  uint64  `name:"sim-seed" default:"1" env:"RUN_SIM_SEED" help:"Simulation seed; the same seed sends the same events (re-sent ones are stored once)."`
	SimSpeed float64 `name:"sim-speed" default:"30" env:"RUN_SIM_SPEED" help:"Simulated days per real second (30: a month a second, the 3-year project in about 40 s); 0 sends everything at once."`
	SimScale float64 `name:"sim-scale" default:"1" env:"RUN_SIM_SCALE" help:"Simulation size relative to Job på Tværs (1: about 245 people placed, 5,000 events)."`

	Quiet     bool          `name:"quiet" env:"RUN_QUIET" help:"Do not echo the programs' logs here (they are always in --var-dir/log/)."`
	StopGrace time.Duration `name:"stop-grace" default:"40s" env:"RUN_STOP_GRACE" help:"How long each program may take to stop after Ctrl-C before it is killed."`
}

// Validate checks what kong cannot.
func (c *Config) Validate() error {
	var errs []error
	if c.SimSpeed < 0 || c.SimScale <= 0 {
		errs = append(errs, errors.New("--sim-speed must not be negative and --sim-scale must be positive"))
	}
	if c.StopGrace <= 0 {
		errs = append(errs, errors.New("--stop-grace must be positive"))
	}
	for name, p := range map[string]int{"--nats-port": c.NATSPort, "--clickhouse-tcp-port": c.ClickHouseTCP, "--clickhouse-http-port": c.ClickHouseHTTP} {
		if p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("%s %d: must be 1 to 65535", name, p))
		}
	}
	return errors.Join(errs...)
}

// run prepares, starts the pipeline, prints where it is, waits for
// Ctrl-C (or a program dying) and stops everything in order.
func run(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) (err error) {
	root, err := stack.ModuleRoot(".")
	if err != nil {
		return err
	}
	if !cfg.NoDeps {
		if err := deps(ctx, root, stdout); err != nil {
			return err
		}
	}
	names := []string{"ingest", "simulate", "projector", "dashboard"}
	var present []string
	for _, n := range names {
		if stack.Present(root, n) {
			present = append(present, n)
		} else {
			log.Warn("program not in this checkout; running without it", "program", n)
		}
	}
	bins := map[string]string{}
	if cfg.NoBuild {
		for _, n := range present {
			if p := filepath.Join(cfg.BinDir, filepath.Base(stack.Programs[n])); fileExists(p) {
				bins[n] = p
			}
		}
	} else {
		log.Info("building the programs", "programs", strings.Join(present, ","), "into", cfg.BinDir)
		t := time.Now()
		if bins, err = stack.Build(ctx, root, cfg.BinDir, present); err != nil {
			return err
		}
		log.Info("built", "took", time.Since(t).Round(time.Millisecond).String())
	}

	var out io.Writer
	if !cfg.Quiet {
		out = stack.Synced(os.Stderr)
	}
	lc := stack.LocalConfig{
		VarDir: cfg.VarDir, Bins: bins,
		GatewayListen: cfg.GatewayListen, NATSPort: cfg.NATSPort,
		ProjectorMetrics: cfg.ProjectorMetrics, DashboardListen: cfg.DashboardListen,
		ClickHouseTCPPort: cfg.ClickHouseTCP, ClickHouseHTTPPort: cfg.ClickHouseHTTP, ClickHouseDB: cfg.ClickHouseDB,
		Simulate: cfg.Simulate,
		SimArgs: []string{
			"--seed", strconv.FormatUint(cfg.SimSeed, 10),
			"--speed", strconv.FormatFloat(cfg.SimSpeed, 'f', -1, 64),
			"--scale", strconv.FormatFloat(cfg.SimScale, 'f', -1, 64),
		},
		Output: out, Logger: log, StopGrace: cfg.StopGrace,
	}
	l, err := stack.StartLocal(ctx, lc)
	if err != nil {
		return err
	}
	defer func() {
		log.Info("stopping in order: simulated sources, projector, gateway (and its JetStream), dashboard, ClickHouse")
		if serr := l.Stop(); serr != nil {
			err = errors.Join(err, serr)
		} else {
			log.Info("stopped cleanly; the data stays for the next run", "var_dir", l.Config().VarDir)
		}
	}()
	printWelcome(stdout, l)

	exited := l.Exited()
	var simDone <-chan struct{}
	if l.Simulate != nil {
		simDone = l.Simulate.Done()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case p := <-exited:
			return fmt.Errorf("%s ended on its own (%v); see %s", p.Name(), p.ExitErr(), filepath.Join(l.Config().VarDir, "log", p.Name()+".log"))
		case <-simDone:
			simDone = nil
			if err := l.Simulate.ExitErr(); err != nil {
				log.Warn("the simulated sources failed; the rest keeps running", "err", err)
			} else {
				log.Info("the simulated sources have sent everything; the rest keeps running until Ctrl-C",
					"summary", lastLine(filepath.Join(l.Config().VarDir, "log", "simulate.log"), "sent "))
			}
		}
	}
}

// deps runs deploy/local/deps.sh server.
func deps(ctx context.Context, root string, stdout io.Writer) error {
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "deploy", "local", "deps.sh"), "server")
	cmd.Stdout, cmd.Stderr = stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("deploy/local/deps.sh server: %w", err)
	}
	return nil
}

// lastLine is the last line of the file at path that holds substr,
// without the program prefix; "" when there is none.
func lastLine(path, substr string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(string(b), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if j := strings.Index(lines[i], substr); j >= 0 {
			return lines[i][j:]
		}
	}
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// sampleEvent is a valid event for the printed curl: a pop-up fair, so it
// adds nothing to a project's targets.
const sampleEvent = `{"specversion":"1.0","id":"make-run-sample-1","source":"urn:sundflow:source:make-run:sample","type":"org.sundflow.fair.scheduled.v1","time":"2024-03-01T09:30:00+01:00","datacontenttype":"application/json","data":{"fair_id":"make-run-sample-fair","kind":"popup_fair","date":"2024-04-16","location":{"country":"SE","municipality":"1283"},"sector":"logistics","organisers":["Arbetsförmedlingen Helsingborg"]}}`

func printWelcome(w io.Writer, l *stack.Local) {
	c := l.Config()
	fmt.Fprintf(w, "\nsundflow is running (data under %s; Ctrl-C stops everything)\n\n", c.VarDir)
	if l.Dashboard != nil {
		fmt.Fprintf(w, "  dashboard          %s/\n", l.DashboardURL())
		fmt.Fprintf(w, "  dashboard API      %s/api/projects\n", l.DashboardURL())
		fmt.Fprintf(w, "  dashboard metrics  %s/metrics\n", l.DashboardURL())
	}
	fmt.Fprintf(w, "  gateway            %s/v1/events   (health %s/healthz, ready %s/readyz)\n", l.GatewayURL(), l.GatewayURL(), l.GatewayURL())
	fmt.Fprintf(w, "  gateway metrics    %s/metrics\n", l.GatewayURL())
	if l.Projector != nil {
		fmt.Fprintf(w, "  projector metrics  %s\n", l.ProjectorMetricsURL())
	}
	fmt.Fprintf(w, "  NATS (JetStream)   %s\n", l.NATSURL())
	fmt.Fprintf(w, "  ClickHouse         %s native, http://%s/ HTTP; database %s; users default and evaluator (read-only)\n",
		l.ClickHouse.Addr(), l.ClickHouse.HTTPAddr(), c.ClickHouseDB)
	fmt.Fprintf(w, "  logs               %s/\n", filepath.Join(c.VarDir, "log"))
	fmt.Fprintf(w, "  dev token          %s (in %s)\n\n", l.Token, filepath.Join(c.VarDir, "run", "dev-token"))
	fmt.Fprintf(w, "Post an event (202: stored in JetStream; again: duplicate):\n\n")
	fmt.Fprintf(w, "  curl -s %s/v1/events -H \"Authorization: Bearer $(cat %s)\" \\\n", l.GatewayURL(), filepath.Join(c.VarDir, "run", "dev-token"))
	fmt.Fprintf(w, "    -H 'Content-Type: application/cloudevents+json' \\\n    --data-binary '%s'\n\n", sampleEvent)
	fmt.Fprintf(w, "Query the projection as the evaluator:\n\n")
	fmt.Fprintf(w, "  clickhouse-client --port %s --user evaluator --database %s --query 'SHOW TABLES'\n\n",
		l.ClickHouse.Addr()[strings.LastIndexByte(l.ClickHouse.Addr(), ':')+1:], c.ClickHouseDB)
}
