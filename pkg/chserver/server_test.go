package chserver_test

import (
	"context"
	"encoding/xml"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
)

var shared *chserver.Server

func TestMain(m *testing.M) { os.Exit(chservertest.Main(m, &shared)) }

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     chserver.Config
		wantErr string
	}{
		{"ok", chserver.Config{Dir: "x"}, ""},
		{"no dir", chserver.Config{}, "Dir is required"},
		{"tcp port", chserver.Config{Dir: "x", TCPPort: 70000}, "TCPPort 70000"},
		{"http port", chserver.Config{Dir: "x", HTTPPort: -2}, "HTTPPort -2"},
		{"http off", chserver.Config{Dir: "x", HTTPPort: -1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestStartMissingBinary(t *testing.T) {
	_, err := chserver.Start(context.Background(), chserver.Config{Dir: t.TempDir(), Binary: "/nonexistent/clickhouse-server"})
	if !errors.Is(err, chserver.ErrBinaryNotFound) {
		t.Fatalf("Start() = %v, want ErrBinaryNotFound", err)
	}
	if !strings.Contains(err.Error(), "make deps") {
		t.Fatalf("error %q does not tell to run make deps", err)
	}
}

// A killed server restarts on the same directory and ports with its
// tables, as the projector's fault tests need.
func TestKillRestartKeepsData(t *testing.T) {
	srv := chservertest.Start(t)
	ctx := context.Background()
	conn := chservertest.Conn(t, srv, "", "")
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS life",
		"CREATE TABLE life.t (n UInt64) ENGINE = MergeTree PARTITION BY tuple() ORDER BY n",
		"INSERT INTO life.t (n) SELECT number FROM system.numbers LIMIT 1000",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	addr := srv.Addr()
	if err := srv.Kill(); err != nil {
		t.Fatalf("Kill() = %v", err)
	}
	if srv.Pid() != 0 {
		t.Fatalf("Pid() = %d after Kill, want 0", srv.Pid())
	}
	if err := srv.Kill(); !errors.Is(err, chserver.ErrNotRunning) {
		t.Fatalf("second Kill() = %v, want ErrNotRunning", err)
	}
	if err := conn.Ping(ctx); err == nil {
		t.Fatal("Ping() after Kill succeeded")
	}
	if err := srv.Restart(ctx); err != nil {
		t.Fatalf("Restart() = %v", err)
	}
	if srv.Addr() != addr {
		t.Fatalf("Addr() = %s after restart, want %s", srv.Addr(), addr)
	}
	var got uint64
	if err := chservertest.Conn(t, srv, "", "").QueryRow(ctx, "SELECT count() FROM life.t").Scan(&got); err != nil {
		t.Fatalf("count after restart: %v", err)
	}
	if got != 1000 {
		t.Fatalf("rows after restart = %d, want 1000", got)
	}
	if err := srv.Restart(ctx); err == nil {
		t.Fatal("Restart() of a running server succeeded")
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop() = %v", err)
	}
	if err := srv.Stop(); !errors.Is(err, chserver.ErrNotRunning) {
		t.Fatalf("second Stop() = %v, want ErrNotRunning", err)
	}
}

func TestEvaluatorIsReadOnly(t *testing.T) {
	ctx := context.Background()
	admin := chservertest.Conn(t, shared, "", "")
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS ro",
		"CREATE TABLE IF NOT EXISTS ro.t (n UInt64) ENGINE = MergeTree PARTITION BY tuple() ORDER BY n",
		"INSERT INTO ro.t (n) SELECT number + 1 FROM system.numbers LIMIT 2",
	} {
		if err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ev := chservertest.Conn(t, shared, chserver.EvaluatorUser, "")
	var n uint64
	if err := ev.QueryRow(ctx, "SELECT count() FROM ro.t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("evaluator SELECT count() = %d, %v; want 2, nil", n, err)
	}
	tests := []struct{ name, query string }{
		{"insert", "INSERT INTO ro.t (n) SELECT 3"},
		{"create", "CREATE TABLE ro.u (n UInt64) ENGINE = MergeTree PARTITION BY tuple() ORDER BY n"},
		{"drop", "DROP TABLE ro.t"},
		{"lift a limit", "SET max_execution_time = 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ev.Exec(ctx, tt.query); err == nil {
				t.Fatalf("evaluator may run %q", tt.query)
			}
		})
	}
	if err := ev.QueryRow(ctx, "SELECT count() FROM (SELECT number FROM system.numbers LIMIT 2000000)").Scan(&n); err != nil {
		t.Fatalf("an aggregate over many rows is one result row and must pass: %v", err)
	}
	rows, err := ev.Query(ctx, "SELECT number FROM system.numbers LIMIT 2000000")
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil {
		t.Fatal("evaluator got a result of 2,000,000 rows, want the max_result_rows limit to fail it")
	}
}

// The profile generated for tests and `make run` is the production one.
func TestEvaluatorProfileMatchesDeploy(t *testing.T) {
	b, err := os.ReadFile("../../deploy/clickhouse/users.d/evaluator.xml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Profiles struct {
			Evaluator struct {
				Settings []struct {
					XMLName xml.Name
					Value   string `xml:",chardata"`
				} `xml:",any"`
			} `xml:"evaluator"`
		} `xml:"profiles"`
		Users struct {
			Evaluator struct {
				Profile string `xml:"profile"`
			} `xml:"evaluator"`
		} `xml:"users"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("parse evaluator.xml: %v", err)
	}
	var got []chserver.Setting
	for _, s := range doc.Profiles.Evaluator.Settings {
		got = append(got, chserver.Setting{Name: s.XMLName.Local, Value: strings.TrimSpace(s.Value)})
	}
	want := chserver.EvaluatorProfile
	if len(got) != len(want) {
		t.Fatalf("deploy profile has %d settings %v, generated %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("setting %d: deploy %v, generated %v", i, got[i], want[i])
		}
	}
	if doc.Users.Evaluator.Profile != "evaluator" {
		t.Errorf("deploy evaluator user has profile %q, want evaluator", doc.Users.Evaluator.Profile)
	}
}
