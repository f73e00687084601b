package daytonatest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShellWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string
	}{
		{`a b  c`, []string{"a", "b", "c"}, ""},
		{`'a b' c`, []string{"a b", "c"}, ""},
		{`"a \"b\"" c\ d`, []string{`a "b"`, "c d"}, ""},
		{`'it'"'"'s'`, []string{"it's"}, ""},
		{`''`, []string{""}, ""},
		{`'open`, nil, "unterminated single quote"},
		{`"open`, nil, "unterminated double quote"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := shellWords(tt.in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseCopies(t *testing.T) {
	df := "FROM python:3.12\n" +
		"COPY a.txt /a\n" +
		"copy --chown=1000:1000 b.txt rel/\n" +
		"WORKDIR /work\n" +
		"COPY c.txt d.txt ./\n" +
		"COPY [\"e f.txt\", \"/e/\"]\n" +
		"COPY --from=builder /out /out\n" +
		"COPY <<EOF /h\n" +
		"ADD https://example.com/x.tgz /x\n" +
		"ADD local.tgz https://example.com/y /y/\n" +
		"WORKDIR 'sub dir'\n" +
		"COPY /abs/g.txt g\n" +
		"FROM alpine\n" +
		"COPY h.txt .\n"
	ops, err := parseCopies(df)
	require.NoError(t, err)
	type flat struct {
		srcs   []string
		dst    string
		dstDir bool
	}
	var got []flat
	for _, op := range ops {
		got = append(got, flat{op.srcs, op.dst, op.dstDir})
	}
	assert.Equal(t, []flat{
		{[]string{"a.txt"}, "/a", false},
		{[]string{"b.txt"}, "/rel", true},
		{[]string{"c.txt", "d.txt"}, "/work", true},
		{[]string{"e f.txt"}, "/e", true},
		{[]string{"local.tgz"}, "/y", true},
		{[]string{"abs/g.txt"}, "/work/sub dir/g", false},
		{[]string{"h.txt"}, "/", false},
	}, got)

	for _, bad := range []string{"FROM a\nCOPY onlyone\n", "FROM a\nCOPY ['x', \"/y\"]\n", "FROM a\nWORKDIR\n"} {
		_, err := parseCopies(bad)
		assert.Error(t, err, bad)
	}
}

func TestMatchSource(t *testing.T) {
	tests := []struct {
		src, name string
		rel       string
		dir, ok   bool
	}{
		{"app", "app/main.py", "main.py", true, true},
		{"app", "app/pkg/x.py", "pkg/x.py", true, true},
		{"app/main.py", "app/main.py", "main.py", false, true},
		{"app", "application/x", "", false, false},
		{".", "a/b", "a/b", true, true},
		{"app/*.py", "app/main.py", "main.py", false, true},
		{"app/*.py", "app/pkg/x.py", "", false, false},
		{"a*", "app/pkg/x.py", "pkg/x.py", true, true},
	}
	for _, tt := range tests {
		rel, dir, ok := matchSource(tt.src, tt.name)
		assert.Equal(t, []any{tt.rel, tt.dir, tt.ok}, []any{rel, dir, ok}, "%s vs %s", tt.src, tt.name)
	}
}

func TestBuildImageStaysInsideRoot(t *testing.T) {
	srv := NewServer(t)
	putContext(t, srv, "esc", map[string]string{"x.txt": "X"})
	root := t.TempDir()
	srv.mu.Lock()
	reason := srv.buildImage("FROM a\nCOPY x.txt /../../outside.txt\n", []string{"esc"}, root)
	srv.mu.Unlock()
	require.Empty(t, reason)
	assert.FileExists(t, root+"/outside.txt", "a destination above / stays at the root")
}

func FuzzParseCopies(f *testing.F) {
	f.Add("FROM a\nCOPY x /y\n")
	f.Add("FROM a\nWORKDIR /w\nCOPY [\"a b\", \"c\"]\n")
	f.Add("FROM a\nCOPY --chown=1 'q r' \"s\\\"t\" /u/\n")
	f.Add("FROM a\nADD http://x/y z\nCOPY <<EOF /h\n")
	f.Fuzz(func(t *testing.T, df string) {
		ops, err := parseCopies(df)
		if err != nil {
			return
		}
		for _, op := range ops {
			if !strings.HasPrefix(op.dst, "/") {
				t.Fatalf("destination %q is not absolute", op.dst)
			}
			if len(op.srcs) == 0 || len(op.matched) != len(op.srcs) {
				t.Fatalf("op without sources: %+v", op)
			}
			for _, s := range op.srcs {
				if strings.HasPrefix(s, "/") {
					t.Fatalf("source %q keeps a leading slash", s)
				}
			}
		}
	})
}
