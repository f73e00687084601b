// Package extest runs an example's run function in-process against a
// daytonatest emulator and checks its output, for the examples' tests.
package extest

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

// RunFunc is the shape of every example's run function.
type RunFunc func(ctx context.Context, w io.Writer, env *exenv.Env) error

// NewEnv returns an Env backed by a daytonatest.NewServer emulator for the
// test t: the server checks every request and response against the API
// contracts and fails t on a violation. Everything is closed when t ends.
func NewEnv(t testing.TB, opts ...daytonatest.Option) *exenv.Env {
	t.Helper()
	srv := daytonatest.NewServer(t, opts...)
	c, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return &exenv.Env{Client: c, Emulator: srv}
}

// Run calls run against a fresh emulator, with a 5-minute deadline, fails t
// if it returns an error and returns what it wrote.
func Run(t testing.TB, run RunFunc, opts ...daytonatest.Option) string {
	t.Helper()
	return RunIn(t, NewEnv(t, opts...), run)
}

// RunIn is Run in env, for a test that looks at the emulator afterwards.
func RunIn(t testing.TB, env *exenv.Env, run RunFunc) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, &out, env)
	require.NoError(t, err, "output so far:\n%s", out.String())
	return out.String()
}

// Lines checks that output has, in this order, a line matching each of the
// regular expressions (other lines may come between them).
func Lines(t testing.TB, output string, patterns ...string) {
	t.Helper()
	lines := strings.Split(output, "\n")
	i := 0
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		for i < len(lines) && !re.MatchString(lines[i]) {
			i++
		}
		if i == len(lines) {
			t.Fatalf("no line matching %q (in order) in the output:\n%s", p, output)
		}
		i++
	}
}
