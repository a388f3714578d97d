package deploy_test

// The cluster variant of the ClickHouse schema is generated from the
// projector's single-node migrations (pkg/store), never retyped:
// `go test ./deploy -run TestClusterSchema -update` rewrites
// clickhouse/cluster/schema.sql; the test fails when the file is out of
// date or a table of the migrations has no replicated and distributed
// counterpart.

import (
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/sundflow/sundflow/pkg/store"
)

var update = flag.Bool("update", false, "rewrite the generated files (clickhouse/cluster/schema.sql)")

const (
	clusterName   = "sundflow"
	clusterDB     = "sundflow"
	clusterSchema = "clickhouse/cluster/schema.sql"
)

var (
	reDatabase = regexp.MustCompile(`^CREATE DATABASE IF NOT EXISTS (\w+)$`)
	reTable    = regexp.MustCompile(`(?s)^CREATE TABLE IF NOT EXISTS (\w+)\.(\w+)\s*(\(.*\))\s*ENGINE = (\w*)MergeTree\(([^)]*)\)\s*(.*)$`)
	reView     = regexp.MustCompile(`(?s)^CREATE VIEW IF NOT EXISTS (\w+)\.(\w+) AS\s*(.*)$`)
)

// clusterDDL turns the migrations into the cluster schema: each table T
// becomes T_local, Replicated<engine> on every replica, and T, a
// Distributed table over T_local sharded by the event's identity, so
// that the views (unchanged, ON CLUSTER) read the whole cluster and every
// copy of an event lands on one shard, where ReplacingMergeTree and FINAL
// collapse it. It returns the SQL and the tables it converted.
func clusterDDL(ms []store.Migration) (string, []string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, `-- sundflow: the ClickHouse schema for a cluster. GENERATED from the
-- projector's migrations (pkg/store/migrations) by deploy/clickhouse_test.go:
--   go test ./deploy -run TestClusterSchema -update
-- Do not edit; change the migrations and regenerate.
--
-- Cluster %[1]q (config.d/cluster.xml): each table T of the migrations
-- is T_local (Replicated*MergeTree on every replica; ZooKeeper or
-- ClickHouse Keeper path /clickhouse/tables/{shard}/%[2]s/T_local) plus T,
-- a Distributed table over T_local sharded by cityHash64(source, id): all
-- copies of an event land on one shard, where ReplacingMergeTree and
-- FINAL collapse them. The views keep their names and read the
-- Distributed tables; the projector and the dashboard use the same names
-- as on one server. Apply with
--   clickhouse-client --multiquery < schema.sql
-- then start the projector (its own migrations find every table there).
-- The settings this needs (insert_quorum, insert_distributed_sync,
-- distributed_product_mode) are in users.d/cluster-profile.xml.

`, clusterName, clusterDB)
	var tables []string
	for _, m := range ms {
		fmt.Fprintf(&b, "-- from %s\n\n", m.Name)
		for _, s := range m.Statements(clusterDB) {
			switch {
			case reDatabase.MatchString(s):
				fmt.Fprintf(&b, "CREATE DATABASE IF NOT EXISTS %s ON CLUSTER %s;\n\n", reDatabase.FindStringSubmatch(s)[1], clusterName)
			case reTable.MatchString(s):
				p := reTable.FindStringSubmatch(s)
				db, name, cols, engine, args, rest := p[1], p[2], p[3], p[4], strings.TrimSpace(p[5]), strings.TrimSpace(p[6])
				zk := fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s_local', '{replica}'", db, name)
				if args != "" {
					zk += ", " + args
				}
				fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s.%s_local ON CLUSTER %s\n%s\nENGINE = Replicated%sMergeTree(%s)\n%s;\n\n",
					db, name, clusterName, cols, engine, zk, rest)
				fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s.%s ON CLUSTER %s AS %s.%s_local\nENGINE = Distributed(%s, %s, %s_local, cityHash64(source, id));\n\n",
					db, name, clusterName, db, name, clusterName, db, name)
				tables = append(tables, name)
			case reView.MatchString(s):
				p := reView.FindStringSubmatch(s)
				fmt.Fprintf(&b, "CREATE VIEW IF NOT EXISTS %s.%s ON CLUSTER %s AS\n%s;\n\n", p[1], p[2], clusterName, p[3])
			default:
				return "", nil, fmt.Errorf("%s: no cluster form for the statement %q: teach clusterDDL", m.Name, firstLine(s))
			}
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n", tables, nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func TestClusterSchema(t *testing.T) {
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	got, tables, err := clusterDDL(ms)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(clusterSchema, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(clusterSchema)
	if err != nil {
		t.Fatalf("%v (run go test ./deploy -run TestClusterSchema -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s is out of date with pkg/store/migrations: run go test ./deploy -run TestClusterSchema -update", clusterSchema)
	}

	// Every table of the migrations has its two counterparts; no table is
	// left on MergeTree alone.
	var single []string
	for _, m := range ms {
		for _, s := range m.Statements(clusterDB) {
			if p := reTable.FindStringSubmatch(s); p != nil {
				single = append(single, p[2])
			}
		}
	}
	if len(single) == 0 || len(single) != len(tables) {
		t.Fatalf("migrations have tables %v, cluster schema converted %v", single, tables)
	}
	for _, name := range single {
		for _, w := range []string{
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s_local ON CLUSTER %s", clusterDB, name, clusterName),
			fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s ON CLUSTER %s AS %s.%s_local\nENGINE = Distributed(", clusterDB, name, clusterName, clusterDB, name),
		} {
			if !strings.Contains(got, w) {
				t.Errorf("table %s: no %q in the cluster schema", name, firstLine(w))
			}
		}
	}
	if n := strings.Count(got, "ENGINE = Replicated"); n != len(single) {
		t.Errorf("%d replicated tables for %d tables", n, len(single))
	}
	if regexp.MustCompile(`ENGINE = (Replacing|Summing|Aggregating|Collapsing)?MergeTree`).MatchString(got) {
		t.Error("a table of the cluster schema is not replicated")
	}
	t.Logf("%d tables -> %d replicated local tables + %d distributed; %d views", len(single), len(single), len(single), strings.Count(got, "CREATE VIEW"))
}

// The cluster's XML files parse, name the same cluster, and the profile
// carries the settings the generated schema says it needs.
func TestClusterConfigFiles(t *testing.T) {
	for _, f := range []string{"clickhouse/cluster/config.d/cluster.xml", "clickhouse/cluster/config.d/keeper.xml", "clickhouse/cluster/users.d/cluster-profile.xml", "clickhouse/users.d/evaluator.xml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var any struct{ XMLName xml.Name }
		if err := xml.Unmarshal(b, &any); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	var cfg struct {
		RemoteServers struct {
			Clusters []struct {
				XMLName xml.Name
				Shards  []struct {
					Replicas []struct {
						Host string `xml:"host"`
						Port int    `xml:"port"`
					} `xml:"replica"`
				} `xml:"shard"`
			} `xml:",any"`
		} `xml:"remote_servers"`
	}
	b, _ := os.ReadFile("clickhouse/cluster/config.d/cluster.xml")
	if err := xml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.RemoteServers.Clusters) != 1 || cfg.RemoteServers.Clusters[0].XMLName.Local != clusterName {
		t.Fatalf("remote_servers: want one cluster named %s", clusterName)
	}
	reps := 0
	for _, s := range cfg.RemoteServers.Clusters[0].Shards {
		reps += len(s.Replicas)
		for _, r := range s.Replicas {
			if r.Host == "" || r.Port != 9000 {
				t.Errorf("replica %+v: want a host and port 9000", r)
			}
		}
	}
	if reps != 3 {
		t.Errorf("%d replicas, want 3", reps)
	}
	prof, _ := os.ReadFile("clickhouse/cluster/users.d/cluster-profile.xml")
	for _, s := range []string{"<insert_quorum>2</insert_quorum>", "<insert_distributed_sync>1</insert_distributed_sync>", "<distributed_product_mode>global</distributed_product_mode>"} {
		if !strings.Contains(string(prof), s) {
			t.Errorf("cluster profile lacks %s", s)
		}
	}
	ev, _ := os.ReadFile("clickhouse/users.d/evaluator.xml")
	for _, s := range []string{"<quota>evaluator</quota>", "<queries>", "<read_rows>", "<result_rows>"} {
		if !strings.Contains(string(ev), s) {
			t.Errorf("evaluator.xml lacks %s (the evaluator's query and row quota)", s)
		}
	}
}
