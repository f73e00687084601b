// Package runner runs the pinned oapi-codegen over the committed contracts.
// It is shared by `make generate`, `make check-generated` and the
// regeneration test, so all three produce code the same way.
package runner

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Target is one oapi-codegen run.
type Target struct {
	Config string // settings: a file name in gen/config
	Spec   string // the contract it reads, relative to the specs directory
	Output string // the file it writes, relative to the repository root
}

// Targets lists every generated package. The output path lives here rather
// than in the config because oapi-codegen's -o flag does not override a
// config's output, and check-generated needs to write elsewhere.
var Targets = []Target{
	{"controlplane.yaml", "openapi.yaml", "api/controlplane/controlplane.gen.go"},
	{"toolbox.yaml", "toolbox-openapi.yaml", "api/toolbox/toolbox.gen.go"},
	{"controlplane-server.yaml", "openapi.yaml", "daytonatest/internal/cpserver/cpserver.gen.go"},
	{"toolbox-server.yaml", "toolbox-openapi.yaml", "daytonatest/internal/tbserver/tbserver.gen.go"},
}

// GenDir returns the directory of the gen module (where the configs live and
// where `go tool oapi-codegen` resolves to the pinned version).
func GenDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// Generate runs oapi-codegen for every target, reading contracts from
// specDir and writing the generated files under outDir (at the same relative
// paths as in the repository). It returns the relative paths it wrote.
func Generate(specDir, outDir string) ([]string, error) {
	var written []string
	for _, t := range Targets {
		rel := t.Output
		dst := filepath.Join(outDir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		spec, err := filepath.Abs(filepath.Join(specDir, t.Spec))
		if err != nil {
			return nil, err
		}
		dst, err = filepath.Abs(dst)
		if err != nil {
			return nil, err
		}
		cmd := exec.Command("go", "tool", "oapi-codegen", "-config", filepath.Join("config", t.Config), "-o", dst, spec)
		cmd.Dir = GenDir()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("oapi-codegen %s: %v: %s", t.Config, err, strings.TrimSpace(stderr.String()))
		}
		written = append(written, rel)
	}
	return written, nil
}

// Stale generates into a temporary directory from the contracts in root and
// returns the generated files (relative paths) whose committed copy under
// root is missing or differs.
func Stale(root string) ([]string, error) {
	tmp, err := os.MkdirTemp("", "daytona-generate-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	files, err := Generate(root, tmp)
	if err != nil {
		return nil, err
	}
	var stale []string
	for _, f := range files {
		want, err := os.ReadFile(filepath.Join(tmp, f))
		if err != nil {
			return nil, err
		}
		got, err := os.ReadFile(filepath.Join(root, f))
		if err != nil || !bytes.Equal(got, want) {
			stale = append(stale, f)
		}
	}
	return stale, nil
}
