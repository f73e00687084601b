package daytona_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
	daytona "github.com/daytona-go/daytona/facade"
)

// forEachTelemetryTarget is forEachTarget with an emulator that samples
// metrics every 50ms, so a test sees several points quickly.
func forEachTelemetryTarget(t *testing.T, f func(t *testing.T, tg *target)) {
	t.Helper()
	t.Run("emulator", func(t *testing.T) {
		t.Parallel()
		srv := daytonatest.NewServer(t, daytonatest.WithTelemetryInterval(50*time.Millisecond))
		c, err := daytona.New(daytona.Config{APIURL: srv.URL, APIKey: srv.APIKey})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		f(t, &target{name: "emulator", client: c, emu: srv})
	})
	t.Run("daytona", func(t *testing.T) {
		if os.Getenv("DAYTONA_API_KEY") == "" {
			t.Skip("DAYTONA_API_KEY is not set")
		}
		t.Parallel()
		realSlots <- struct{}{}
		t.Cleanup(func() { <-realSlots })
		c, err := daytona.New(daytona.Config{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		f(t, &target{name: "daytona", client: c})
	})
}

// skipIfTelemetryOff skips on a real Daytona whose organization has no
// sandbox telemetry on the control plane (403).
func skipIfTelemetryOff(t *testing.T, tg *target, err error) {
	t.Helper()
	if tg.emu == nil && errors.Is(err, daytona.ErrForbidden) {
		t.Skipf("sandbox telemetry is not available here: %v", err)
	}
}

func TestE2ETelemetry(t *testing.T) {
	t.Parallel()
	forEachTelemetryTarget(t, func(t *testing.T, tg *target) {
		ctx := tg.ctx(t)
		// Real Daytona exports telemetry with a delay and averages metrics
		// per minute: wait longer there.
		wait, poll := 20*time.Second, 50*time.Millisecond
		if tg.emu == nil {
			wait, poll = 4*time.Minute, 5*time.Second
		}
		sb := tg.create(t, ctx, daytona.FromSnapshot{}, daytona.CreateOptions{})
		// A second early allows for clock skew with the server; whole
		// milliseconds, as the real API reads the window.
		begin := time.Now().Add(-time.Second).Truncate(time.Millisecond)
		marker := fmt.Sprintf("telemetry-e2e-%d", rand.IntN(1e9))
		res, err := sb.Process.Exec(ctx, "echo "+marker, daytona.ExecOptions{})
		require.NoError(t, err)
		require.Equal(t, 0, res.ExitCode, res.Result)

		// Bad input fails before any request.
		_, err = sb.MetricSeries(ctx, daytona.MetricsQuery{From: begin.Add(time.Hour), To: begin})
		require.ErrorIs(t, err, daytona.ErrValidation)

		// An unknown trace is not found.
		_, err = sb.Trace(ctx, fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64()|1))
		skipIfTelemetryOff(t, tg, err)
		require.ErrorIs(t, err, daytona.ErrNotFound)

		// The metrics series fills as the sandbox runs.
		var cpu []daytona.MetricPoint
		require.Eventually(t, func() bool {
			series, err := sb.MetricSeries(ctx, daytona.MetricsQuery{From: begin, Names: []string{daytona.MetricCPULimit}})
			if !assert.NoError(t, err) {
				return true
			}
			if len(series) == 1 {
				cpu = series[0].Points
			}
			return len(cpu) >= 2
		}, wait, poll, "two sample intervals give two points")
		require.GreaterOrEqual(t, len(cpu), 2)
		for i, p := range cpu {
			assert.Positive(t, p.Value, "a sandbox has CPUs")
			assert.False(t, p.Time.Before(begin.Truncate(time.Minute)), "point %v is before the window", p.Time)
			if i > 0 {
				assert.True(t, cpu[i-1].Time.Before(p.Time), "oldest first")
			}
		}
		hist, err := sb.MetricsHistory(ctx, daytona.MetricsQuery{From: begin})
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(hist), 2)
		for _, m := range hist {
			assert.Positive(t, m.CPUCount)
			assert.Positive(t, m.DiskTotal)
		}
		none, err := sb.MetricSeries(ctx, daytona.MetricsQuery{From: begin.Add(-2 * time.Hour), To: begin.Add(-time.Hour)})
		require.NoError(t, err)
		assert.Empty(t, none, "no samples before the sandbox ran")

		if tg.emu == nil {
			// Which of a real sandbox's requests and output the daemon
			// exports is up to it; the listings must work and respect
			// their window.
			for e, err := range sb.Logs(ctx, daytona.LogQuery{From: begin, PageSize: 50}) {
				require.NoError(t, err)
				assert.False(t, e.Time.Before(begin), "%v", e.Time)
			}
			for tr, err := range sb.Traces(ctx, daytona.TraceQuery{From: begin, PageSize: 50}) {
				require.NoError(t, err)
				assert.False(t, tr.Start.Before(begin), "%v", tr.Start)
			}
			return
		}

		// The exec's output line is a log record linked to the exec's span.
		var line daytona.LogEntry
		for e, err := range sb.Logs(ctx, daytona.LogQuery{From: begin, Search: marker}) {
			require.NoError(t, err)
			if e.Body == marker {
				line = e
			}
		}
		require.Equal(t, marker, line.Body)
		assert.Equal(t, daytona.SeverityInfo, line.Severity)
		assert.Equal(t, "sandbox-"+sb.ID(), line.ServiceName)
		require.Regexp(t, `^[0-9a-f]{32}$`, line.TraceID)
		end := time.Now()

		var exec *daytona.TraceSummary
		for tr, err := range sb.Traces(ctx, daytona.TraceQuery{From: begin, PageSize: 2}) {
			require.NoError(t, err)
			if tr.TraceID == line.TraceID {
				exec = &tr
			}
		}
		require.NotNil(t, exec, "the exec's trace is listed")
		assert.Equal(t, "POST /process/execute", exec.RootSpanName)
		assert.Equal(t, 1, exec.SpanCount)
		spans, err := sb.Trace(ctx, exec.TraceID)
		require.NoError(t, err)
		require.Len(t, spans, 1)
		assert.Equal(t, line.SpanID, spans[0].SpanID)
		assert.Equal(t, "200", spans[0].Attributes["http.response.status_code"])
		assert.Positive(t, spans[0].Duration)

		// Windows and filters.
		count := func(q daytona.LogQuery) int {
			n := 0
			for e, err := range sb.Logs(ctx, q) {
				require.NoError(t, err)
				if e.Body == marker {
					n++
				}
			}
			return n
		}
		assert.Equal(t, 1, count(daytona.LogQuery{From: begin, To: end}))
		assert.Zero(t, count(daytona.LogQuery{From: end, To: end.Add(time.Hour)}), "after the exec")
		assert.Zero(t, count(daytona.LogQuery{From: begin.Add(-time.Hour), To: begin}), "before the exec")
		assert.Zero(t, count(daytona.LogQuery{From: begin, Severities: []daytona.LogSeverity{daytona.SeverityError}}))
		var late []string
		for tr, err := range sb.Traces(ctx, daytona.TraceQuery{From: end}) {
			require.NoError(t, err)
			late = append(late, tr.TraceID)
		}
		assert.False(t, slices.Contains(late, exec.TraceID), "the exec's trace is not after the exec")
	})
}
