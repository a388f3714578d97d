package stack

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// Module is the import path of the module whose programs [Build] builds.
const Module = "github.com/sundflow/sundflow"

// Programs are the sundflow programs by name, as [Build] takes them.
var Programs = map[string]string{
	"ingest":    "./producers/ingest",
	"simulate":  "./producers/simulate",
	"csvimport": "./producers/csvimport",
	"jobtech":   "./producers/jobtech",
	"projector": "./consumers/projector",
	"dashboard": "./consumers/dashboard",
}

// ModuleRoot returns the directory of the sundflow go.mod at or above dir.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", dir, err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && modulePath(b) == Module {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoModule
		}
		dir = parent
	}
}

func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "module" {
			return f[1]
		}
	}
	return ""
}

// Present reports whether the named program's source is in the module
// at root (a program still being written may not be).
func Present(root, name string) bool {
	pkg, ok := Programs[name]
	if !ok {
		return false
	}
	m, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(pkg), "*.go"))
	return len(m) > 0
}

// Build compiles the named programs (keys of [Programs]) of the module
// at root into outDir with one `go build` and returns each binary's path
// by name. extra flags (e.g. -race) go before the packages.
func Build(ctx context.Context, root, outDir string, names []string, extra ...string) (map[string]string, error) {
	outDir, err := filepath.Abs(outDir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", outDir, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", outDir, err)
	}
	args := append([]string{"build", "-o", outDir + string(filepath.Separator)}, extra...)
	bins := make(map[string]string, len(names))
	for _, n := range names {
		pkg, ok := Programs[n]
		if !ok {
			return nil, fmt.Errorf("build %s: no such program (have ingest, simulate, csvimport, jobtech, projector, dashboard)", n)
		}
		args = append(args, pkg)
		bins[n] = filepath.Join(outDir, path.Base(pkg))
	}
	goBin := "go"
	if gr := os.Getenv("GOROOT"); gr != "" {
		if p := filepath.Join(gr, "bin", "go"); fileExists(p) {
			goBin = p
		}
	}
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return bins, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
