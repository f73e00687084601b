package daytonatest

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/api/controlplane"
)

// toolboxPost sends a JSON POST to a sandbox's toolbox and returns the
// status and body.
func toolboxPost(t *testing.T, srv *Server, id, path, body string, header http.Header) (int, []byte) {
	t.Helper()
	return toolboxDo(t, srv, http.MethodPost, id, path, body, header)
}

func toolboxDo(t *testing.T, srv *Server, method, id, path, body string, header http.Header) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+"/toolbox/"+id+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := rawClient(t).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

func TestTelemetryLogsAndTraces(t *testing.T) {
	srv := NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	sb := started(t, c, controlplane.CreateSandbox{})
	begin := time.Now().UTC()

	// A request that joins a caller's trace, and one that starts its own.
	const callerTrace, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	code, body := toolboxPost(t, srv, sb.ID, "/process/execute", `{"command":"printf 'hello\nworld\n'"}`,
		http.Header{"Traceparent": {"00-" + callerTrace + "-" + callerSpan + "-01"}})
	require.Equal(t, http.StatusOK, code, string(body))
	code, body = toolboxPost(t, srv, sb.ID, "/process/session", `{"sessionId":"s1"}`, nil)
	require.Equal(t, http.StatusCreated, code, string(body))
	code, body = toolboxPost(t, srv, sb.ID, "/process/session/s1/exec", `{"command":"echo out; echo err >&2"}`,
		http.Header{"X-Daytona-Sdk-Version": {"0.205.1"}}) // split stdout and stderr
	require.Equal(t, http.StatusOK, code, string(body))
	code, body = toolboxDo(t, srv, http.MethodGet, sb.ID, "/files/info?path=no-such-file", "", nil)
	require.Equal(t, http.StatusNotFound, code, string(body))
	code, body = toolboxPost(t, srv, sb.ID, "/process/session/missing/exec", `{"command":"true"}`, nil)
	require.Equal(t, http.StatusInternalServerError, code, string(body))
	end := time.Now().UTC()

	from, to := begin, end
	logs := func(p controlplane.GetSandboxLogsParams) controlplane.PaginatedLogs {
		t.Helper()
		r, err := c.GetSandboxLogsWithResponse(ctx, sb.ID, &p)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
		return *r.JSON200
	}
	all := logs(controlplane.GetSandboxLogsParams{From: from, To: to})
	bodies := make([]string, len(all.Items))
	for i, e := range all.Items {
		bodies[i] = e.Body
		assert.Equal(t, "sandbox-"+sb.ID, e.ServiceName)
		assert.Equal(t, map[string]string{"service.name": "sandbox-" + sb.ID}, e.ResourceAttributes)
		ts, err := time.Parse("2006-01-02 15:04:05.999999999", e.Timestamp)
		require.NoError(t, err, e.Timestamp)
		assert.False(t, ts.Before(begin.Truncate(time.Microsecond)) || ts.After(end), e.Timestamp)
		if i > 0 {
			assert.GreaterOrEqual(t, all.Items[i-1].Timestamp, e.Timestamp, "newest first")
		}
	}
	// Newest first: the failed exec, the session's lines, the session
	// create, the exec's lines (last line first).
	require.Len(t, bodies, 9, "%q", bodies)
	assert.Regexp(t, `^POST /process/session/missing/exec 500 `, bodies[0])
	assert.Regexp(t, `^GET /files/info 404 `, bodies[1])
	assert.Equal(t, []string{"err", "out"}, bodies[2:4])
	assert.Regexp(t, `^POST /process/session/s1/exec 200 `, bodies[4])
	assert.Regexp(t, `^POST /process/session 201 `, bodies[5])
	assert.Equal(t, []string{"world", "hello"}, bodies[6:8])
	assert.Regexp(t, `^POST /process/execute 200 `, bodies[8])
	sevs := []string{"ERROR", "WARN", "INFO", "INFO", "INFO", "INFO", "INFO", "INFO", "INFO"}
	for i, e := range all.Items {
		assert.Equal(t, sevs[i], e.SeverityText, e.Body)
		assert.Equal(t, severityNumbers[sevs[i]], *e.SeverityNumber, e.Body)
	}
	assert.Equal(t, map[string]string{"log.iostream": "stderr", "process.exit_code": "0"}, all.Items[2].LogAttributes)
	assert.Equal(t, map[string]string{"process.exit_code": "0"}, all.Items[6].LogAttributes)
	assert.Equal(t, callerTrace, *all.Items[6].TraceID, "output lines carry their request's trace")
	assert.Equal(t, float64(9), all.Total)
	assert.Equal(t, float64(1), all.TotalPages)

	t.Run("filters and pages", func(t *testing.T) {
		tests := []struct {
			name  string
			p     controlplane.GetSandboxLogsParams
			want  []string
			total float64
			pages float64
		}{
			{name: "severity", p: controlplane.GetSandboxLogsParams{Severities: &[]string{"WARN", "ERROR"}}, want: bodies[:2], total: 2, pages: 1},
			{name: "search ignores case", p: controlplane.GetSandboxLogsParams{Search: strp("WOR")}, want: []string{"world"}, total: 1, pages: 1},
			{name: "page 3 of 3", p: controlplane.GetSandboxLogsParams{Page: ptr(3.0), Limit: ptr(4.0)}, want: bodies[8:], total: 9, pages: 3},
			{name: "page 2 of 3", p: controlplane.GetSandboxLogsParams{Page: ptr(2.0), Limit: ptr(4.0)}, want: bodies[4:8], total: 9, pages: 3},
			{name: "past the end", p: controlplane.GetSandboxLogsParams{Page: ptr(9.0), Limit: ptr(4.0)}, want: []string{}, total: 9, pages: 3},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := tt.p
				p.From, p.To = from, to
				got := logs(p)
				var b []string
				for _, e := range got.Items {
					b = append(b, e.Body)
				}
				assert.Equal(t, tt.want, append([]string{}, b...))
				assert.Equal(t, tt.total, got.Total)
				assert.Equal(t, tt.pages, got.TotalPages)
			})
		}
	})

	t.Run("time window", func(t *testing.T) {
		after := logs(controlplane.GetSandboxLogsParams{From: end.Add(time.Millisecond), To: end.Add(time.Hour)})
		assert.Empty(t, after.Items)
		before := logs(controlplane.GetSandboxLogsParams{From: begin.Add(-time.Hour), To: begin.Add(-time.Millisecond)})
		assert.Empty(t, before.Items)
	})

	t.Run("traces", func(t *testing.T) {
		r, err := c.GetSandboxTracesWithResponse(ctx, sb.ID, &controlplane.GetSandboxTracesParams{From: from, To: to})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
		tr := r.JSON200
		require.Len(t, tr.Items, 5)
		assert.Equal(t, float64(5), tr.Total)
		last := tr.Items[4] // oldest: the exec that joined the caller's trace
		assert.Equal(t, callerTrace, last.TraceID)
		assert.Equal(t, "", last.RootSpanName, "its root span is the caller's")
		assert.Equal(t, "POST /process/session/missing/exec", tr.Items[0].RootSpanName)
		assert.Equal(t, "Error", *tr.Items[0].StatusCode, "a 5xx answer is an error span")
		assert.Equal(t, "Unset", *tr.Items[1].StatusCode)
		assert.Regexp(t, `^[0-9a-f]{32}$`, tr.Items[0].TraceID)
		assert.Equal(t, float64(1), tr.Items[0].SpanCount)
		assert.Greater(t, tr.Items[0].DurationMs, 0.0)

		s, err := c.GetSandboxTraceSpansWithResponse(ctx, sb.ID, callerTrace, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, s.StatusCode(), string(s.Body))
		spans := *s.JSON200
		require.Len(t, spans, 1)
		sp := spans[0]
		assert.Equal(t, "POST /process/execute", sp.SpanName)
		assert.Equal(t, callerSpan, *sp.ParentSpanID)
		assert.Regexp(t, `^[0-9a-f]{16}$`, sp.SpanID)
		assert.Equal(t, *all.Items[6].SpanID, sp.SpanID, "logs link to the span")
		assert.Equal(t, map[string]string{"http.request.method": "POST", "url.path": "/process/execute", "http.response.status_code": "200"}, sp.SpanAttributes)
		assert.Equal(t, "Unset", *sp.StatusCode)
		assert.Greater(t, sp.DurationNs, 0.0)

		page, err := c.GetSandboxTracesWithResponse(ctx, sb.ID, &controlplane.GetSandboxTracesParams{From: from, To: to, Page: ptr(2.0), Limit: ptr(4.0)})
		require.NoError(t, err)
		require.Len(t, page.JSON200.Items, 1)
		assert.Equal(t, callerTrace, page.JSON200.Items[0].TraceID)
		assert.Equal(t, float64(2), page.JSON200.TotalPages)

		none, err := c.GetSandboxTraceSpansWithResponse(ctx, sb.ID, strings.Repeat("ab", 16), nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, none.StatusCode(), "an unknown trace is an empty list, as upstream")
		assert.Empty(t, *none.JSON200)
	})

	t.Run("bad requests", func(t *testing.T) {
		for _, p := range []controlplane.GetSandboxLogsParams{{Page: ptr(0.0)}, {Limit: ptr(1.5)}, {Limit: ptr(-1.0)}} {
			p.From, p.To = from, to
			r, err := c.GetSandboxLogsWithResponse(ctx, sb.ID, &p)
			require.NoError(t, err)
			nestError(t, r.Body, http.StatusBadRequest)
		}
		r, err := c.GetSandboxTracesWithResponse(ctx, "no-such-sandbox", &controlplane.GetSandboxTracesParams{From: from, To: to})
		require.NoError(t, err)
		nestError(t, r.Body, http.StatusNotFound)
		m, err := c.GetSandboxMetricsWithResponse(ctx, "no-such-sandbox", &controlplane.GetSandboxMetricsParams{From: from, To: to})
		require.NoError(t, err)
		nestError(t, m.Body, http.StatusNotFound)
	})
}

func TestTelemetryMetrics(t *testing.T) {
	const interval = 20 * time.Millisecond
	srv := NewServer(t, WithTelemetryInterval(interval))
	c := client(t, srv)
	ctx := context.Background()
	sb := started(t, c, controlplane.CreateSandbox{})
	begin := time.Now().UTC()
	// A first toolbox request; sampling has started by then.
	code, body := toolboxPost(t, srv, sb.ID, "/process/execute", `{"command":"true"}`, nil)
	require.Equal(t, http.StatusOK, code, string(body))

	series := func(names ...string) map[string][]controlplane.MetricDataPoint {
		t.Helper()
		p := &controlplane.GetSandboxMetricsParams{From: begin, To: time.Now().UTC()}
		if len(names) > 0 {
			p.MetricNames = &names
		}
		r, err := c.GetSandboxMetricsWithResponse(ctx, sb.ID, p)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.StatusCode(), string(r.Body))
		out := map[string][]controlplane.MetricDataPoint{}
		for _, s := range r.JSON200.Series {
			out[s.MetricName] = s.DataPoints
		}
		return out
	}
	require.Eventually(t, func() bool { return len(series()[metricCPULimit]) >= 2 }, 10*time.Second, interval)
	got := series()
	for _, name := range []string{metricCPULimit, metricFSUsage, metricFSTotal, metricFSAvailable, metricFSUtilization} {
		assert.NotEmpty(t, got[name], name)
	}
	pts := got[metricCPULimit]
	for i, p := range pts {
		at, err := time.Parse("2006-01-02 15:04:05.999999999", p.Timestamp)
		require.NoError(t, err)
		assert.Equal(t, at, at.Truncate(interval), "a point is stamped with its interval's start")
		if i > 0 {
			assert.Less(t, pts[i-1].Timestamp, p.Timestamp, "oldest first")
		}
	}
	if _, err := os.Stat("/proc/stat"); err == nil {
		assert.NotEmpty(t, got[metricMemUsage])
		for _, p := range got[metricCPUUtilization] {
			assert.True(t, p.Value >= 0 && p.Value <= 100, "%v", p.Value)
		}
	}

	// The file-system usage is the bytes stored in the sandbox.
	srv.mu.Lock()
	dir := srv.sandboxes[sb.ID].dir
	srv.mu.Unlock()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.bin"), bytes.Repeat([]byte{1}, 1<<20), 0o600))
	require.Eventually(t, func() bool {
		usage := series(metricFSUsage)[metricFSUsage]
		return len(usage) > 0 && usage[len(usage)-1].Value >= 1<<20
	}, 10*time.Second, interval)

	only := series(metricCPULimit, "no.such.metric")
	assert.Equal(t, []string{metricCPULimit}, slices.Collect(maps.Keys(only)), "metricNames filters")

	// A destroyed sandbox's telemetry goes.
	d, err := c.DeleteSandboxWithResponse(ctx, sb.ID, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, d.StatusCode(), string(d.Body))
	waitState(t, c, sb.ID, controlplane.SandboxStateDestroyed)
	ts := srv.telemetry()
	require.Eventually(t, func() bool {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		_, ok := ts.boxes[sb.ID]
		return !ok
	}, 10*time.Second, interval)
}

func TestParseTraceparent(t *testing.T) {
	tests := []struct {
		in            string
		trace, parent string
		ok            bool
	}{
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true},
		{"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra", "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true},
		{"", "", "", false},
		{"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "", "", false},
		{"00-00000000000000000000000000000000-00f067aa0ba902b7-01", "", "", false},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "", "", false},
		{"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "", "", false},
		{"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "", "", false},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "", "", false},
	}
	for _, tt := range tests {
		tr, p, ok := parseTraceparent(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.trace, tr, tt.in)
		assert.Equal(t, tt.parent, p, tt.in)
	}
}

func FuzzParseTraceparent(f *testing.F) {
	f.Add("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	f.Add("ff-0-0-0")
	f.Add("--------")
	f.Fuzz(func(t *testing.T, h string) {
		tr, p, ok := parseTraceparent(h)
		if !ok {
			return
		}
		if len(tr) != 32 || len(p) != 16 || !strings.Contains(h, tr+"-"+p) {
			t.Fatalf("%q gave %q %q", h, tr, p)
		}
	})
}

func TestOutputLogs(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	type line struct{ body, stream string }
	tests := []struct {
		name string
		body string
		want []line
	}{
		{"execute", `{"exitCode":2,"result":"a\nb\n"}`, []line{{"a", ""}, {"b", ""}}},
		{"split session", `{"cmdId":"c","exitCode":0,"output":"x","stdout":"o\n","stderr":"e1\ne2"}`, []line{{"o", "stdout"}, {"e1", "stderr"}, {"e2", "stderr"}}},
		{"raw framed session", `{"cmdId":"c","output":"\u0001\u0001\u0001o\n\u0002\u0002\u0002e\n"}`, []line{{"o", "stdout"}, {"e", "stderr"}}},
		{"combined session", `{"cmdId":"c","output":"one\r\n"}`, []line{{"one", ""}}},
		{"no output", `{"cmdId":"c"}`, nil},
		{"empty output", `{"exitCode":0,"result":""}`, nil},
		{"not JSON", `oops`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := outputLogs([]byte(tt.body), at, "t", "s")
			var got []line
			for i, r := range recs {
				got = append(got, line{r.body, r.attrs["log.iostream"]})
				assert.Equal(t, at.Add(time.Duration(i+1)), r.t, "stamped a nanosecond apart")
				assert.Equal(t, "INFO", r.severity)
				assert.Equal(t, "t", r.traceID)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestToolboxRecorderPassesThrough(t *testing.T) {
	srv := NewServer(t)
	ts := srv.telemetry()
	newRec := func(w http.ResponseWriter, method, path string) *toolboxRecorder {
		r := httptest.NewRequest(method, "/toolbox/sb"+path, nil)
		return srv.traceToolbox("sb", w, r)
	}
	spans := func() []spanRecord {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		return slices.Clone(ts.box("sb").spans)
	}

	// A body written without WriteHeader is a 200; an output answer is kept.
	w := httptest.NewRecorder()
	rec := newRec(w, http.MethodPost, "/process/execute")
	_, err := rec.Write([]byte(`{"exitCode":0,"result":"kept\n"}`))
	require.NoError(t, err)
	rec.end()
	assert.Equal(t, `{"exitCode":0,"result":"kept\n"}`, w.Body.String())
	assert.Equal(t, "200", spans()[0].attrs["http.response.status_code"])

	// An answer over the limit is passed on whole but not kept.
	w = httptest.NewRecorder()
	rec = newRec(w, http.MethodPost, "/process/execute")
	big := bytes.Repeat([]byte("x"), telemetryMaxOutput+1)
	n, err := rec.ReadFrom(bytes.NewReader(big))
	require.NoError(t, err)
	assert.Equal(t, int64(len(big)), n)
	assert.Nil(t, rec.capture)
	assert.Equal(t, len(big), w.Body.Len())

	// Other paths are not kept; ReadFrom reaches the writer.
	w = httptest.NewRecorder()
	rec = newRec(w, http.MethodGet, "/files/download")
	assert.Nil(t, rec.capture)
	_, err = rec.ReadFrom(strings.NewReader("file"))
	require.NoError(t, err)
	rec.WriteHeader(http.StatusTeapot) // too late: the status is the first one
	rec.end()
	assert.Equal(t, "file", w.Body.String())
	assert.Equal(t, "200", spans()[1].attrs["http.response.status_code"])

	// A hijacked connection (a WebSocket) is a 101.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := newRec(w, http.MethodGet, "/process/pty/x/connect")
		conn, _, err := http.NewResponseController(rec).Hijack()
		if assert.NoError(t, err) {
			_, _ = conn.Write([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n"))
			_ = conn.Close()
		}
		rec.end()
	}))
	defer hs.Close()
	resp, err := rawClient(t).Get(hs.URL)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Eventually(t, func() bool { return len(spans()) == 3 }, 5*time.Second, time.Millisecond)
	assert.Equal(t, "101", spans()[2].attrs["http.response.status_code"])
}
