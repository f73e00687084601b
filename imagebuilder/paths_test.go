package imagebuilder

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestArchivePath(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"/home/u/app", "home/u/app"},
		{"./x/../y/", "y"},
		{"../up/f", "../up/f"},
		{"//srv//data/", "srv/data"},
		{"rel/./a.txt", "rel/a.txt"},
		{"/", ""},
		{"", "."},
		{`\x`, "x"},
		{`/\x`, "x"},
		{"/tmp/my dir", "tmp/my dir"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, archivePath(tt.in), tt.in)
	}
}

func TestExpandUser(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home+"/")
	tests := []struct{ in, want string }{
		{"~", home},
		{"~/proj/f.txt", home + "/proj/f.txt"},
		{"a/~/b", "a/~/b"},
		{"/abs", "/abs"},
		{"~no-such-user-xyzzy/f", "~no-such-user-xyzzy/f"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, expandUser(tt.in), tt.in)
	}
	t.Setenv("HOME", "")
	assert.Equal(t, "/x", expandUser("~/x"), "an empty HOME expands to nothing")
	assert.Equal(t, string(filepath.Separator), expandUser("~"))
}

func TestPathlib(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, str, name string }{
		{"Dockerfile", "Dockerfile", "Dockerfile"},
		{"./ctx//Dockerfile", "ctx/Dockerfile", "Dockerfile"},
		{"/ctx/./Dockerfile/", "/ctx/Dockerfile", "Dockerfile"},
		{"a/../Dockerfile", "a/../Dockerfile", "Dockerfile"},
		{"//x", "//x", "x"},
		{"///x", "/x", "x"},
		{"", ".", ""},
		{"/", "/", ""},
		{"a/..", "a/..", ".."},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.str, pathlibString(tt.in), "str %q", tt.in)
		assert.Equal(t, tt.name, pathlibName(tt.in), "name %q", tt.in)
	}
}

func TestPyJoinSplit(t *testing.T) {
	t.Parallel()
	joins := []struct{ a, b, want string }{
		{"", "a", "a"},
		{"/ctx/", "a", "/ctx/a"},
		{"/ctx", "a", "/ctx/a"},
		{"/ctx", "/abs", "/abs"},
		{"d", "", "d/"},
	}
	for _, tt := range joins {
		assert.Equal(t, tt.want, pyJoin(tt.a, tt.b), "%q + %q", tt.a, tt.b)
	}
	splits := []struct{ in, dir, base string }{
		{"a", "", "a"},
		{"/ctx//a*", "/ctx", "a*"},
		{"//a*", "//", "a*"},
		{"d/", "d", ""},
		{"/", "/", ""},
	}
	for _, tt := range splits {
		dir, base := pySplit(tt.in)
		assert.Equal(t, [2]string{tt.dir, tt.base}, [2]string{dir, base}, tt.in)
	}
}
