package imagebuilder

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected matches below were checked against Python's fnmatch.
func TestFnmatch(t *testing.T) {
	t.Parallel()
	names := []string{"a", "b", "c", "d", "e", "z", "A", "Z", "0", "9", "-", "]", "[", "!", "^", `\`, ",", "_", "é", "%", "ab", "a-b"}
	tests := []struct {
		pattern string
		want    []string
	}{
		{"[a-c]", []string{"a", "b", "c"}},
		{"[!a-c]", []string{"d", "e", "z", "A", "Z", "0", "9", "-", "]", "[", "!", "^", `\`, ",", "_", "é", "%"}},
		{"[z-a]", nil},                          // a reversed range matches nothing
		{"[]]", []string{"]"}},                  // ']' first is literal
		{"[]-a]", []string{"]", "^", "_", "a"}}, // range ']'..'a'
		{"[a-]", []string{"a", "-"}},
		{"[-a]", []string{"a", "-"}},
		{"[a--c]", []string{"c"}}, // the reversed range a..'-' is dropped with its ends
		{"[a-c-e]", []string{"a", "b", "c", "e", "-"}},
		{"[z-ab]", []string{"b"}},
		{"[c-b-a]", []string{"a", "-"}},
		{"[^a]", []string{"a", "^"}}, // '^' is not negation
		{"[[]", []string{"["}},
		{`[\-a]`, []string{"a", "]", "^", `\`, "_"}}, // a backslash is an ordinary character: range '\'..'a'
		{`[\]`, []string{`\`}},
		{`[a\]`, []string{"a", `\`}},
		{`\*`, []string{`\`}},
		{"[", []string{"["}}, // unclosed: literal
		{"[!]", nil},         // unclosed after "!]": literal "[!]"
		{"[%-0]", []string{"0", "-", ",", "%"}},
		// The dropped range leaves "!b" first, which fnmatch then reads as a negation.
		{"[z-a!b]", []string{"a", "c", "d", "e", "z", "A", "Z", "0", "9", "-", "]", "[", "!", "^", `\`, ",", "_", "é", "%"}},
		{"[é]", []string{"é"}},
		{"?", []string{"a", "b", "c", "d", "e", "z", "A", "Z", "0", "9", "-", "]", "[", "!", "^", `\`, ",", "_", "é", "%"}},
		{"a*", []string{"a", "ab", "a-b"}},
		{"**b", []string{"b", "ab", "a-b"}},
	}
	for _, tt := range tests {
		re := fnmatchRegexp(tt.pattern)
		var got []string
		for _, n := range names {
			if re.MatchString(n) {
				got = append(got, n)
			}
		}
		assert.ElementsMatch(t, tt.want, got, "pattern %q (%s)", tt.pattern, re)
	}
}

func FuzzFnmatch(f *testing.F) {
	for _, p := range []string{"*", "[a-c]", "[!]]", "[z-a!b]", "[", "a[--]", `[\]`, "[]-a]"} {
		f.Add(p, "name")
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(name) {
			t.Skip("Python patterns and names are text")
		}
		re := fnmatchRegexp(pattern) // must compile
		if !hasMagic(pattern) {
			require.True(t, re.MatchString(pattern), "a literal pattern matches itself: %s", re)
		}
		require.True(t, fnmatchRegexp("*").MatchString(name))
	})
}

// touch writes a file (mode 0644) and its parent directories (mode 0755,
// whatever the umask).
func touch(t *testing.T, path, content string) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	require.NoError(t, os.Chmod(path, 0o644))
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.Chmod(dir, 0o755))
}

func TestGlob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"a.py", "b.py", ".hidden.py", "c.txt", "sub1/x.txt", "sub2/y.txt", ".hd/z.txt"} {
		touch(t, filepath.Join(dir, f), f)
	}
	require.NoError(t, os.Symlink("sub1", filepath.Join(dir, "link1")))
	tests := []struct {
		name, pattern string
		want          []string
	}{
		{"star skips dotfiles", "*.py", []string{"a.py", "b.py"}},
		{"dot pattern matches dotfiles", ".*.py", []string{".hidden.py"}},
		{"literal that exists", "c.txt", []string{"c.txt"}},
		{"literal that does not exist", "nope.txt", nil},
		{"magic directory part", "sub*/*.txt", []string{"sub1/x.txt", "sub2/y.txt"}},
		{"through a symlinked directory", "link*/x.txt", []string{"link1/x.txt"}},
		{"hidden directory needs a dot pattern", "*/z.txt", nil},
		{"trailing slash matches directories", "sub*/", []string{"sub1/", "sub2/"}},
		{"literal directory with slash", "sub1/", []string{"sub1/"}},
		{"no match", "*.go", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pyGlob(filepath.Join(dir, tt.pattern) + map[bool]string{true: "/", false: ""}[tt.pattern[len(tt.pattern)-1] == '/'])
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = dir + "/" + w
			}
			assert.ElementsMatch(t, want, got)
		})
	}
}

// TestGlobDirectoryOrder checks that matches come in the order the file
// system lists them, not sorted, as Python's glob does.
func TestGlobDirectoryOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"m.txt", "b.txt", "y.txt", "a.txt", "q.txt"} {
		touch(t, filepath.Join(dir, f), "x")
	}
	f, err := os.Open(dir)
	require.NoError(t, err)
	raw, err := f.Readdirnames(-1)
	require.NoError(t, f.Close())
	require.NoError(t, err)
	want := make([]string, len(raw))
	for i, n := range raw {
		want[i] = dir + "/" + n
	}
	assert.Equal(t, want, pyGlob(dir+"/*.txt"))
}
