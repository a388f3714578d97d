package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain doubles as the program the Proc tests run: with
// STACK_TEST_HELPER set, this test binary serves /ready on
// STACK_TEST_ADDR and exits 0 on SIGINT ("serve") or ignores SIGINT
// ("stubborn").
func TestMain(m *testing.M) {
	if mode := os.Getenv("STACK_TEST_HELPER"); mode != "" {
		helper(mode)
		return
	}
	os.Exit(m.Run())
}

func helper(mode string) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT)
	mux := http.NewServeMux()
	mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	go func() { _ = http.ListenAndServe(os.Getenv("STACK_TEST_ADDR"), mux) }()
	fmt.Println("helper up")
	fmt.Print("no newline at the end")
	for range sig {
		if mode == "serve" {
			os.Exit(0)
		}
	}
}

func helperSpec(t *testing.T, mode string, out *bytes.Buffer) Spec {
	t.Helper()
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return Spec{
		Name: mode, Path: os.Args[0], Env: []string{"STACK_TEST_HELPER=" + mode, "STACK_TEST_ADDR=" + addr},
		Output: Synced(out), Ready: "http://" + addr + "/ready", ReadyTimeout: 30 * time.Second,
	}
}

func TestProcStopKillRestart(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	p, err := Start(ctx, helperSpec(t, "serve", &out))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	m, err := p.Memory()
	if err != nil || m.RSS <= 0 || m.Peak < m.RSS {
		t.Errorf("memory of a running helper: %+v, %v; want RSS > 0 and peak >= RSS", m, err)
	}
	if err := p.Stop(10 * time.Second); err != nil {
		t.Errorf("stop a program that exits 0 on SIGINT: %v, want nil", err)
	}
	if err := p.Stop(time.Second); !errors.Is(err, ErrNotRunning) {
		t.Errorf("stop a stopped program: %v, want ErrNotRunning", err)
	}
	if _, err := p.Memory(); !errors.Is(err, ErrNotRunning) {
		t.Errorf("memory of a stopped program: %v, want ErrNotRunning", err)
	}
	if err := p.Restart(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if p.Starts() != 2 || p.Pid() == 0 {
		t.Errorf("after restart: starts %d pid %d, want 2 and a pid", p.Starts(), p.Pid())
	}
	if err := p.Kill(); err != nil {
		t.Errorf("kill: %v", err)
	}
	if err := p.ExitErr(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("exit after SIGKILL: %v, want signal: killed", err)
	}
	got := out.String()
	for _, want := range []string{"serve | helper up\n", "serve | no newline at the end\n"} {
		if strings.Count(got, want) != 2 {
			t.Errorf("output %q: want %q once per run (twice)", got, want)
		}
	}
}

func TestProcStopKillsAfterGrace(t *testing.T) {
	var out bytes.Buffer
	p, err := Start(context.Background(), helperSpec(t, "stubborn", &out))
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	err = p.Stop(300 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not stop") {
		t.Errorf("stop a program that ignores SIGINT: %v, want 'did not stop ... killed'", err)
	}
	if p.Pid() != 0 {
		t.Errorf("pid %d after stop, want 0", p.Pid())
	}
}

func TestStartFailsWhenProgramExits(t *testing.T) {
	_, err := Start(context.Background(), Spec{Name: "false", Path: "/bin/false", Ready: "http://127.0.0.1:1/", ReadyTimeout: 10 * time.Second})
	if !errors.Is(err, ErrExited) {
		t.Errorf("start a program that exits at once: %v, want ErrExited", err)
	}
}

func TestPrefixWriter(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		flush  bool
		want   string
	}{
		{"whole lines", []string{"a\nb\n"}, false, "p: a\np: b\n"},
		{"split line", []string{"he", "llo\nwor", "ld\n"}, false, "p: hello\np: world\n"},
		{"held until newline", []string{"partial"}, false, ""},
		{"flushed at exit", []string{"partial"}, true, "p: partial\n"},
		{"empty line", []string{"\n"}, false, "p: \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w := NewPrefixWriter(&b, "p: ")
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
					t.Fatalf("write %q: %d, %v", s, n, err)
				}
			}
			if tt.flush {
				w.Flush()
			}
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestModuleRootAndPresent(t *testing.T) {
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatalf("module root from pkg/stack: %v", err)
	}
	if !Present(root, "ingest") {
		t.Errorf("ingest not present under %s", root)
	}
	if Present(root, "no-such-program") {
		t.Error("an unknown program is present")
	}
	if _, err := ModuleRoot(t.TempDir()); !errors.Is(err, ErrNoModule) {
		t.Errorf("module root of a temp dir: %v, want ErrNoModule", err)
	}
}

func TestReadMemoryOfUnknownPid(t *testing.T) {
	if _, err := ReadMemory(1 << 30); err == nil {
		t.Error("memory of a pid that does not exist: no error")
	}
}
