package grafana

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/sundflow/sundflow/pkg/chserver"
	"github.com/sundflow/sundflow/pkg/chserver/chservertest"
	"github.com/sundflow/sundflow/pkg/store"
)

type dashboard struct {
	UID    string  `json:"uid"`
	Panels []panel `json:"panels"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	Datasource *datasource `json:"datasource"`
	Targets    []struct {
		Datasource *datasource `json:"datasource"`
		Expr       string      `json:"expr"`
		RawSQL     string      `json:"rawSql"`
		RefID      string      `json:"refId"`
	} `json:"targets"`
}

func loadDashboards(t *testing.T) map[string]dashboard {
	t.Helper()
	files, err := filepath.Glob("dashboards/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	out := map[string]dashboard{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = d
	}
	return out
}

func provisionedSources(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("provisioning/datasources/sundflow.yml")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range p.Datasources {
		out[d.UID] = d.Type
	}
	return out
}

func TestPanelsUseProvisionedSources(t *testing.T) {
	sources := provisionedSources(t)
	if sources["sundflow-clickhouse"] != "grafana-clickhouse-datasource" || sources["sundflow-prometheus"] != "prometheus" {
		t.Fatalf("provisioned sources = %v, want the Prometheus and ClickHouse ones", sources)
	}
	for file, d := range loadDashboards(t) {
		for _, p := range d.Panels {
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", file, p.Title)
			}
			for _, tg := range p.Targets {
				ds := tg.Datasource
				if ds == nil {
					ds = p.Datasource
				}
				if ds == nil || sources[ds.UID] != ds.Type {
					t.Errorf("%s: panel %q query %s uses data source %+v, not a provisioned one", file, p.Title, tg.RefID, ds)
				}
			}
		}
	}
}

// TestPromQL checks every Prometheus query with promtool, as recording
// rules (the dashboard variable $project stands for any project).
func TestPromQL(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (install Debian's prometheus package: `make deps`): %v", err)
	}
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: grafana-panels\n    rules:\n")
	n := 0
	for _, d := range loadDashboards(t) {
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				if tg.Expr == "" {
					continue
				}
				n++
				expr := strings.ReplaceAll(tg.Expr, "$project", ".+")
				fmt.Fprintf(&rules, "      - record: grafana_panel_%d\n        expr: %q\n", n, expr)
			}
		}
	}
	if n == 0 {
		t.Fatal("no PromQL in the dashboards")
	}
	path := filepath.Join(t.TempDir(), "panels.yml")
	if err := os.WriteFile(path, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules on the panels' queries: %v\n%s\n%s", err, out, rules.String())
	}
}

var timeFilter = regexp.MustCompile(`\$__timeFilter\((\w+)\)`)

// TestSQL runs every ClickHouse query, as the read-only evaluator user,
// against a real server with the projector's schema.
func TestSQL(t *testing.T) {
	srv := chservertest.Start(t)
	ctx := context.Background()
	db := "sundflow"
	if _, err := store.Migrate(ctx, chservertest.Conn(t, srv, "", ""), db); err != nil {
		t.Fatal(err)
	}
	conn := chservertest.Conn(t, srv, chserver.EvaluatorUser, db)
	n := 0
	for file, d := range loadDashboards(t) {
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				if tg.RawSQL == "" {
					continue
				}
				n++
				q := timeFilter.ReplaceAllString(tg.RawSQL, "$1 >= toDate('2018-01-01') AND $1 <= toDate('2020-12-31')")
				if strings.Contains(q, "$") {
					t.Errorf("%s: panel %q: a Grafana macro this test does not know: %s", file, p.Title, q)
					continue
				}
				rows, err := conn.Query(ctx, q)
				if err != nil {
					t.Errorf("%s: panel %q: %v\n%s", file, p.Title, err, q)
					continue
				}
				rows.Close()
			}
		}
	}
	if n == 0 {
		t.Fatal("no SQL in the dashboards")
	}
}
