package deploy_test

// deploy/compose.yaml loaded with compose-spec's own loader (no Docker
// engine here: nothing is run) and checked: every service has a health
// check, publishes only on 127.0.0.1, builds from a Dockerfile that
// exists and makes a static non-root image, or runs a pinned image;
// every mounted file exists; sundflow's health checks probe a port the
// program listens on.

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"},
		cli.WithWorkingDirectory("."),
		cli.WithEnv([]string{"NATS_ROUTE_PASSWORD=example"}),
		cli.WithName("sundflow"),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load compose.yaml: %v", err)
	}
	return p
}

func TestCompose(t *testing.T) {
	p := loadCompose(t)
	wantServices := []string{"nats-1", "nats-2", "nats-3", "clickhouse", "ingest", "projector", "dashboard", "prometheus", "grafana"}
	for _, s := range wantServices {
		if _, ok := p.Services[s]; !ok {
			t.Errorf("no service %s", s)
		}
	}
	abs, _ := filepath.Abs(".")
	for name, s := range p.Services {
		t.Run(name, func(t *testing.T) {
			hc := s.HealthCheck
			if hc == nil || hc.Disable || len(hc.Test) < 2 {
				t.Errorf("no health check")
			}
			for _, port := range s.Ports {
				if port.HostIP != "127.0.0.1" {
					t.Errorf("port %d published on %q, want 127.0.0.1", port.Target, port.HostIP)
				}
			}
			for _, v := range s.Volumes {
				if v.Type != types.VolumeTypeBind {
					continue
				}
				if !strings.HasPrefix(v.Source, abs) {
					t.Errorf("mounts %s from outside deploy/", v.Source)
				}
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("mounted file missing: %v", err)
				}
			}
			if s.Build != nil {
				checkBuild(t, s)
			} else if !regexp.MustCompile(`^[a-z0-9./-]+:v?[0-9][0-9A-Za-z.-]*$`).MatchString(s.Image) {
				t.Errorf("image %q: want a pinned version tag", s.Image)
			}
		})
	}
	for name, sec := range p.Secrets {
		if !strings.HasPrefix(sec.File, filepath.Join(abs, "secrets")+string(filepath.Separator)) {
			t.Errorf("secret %s from %s, want under deploy/secrets/ (git-ignored)", name, sec.File)
		}
	}
	gi, err := os.ReadFile(".gitignore")
	if err != nil || !strings.Contains(string(gi), "secrets/") {
		t.Error("deploy/secrets/ is not git-ignored")
	}
	t.Logf("%d services, each with a health check; every port on 127.0.0.1", len(p.Services))
}

// checkBuild: the Dockerfile exists, builds a static binary of a package
// that exists, ends on distroless or scratch as a non-root user, and the
// service's health check probes a port its command listens on.
func checkBuild(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	df := filepath.Join(s.Build.Context, s.Build.Dockerfile)
	b, err := os.ReadFile(df)
	if err != nil {
		t.Fatalf("dockerfile: %v", err)
	}
	text := string(b)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(text, -1)
	if len(froms) < 2 {
		t.Errorf("%s: not multi-stage", df)
	} else if last := froms[len(froms)-1][1]; !strings.HasPrefix(last, "gcr.io/distroless/static") && last != "scratch" {
		t.Errorf("%s: final stage %s, want distroless static or scratch", df, last)
	}
	if !strings.Contains(text, "CGO_ENABLED=0") {
		t.Errorf("%s: binary not static (no CGO_ENABLED=0)", df)
	}
	users := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(text, -1)
	if len(users) == 0 || strings.HasPrefix(users[len(users)-1][1], "0") || strings.HasPrefix(users[len(users)-1][1], "root") {
		t.Errorf("%s: does not run as a non-root user", df)
	}
	for _, m := range regexp.MustCompile(`go build .* -o /out/\S+ (\./\S+)`).FindAllStringSubmatch(text, -1) {
		if _, err := os.Stat(filepath.Join(s.Build.Context, m[1])); err != nil {
			t.Errorf("%s builds %s: %v", df, m[1], err)
		}
	}
	// The health check's port is one the command listens on.
	if len(s.HealthCheck.Test) < 3 || s.HealthCheck.Test[1] != "/healthcheck" {
		t.Fatalf("health check %v: want [CMD /healthcheck URL]", s.HealthCheck.Test)
	}
	u, err := url.Parse(s.HealthCheck.Test[2])
	if err != nil {
		t.Fatal(err)
	}
	listens := false
	for _, arg := range s.Command {
		if (strings.HasPrefix(arg, "--listen=") || strings.HasPrefix(arg, "--metrics-addr=")) && strings.HasSuffix(arg, ":"+u.Port()) {
			listens = true
		}
	}
	if !listens {
		t.Errorf("health check probes port %s, which the command %v does not listen on", u.Port(), s.Command)
	}
	published := slices.ContainsFunc(s.Ports, func(p types.ServicePortConfig) bool { return fmt.Sprint(p.Target) == u.Port() })
	if !published {
		t.Errorf("port %s is not published (on 127.0.0.1)", u.Port())
	}
}
