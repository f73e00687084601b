package exenv

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	daytona "github.com/daytona-go/daytona/facade"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestOpen(t *testing.T) {
	tests := []struct {
		name      string
		apiKey    string
		apiURL    string
		firstLine string
		emulator  bool
	}{
		{name: "no key: emulator", firstLine: "DAYTONA_API_KEY is not set: running against the in-process emulator at http://127.0.0.1:", emulator: true},
		{name: "key: Daytona", apiKey: "dtn_test", firstLine: "DAYTONA_API_KEY is set: running against Daytona at " + daytona.DefaultAPIURL + "\n"},
		{name: "key and URL", apiKey: "dtn_test", apiURL: "https://daytona.example.com/api", firstLine: "DAYTONA_API_KEY is set: running against Daytona at https://daytona.example.com/api\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DAYTONA_API_KEY", tt.apiKey)
			t.Setenv("DAYTONA_API_URL", tt.apiURL)
			var out bytes.Buffer
			env, err := Open(&out)
			require.NoError(t, err)
			defer env.Close()
			assert.True(t, strings.HasPrefix(out.String(), tt.firstLine), "first line %q", out.String())
			assert.Equal(t, 1, strings.Count(out.String(), "\n"), "one line")
			assert.Equal(t, tt.emulator, env.OnEmulator())
			assert.NotContains(t, out.String(), "dtn_test", "the key is never printed")
		})
	}
}

// TestMainErr runs an example function the way Main does: the first line
// names the emulator, the function gets a working client, and its error is
// returned.
func TestMainErr(t *testing.T) {
	t.Setenv("DAYTONA_API_KEY", "")
	var out bytes.Buffer
	boom := errors.New("boom")
	err := mainErr(&out, time.Minute, func(ctx context.Context, w io.Writer, env *Env) error {
		_, deadline := ctx.Deadline()
		assert.True(t, deadline, "the context has the timeout")
		sb, err := env.Client.Create(ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
		require.NoError(t, err)
		Remove(w, sb)
		assert.Equal(t, daytona.StateDestroyed, sb.State())
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.True(t, strings.HasPrefix(out.String(), "DAYTONA_API_KEY is not set: running against the in-process emulator"), out.String())
	assert.Equal(t, 1, strings.Count(out.String(), "\n"), "Remove printed nothing: %q", out.String())
}
