package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sundflow/sundflow/pkg/attest"
	"github.com/sundflow/sundflow/pkg/auth"
	"github.com/sundflow/sundflow/pkg/chserver"
)

// LocalConfig describes the whole pipeline on one machine, as `make run`
// starts it. Zero values take the defaults named.
type LocalConfig struct {
	// VarDir holds everything the run keeps: clickhouse/ (ClickHouse's
	// data), nats/ (the JetStream store), log/ (each program's output)
	// and run/ (the generated token file and dev token). Default ./var.
	VarDir string
	// Bins are the built programs by name ([Build]); ingest is required,
	// projector, dashboard and simulate are started when present.
	Bins map[string]string

	// GatewayListen is the gateway's HTTP address. Default 127.0.0.1:8080.
	GatewayListen string
	// NATSPort is the embedded nats-server's client port on 127.0.0.1.
	// Default 4222.
	NATSPort int
	// ProjectorMetrics is the projector's metrics address. Default
	// 127.0.0.1:9101.
	ProjectorMetrics string
	// DashboardListen is the dashboard's HTTP address. Default
	// 127.0.0.1:8090.
	DashboardListen string
	// ClickHouseTCPPort and ClickHouseHTTPPort are ClickHouse's ports on
	// 127.0.0.1. Defaults 9000 and 8123.
	ClickHouseTCPPort, ClickHouseHTTPPort int
	// ClickHouseDB is the projector's database. Default sundflow.
	ClickHouseDB string

	// Simulate feeds the simulated Job på Tværs sources to the gateway
	// once everything is up.
	Simulate bool
	// SimArgs are extra arguments for simulate (seed, speed, scale...).
	SimArgs []string

	// ExtraArgs are appended to a program's arguments, by name.
	ExtraArgs map[string][]string

	// Output receives every program's output, each line prefixed with
	// its name; it also goes to VarDir/log/<name>.log. Default: only the
	// log files.
	Output io.Writer
	// Logger reports progress. Default: discard.
	Logger *slog.Logger
	// StopGrace is how long each program may take to stop cleanly after
	// SIGINT before it is killed. Default 40s.
	StopGrace time.Duration
}

func (c *LocalConfig) setDefaults() {
	if c.VarDir == "" {
		c.VarDir = "var"
	}
	if c.GatewayListen == "" {
		c.GatewayListen = "127.0.0.1:8080"
	}
	if c.NATSPort == 0 {
		c.NATSPort = 4222
	}
	if c.ProjectorMetrics == "" {
		c.ProjectorMetrics = "127.0.0.1:9101"
	}
	if c.DashboardListen == "" {
		c.DashboardListen = "127.0.0.1:8090"
	}
	if c.ClickHouseTCPPort == 0 {
		c.ClickHouseTCPPort = 9000
	}
	if c.ClickHouseHTTPPort == 0 {
		c.ClickHouseHTTPPort = 8123
	}
	if c.ClickHouseDB == "" {
		c.ClickHouseDB = "sundflow"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.StopGrace == 0 {
		c.StopGrace = 40 * time.Second
	}
}

// Validate reports a configuration that cannot work.
func (c *LocalConfig) Validate() error {
	var errs []error
	if c.Bins["ingest"] == "" {
		errs = append(errs, errors.New("the ingest gateway's binary is required"))
	}
	for name, a := range map[string]string{"gateway listen": c.GatewayListen, "projector metrics": c.ProjectorMetrics, "dashboard listen": c.DashboardListen} {
		if a == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			errs = append(errs, fmt.Errorf("%s address %q: want host:port: %w", name, a, err))
		}
	}
	for name, p := range map[string]int{"nats port": c.NATSPort, "clickhouse tcp port": c.ClickHouseTCPPort, "clickhouse http port": c.ClickHouseHTTPPort} {
		if p < 0 || p > 65535 {
			errs = append(errs, fmt.Errorf("%s %d: must be 1 to 65535", name, p))
		}
	}
	return errors.Join(errs...)
}

// Local is the running local pipeline.
type Local struct {
	cfg LocalConfig

	ClickHouse *chserver.Server
	Gateway    *Proc
	Projector  *Proc // nil when the projector is not built
	Dashboard  *Proc // nil when the dashboard is not built
	Simulate   *Proc // nil when not simulating

	// Token is the dev token the generated token file allows everything.
	Token string
	// TokensFile is that file.
	TokensFile string
	// AttestKeyFile holds the key the gateway attests validated events
	// with and the projector trusts (var/run/attest.key, made once and
	// kept).
	AttestKeyFile string

	logs []*os.File
}

// StartLocal starts ClickHouse, the gateway with its embedded JetStream,
// the projector, the dashboard and (if asked) the simulated sources, in
// that order, each once the one before answers. On error it stops what
// it started.
func StartLocal(ctx context.Context, cfg LocalConfig) (l *Local, err error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.VarDir, err = filepath.Abs(cfg.VarDir); err != nil {
		return nil, fmt.Errorf("resolve var dir: %w", err)
	}
	for _, d := range []string{"clickhouse", "nats", "log", "run"} {
		if err := os.MkdirAll(filepath.Join(cfg.VarDir, d), 0o750); err != nil {
			return nil, fmt.Errorf("create %s: %w", filepath.Join(cfg.VarDir, d), err)
		}
	}
	l = &Local{cfg: cfg}
	defer func() {
		if err != nil {
			_ = l.Stop()
		}
	}()
	log := cfg.Logger

	if l.Token, l.TokensFile, err = devToken(filepath.Join(cfg.VarDir, "run")); err != nil {
		return l, err
	}
	l.AttestKeyFile = filepath.Join(cfg.VarDir, "run", "attest.key")
	if _, err := attest.EnsureKeyFile(l.AttestKeyFile); err != nil {
		return l, err
	}

	log.Info("starting clickhouse-server", "dir", filepath.Join(cfg.VarDir, "clickhouse"), "tcp_port", cfg.ClickHouseTCPPort, "http_port", cfg.ClickHouseHTTPPort)
	chOut, err := l.logFile("clickhouse")
	if err != nil {
		return l, err
	}
	if err := portsFree(cfg.ClickHouseTCPPort, cfg.ClickHouseHTTPPort); err != nil {
		return l, fmt.Errorf("start clickhouse: %w", err)
	}
	l.ClickHouse, err = chserver.Start(ctx, chserver.Config{
		Dir: filepath.Join(cfg.VarDir, "clickhouse"), TCPPort: cfg.ClickHouseTCPPort, HTTPPort: cfg.ClickHouseHTTPPort,
		Output: NewPrefixWriter(chOut, "clickhouse | "),
	})
	if err != nil {
		return l, fmt.Errorf("start clickhouse: %w", err)
	}

	log.Info("starting the ingest gateway with embedded JetStream", "listen", cfg.GatewayListen, "nats_port", cfg.NATSPort)
	if l.Gateway, err = l.start(ctx, "ingest", l.gatewayArgs(), "http://"+cfg.GatewayListen+"/readyz"); err != nil {
		return l, err
	}
	if bin := cfg.Bins["projector"]; bin != "" {
		log.Info("starting the projector", "metrics", cfg.ProjectorMetrics)
		if l.Projector, err = l.start(ctx, "projector", l.projectorArgs(), "http://"+cfg.ProjectorMetrics+"/healthz"); err != nil {
			return l, err
		}
	} else {
		log.Warn("no projector binary: events are stored in JetStream but not projected into ClickHouse")
	}
	if bin := cfg.Bins["dashboard"]; bin != "" {
		log.Info("starting the dashboard", "listen", cfg.DashboardListen)
		if l.Dashboard, err = l.start(ctx, "dashboard", l.dashboardArgs(), "http://"+cfg.DashboardListen+"/healthz"); err != nil {
			return l, err
		}
	} else {
		log.Warn("no dashboard binary: no dashboard")
	}
	if cfg.Simulate && cfg.Bins["simulate"] != "" {
		log.Info("feeding the simulated Job på Tværs sources to the gateway")
		if l.Simulate, err = l.start(ctx, "simulate", l.simulateArgs(), ""); err != nil {
			return l, err
		}
	}
	return l, nil
}

// NATSURL is where the embedded nats-server takes clients.
func (l *Local) NATSURL() string {
	return "nats://127.0.0.1:" + strconv.Itoa(l.cfg.NATSPort)
}

// GatewayURL, DashboardURL and ProjectorMetricsURL are the programs'
// base URLs.
func (l *Local) GatewayURL() string          { return "http://" + l.cfg.GatewayListen }
func (l *Local) DashboardURL() string        { return "http://" + l.cfg.DashboardListen }
func (l *Local) ProjectorMetricsURL() string { return "http://" + l.cfg.ProjectorMetrics + "/metrics" }

// Config is the configuration after defaults.
func (l *Local) Config() LocalConfig { return l.cfg }

func (l *Local) gatewayArgs() []string {
	c := l.cfg
	return append([]string{
		"--listen", c.GatewayListen,
		"--tokens-file", l.TokensFile,
		"--attest-key-file", l.AttestKeyFile,
		"--nats-store", filepath.Join(c.VarDir, "nats"),
		"--nats-host", "127.0.0.1",
		"--nats-port", strconv.Itoa(c.NATSPort),
		"--log-format", "text",
	}, c.ExtraArgs["ingest"]...)
}

func (l *Local) projectorArgs() []string {
	c := l.cfg
	return append([]string{
		"--nats-url", l.NATSURL(),
		"--clickhouse-addr", l.ClickHouse.Addr(),
		"--database", c.ClickHouseDB,
		"--attest-key-file", l.AttestKeyFile,
		"--metrics-addr", c.ProjectorMetrics,
		"--log-format", "text",
	}, c.ExtraArgs["projector"]...)
}

func (l *Local) dashboardArgs() []string {
	c := l.cfg
	return append([]string{
		"--listen", c.DashboardListen,
		"--clickhouse-addr", l.ClickHouse.Addr(),
		"--clickhouse-db", c.ClickHouseDB,
		"--nats-url", l.NATSURL(),
		"--projector-consumer", ProjectorConsumer,
		"--log-format", "text",
	}, c.ExtraArgs["dashboard"]...)
}

func (l *Local) simulateArgs() []string {
	c := l.cfg
	return append(append([]string{
		"--gateway", l.GatewayURL(),
		"--token-file", filepath.Join(c.VarDir, "run", "dev-token"),
		"--attempts=-1",
		"--log-format", "text",
	}, c.SimArgs...), c.ExtraArgs["simulate"]...)
}

// start runs one program with its output to its log file (and Output).
func (l *Local) start(ctx context.Context, name string, args []string, ready string) (*Proc, error) {
	out, err := l.logFile(name)
	if err != nil {
		return nil, err
	}
	return Start(ctx, Spec{
		Name: name, Path: l.cfg.Bins[name], Args: args, Dir: l.cfg.VarDir,
		Output: out, Ready: ready, ReadyTimeout: 2 * time.Minute,
	})
}

// logFile opens VarDir/log/name.log for appending, teed to Output.
func (l *Local) logFile(name string) (io.Writer, error) {
	f, err := os.OpenFile(filepath.Join(l.cfg.VarDir, "log", name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open log of %s: %w", name, err)
	}
	l.logs = append(l.logs, f)
	if l.cfg.Output == nil {
		return f, nil
	}
	return io.MultiWriter(f, l.cfg.Output), nil
}

// Exited is closed as soon as one of the long-running programs (gateway,
// projector, dashboard) ends on its own; the simulation ending is normal.
func (l *Local) Exited() <-chan *Proc {
	ch := make(chan *Proc, 1)
	for _, p := range []*Proc{l.Gateway, l.Projector, l.Dashboard} {
		if p == nil {
			continue
		}
		go func() {
			<-p.Done()
			select {
			case ch <- p:
			default:
			}
		}()
	}
	return ch
}

// Stop stops everything in order, each given LocalConfig.StopGrace: the
// simulated sources (they flush what they batched), the projector (it
// acknowledges what it inserted while NATS is still up), the gateway
// (it finishes requests in flight, waits for JetStream's acks, then stops
// the embedded nats-server), the dashboard, and last ClickHouse. It
// returns every program that did not stop cleanly.
func (l *Local) Stop() error {
	var errs []error
	for _, p := range []*Proc{l.Simulate, l.Projector, l.Gateway, l.Dashboard} {
		if p == nil {
			continue
		}
		l.cfg.Logger.Info("stopping " + p.Name())
		if err := p.Stop(l.cfg.StopGrace); err != nil && !errors.Is(err, ErrNotRunning) {
			errs = append(errs, err)
		}
	}
	if l.ClickHouse != nil {
		l.cfg.Logger.Info("stopping clickhouse-server")
		if err := l.ClickHouse.Stop(); err != nil && !errors.Is(err, chserver.ErrNotRunning) {
			errs = append(errs, fmt.Errorf("stop clickhouse: %w", err))
		}
	}
	for _, f := range l.logs {
		_ = f.Close()
	}
	l.logs = nil
	return errors.Join(errs...)
}

// ProjectorConsumer is the projector's durable consumer name (its
// default), which the dashboard reads the lag of.
const ProjectorConsumer = "sundflow-projector"

// portsFree checks that nothing listens on the ports on 127.0.0.1: a
// ClickHouse already there would answer our readiness ping for a server
// that failed to start.
func portsFree(ports ...int) error {
	for _, p := range ports {
		if p <= 0 {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return fmt.Errorf("port %d on 127.0.0.1 is taken (another ClickHouse?); pick others with the flags: %w", p, err)
		}
		_ = ln.Close()
	}
	return nil
}

// devToken returns the local run's token and its token file in dir,
// making both on the first run: a random token, kept (0600) so that
// scripts and the printed curl keep working across runs.
func devToken(dir string) (token, file string, err error) {
	tokPath := filepath.Join(dir, "dev-token")
	file = filepath.Join(dir, "tokens.yaml")
	b, err := os.ReadFile(tokPath)
	switch {
	case err == nil:
		token = strings.TrimSpace(string(b))
	case errors.Is(err, os.ErrNotExist):
		raw := make([]byte, 24)
		if _, err := rand.Read(raw); err != nil {
			return "", "", fmt.Errorf("make a dev token: %w", err)
		}
		token = "sundflow-local-" + hex.EncodeToString(raw)
		if err := os.WriteFile(tokPath, []byte(token+"\n"), 0o600); err != nil {
			return "", "", fmt.Errorf("write dev token: %w", err)
		}
	default:
		return "", "", fmt.Errorf("read dev token: %w", err)
	}
	if token == "" {
		return "", "", fmt.Errorf("dev token file %s is empty: delete it to make a new one", tokPath)
	}
	body := fmt.Sprintf(`# Generated by make run (pkg/stack) for this local run; rewritten at every start.
# The token is in dev-token beside this file.
tokens:
  - name: local-run
    token_sha256: %s
    source_prefixes: ["*"]
    types: ["*"]
`, auth.HashToken(token))
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		return "", "", fmt.Errorf("write token file: %w", err)
	}
	return token, file, nil
}
