package daytona

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// telemetrySandbox is a Sandbox whose control plane is h.
func telemetrySandbox(t *testing.T, h http.HandlerFunc) (*Sandbox, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	c := testClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		h(w, r)
	}))
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return newSandbox(c, &sandboxData{id: "sb1", createdAt: created}), &calls
}

func TestTelemetryValidationBeforeRequest(t *testing.T) {
	sb, calls := telemetrySandbox(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	ctx := t.Context()
	now := time.Now()
	first := func(seq func(func(LogEntry, error) bool)) error {
		var err error
		seq(func(_ LogEntry, e error) bool { err = e; return false })
		return err
	}
	firstTrace := func(seq func(func(TraceSummary, error) bool)) error {
		var err error
		seq(func(_ TraceSummary, e error) bool { err = e; return false })
		return err
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"logs from after to", func() error { return first(sb.Logs(ctx, LogQuery{From: now, To: now.Add(-time.Second)})) }, "is after To"},
		{"logs negative page size", func() error { return first(sb.Logs(ctx, LogQuery{PageSize: -1})) }, "PageSize -1"},
		{"logs empty severity", func() error { return first(sb.Logs(ctx, LogQuery{Severities: []LogSeverity{SeverityInfo, " "}})) }, "empty severity"},
		{"traces from after to", func() error { return firstTrace(sb.Traces(ctx, TraceQuery{From: now, To: now.Add(-time.Nanosecond)})) }, "is after To"},
		{"traces negative page size", func() error { return firstTrace(sb.Traces(ctx, TraceQuery{PageSize: -5})) }, "PageSize -5"},
		{"trace id too short", func() error { _, err := sb.Trace(ctx, "abc"); return err }, "not 32 hex digits"},
		{"trace id not hex", func() error { _, err := sb.Trace(ctx, strings.Repeat("g", 32)); return err }, "not 32 hex digits"},
		{"trace id zero", func() error { _, err := sb.Trace(ctx, strings.Repeat("0", 32)); return err }, "all zeros"},
		{"metric name with space", func() error {
			_, err := sb.MetricSeries(ctx, MetricsQuery{Names: []string{"a b"}})
			return err
		}, `metric name "a b"`},
		{"metric name empty", func() error { _, err := sb.MetricSeries(ctx, MetricsQuery{Names: []string{""}}); return err }, "metric name"},
		{"metrics from after to", func() error {
			_, err := sb.MetricSeries(ctx, MetricsQuery{From: now.Add(time.Hour), To: now})
			return err
		}, "is after To"},
		{"history from after to", func() error {
			_, err := sb.MetricsHistory(ctx, MetricsQuery{From: now.Add(time.Hour), To: now})
			return err
		}, "is after To"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.ErrorIs(t, err, ErrValidation)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	assert.Zero(t, calls.Load(), "no request for bad input")
}

func TestTelemetryLogsPagesAndDecodes(t *testing.T) {
	var queries []url.Values
	sb, _ := telemetrySandbox(t, func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/sandbox/sb1/telemetry/logs", r.URL.Path)
		q := r.URL.Query()
		queries = append(queries, q)
		item := func(body string) map[string]any {
			// The store writes 64-bit integers as strings and times in its own form.
			return map[string]any{
				"timestamp": "2026-01-02 03:04:05.123456789", "body": body, "severityText": "INFO",
				"severityNumber": "9", "serviceName": "sandbox-sb1", "resourceAttributes": map[string]string{"service.name": "sandbox-sb1"},
				"logAttributes": map[string]string{}, "traceId": "t1", "spanId": "s1",
			}
		}
		switch q.Get("page") {
		case "1":
			writeJSON(w, http.StatusOK, map[string]any{"items": []any{item("a"), item("b")}, "total": "3", "page": 1, "totalPages": "2"})
		case "2":
			writeJSON(w, http.StatusOK, map[string]any{"items": []any{item("c")}, "total": 3, "page": 2, "totalPages": 2})
		default:
			t.Errorf("unexpected page %q", q.Get("page"))
		}
	})
	from := time.Date(2026, 1, 2, 0, 0, 0, 0, time.FixedZone("X", 3600))
	to := from.Add(time.Hour)
	var bodies []string
	for e, err := range sb.Logs(t.Context(), LogQuery{From: from, To: to, PageSize: 2, Search: "x", Severities: []LogSeverity{SeverityWarn, SeverityError}}) {
		require.NoError(t, err)
		bodies = append(bodies, e.Body)
		assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), e.Time)
		assert.Equal(t, 9, e.SeverityNumber)
		assert.Equal(t, SeverityInfo, e.Severity)
		assert.Equal(t, "t1", e.TraceID)
		assert.Equal(t, map[string]string{"service.name": "sandbox-sb1"}, e.ResourceAttributes)
	}
	assert.Equal(t, []string{"a", "b", "c"}, bodies)
	require.Len(t, queries, 2)
	q := queries[0]
	assert.Equal(t, from.UTC().Format(time.RFC3339Nano), q.Get("from"), "times go as UTC")
	assert.Equal(t, to.UTC().Format(time.RFC3339Nano), q.Get("to"))
	assert.Equal(t, "2", q.Get("limit"))
	assert.Equal(t, "x", q.Get("search"))
	assert.Equal(t, []string{"WARN", "ERROR"}, q["severities"])

	// Breaking out stops fetching.
	queries = nil
	for range sb.Logs(t.Context(), LogQuery{}) {
		break
	}
	assert.Len(t, queries, 1)
	assert.Equal(t, "2026-01-01T00:00:00Z", queries[0].Get("from"), "a zero From is the sandbox's creation")
}

func TestTelemetryTracesAndSpans(t *testing.T) {
	const id = "4BF92F3577B34DA6A3CE929D0E0E4736"
	sb, _ := telemetrySandbox(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sandbox/sb1/telemetry/traces":
			writeJSON(w, http.StatusOK, map[string]any{"items": []any{map[string]any{
				"traceId": strings.ToLower(id), "rootSpanName": "GET /", "startTime": "2026-01-02T03:04:05Z",
				"endTime": "2026-01-02 03:04:06", "durationMs": 1.5, "spanCount": "2", "statusCode": "Unset",
			}}, "total": 1, "page": 1, "totalPages": 1})
		case "/sandbox/sb1/telemetry/traces/" + strings.ToLower(id):
			writeJSON(w, http.StatusOK, []any{map[string]any{
				"traceId": strings.ToLower(id), "spanId": "00f067aa0ba902b7", "spanName": "GET /", "timestamp": "2026-01-02 03:04:05.5",
				"durationNs": "1500000", "spanAttributes": map[string]string{"k": "v"}, "statusCode": "Error", "statusMessage": "boom",
			}})
		case "/sandbox/sb1/telemetry/traces/" + strings.Repeat("ab", 16):
			writeJSON(w, http.StatusOK, []any{})
		default:
			writeJSON(w, http.StatusForbidden, map[string]any{"statusCode": 403, "message": "Telemetry endpoints are disabled when Analytics API is configured"})
		}
	})
	var got []TraceSummary
	for tr, err := range sb.Traces(t.Context(), TraceQuery{}) {
		require.NoError(t, err)
		got = append(got, tr)
	}
	require.Len(t, got, 1)
	assert.Equal(t, TraceSummary{
		TraceID: strings.ToLower(id), RootSpanName: "GET /",
		Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), End: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC),
		Duration: 1500 * time.Microsecond, SpanCount: 2, Status: "Unset",
	}, got[0])

	spans, err := sb.Trace(t.Context(), id)
	require.NoError(t, err)
	require.Len(t, spans, 1)
	assert.Equal(t, Span{
		TraceID: strings.ToLower(id), SpanID: "00f067aa0ba902b7", Name: "GET /",
		Start: time.Date(2026, 1, 2, 3, 4, 5, 5e8, time.UTC), Duration: 1500 * time.Microsecond,
		Attributes: map[string]string{"k": "v"}, Status: "Error", StatusMessage: "boom",
	}, spans[0])

	_, err = sb.Trace(t.Context(), strings.Repeat("ab", 16))
	require.ErrorIs(t, err, ErrNotFound, "no spans: not found")

	_, err = sb.Trace(t.Context(), strings.Repeat("cd", 16))
	require.ErrorIs(t, err, ErrForbidden)
	assert.Contains(t, err.Error(), "Analytics API")
}

func TestTelemetryMetrics(t *testing.T) {
	var names []string
	sb, _ := telemetrySandbox(t, func(w http.ResponseWriter, r *http.Request) {
		names = r.URL.Query()["metricNames"]
		point := func(ts string, v any) map[string]any { return map[string]any{"timestamp": ts, "value": v} }
		writeJSON(w, http.StatusOK, map[string]any{"series": []any{
			map[string]any{"metricName": MetricCPUUtilization, "dataPoints": []any{point("2026-01-02 03:05:00", 20), point("2026-01-02 03:04:00", 10.5)}},
			map[string]any{"metricName": MetricMemoryUsage, "dataPoints": []any{point("2026-01-02 03:04:00", "1024")}},
			map[string]any{"metricName": MetricFilesystemAvailable, "dataPoints": []any{point("2026-01-02 03:05:00", 7)}},
			map[string]any{"metricName": "custom.metric", "dataPoints": []any{point("2026-01-02 03:04:00", 1)}},
		}})
	})
	series, err := sb.MetricSeries(t.Context(), MetricsQuery{Names: []string{MetricCPUUtilization, "custom.metric"}})
	require.NoError(t, err)
	assert.Equal(t, []string{MetricCPUUtilization, "custom.metric"}, names)
	require.Len(t, series, 4)
	m0, m1 := time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), time.Date(2026, 1, 2, 3, 5, 0, 0, time.UTC)
	assert.Equal(t, MetricSeries{Name: MetricCPUUtilization, Unit: "%", Points: []MetricPoint{{m0, 10.5}, {m1, 20}}}, series[0], "sorted oldest first")
	assert.Equal(t, "bytes", series[1].Unit)
	assert.Equal(t, "", series[3].Unit, "unknown metric, unknown unit")

	hist, err := sb.MetricsHistory(t.Context(), MetricsQuery{})
	require.NoError(t, err)
	assert.Len(t, names, len(historyMetrics), "history asks for the series it reads")
	assert.Equal(t, []SystemMetrics{
		{CPUUsedPercent: 10.5, MemUsed: 1024, Timestamp: m0},
		{CPUUsedPercent: 20, DiskFree: 7, Timestamp: m1},
	}, hist)
}

func TestTelemetryMalformedAnswers(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"not JSON", "<html>"},
		{"bad time", `{"series":[{"metricName":"m","dataPoints":[{"timestamp":"yesterday","value":1}]}]}`},
		{"bad number", `{"series":[{"metricName":"m","dataPoints":[{"timestamp":"2026-01-02 03:04:00","value":"x"}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, _ := telemetrySandbox(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.body))
			})
			_, err := sb.MetricSeries(t.Context(), MetricsQuery{})
			require.ErrorIs(t, err, ErrServer)
		})
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	sb, _ := telemetrySandbox(t, func(http.ResponseWriter, *http.Request) {})
	_, err := sb.MetricSeries(ctx, MetricsQuery{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestParseTelemetryTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-01-02T03:04:05.5Z", time.Date(2026, 1, 2, 3, 4, 5, 5e8, time.UTC), true},
		{"2026-01-02T04:04:05+01:00", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), true},
		{"2026-01-02 03:04:05.000000001", time.Date(2026, 1, 2, 3, 4, 5, 1, time.UTC), true},
		{"2026-01-02 03:04:05", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), true},
		{"2026-01-02T03:04:05", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"1767323045", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseTelemetryTime(tt.in)
		if !tt.ok {
			require.ErrorIs(t, err, ErrServer, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.True(t, tt.want.Equal(got), "%s: %v", tt.in, got)
	}
}

func FuzzTelemetryDecode(f *testing.F) {
	f.Add(`"12"`, "2026-01-02 03:04:05.123")
	f.Add(`1.5e3`, "2026-01-02T03:04:05Z")
	f.Add(`null`, "")
	f.Add(`"x"`, "2026-13-02 03:04:05")
	f.Fuzz(func(t *testing.T, num, ts string) {
		var n flexNumber
		if err := n.UnmarshalJSON([]byte(num)); err == nil && strings.TrimSpace(num) == "" {
			t.Fatalf("empty %q decoded", num)
		}
		if tm, err := parseTelemetryTime(ts); err == nil && tm.IsZero() && ts != "0001-01-01 00:00:00" && !strings.HasPrefix(ts, "0001-01-01") {
			t.Fatalf("%q parsed to the zero time", ts)
		}
	})
}
