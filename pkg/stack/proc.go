package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spec is how to run one program.
type Spec struct {
	// Name labels the process in errors and in each line of its output.
	Name string
	// Path is the executable; Args its arguments.
	Path string
	Args []string
	// Env is added to this process's environment (later entries win).
	Env []string
	// Dir is the working directory; default the current one.
	Dir string
	// Output receives the process's stdout and stderr, each line
	// prefixed with Name; nil discards them.
	Output io.Writer
	// Ready, if set, is an http:// URL that answers 200 once the program
	// is ready; [Start] waits for it.
	Ready string
	// ReadyTimeout bounds that wait. Default 60s.
	ReadyTimeout time.Duration
}

// Proc is a started program. Its methods are safe for concurrent use.
type Proc struct {
	spec Spec

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed once the process has been waited for
	waitErr error
	starts  int
}

// Start runs the program and, if spec.Ready is set, waits until that URL
// answers 200. The process gets its own process group, so a terminal's
// Ctrl-C reaches only the caller, which stops its children in order; and
// the kernel kills it if the caller dies without stopping it.
func Start(ctx context.Context, spec Spec) (*Proc, error) {
	if spec.ReadyTimeout == 0 {
		spec.ReadyTimeout = time.Minute
	}
	p := &Proc{spec: spec}
	if err := p.start(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Restart runs the program again with the same spec after it ended (by
// [Proc.Stop], [Proc.Kill] or on its own).
func (p *Proc) Restart(ctx context.Context) error {
	p.mu.Lock()
	running := p.cmd != nil && !p.exited()
	p.mu.Unlock()
	if running {
		return fmt.Errorf("restart %s: still running (pid %d)", p.spec.Name, p.Pid())
	}
	return p.start(ctx)
}

func (p *Proc) start(ctx context.Context) error {
	cmd := exec.Command(p.spec.Path, p.spec.Args...)
	cmd.Dir = p.spec.Dir
	cmd.Env = append(os.Environ(), p.spec.Env...)
	var out io.Writer = io.Discard
	if p.spec.Output != nil {
		out = NewPrefixWriter(p.spec.Output, p.spec.Name+" | ")
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s (%s): %w", p.spec.Name, p.spec.Path, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.waitErr = cmd, done, nil
	p.starts++
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		if f, ok := out.(*PrefixWriter); ok {
			f.Flush()
		}
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(done)
	}()
	if p.spec.Ready == "" {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, p.spec.ReadyTimeout)
	defer cancel()
	if err := WaitHTTP(rctx, p.spec.Ready, done); err != nil {
		_ = p.Kill()
		if errors.Is(err, ErrExited) {
			return fmt.Errorf("%s: %w (%v) before %s answered", p.spec.Name, ErrExited, p.ExitErr(), p.spec.Ready)
		}
		return fmt.Errorf("%s not ready: %w", p.spec.Name, err)
	}
	return nil
}

// Name is the spec's name.
func (p *Proc) Name() string { return p.spec.Name }

// Starts counts how often the process was started.
func (p *Proc) Starts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts
}

// Pid is the process id of the current run, 0 once it ended.
func (p *Proc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.exited() {
		return 0
	}
	return p.cmd.Process.Pid
}

// Done is closed when the current run ended.
func (p *Proc) Done() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// ExitErr is how the last run ended: nil for exit status 0.
func (p *Proc) ExitErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitErr
}

func (p *Proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGINT, as Ctrl-C would, and waits up to grace for the
// program to finish its clean shutdown; then it kills it. It returns how
// the program ended (nil: exit status 0), or an error saying it had to be
// killed.
func (p *Proc) Stop(grace time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	if cmd == nil || p.exited() {
		p.mu.Unlock()
		return ErrNotRunning
	}
	p.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		return fmt.Errorf("signal %s (pid %d): %w", p.spec.Name, cmd.Process.Pid, err)
	}
	select {
	case <-done:
		if err := p.ExitErr(); err != nil {
			return fmt.Errorf("%s exited after SIGINT: %w", p.spec.Name, err)
		}
		return nil
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s did not stop within %s of SIGINT: killed", p.spec.Name, grace)
	}
}

// Kill ends the program at once with SIGKILL, as a crash would, and
// waits until it is gone.
func (p *Proc) Kill() error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	if cmd == nil || p.exited() {
		p.mu.Unlock()
		return ErrNotRunning
	}
	p.mu.Unlock()
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill %s (pid %d): %w", p.spec.Name, cmd.Process.Pid, err)
	}
	<-done
	return nil
}

// Wait blocks until the current run ends or ctx does, and returns how it
// ended.
func (p *Proc) Wait(ctx context.Context) error {
	select {
	case <-p.Done():
		return p.ExitErr()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Memory is a process's resident memory, from /proc/<pid>/status.
type Memory struct {
	RSS  int64 // VmRSS: resident now, bytes
	Peak int64 // VmHWM: the most resident so far, bytes
}

// Memory reads the running process's memory.
func (p *Proc) Memory() (Memory, error) {
	pid := p.Pid()
	if pid == 0 {
		return Memory{}, fmt.Errorf("memory of %s: %w", p.spec.Name, ErrNotRunning)
	}
	return ReadMemory(pid)
}

// ReadMemory reads VmRSS and VmHWM of any process.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return Memory{}, fmt.Errorf("read memory of pid %d: %w", pid, err)
	}
	var m Memory
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v) // "12345 kB"
		if len(f) != 2 || f[1] != "kB" {
			return Memory{}, fmt.Errorf("read memory of pid %d: unexpected %s line %q", pid, k, line)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("read memory of pid %d: %s %q: %w", pid, k, f[0], err)
		}
		if k == "VmRSS" {
			m.RSS = n << 10
		} else {
			m.Peak = n << 10
		}
	}
	return m, nil
}

// PrefixWriter writes each complete line it is given to W with a prefix;
// safe for concurrent use, so several processes can share W.
type PrefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

// NewPrefixWriter returns a writer that prefixes each line.
func NewPrefixWriter(w io.Writer, prefix string) *PrefixWriter {
	return &PrefixWriter{w: w, prefix: prefix}
}

func (pw *PrefixWriter) Write(b []byte) (int, error) {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	pw.buf = append(pw.buf, b...)
	for {
		i := strings.IndexByte(string(pw.buf), '\n')
		if i < 0 {
			break
		}
		if _, err := fmt.Fprintf(pw.w, "%s%s\n", pw.prefix, pw.buf[:i]); err != nil {
			return len(b), err
		}
		pw.buf = pw.buf[i+1:]
	}
	if len(pw.buf) > 64<<10 { // a line that never ends: pass it on anyway
		_, _ = fmt.Fprintf(pw.w, "%s%s\n", pw.prefix, pw.buf)
		pw.buf = pw.buf[:0]
	}
	return len(b), nil
}

// Flush writes a last line that had no newline.
func (pw *PrefixWriter) Flush() {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if len(pw.buf) > 0 {
		_, _ = fmt.Fprintf(pw.w, "%s%s\n", pw.prefix, pw.buf)
		pw.buf = pw.buf[:0]
	}
}

// lockedWriter serialises writes of several PrefixWriters to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Synced wraps w so that several goroutines may write whole lines to it.
func Synced(w io.Writer) io.Writer { return &lockedWriter{w: w} }

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
