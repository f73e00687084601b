package runner_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daytona-go/daytona/gen/runner"
	"github.com/daytona-go/daytona/gen/specpipe"
)

// repoRoot is the main module, one level above gen/.
func repoRoot() string { return filepath.Dir(runner.GenDir()) }

func upstreamDir(t *testing.T, version string) string {
	t.Helper()
	dir := filepath.Join(repoRoot(), "..", "shared", "specs", "upstream", version)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("upstream contracts not present: %v", err)
	}
	return dir
}

// TestRegenerate runs the whole workflow a user follows for a new API
// version, in a temporary directory: the spec pipeline, oapi-codegen with the
// committed configs, then `go build` and `go vet` of the result against the
// main module's dependencies.
func TestRegenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles ~100k generated lines")
	}
	for _, version := range []string{"v0.190.0", "v0.205.1"} {
		t.Run(version, func(t *testing.T) {
			tmp := t.TempDir()
			cp, tb, err := specpipe.Build(upstreamDir(t, version))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []*specpipe.Spec{cp, tb} {
				data, err := s.YAML()
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(tmp, s.Name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			files, err := runner.Generate(tmp, tmp)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != len(runner.Targets) {
				t.Fatalf("generated %d files, want %d", len(files), len(runner.Targets))
			}
			for _, f := range []string{"go.mod", "go.sum"} {
				b, err := os.ReadFile(filepath.Join(repoRoot(), f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
				cmd := exec.Command("go", args...)
				cmd.Dir = tmp
				cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
		})
	}
}

// TestStaleDetectsEdits copies the committed contracts and generated code,
// edits one generated file by hand, and checks that the check names it.
func TestStaleDetectsEdits(t *testing.T) {
	tmp := t.TempDir()
	copyFile := func(rel string) {
		b, err := os.ReadFile(filepath.Join(repoRoot(), rel))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(tmp, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(specpipe.ControlPlaneFile)
	copyFile(specpipe.ToolboxFile)
	for _, tg := range runner.Targets {
		copyFile(tg.Output)
	}
	stale, err := runner.Stale(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 0 {
		t.Fatalf("committed generated code is stale: %v (run make generate)", stale)
	}

	edited := runner.Targets[1].Output
	path := filepath.Join(tmp, edited)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, []byte("\n// a hand edit\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	stale, err = runner.Stale(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 1 || stale[0] != edited {
		t.Fatalf("Stale after editing %s = %v", edited, stale)
	}
}
