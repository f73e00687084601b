package daytona

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckPathsAndFiles(t *testing.T) {
	tests := []struct {
		name    string
		check   func() error
		wantErr string
	}{
		{"all set", func() error { return checkPaths("Op", "path", "/a", "name", "b") }, ""},
		{"first bad wins", func() error { return checkPaths("Op", "path", "", "name", "") }, "Op: path is empty"},
		{"second bad", func() error { return checkPaths("Op", "path", "/a", "name", "x\x00") }, "Op: name contains a NUL byte"},
		{"files ok", func() error { return checkFiles("Op", []string{"a", "b"}) }, ""},
		{"file named by index", func() error { return checkFiles("Op", []string{"a", ""}) }, "Op: file 1 is empty"},
		{"no files", func() error { return checkFiles("Op", nil) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrValidation)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
	assert.Panics(t, func() { _ = checkPaths("Op", "path") }, "an odd count is a bug")
}

func TestNonZero(t *testing.T) {
	assert.Nil(t, nonZero(""))
	assert.Nil(t, nonZero(false))
	assert.Nil(t, nonZero(0))
	require.NotNil(t, nonZero("x"))
	assert.Equal(t, "x", *nonZero("x"))
	assert.True(t, *nonZero(true))
	assert.Equal(t, 3, *nonZero(3))
}
