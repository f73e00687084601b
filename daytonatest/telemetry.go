package daytonatest

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"maps"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
	"github.com/daytona-go/daytona/daytonatest/internal/hostinfo"
	"github.com/daytona-go/daytona/stream"
)

// Sandbox telemetry (GET /sandbox/{sandboxId}/telemetry/logs, /metrics,
// /traces and /traces/{traceId}).
//
// The real API reads what a sandbox's OpenTelemetry exporter sent to
// ClickHouse, under the service name "sandbox-<id>". The emulator has no
// daemon inside the sandbox, so it records the same three kinds of data
// itself, from what it really sees:
//
//   - Traces: every request a sandbox's toolbox serves is one server span
//     (name "<METHOD> <toolbox path>", the HTTP method, path and status as
//     attributes, the real start time and duration). A request carrying a
//     W3C traceparent header joins that trace (its parent span is the
//     caller's); any other request starts a trace of its own. A span's
//     status is "Error" for a 5xx answer and "Unset" otherwise, as the
//     OTel HTTP conventions say for server spans.
//   - Logs: each toolbox request is one log record (severity INFO, WARN
//     for a 4xx answer, ERROR for a 5xx one), and the output of commands
//     that answer with it (POST /process/execute, /process/code-run and
//     synchronous /process/session/{id}/exec) is one INFO record per line,
//     with "log.iostream" set when the toolbox told stdout from stderr and
//     "process.exit_code". These records carry the trace and span IDs of
//     their request. Output of asynchronous session commands, PTYs and
//     background processes is not recorded, nor is an answer larger than
//     1 MiB. The lines of one answer are stamped a nanosecond apart, in
//     order, so that newest-first listings are stable.
//   - Metrics: every sample interval (WithTelemetryInterval, one minute by
//     default) each running sandbox gets one sample of the gauges the real
//     sandboxes export. The emulator's sandboxes share the host, so CPU and
//     memory are the host's figures (the toolbox's /system/metrics reports
//     the same): daytona.sandbox.cpu.utilization (percent over the last
//     interval, from /proc/stat), daytona.sandbox.cpu.limit (CPUs),
//     daytona.sandbox.memory.usage, .limit and .cache (bytes, from
//     /proc/meminfo) and daytona.sandbox.memory.utilization (percent). The
//     file-system gauges are the sandbox's own: daytona.sandbox.filesystem.usage
//     is the bytes stored under the sandbox's directory,
//     daytona.sandbox.filesystem.total and .available are those of the file
//     system holding it, and .utilization is usage over total in percent.
//     Like the real API, which averages its gauges per minute, the answer
//     averages the samples per interval; each point's timestamp is the
//     start of its interval. Sampling starts with the server's first
//     toolbox request or telemetry query (the first sample comes one
//     interval later) and ends when the server closes.
//
// Queries behave as the real API's: from and to are inclusive; logs are
// filtered by exact severity text and by a case-insensitive substring of
// the body (search), newest first; traces are summarised per trace ID,
// newest first, with startTime and endTime the first and last span start
// and durationMs the longest span; page and limit must be integers >= 1
// (defaults 1 and 100); an unknown trace answers an empty list (200).
// Timestamps are UTC text in ClickHouse's DateTime64(9) form
// ("2006-01-02 15:04:05.000000000"), which the real API passes through.
// Each sandbox keeps its newest 10000 log records, spans and samples; its
// telemetry goes when it is destroyed.

// DefaultTelemetryInterval is how often the emulator samples a running
// sandbox's metrics, and the width of the intervals its metrics answer
// averages over, unless WithTelemetryInterval says otherwise.
const DefaultTelemetryInterval = time.Minute

// Metric names, as the real sandboxes export them.
const (
	metricCPUUtilization = "daytona.sandbox.cpu.utilization"
	metricCPULimit       = "daytona.sandbox.cpu.limit"
	metricMemUtilization = "daytona.sandbox.memory.utilization"
	metricMemUsage       = "daytona.sandbox.memory.usage"
	metricMemLimit       = "daytona.sandbox.memory.limit"
	metricMemCache       = "daytona.sandbox.memory.cache"
	metricFSUtilization  = "daytona.sandbox.filesystem.utilization"
	metricFSUsage        = "daytona.sandbox.filesystem.usage"
	metricFSAvailable    = "daytona.sandbox.filesystem.available"
	metricFSTotal        = "daytona.sandbox.filesystem.total"
)

const (
	telemetryKeep      = 10000   // records of each kind kept per sandbox
	telemetryMaxOutput = 1 << 20 // largest command answer whose output is logged
	clickHouseTime     = "2006-01-02 15:04:05.000000000"
)

// The OTel severity numbers of the severity texts the emulator writes.
var severityNumbers = map[string]float64{"DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17}

type logRecord struct {
	t               time.Time
	body, severity  string
	attrs           map[string]string
	traceID, spanID string
}

type spanRecord struct {
	traceID, spanID, parentID string
	name                      string
	start                     time.Time
	dur                       time.Duration
	attrs                     map[string]string
	status, message           string
}

type metricSample struct {
	t      time.Time
	values map[string]float64
}

// boxTelemetry is one sandbox's telemetry.
type boxTelemetry struct {
	logs    []logRecord
	spans   []spanRecord
	samples []metricSample
}

// telemetryStore is a server's telemetry, made on first use (Server.tele).
type telemetryStore struct {
	s        *Server
	interval time.Duration

	mu    sync.Mutex
	boxes map[string]*boxTelemetry // by sandbox ID
}

// telemetry returns the server's telemetry store, starting its sampler on
// first use. It is first used by the first toolbox request or telemetry
// query, so sampling starts then.
func (s *Server) telemetry() *telemetryStore {
	s.teleOnce.Do(func() {
		s.tele = &telemetryStore{s: s, interval: cmp.Or(s.cfg.telemetryInterval, DefaultTelemetryInterval), boxes: map[string]*boxTelemetry{}}
		s.bg.Go(s.tele.sample)
	})
	return s.tele
}

// box returns the telemetry of sandbox id. Callers hold ts.mu.
func (ts *telemetryStore) box(id string) *boxTelemetry {
	b := ts.boxes[id]
	if b == nil {
		b = &boxTelemetry{}
		ts.boxes[id] = b
	}
	return b
}

// keepNewest appends v to *list, dropping the oldest entries beyond telemetryKeep.
func keepNewest[T any](list *[]T, v ...T) {
	*list = append(*list, v...)
	if n := len(*list) - telemetryKeep; n > 0 {
		*list = slices.Delete(*list, 0, n)
	}
}

// sample takes one metrics sample of every running sandbox per interval
// until the server closes.
func (ts *telemetryStore) sample() {
	prevCPU, _ := hostinfo.ReadCPU()
	tick := time.NewTicker(ts.interval)
	defer tick.Stop()
	for {
		select {
		case <-ts.s.ctx.Done():
			return
		case <-tick.C:
		}
		type target struct{ id, dir string }
		var running []target
		live := map[string]bool{}
		ts.s.mu.Lock()
		for id, sb := range ts.s.sandboxes {
			live[id] = true
			if sb.running() {
				running = append(running, target{id, sb.dir})
			}
		}
		ts.s.mu.Unlock()

		host := map[string]float64{metricCPULimit: float64(runtime.NumCPU())}
		if cur, ok := hostinfo.ReadCPU(); ok {
			if busy, ok := cur.BusySince(prevCPU); ok {
				host[metricCPUUtilization] = busy
			}
			prevCPU = cur
		}
		mem := hostinfo.Meminfo()
		if total := mem["MemTotal"]; total > 0 {
			used := total - mem["MemAvailable"]
			host[metricMemLimit] = float64(total)
			host[metricMemUsage] = float64(used)
			host[metricMemCache] = float64(mem["Cached"] + mem["Buffers"])
			host[metricMemUtilization] = 100 * float64(used) / float64(total)
		}
		samples := make(map[string]metricSample, len(running))
		for _, sb := range running {
			v := make(map[string]float64, len(host)+4)
			for k, x := range host {
				v[k] = x
			}
			usage := dirUsage(sb.dir)
			v[metricFSUsage] = float64(usage)
			var st syscall.Statfs_t
			if err := syscall.Statfs(sb.dir, &st); err == nil {
				total := float64(st.Blocks) * float64(st.Bsize)
				v[metricFSTotal] = total
				v[metricFSAvailable] = float64(st.Bavail) * float64(st.Bsize)
				if total > 0 {
					v[metricFSUtilization] = 100 * float64(usage) / total
				}
			}
			samples[sb.id] = metricSample{t: time.Now().UTC(), values: v}
		}

		ts.mu.Lock()
		for id := range ts.boxes {
			if !live[id] {
				delete(ts.boxes, id) // destroyed: its telemetry goes with it
			}
		}
		for id, smp := range samples {
			b := ts.box(id)
			keepNewest(&b.samples, smp)
		}
		ts.mu.Unlock()
	}
}

// dirUsage is the bytes of the regular files under dir (symlinks are not
// followed; unreadable entries are skipped).
func dirUsage(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
		}
		return nil
	})
	return n
}

// newOTelID returns n random bytes in lower-case hex (16 for a trace ID, 8
// for a span ID).
func newOTelID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// parseTraceparent returns the trace and parent span IDs of a W3C
// traceparent header, or ok false when it is absent or malformed.
func parseTraceparent(h string) (traceID, parentID string, ok bool) {
	parts := strings.Split(strings.TrimSpace(h), "-")
	if len(parts) < 4 || len(parts[0]) != 2 || parts[0] == "ff" || len(parts[1]) != 32 || len(parts[2]) != 16 || len(parts[3]) != 2 {
		return "", "", false
	}
	for _, p := range parts[:4] {
		if strings.Trim(p, "0123456789abcdef") != "" {
			return "", "", false
		}
	}
	if strings.Trim(parts[1], "0") == "" || strings.Trim(parts[2], "0") == "" {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// toolboxRecorder records one toolbox request as a span and log records.
// It is the http.ResponseWriter the toolbox writes to: it notes the status
// and, for commands whose answer carries their output, keeps the body.
type toolboxRecorder struct {
	http.ResponseWriter
	ts              *telemetryStore
	sandboxID       string
	method, path    string
	start           time.Time
	traceID, spanID string
	parentID        string

	status  int
	capture *bytes.Buffer // nil: not kept
}

// outputPath reports whether the answer to path carries a command's output.
func outputPath(method, path string) bool {
	if method != http.MethodPost {
		return false
	}
	if path == "/process/execute" || path == "/process/code-run" {
		return true
	}
	rest, ok := strings.CutPrefix(path, "/process/session/")
	if !ok {
		return false
	}
	sid, tail, _ := strings.Cut(rest, "/")
	return sid != "" && tail == "exec"
}

// traceToolbox starts recording a request to the toolbox of sandbox id;
// the caller serves the request through the returned writer and then
// calls end.
func (s *Server) traceToolbox(id string, w http.ResponseWriter, r *http.Request) *toolboxRecorder {
	path := strings.TrimPrefix(r.URL.Path, toolboxPrefix+id)
	rec := &toolboxRecorder{
		ResponseWriter: w,
		ts:             s.telemetry(),
		sandboxID:      id,
		method:         r.Method,
		path:           cmp.Or(path, "/"),
		start:          time.Now().UTC(),
		spanID:         newOTelID(8),
	}
	if tid, pid, ok := parseTraceparent(r.Header.Get("traceparent")); ok {
		rec.traceID, rec.parentID = tid, pid
	} else {
		rec.traceID = newOTelID(16)
	}
	if outputPath(r.Method, rec.path) {
		rec.capture = &bytes.Buffer{}
	}
	return rec
}

// WriteHeader notes the final status and passes it on.
func (rec *toolboxRecorder) WriteHeader(code int) {
	if rec.status == 0 && code >= 200 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

// Write keeps the body when wanted and passes it on.
func (rec *toolboxRecorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.capture != nil {
		if rec.capture.Len()+len(p) > telemetryMaxOutput {
			rec.capture = nil
		} else {
			rec.capture.Write(p)
		}
	}
	return rec.ResponseWriter.Write(p)
}

// ReadFrom keeps the underlying writer's fast path (sendfile for a file
// download) reachable when the body is not kept.
func (rec *toolboxRecorder) ReadFrom(r io.Reader) (int64, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rf, ok := rec.ResponseWriter.(io.ReaderFrom); ok && rec.capture == nil {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{rec}, r) // only Write: no recursion into ReadFrom
}

// Flush passes flushes through (streams rely on them).
func (rec *toolboxRecorder) Flush() {
	_ = http.NewResponseController(rec.ResponseWriter).Flush()
}

// Hijack hands out the connection (WebSockets); the status is 101.
func (rec *toolboxRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, buf, err := http.NewResponseController(rec.ResponseWriter).Hijack()
	if err == nil && rec.status == 0 {
		rec.status = http.StatusSwitchingProtocols
	}
	return conn, buf, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rec *toolboxRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// end records the request's span and log records.
func (rec *toolboxRecorder) end() {
	end := time.Now().UTC()
	status := cmp.Or(rec.status, http.StatusOK)
	attrs := map[string]string{
		"http.request.method":       rec.method,
		"url.path":                  rec.path,
		"http.response.status_code": strconv.Itoa(status),
	}
	span := spanRecord{
		traceID: rec.traceID, spanID: rec.spanID, parentID: rec.parentID,
		name:  rec.method + " " + rec.path,
		start: rec.start, dur: end.Sub(rec.start),
		attrs: attrs, status: "Unset",
	}
	severity := "INFO"
	switch {
	case status >= 500:
		severity = "ERROR"
		span.status, span.message = "Error", http.StatusText(status)
	case status >= 400:
		severity = "WARN"
	}
	logs := []logRecord{{
		t:        end,
		body:     rec.method + " " + rec.path + " " + strconv.Itoa(status) + " " + span.dur.Round(time.Microsecond).String(),
		severity: severity,
		attrs:    attrs,
		traceID:  rec.traceID, spanID: rec.spanID,
	}}
	if rec.capture != nil && status == http.StatusOK && rec.Header().Get("Content-Encoding") == "" {
		logs = append(logs, outputLogs(rec.capture.Bytes(), end, rec.traceID, rec.spanID)...)
	}
	rec.ts.mu.Lock()
	b := rec.ts.box(rec.sandboxID)
	keepNewest(&b.spans, span)
	keepNewest(&b.logs, logs...)
	rec.ts.mu.Unlock()
}

// outputLogs turns a command's answer (ExecuteResponse or
// SessionExecuteResponse) into one record per output line.
func outputLogs(body []byte, t time.Time, traceID, spanID string) []logRecord {
	var ans struct {
		ExitCode *int    `json:"exitCode"`
		Result   *string `json:"result"`
		Output   *string `json:"output"`
		Stdout   *string `json:"stdout"`
		Stderr   *string `json:"stderr"`
	}
	if json.Unmarshal(body, &ans) != nil {
		return nil
	}
	type ioStream struct{ name, text string }
	var streams []ioStream
	switch {
	case ans.Stdout != nil || ans.Stderr != nil:
		streams = []ioStream{{"stdout", telDeref(ans.Stdout)}, {"stderr", telDeref(ans.Stderr)}}
	case ans.Output != nil && (strings.Contains(*ans.Output, stream.StdoutMarker) || strings.Contains(*ans.Output, stream.StderrMarker)):
		// Old clients get the raw, marker-framed log: split it.
		o, e := stream.SplitLogs([]byte(*ans.Output))
		streams = []ioStream{{"stdout", string(o)}, {"stderr", string(e)}}
	case ans.Output != nil:
		streams = []ioStream{{"", *ans.Output}}
	case ans.Result != nil:
		streams = []ioStream{{"", *ans.Result}}
	}
	var out []logRecord
	for _, st := range streams {
		text := strings.TrimSuffix(st.text, "\n")
		if text == "" {
			continue
		}
		for line := range strings.SplitSeq(text, "\n") {
			attrs := map[string]string{}
			if st.name != "" {
				attrs["log.iostream"] = st.name
			}
			if ans.ExitCode != nil {
				attrs["process.exit_code"] = strconv.Itoa(*ans.ExitCode)
			}
			out = append(out, logRecord{
				t: t.Add(time.Duration(len(out)+1) * time.Nanosecond), body: strings.TrimSuffix(line, "\r"),
				severity: "INFO", attrs: attrs, traceID: traceID, spanID: spanID,
			})
		}
	}
	return out
}

func telDeref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// telemetryBox checks that sandbox id exists and returns a copy of its
// telemetry.
func (s *Server) telemetryBox(id string) (boxTelemetry, time.Duration, error) {
	s.mu.Lock()
	_, err := s.lookupID(id)
	s.mu.Unlock()
	if err != nil {
		return boxTelemetry{}, 0, err
	}
	ts := s.telemetry()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	b := ts.boxes[id]
	if b == nil {
		return boxTelemetry{}, ts.interval, nil
	}
	return boxTelemetry{logs: slices.Clone(b.logs), spans: slices.Clone(b.spans), samples: slices.Clone(b.samples)}, ts.interval, nil
}

// telPageParams checks page and limit (integers >= 1) and applies their
// defaults.
func telPageParams(page, limit *float64) (int, int, error) {
	p, l := 1.0, 100.0
	if page != nil {
		p = *page
	}
	if limit != nil {
		l = *limit
	}
	for _, v := range []struct {
		name string
		v    float64
	}{{"page", p}, {"limit", l}} {
		if v.v < 1 || v.v != math.Trunc(v.v) || v.v > math.MaxInt32 {
			return 0, 0, badRequest("%s must be an integer not less than 1", v.name)
		}
	}
	return int(p), int(l), nil
}

// telPageOf returns page p (1-based) of n items of size limit as [lo, hi).
func telPageOf(n, p, limit int) (lo, hi int) {
	lo = min(n, (p-1)*limit)
	return lo, min(n, lo+limit)
}

func telInWindow(t, from, to time.Time) bool { return !t.Before(from) && !t.After(to) }

func chTime(t time.Time) string { return t.UTC().Format(clickHouseTime) }

func telOptString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// GetSandboxLogs implements GET /sandbox/{sandboxId}/telemetry/logs.
func (h *handlers) GetSandboxLogs(_ context.Context, req cpserver.GetSandboxLogsRequestObject) (cpserver.GetSandboxLogsResponseObject, error) {
	p := req.Params
	page, limit, err := telPageParams(p.Page, p.Limit)
	if err != nil {
		return nil, err
	}
	b, _, err := h.s.telemetryBox(req.SandboxID)
	if err != nil {
		return nil, err
	}
	var sevs []string
	if p.Severities != nil {
		sevs = *p.Severities
	}
	search := strings.ToLower(telDeref(p.Search))
	var match []logRecord
	for _, l := range b.logs {
		if telInWindow(l.t, p.From, p.To) &&
			(len(sevs) == 0 || slices.Contains(sevs, l.severity)) &&
			strings.Contains(strings.ToLower(l.body), search) {
			match = append(match, l)
		}
	}
	slices.SortStableFunc(match, func(a, b logRecord) int { return b.t.Compare(a.t) })
	lo, hi := telPageOf(len(match), page, limit)
	service := "sandbox-" + req.SandboxID
	items := make([]cpserver.LogEntry, 0, hi-lo)
	for _, l := range match[lo:hi] {
		sev := severityNumbers[l.severity]
		items = append(items, cpserver.LogEntry{
			Timestamp:          chTime(l.t),
			Body:               l.body,
			SeverityText:       l.severity,
			SeverityNumber:     &sev,
			ServiceName:        service,
			ResourceAttributes: map[string]string{"service.name": service},
			LogAttributes:      cloneMap(l.attrs),
			TraceID:            telOptString(l.traceID),
			SpanID:             telOptString(l.spanID),
		})
	}
	return cpserver.GetSandboxLogs200JSONResponse{
		Items: items, Page: float64(page), Total: float64(len(match)),
		TotalPages: math.Ceil(float64(len(match)) / float64(limit)),
	}, nil
}

// GetSandboxTraces implements GET /sandbox/{sandboxId}/telemetry/traces.
func (h *handlers) GetSandboxTraces(_ context.Context, req cpserver.GetSandboxTracesRequestObject) (cpserver.GetSandboxTracesResponseObject, error) {
	p := req.Params
	page, limit, err := telPageParams(p.Page, p.Limit)
	if err != nil {
		return nil, err
	}
	b, _, err := h.s.telemetryBox(req.SandboxID)
	if err != nil {
		return nil, err
	}
	type summary struct {
		start, end time.Time
		root       string
		rootStart  time.Time
		count      int
		longest    time.Duration
		status     string
	}
	byTrace := map[string]*summary{}
	var order []string
	for _, sp := range b.spans {
		if !telInWindow(sp.start, p.From, p.To) {
			continue
		}
		sm := byTrace[sp.traceID]
		if sm == nil {
			sm = &summary{start: sp.start, end: sp.start, status: sp.status}
			byTrace[sp.traceID] = sm
			order = append(order, sp.traceID)
		}
		sm.count++
		if sp.start.Before(sm.start) {
			sm.start = sp.start
		}
		if sp.start.After(sm.end) {
			sm.end = sp.start
		}
		sm.longest = max(sm.longest, sp.dur)
		if sp.parentID == "" && (sm.root == "" || sp.start.Before(sm.rootStart)) {
			sm.root, sm.rootStart = sp.name, sp.start
		}
	}
	slices.SortStableFunc(order, func(a, b string) int { return byTrace[b].start.Compare(byTrace[a].start) })
	lo, hi := telPageOf(len(order), page, limit)
	items := make([]cpserver.TraceSummary, 0, hi-lo)
	for _, id := range order[lo:hi] {
		sm := byTrace[id]
		items = append(items, cpserver.TraceSummary{
			TraceID:      id,
			RootSpanName: sm.root,
			StartTime:    chTime(sm.start),
			EndTime:      chTime(sm.end),
			DurationMs:   float64(sm.longest) / float64(time.Millisecond),
			SpanCount:    float64(sm.count),
			StatusCode:   telOptString(sm.status),
		})
	}
	return cpserver.GetSandboxTraces200JSONResponse{
		Items: items, Page: float64(page), Total: float64(len(order)),
		TotalPages: math.Ceil(float64(len(order)) / float64(limit)),
	}, nil
}

// GetSandboxTraceSpans implements GET
// /sandbox/{sandboxId}/telemetry/traces/{traceId}: the trace's spans,
// oldest first; an empty list for a trace the sandbox has no spans of.
func (h *handlers) GetSandboxTraceSpans(_ context.Context, req cpserver.GetSandboxTraceSpansRequestObject) (cpserver.GetSandboxTraceSpansResponseObject, error) {
	b, _, err := h.s.telemetryBox(req.SandboxID)
	if err != nil {
		return nil, err
	}
	out := cpserver.GetSandboxTraceSpans200JSONResponse{}
	var spans []spanRecord
	for _, sp := range b.spans {
		if sp.traceID == req.TraceID {
			spans = append(spans, sp)
		}
	}
	slices.SortStableFunc(spans, func(a, b spanRecord) int { return a.start.Compare(b.start) })
	for _, sp := range spans {
		out = append(out, cpserver.TraceSpan{
			TraceID:        sp.traceID,
			SpanID:         sp.spanID,
			ParentSpanID:   telOptString(sp.parentID),
			SpanName:       sp.name,
			Timestamp:      chTime(sp.start),
			DurationNs:     float64(sp.dur.Nanoseconds()),
			SpanAttributes: cloneMap(sp.attrs),
			StatusCode:     telOptString(sp.status),
			StatusMessage:  telOptString(sp.message),
		})
	}
	return out, nil
}

// GetSandboxMetrics implements GET /sandbox/{sandboxId}/telemetry/metrics:
// per metric, the average of the samples in each interval, oldest first.
func (h *handlers) GetSandboxMetrics(_ context.Context, req cpserver.GetSandboxMetricsRequestObject) (cpserver.GetSandboxMetricsResponseObject, error) {
	p := req.Params
	b, interval, err := h.s.telemetryBox(req.SandboxID)
	if err != nil {
		return nil, err
	}
	var names []string
	if p.MetricNames != nil {
		names = *p.MetricNames
	}
	type acc struct{ sum, n float64 }
	buckets := map[string]map[time.Time]*acc{} // name -> interval start -> values
	for _, smp := range b.samples {
		if !telInWindow(smp.t, p.From, p.To) {
			continue
		}
		at := smp.t.Truncate(interval)
		for name, v := range smp.values {
			if len(names) > 0 && !slices.Contains(names, name) {
				continue
			}
			if buckets[name] == nil {
				buckets[name] = map[time.Time]*acc{}
			}
			a := buckets[name][at]
			if a == nil {
				a = &acc{}
				buckets[name][at] = a
			}
			a.sum += v
			a.n++
		}
	}
	resp := cpserver.GetSandboxMetrics200JSONResponse{Series: []cpserver.MetricSeries{}}
	for _, name := range slices.Sorted(maps.Keys(buckets)) {
		series := cpserver.MetricSeries{MetricName: name, DataPoints: []cpserver.MetricDataPoint{}}
		for _, at := range slices.SortedFunc(maps.Keys(buckets[name]), time.Time.Compare) {
			a := buckets[name][at]
			series.DataPoints = append(series.DataPoints, cpserver.MetricDataPoint{Timestamp: chTime(at), Value: a.sum / a.n})
		}
		resp.Series = append(resp.Series, series)
	}
	return resp, nil
}
