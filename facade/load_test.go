package daytona

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Load against the emulator: many concurrent calls through one client, no
// errors, and the client's TCP connections (counted at its dialer) stay
// within its connection pool.

// poolSize is the most connections the SDK's own transport keeps to one
// host.
func poolSize(t *testing.T, c *Client) int {
	t.Helper()
	require.NotNil(t, c.own, "the SDK's own transport")
	if c.own.MaxConnsPerHost > 0 {
		return c.own.MaxConnsPerHost
	}
	return c.own.MaxIdleConnsPerHost
}

func TestLoad500ConcurrentExec(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	e := newHardEnv(t, Config{})
	const n = 500
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := e.sb.Process.Exec(e.ctx, "echo "+strconv.Itoa(i), ExecOptions{})
			switch {
			case err != nil:
				errs[i] = err
			case res.ExitCode != 0 || res.Result != strconv.Itoa(i)+"\n":
				errs[i] = fmt.Errorf("exec %d: exit %d, output %q", i, res.ExitCode, res.Result)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "exec %d", i)
	}
	total, _, maxOpen := e.dials.counts()
	t.Logf("500 concurrent Exec: %s", e.dials)
	assert.LessOrEqual(t, maxOpen, poolSize(t, e.c), "connections open at once")
	assert.LessOrEqual(t, total, poolSize(t, e.c), "connections made (each one is reused, none replaced)")
	assert.Empty(t, e.sleeps.all(), "no retries were needed")
}

func TestLoad100SandboxesConcurrently(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	e := newHardClient(t, Config{})
	const n = 100
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = func() error {
				sb, err := e.c.Create(e.ctx, FromSnapshot{Labels: map[string]string{"load": strconv.Itoa(i)}}, CreateOptions{})
				if err != nil {
					return fmt.Errorf("create: %w", err)
				}
				res, err := sb.Process.Exec(e.ctx, "echo "+sb.ID(), ExecOptions{})
				if err != nil {
					return fmt.Errorf("exec: %w", err)
				}
				if res.Result != sb.ID()+"\n" {
					return fmt.Errorf("exec in %s answered %q", sb.ID(), res.Result)
				}
				if err := sb.Delete(e.ctx); err != nil {
					return fmt.Errorf("delete: %w", err)
				}
				if sb.State() != StateDestroyed {
					if err := sb.WaitUntil(e.ctx, StateDestroyed); err != nil {
						return fmt.Errorf("wait destroyed: %w", err)
					}
				}
				return nil
			}()
		})
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "sandbox %d", i)
	}
	total, _, maxOpen := e.dials.counts()
	t.Logf("100 sandboxes: %s", e.dials)
	assert.LessOrEqual(t, maxOpen, poolSize(t, e.c), "connections open at once")
	assert.LessOrEqual(t, total, poolSize(t, e.c), "connections made")
	assert.Empty(t, e.sleeps.all(), "no retries were needed")
	for sb, err := range e.c.List(e.ctx, ListOptions{}) {
		require.NoError(t, err)
		t.Errorf("sandbox %s (%s) is left", sb.ID(), sb.State())
	}
}
