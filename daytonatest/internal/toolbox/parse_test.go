package toolbox

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOutputMode(t *testing.T) {
	tests := []struct {
		name          string
		header        http.Header
		neverCombined bool
		want          logMode
	}{
		{"none", http.Header{}, false, modeCombined},
		{"none, entrypoint", http.Header{}, true, modeRaw},
		{"split header", http.Header{"X-Daytona-Split-Output": {"true"}}, false, modeRaw},
		{"old", http.Header{"X-Daytona-Sdk-Version": {"0.26.9"}}, false, modeCombined},
		{"old, entrypoint", http.Header{"X-Daytona-Sdk-Version": {"0.26.9"}}, true, modeRaw},
		{"0.27.0", http.Header{"X-Daytona-Sdk-Version": {"0.27.0"}}, false, modeRaw},
		{"0.166.99", http.Header{"X-Daytona-Sdk-Version": {"v0.166.99"}}, false, modeRaw},
		{"0.167.0", http.Header{"X-Daytona-Sdk-Version": {"0.167.0"}}, false, modeSplit},
		{"pre-release", http.Header{"X-Daytona-Sdk-Version": {"0.167.0-beta"}}, false, modeRaw},
		{"suffix", http.Header{"X-Daytona-Sdk-Version": {"0.190.0rc1"}}, false, modeSplit},
		{"build metadata", http.Header{"X-Daytona-Sdk-Version": {"0.167.0+abc"}}, false, modeSplit},
		{"dev", http.Header{"X-Daytona-Sdk-Version": {"0.0.0-dev"}}, false, modeSplit},
		{"unparseable", http.Header{"X-Daytona-Sdk-Version": {"unknown"}}, false, modeRaw},
		{"subprotocol", http.Header{"Sec-Websocket-Protocol": {"foo, X-Daytona-SDK-Version~0.205.1"}}, false, modeSplit},
		{"header wins", http.Header{"X-Daytona-Sdk-Version": {"0.100.0"}, "Sec-Websocket-Protocol": {"X-Daytona-SDK-Version~0.205.1"}}, false, modeRaw},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, outputModeOf(tt.header, tt.neverCombined))
		})
	}
}

func FuzzParseSemver(f *testing.F) {
	for _, s := range []string{"0.167.0", "v1.2.3", "0.190.0rc1", "1.2.3-dev+x", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s, ok := parseSemver(v)
		if !ok {
			return
		}
		if s.less(s.core[0], s.core[1], s.core[2]) != (s.pre != "") {
			t.Fatalf("%q: a version precedes its own core only when it is a pre-release", v)
		}
		_ = outputModeOf(http.Header{"X-Daytona-Sdk-Version": {v}}, false)
	})
}

func TestParseStatus(t *testing.T) {
	out := "# branch.oid abc\x00# branch.head main\x00# branch.upstream origin/main\x00# branch.ab +2 -1\x00" +
		"1 .M N... 100644 100644 100644 h1 h2 mod file.txt\x00" +
		"1 A. N... 000000 100644 100644 h1 h2 with space.txt\x00" +
		"2 R. N... 100644 100644 100644 h1 h2 R100 new.txt\x00old.txt\x00" +
		"u UU N... 100644 100644 100644 100644 h1 h2 h3 conflict.txt\x00" +
		"? untracked.txt\x00"
	st := parseStatus(out)
	assert.Equal(t, "main", st.CurrentBranch)
	assert.Equal(t, 2, *st.Ahead)
	assert.Equal(t, 1, *st.Behind)
	assert.Equal(t, "origin/main", *st.Upstream)
	assert.True(t, *st.BranchPublished)
	assert.False(t, *st.Detached)
	require.Len(t, st.FileStatus, 5)
	byName := map[string][3]string{}
	for _, f := range st.FileStatus {
		byName[f.Name] = [3]string{string(f.Staging), string(f.Worktree), f.Extra}
	}
	assert.Equal(t, map[string][3]string{
		"conflict.txt":   {"Updated but unmerged", "Updated but unmerged", ""},
		"mod file.txt":   {"Unmodified", "Modified", ""},
		"new.txt":        {"Renamed", "Unmodified", "old.txt"},
		"untracked.txt":  {"Untracked", "Untracked", ""},
		"with space.txt": {"Added", "Unmodified", ""},
	}, byName)

	detached := parseStatus("# branch.oid abc\x00# branch.head (detached)\x00")
	assert.True(t, *detached.Detached)
	assert.Equal(t, "HEAD", detached.CurrentBranch)
	assert.False(t, *detached.BranchPublished)
}

func FuzzParseStatus(f *testing.F) {
	f.Add("# branch.head main\x001 .M N... 1 1 1 a b f\x00? u\x00")
	f.Add("2 R. N... 1 1 1 a b R100 n\x00o\x00u UU\x00")
	f.Fuzz(func(t *testing.T, out string) {
		st := parseStatus(out)
		if st.FileStatus == nil {
			t.Fatal("fileStatus must never be null")
		}
		for _, fs := range st.FileStatus {
			if !fs.Staging.Valid() || !fs.Worktree.Valid() {
				t.Fatalf("invalid status %q/%q", fs.Staging, fs.Worktree)
			}
		}
	})
}

func TestShellQuote(t *testing.T) {
	assert.Equal(t, `'a'\''b c'`, shellQuote("a'b c"))
	assert.Equal(t, `'sh' '-c' 'echo $X'`, shellJoin([]string{"sh", "-c", "echo $X"}))
}

func TestDispositionEncoding(t *testing.T) {
	assert.Equal(t, `form-data; name="file"; filename="/a/__ \"q\".txt"; filename*=utf-8''%2Fa%2F%E6%96%87%E5%AD%97%20%22q%22.txt`,
		formDisposition("file", `/a/文字 "q".txt`))
	assert.Equal(t, `attachment; filename="héllo.txt"; filename*=utf-8''h%C3%A9llo.txt`, contentDisposition("attachment", "héllo.txt"))
}
