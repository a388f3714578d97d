// Package chservertest gives tests a real clickhouse-server process (see
// [chserver]): one per test, or one shared by a package's tests through
// TestMain with a fresh database per test. A missing server fails the
// tests with a hint to run `make deps`; it never skips them.
package chservertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/sundflow/sundflow/pkg/chserver"
)

// Start runs a server in tb's temporary directory for this test alone
// and stops it when the test ends.
func Start(tb testing.TB) *chserver.Server {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := chserver.Start(ctx, chserver.Config{Dir: tb.TempDir(), HTTPPort: -1})
	if err != nil {
		tb.Fatalf("start clickhouse-server: %v\n(the integration tests need a real clickhouse-server: run `make deps`)", err)
	}
	tb.Cleanup(func() {
		if err := srv.Stop(); err != nil && err != chserver.ErrNotRunning {
			tb.Errorf("stop clickhouse-server: %v", err)
		}
	})
	return srv
}

// DirEnv names a directory under which [Main] puts its server's files
// (default the system's temporary directory). make bench sets it to a
// tmpfs: see BENCHMARKS.md for why a benchmark keeps ClickHouse's parts
// off an ext4 file system without a journal.
const DirEnv = "SUNDFLOW_TEST_CLICKHOUSE_DIR"

// Main starts one server for a whole test binary, stores it in *srv, runs
// the tests, stops the server and returns the exit code for os.Exit:
//
//	func TestMain(m *testing.M) { os.Exit(chservertest.Main(m, &srv)) }
func Main(m *testing.M, srv **chserver.Server) int {
	dir, err := os.MkdirTemp(os.Getenv(DirEnv), "sundflow-clickhouse-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: make a directory for clickhouse-server: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	s, err := chserver.Start(ctx, chserver.Config{Dir: dir, HTTPPort: -1})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: start clickhouse-server: %v\n(the integration tests need a real clickhouse-server: run `make deps`)\n", err)
		return 1
	}
	*srv = s
	code := m.Run()
	if err := s.Stop(); err != nil && err != chserver.ErrNotRunning {
		fmt.Fprintf(os.Stderr, "stop clickhouse-server: %v\n", err)
	}
	return code
}

// Conn opens a connection to srv as user (chserver.DefaultUser when ""),
// closed when the test ends. database may be "".
func Conn(tb testing.TB, srv *chserver.Server, user, database string) driver.Conn {
	tb.Helper()
	if user == "" {
		user = chserver.DefaultUser
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{srv.Addr()},
		Auth:        clickhouse.Auth{Username: user, Database: database},
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		tb.Fatalf("open clickhouse connection to %s: %v", srv.Addr(), err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	return conn
}

// DatabaseName returns a database name no other test uses, e.g.
// t_projector_exact_3f9a1c; nothing is created.
func DatabaseName(tb testing.TB) string {
	tb.Helper()
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatalf("random database suffix: %v", err)
	}
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		default:
			return '_'
		}
	}, tb.Name())
	if len(name) > 30 {
		name = name[:30]
	}
	return "t_" + name + "_" + hex.EncodeToString(b[:])
}
