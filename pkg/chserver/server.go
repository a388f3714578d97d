package chserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// DefaultBinary is where Debian's clickhouse-server package puts the
// server; [Config.Binary] falls back to it when none is on PATH.
const DefaultBinary = "/usr/sbin/clickhouse-server"

// Config says where and how to run the server.
type Config struct {
	// Dir holds the generated config.xml and users.xml, the data (data/),
	// temporary files (tmp/), user_files/, format_schemas/ and logs
	// (log/). Required; created if missing; reused on restart.
	Dir string
	// Binary is the clickhouse-server executable. Default:
	// clickhouse-server on PATH, else [DefaultBinary].
	Binary string
	// Host is the only address listened on. Default 127.0.0.1.
	Host string
	// TCPPort serves the native protocol; 0 (default) picks a free port,
	// which restarts keep.
	TCPPort int
	// HTTPPort serves the HTTP interface; 0 (default) picks a free port,
	// -1 turns HTTP off.
	HTTPPort int
	// MarkCacheBytes sizes the mark cache and the uncompressed cache.
	// Default 64 MiB: small, the machine is shared.
	MarkCacheBytes int64
	// MaxQueryMemoryBytes bounds the memory of one query of the default
	// user. Default 4 GB.
	MaxQueryMemoryBytes int64
	// StartTimeout bounds the wait for the server to answer a ping.
	// Default 60s.
	StartTimeout time.Duration
	// Output receives the process's own stdout and stderr. Default:
	// discarded (the server logs to Dir/log).
	Output io.Writer
}

func (c *Config) setDefaults() {
	if c.Host == "" {
		c.Host = "127.0.0.1"
	}
	if c.MarkCacheBytes == 0 {
		c.MarkCacheBytes = 64 << 20
	}
	if c.MaxQueryMemoryBytes == 0 {
		c.MaxQueryMemoryBytes = 4_000_000_000
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = 60 * time.Second
	}
	if c.Output == nil {
		c.Output = io.Discard
	}
}

// Validate reports a config that cannot work.
func (c *Config) Validate() error {
	switch {
	case c.Dir == "":
		return errors.New("chserver config: Dir is required")
	case c.TCPPort < 0 || c.TCPPort > 65535:
		return fmt.Errorf("chserver config: TCPPort %d out of range 0-65535", c.TCPPort)
	case c.HTTPPort < -1 || c.HTTPPort > 65535:
		return fmt.Errorf("chserver config: HTTPPort %d out of range -1-65535", c.HTTPPort)
	}
	return nil
}

// FindBinary returns the clickhouse-server executable to run: path if
// given, else clickhouse-server on PATH, else [DefaultBinary]. It wraps
// [ErrBinaryNotFound] when there is none.
func FindBinary(path string) (string, error) {
	if path != "" {
		if _, err := exec.LookPath(path); err != nil {
			return "", fmt.Errorf("%w: %s: %v", ErrBinaryNotFound, path, err)
		}
		return path, nil
	}
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil
	}
	if _, err := exec.LookPath(DefaultBinary); err == nil {
		return DefaultBinary, nil
	}
	return "", fmt.Errorf("%w: not on PATH nor at %s", ErrBinaryNotFound, DefaultBinary)
}

// Server is a running (or stopped, restartable) clickhouse-server process.
type Server struct {
	cfg Config

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
}

// Start writes the configuration into cfg.Dir, starts clickhouse-server
// and returns once it answers a ping on the native protocol.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bin, err := FindBinary(cfg.Binary)
	if err != nil {
		return nil, err
	}
	cfg.Binary = bin
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", cfg.Dir, err)
	}
	cfg.Dir = dir

	// A free port picked here may be taken by someone else before the
	// server binds it; then try again with new ones.
	autoPorts := cfg.TCPPort == 0 || cfg.HTTPPort == 0
	for attempt := 1; ; attempt++ {
		c := cfg
		if err := pickPorts(&c); err != nil {
			return nil, err
		}
		s := &Server{cfg: c}
		err := s.start(ctx)
		if err == nil {
			return s, nil
		}
		if !autoPorts || attempt == 3 || !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "already in use") {
			return nil, err
		}
	}
}

func pickPorts(c *Config) error {
	for _, p := range []*int{&c.TCPPort, &c.HTTPPort} {
		if *p != 0 {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(c.Host, "0"))
		if err != nil {
			return fmt.Errorf("find a free port on %s: %w", c.Host, err)
		}
		*p = l.Addr().(*net.TCPAddr).Port
		if err := l.Close(); err != nil {
			return fmt.Errorf("release port %d: %w", *p, err)
		}
	}
	return nil
}

// Addr is the host:port of the native protocol, for clickhouse-go.
func (s *Server) Addr() string {
	return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.TCPPort))
}

// HTTPAddr is the host:port of the HTTP interface, "" when it is off.
func (s *Server) HTTPAddr() string {
	if s.cfg.HTTPPort <= 0 {
		return ""
	}
	return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.HTTPPort))
}

// Dir is the absolute directory of the server's files.
func (s *Server) Dir() string { return s.cfg.Dir }

// Pid is the process id, 0 when not running.
func (s *Server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.exited() {
		return 0
	}
	return s.cmd.Process.Pid
}

// Restart starts the server again on the same directory and ports after
// [Server.Stop] or [Server.Kill]; the tables written before are there.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	running := s.cmd != nil && !s.exited()
	s.mu.Unlock()
	if running {
		return fmt.Errorf("restart clickhouse-server on %s: still running", s.Addr())
	}
	return s.start(ctx)
}

func (s *Server) start(ctx context.Context) error {
	if err := newLayout(s.cfg).write(s.cfg.Dir); err != nil {
		return fmt.Errorf("write clickhouse config in %s: %w", s.cfg.Dir, err)
	}
	cmd := exec.Command(s.cfg.Binary, "--config-file="+filepath.Join(s.cfg.Dir, "config.xml"))
	cmd.Dir = s.cfg.Dir
	cmd.Stdout = s.cfg.Output
	cmd.Stderr = s.cfg.Output
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.cfg.Binary, err)
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.done, s.waitErr = cmd, done, nil
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		s.mu.Lock()
		s.waitErr = err
		s.mu.Unlock()
		close(done)
	}()
	if err := s.waitReady(ctx, done); err != nil {
		_ = s.Kill()
		return err
	}
	return nil
}

// waitReady pings until the server answers, the process exits, or the
// start timeout or ctx ends.
func (s *Server) waitReady(ctx context.Context, done <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{s.Addr()},
		DialTimeout: time.Second,
		ReadTimeout: 5 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("open client for %s: %w", s.Addr(), err)
	}
	defer conn.Close()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		last = conn.Ping(pctx)
		pcancel()
		if last == nil {
			return nil
		}
		select {
		case <-done:
			s.mu.Lock()
			werr := s.waitErr
			s.mu.Unlock()
			return fmt.Errorf("%w before answering on %s (%v): %s", ErrExited, s.Addr(), werr, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("wait for clickhouse-server on %s: %w (last ping: %v): %s", s.Addr(), ctx.Err(), last, s.logTail())
		case <-tick.C:
		}
	}
}

// logTail is the end of the server's error log, for error messages.
func (s *Server) logTail() string {
	b, err := os.ReadFile(filepath.Join(s.cfg.Dir, "log", "clickhouse-server.err.log"))
	if err != nil {
		return "no error log"
	}
	const keep = 1500
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return "error log ends: " + strings.TrimSpace(string(b))
}

// exited reports whether the process has ended; s.mu must be held.
func (s *Server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Stop asks the server to shut down (SIGTERM) and waits up to a minute
// for it, then kills it.
func (s *Server) Stop() error {
	return s.signalAndWait(syscall.SIGTERM, time.Minute)
}

// Kill ends the server at once (SIGKILL), as a crash would, and waits
// for the process to be gone. [Server.Restart] brings it back.
func (s *Server) Kill() error {
	return s.signalAndWait(syscall.SIGKILL, 0)
}

func (s *Server) signalAndWait(sig syscall.Signal, grace time.Duration) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	if cmd == nil || s.exited() {
		s.mu.Unlock()
		return ErrNotRunning
	}
	s.mu.Unlock()
	if err := cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal clickhouse-server (pid %d): %w", cmd.Process.Pid, err)
	}
	if grace > 0 {
		select {
		case <-done:
			return nil
		case <-time.After(grace):
			_ = cmd.Process.Kill()
		}
	}
	<-done
	return nil
}
