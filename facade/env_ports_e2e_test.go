package daytona_test

import (
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	daytona "github.com/daytona-go/daytona/facade"
)

func TestE2EUpdateEnv(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, sb := tt.ctx, tt.sb
		name := fmt.Sprintf("DAYTONA_GO_E2E_%d", rand.IntN(1e9))
		require.NoError(t, sb.UpdateEnv(ctx, daytona.EnvUpdate{Set: map[string]string{name: "from update"}}))
		res, err := sb.Process.Exec(ctx, "printenv "+name, daytona.ExecOptions{})
		require.NoError(t, err)
		assert.Equal(t, "from update\n", res.Result)

		require.NoError(t, sb.UpdateEnv(ctx, daytona.EnvUpdate{Unset: []string{name}}))
		res, err = sb.Process.Exec(ctx, "printenv "+name, daytona.ExecOptions{})
		require.NoError(t, err)
		assert.Equal(t, 1, res.ExitCode, "unset: %q", res.Result)
	})
}

func TestE2EPorts(t *testing.T) {
	t.Parallel()
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ctx, sb := tt.ctx, tt.sb
		port := freePort(t)
		inUse, err := sb.IsPortInUse(ctx, port)
		require.NoError(t, err)
		require.False(t, inUse, "port %d", port)

		// A server inside the sandbox; the toolbox ends it with the sandbox.
		res, err := sb.Process.Exec(ctx, "nohup python3 -m http.server "+strconv.Itoa(port)+
			" --bind 127.0.0.1 >/dev/null 2>&1 &", daytona.ExecOptions{})
		require.NoError(t, err)
		require.Equal(t, 0, res.ExitCode, res.Result)
		require.Eventually(t, func() bool {
			ok, err := sb.IsPortInUse(ctx, port)
			return err == nil && ok
		}, 20*time.Second, 50*time.Millisecond)
		ports, err := sb.Ports(ctx)
		require.NoError(t, err)
		assert.True(t, slices.Contains(ports, port), "%d not in %v", port, ports)
		_, err = sb.Process.Exec(ctx, "pkill -f 'http.server "+strconv.Itoa(port)+"' || true", daytona.ExecOptions{})
		require.NoError(t, err)
	})
}

// freePort returns a port in 3000-9999 that nothing on this machine
// listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	for range 100 {
		p := 3000 + rand.IntN(7000)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			_ = ln.Close()
			return p
		}
	}
	t.Fatal("no free port in 3000-9999")
	return 0
}
