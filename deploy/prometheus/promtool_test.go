package prometheus

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// promtool is Debian's, from the prometheus package (`make deps`).
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (install Debian's prometheus package: `make deps`): %v", err)
	}
	return p
}

func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(promtool(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestCheckConfig(t *testing.T) {
	out := run(t, "check", "config", "prometheus.yml")
	if !strings.Contains(out, "SUCCESS: 1 rule files found") {
		t.Errorf("the rule files were not found by the config:\n%s", out)
	}
}

func TestRules(t *testing.T) {
	tests, err := filepath.Glob("tests/*.test.yml")
	if err != nil || len(tests) == 0 {
		t.Fatalf("no rule tests in tests/: %v", err)
	}
	out := run(t, append([]string{"test", "rules"}, tests...)...)
	if strings.Count(out, "SUCCESS") != len(tests) {
		t.Errorf("rule tests did not all succeed:\n%s", out)
	}
}

// TestEveryRuleIsTested: each alert in rules/ has a test that expects it to fire.
func TestEveryRuleIsTested(t *testing.T) {
	rules := readAll(t, "rules/*.yml")
	tests := readAll(t, "tests/*.test.yml")
	alert := regexp.MustCompile(`(?m)^\s*- alert: (\w+)`)
	for _, m := range alert.FindAllStringSubmatch(rules, -1) {
		if !regexp.MustCompile(`alertname: ` + m[1] + `\s+exp_alerts:\s+- exp_labels`).MatchString(tests) {
			t.Errorf("alert %s has no test that expects it to fire", m[1])
		}
	}
}

// TestRuleMetricsExist: every sundflow metric a rule reads is defined by
// some program, so a renamed metric cannot silently disable an alert.
func TestRuleMetricsExist(t *testing.T) {
	rules := readAll(t, "rules/*.yml")
	var code strings.Builder
	err := filepath.WalkDir(filepath.Join("..", "..", "pkg"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		code.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	src := code.String()
	for _, name := range regexp.MustCompile(`sundflow_[a-z_]+`).FindAllString(rules, -1) {
		short := strings.TrimPrefix(strings.TrimPrefix(name, "sundflow_projector_"), "sundflow_")
		if !strings.Contains(src, `"`+name+`"`) && !strings.Contains(src, `"`+short+`"`) {
			t.Errorf("rules read %s, which no package under pkg/ defines", name)
		}
	}
}

func readAll(t *testing.T, pattern string) string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s: %v", pattern, err)
	}
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}
