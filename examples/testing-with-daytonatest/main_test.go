package main

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/daytona-go/daytona/daytonatest"
	"github.com/daytona-go/daytona/examples/internal/extest"
	daytona "github.com/daytona-go/daytona/facade"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newClient starts an emulator for the test and returns a client for it.
// The emulator stops, and reports any request that broke the API contract,
// when the test ends.
func newClient(t *testing.T, opts ...daytonatest.Option) (*daytonatest.Server, *daytona.Client) {
	t.Helper()
	srv := daytonatest.NewServer(t, opts...)
	c, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return srv, c
}

// leftovers counts the sandboxes WordCount left behind.
func leftovers(t *testing.T, c *daytona.Client) int {
	t.Helper()
	n := 0
	for _, err := range c.List(t.Context(), daytona.ListOptions{Labels: map[string]string{"app": "wordcount"}}) {
		require.NoError(t, err)
		n++
	}
	return n
}

func TestWordCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want map[string]int
	}{
		{name: "repeated words", text: "a b a c a", want: map[string]int{"a": 3, "b": 1, "c": 1}},
		{name: "whitespace of all kinds", text: "  go\tgo\n\ngo  ", want: map[string]int{"go": 3}},
		{name: "empty text", text: "", want: map[string]int{}},
	}
	_, c := newClient(t) // one emulator for the table
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WordCount(t.Context(), c, tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Zero(t, leftovers(t, c), "every sandbox was deleted")
}

// TestWordCountRateLimited: the platform answers 429 to the first create;
// the SDK waits as Retry-After asks and tries again.
func TestWordCountRateLimited(t *testing.T) {
	t.Parallel()
	srv, c := newClient(t)
	srv.InjectFault(daytonatest.Fault{Method: "POST", Path: "/sandbox", Status: http.StatusTooManyRequests, RetryAfter: "1"})

	got, err := WordCount(t.Context(), c, "retry me retry")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"retry": 2, "me": 1}, got)
	assert.Equal(t, 2, srv.Requests("POST", "/sandbox"), "one refused, one retried")
}

// TestWordCountSandboxFails: the sandbox ends in an error state instead of
// starting. WordCount reports the server's reason and deletes it.
func TestWordCountSandboxFails(t *testing.T) {
	t.Parallel()
	srv, c := newClient(t)
	srv.FailNext(daytonatest.OpCreate, daytonatest.Failure{Reason: "no runner available"})

	_, err := WordCount(t.Context(), c, "never counted")
	require.ErrorIs(t, err, daytona.ErrServer)
	var failed *daytona.FailedStateError
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, "no runner available", failed.Reason)
	assert.Zero(t, leftovers(t, c), "the failed sandbox was deleted")
}

// TestWordCountDeadline: a slow platform meets the caller's deadline; the
// error says so (ErrTimeout, and context.DeadlineExceeded).
func TestWordCountDeadline(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, daytonatest.WithLatency(time.Minute, daytonatest.StateCreating))
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()

	_, err := WordCount(ctx, c, "too slow")
	require.ErrorIs(t, err, daytona.ErrTimeout)
	assert.True(t, errors.Is(err, context.DeadlineExceeded))
}

// TestRun runs the program itself against the emulator.
func TestRun(t *testing.T) {
	out := extest.Run(t, run)
	extest.Lines(t, out, `^brown: 1$`, `^end: 1$`, `^the: 3$`)
}
