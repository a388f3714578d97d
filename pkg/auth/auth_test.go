package auth_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/sundflow/sundflow/pkg/auth"
	"github.com/sundflow/sundflow/pkg/event"
)

const (
	tokenA = "token-a-0123456789abcdefghijklmnop"
	tokenB = "token-b-0123456789abcdefghijklmnop"
)

func entry(name, token, prefixes, types string) string {
	return "  - name: " + name + "\n    token_sha256: " + auth.HashToken(token) +
		"\n    source_prefixes: [" + prefixes + "]\n    types: [" + types + "]\n"
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func load(t *testing.T, body string) (*auth.Keyring, string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	writeFile(t, path, body)
	k, err := auth.Load(path, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	return k, path, err
}

func TestHashToken(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2 test vector).
	if got, want := auth.HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("HashToken(abc) = %s, want %s", got, want)
	}
	a, err := auth.GenerateToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := auth.GenerateToken()
	if len(a) != 43 || a == b {
		t.Errorf("GenerateToken: %q, %q", a, b)
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	good := entry("a", tokenA, `"urn:x:"`, `"*"`)
	tests := []struct {
		name string
		body string
		want string // in the error
	}{
		{"no name", strings.Replace(good, "name: a", "name: \"\"", 1), "tokens[0]: name: required"},
		{"same name twice", good + entry("a", tokenB, `"urn:y:"`, `"*"`), `tokens[1] (a): name: "a" already used`},
		{"same token twice", good + entry("b", tokenA, `"urn:y:"`, `"*"`), "tokens[1] (b): token_sha256: same token as tokens[0]"},
		{"hash not hex", strings.Replace(good, auth.HashToken(tokenA), "zz", 1), "token_sha256: must be 64 hex digits"},
		{"plain token instead of hash", strings.Replace(good, auth.HashToken(tokenA), tokenA, 1), "token_sha256: must be 64 hex digits"},
		{"no prefixes", entry("a", tokenA, "", `"*"`), "source_prefixes: required"},
		{"empty prefix", entry("a", tokenA, `""`, `"*"`), "source_prefixes[0]: empty"},
		{"unknown type", entry("a", tokenA, `"*"`, `"org.sundflow.nope.v1"`), `types[0]: "org.sundflow.nope.v1" is not a sundflow event type`},
		{"no types", entry("a", tokenA, `"*"`, ""), "types: required"},
		{"unknown field", "tokens:\n  - name: a\n    token: x\n", "field token not found"},
		{"not YAML", "tokens: [", "yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := load(t, "tokens:\n"+strings.TrimPrefix(tt.body, "tokens:\n"))
			if !errors.Is(err, auth.ErrConfig) {
				t.Fatalf("got %v, want ErrConfig", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), tokenA) {
				t.Error("error echoes a token")
			}
		})
	}
}

func TestAuthenticateAndAllow(t *testing.T) {
	k, _, err := load(t, "tokens:\n"+
		entry("helsingor", tokenA, `"urn:sundflow:source:helsingor:"`, `"`+string(event.PlacementStarted)+`", "`+string(event.PlacementEnded)+`"`)+
		entry("admin", tokenB, `"*"`, `"*"`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		token     string
		source    string
		typ       event.Type
		wantAuth  error
		wantAllow error
		wantAttr  string
	}{
		{"allowed", tokenA, "urn:sundflow:source:helsingor:cases", event.PlacementStarted, nil, nil, ""},
		{"other source", tokenA, "urn:sundflow:source:helsingborg:cases", event.PlacementStarted, nil, auth.ErrForbidden, "source"},
		{"prefix without its end", tokenA, "urn:sundflow:source:helsingor", event.PlacementStarted, nil, auth.ErrForbidden, "source"},
		{"other type", tokenA, "urn:sundflow:source:helsingor:cases", event.VacancyPublished, nil, auth.ErrForbidden, "type"},
		{"wildcards", tokenB, "https://anything.example/x", event.EventRetracted, nil, nil, ""},
		{"unknown token", "nope", "", "", auth.ErrUnauthenticated, nil, ""},
		{"empty token", "", "", "", auth.ErrUnauthenticated, nil, ""},
		{"token with a character more", tokenA + "x", "", "", auth.ErrUnauthenticated, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := k.Authenticate(tt.token)
			if !errors.Is(err, tt.wantAuth) || (err == nil) != (tt.wantAuth == nil) {
				t.Fatalf("Authenticate: got %v, want %v", err, tt.wantAuth)
			}
			if err != nil {
				return
			}
			err = c.Allow(tt.source, tt.typ)
			if !errors.Is(err, tt.wantAllow) || (err == nil) != (tt.wantAllow == nil) {
				t.Fatalf("Allow: got %v, want %v", err, tt.wantAllow)
			}
			var fe *auth.ForbiddenError
			if errors.As(err, &fe) && fe.Attribute != tt.wantAttr {
				t.Errorf("forbidden attribute %q, want %q", fe.Attribute, tt.wantAttr)
			}
		})
	}
}

// TestWatch: the keyring follows the file on change and on SIGHUP, and
// keeps the last good tokens when the file turns bad.
func TestWatch(t *testing.T) {
	reg := prometheus.NewRegistry()
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	writeFile(t, path, "tokens:\n"+entry("a", tokenA, `"*"`, `"*"`))
	k, err := auth.Load(path, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hup := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() { done <- k.Watch(ctx, 10*time.Millisecond, hup) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	knows := func(token string) bool { _, err := k.Authenticate(token); return err == nil }

	// The file changes: b replaces a.
	writeFile(t, path, "tokens:\n"+entry("b", tokenB, `"*"`, `"*"`)+"# changed\n")
	waitFor(t, "token b to be in force", func() bool { return knows(tokenB) && !knows(tokenA) })

	// A broken file keeps b in force and counts an error.
	writeFile(t, path, "tokens: [\n")
	waitFor(t, "the reload error", func() bool {
		return reloads(t, reg, "error") >= 1
	})
	if !knows(tokenB) {
		t.Error("a broken file revoked the last good tokens")
	}

	// SIGHUP re-reads even when size and time look unchanged.
	fixed := "tokens:\n" + entry("a", tokenA, `"*"`, `"*"`)
	writeFile(t, path, fixed)
	waitFor(t, "token a back", func() bool { return knows(tokenA) })
	okBefore := reloads(t, reg, "ok")
	hup <- os.Interrupt
	waitFor(t, "the SIGHUP reload", func() bool { return reloads(t, reg, "ok") > okBefore })
}

// reloads reads sundflow_auth_reloads_total{result}.
func reloads(t *testing.T, reg *prometheus.Registry, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "sundflow_auth_reloads_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no sundflow_auth_reloads_total{result=%q}", result)
	return 0
}

// waitFor polls cond until it holds or 10s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMetricsLint(t *testing.T) {
	reg := prometheus.NewRegistry()
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	writeFile(t, path, "tokens: []\n")
	if _, err := auth.Load(path, slog.New(slog.DiscardHandler), reg); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("metric %s: %s", p.Metric, p.Text)
	}
}
