package specpipe

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func upstream(t *testing.T, version string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "specs", "upstream", version)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("upstream contracts not present: %v", err)
	}
	return dir
}

func TestBuildIsDeterministic(t *testing.T) {
	dir := upstream(t, "v0.205.1")
	render := func() [][]byte {
		cp, tb, err := Build(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out [][]byte
		for _, s := range []*Spec{cp, tb} {
			b, err := s.YAML()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	a, b := render(), render()
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("output %d differs between two runs", i)
		}
	}
}

func TestBuildBothVersions(t *testing.T) {
	for _, tc := range []struct {
		version      string
		cpOps, tbOps int
	}{
		// Counts from PROTOCOLS.md section 11 (control plane v0.190 minus the
		// 68 deprecated toolbox proxies; toolbox v0.205.1 counts
		// upload-v2 once as it replaces upload).
		{"v0.190.0", 230 - 68, 92},
		{"v0.205.1", 196, 103},
	} {
		t.Run(tc.version, func(t *testing.T) {
			cp, tb, err := Build(upstream(t, tc.version))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				s    *Spec
				want int
			}{{cp, tc.cpOps}, {tb, tc.tbOps}} {
				doc, err := c.s.Validate()
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, item := range doc.Paths.Map() {
					n += len(item.Operations())
				}
				if n != c.want {
					t.Errorf("%s: %d operations, want %d", c.s.Name, n, c.want)
				}
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	_, oldTB, err := Build(upstream(t, "v0.190.0"))
	if err != nil {
		t.Fatal(err)
	}
	_, newTB, err := Build(upstream(t, "v0.205.1"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := oldTB.Validate()
	if err != nil {
		t.Fatal(err)
	}
	n, err := newTB.Validate()
	if err != nil {
		t.Fatal(err)
	}
	ch, err := Compare(o, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"POST /env", "POST /git/init", "GET /system/metrics", "POST /files/upload-v2"} {
		if !slices.Contains(ch.Added, op) {
			t.Errorf("added operations lack %s: %v", op, ch.Added)
		}
	}
	if !slices.Contains(ch.Removed, "POST /files/upload") {
		t.Errorf("removed operations lack POST /files/upload: %v", ch.Removed)
	}
	if len(ch.Breaking) == 0 {
		t.Error("removing an operation is breaking, yet no breaking change was reported")
	}
	var buf bytes.Buffer
	ch.Print(&buf, ToolboxFile)
	if !strings.Contains(buf.String(), "added    POST /env") {
		t.Errorf("summary lacks the added operation:\n%s", buf.String())
	}

	same, err := Compare(n, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(same.Added)+len(same.Removed)+len(same.Modified)+len(same.Breaking) != 0 {
		t.Errorf("a contract compared with itself changed: %+v", same)
	}
}
