package daytona

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
)

// Sandbox telemetry: the OpenTelemetry logs, traces and metrics a sandbox
// exported, as the control plane stores them (GET
// /sandbox/{id}/telemetry/...). The organization must have sandbox
// telemetry enabled; a control plane whose telemetry is served by a
// separate analytics API answers 403 (ErrForbidden).
//
// Every query covers a time window [From, To], both ends included. A zero
// To means now (taken once per call, so the pages of one listing cover the
// same window); a zero From means the sandbox's creation time as last
// reported (or one hour before To when that is unknown). From after To is
// an ErrValidation error before any request.

// LogSeverity is the severity text of a log record.
type LogSeverity string

// The severities the control plane filters on.
const (
	SeverityDebug LogSeverity = "DEBUG"
	SeverityInfo  LogSeverity = "INFO"
	SeverityWarn  LogSeverity = "WARN"
	SeverityError LogSeverity = "ERROR"
)

// LogQuery selects a sandbox's log records for [Sandbox.Logs]. The zero
// value lists every record since the sandbox was created.
type LogQuery struct {
	// From and To bound the records' timestamps (see the window rules
	// above).
	From, To time.Time
	// Severities keeps records with one of these severity texts; empty
	// keeps all.
	Severities []LogSeverity
	// Search keeps records whose body contains it, ignoring case.
	Search string
	// PageSize is the number of records per request (0 means the server's
	// default, 100).
	PageSize int
}

// TraceQuery selects a sandbox's traces for [Sandbox.Traces]. The zero
// value lists every trace since the sandbox was created.
type TraceQuery struct {
	// From and To bound the spans' start times.
	From, To time.Time
	// PageSize is the number of traces per request (0 means the server's
	// default, 100).
	PageSize int
}

// MetricsQuery selects a sandbox's metrics for [Sandbox.MetricSeries] and
// [Sandbox.MetricsHistory].
type MetricsQuery struct {
	// From and To bound the samples' timestamps.
	From, To time.Time
	// Names keeps these metrics (see the Metric* constants); empty keeps
	// all. MetricsHistory ignores it.
	Names []string
}

// LogEntry is one log record a sandbox exported.
type LogEntry struct {
	// Time is when the record was written.
	Time time.Time
	// Body is the message.
	Body string
	// Severity is the severity text (INFO, WARN, ...).
	Severity LogSeverity
	// SeverityNumber is the OTel severity number (9 for INFO, ...); 0 if
	// absent.
	SeverityNumber int
	// ServiceName is the exporting service ("sandbox-<id>").
	ServiceName string
	// ResourceAttributes describe the exporter; Attributes the record.
	ResourceAttributes, Attributes map[string]string
	// TraceID and SpanID link the record to a span, when it has one.
	TraceID, SpanID string
}

// TraceSummary is one trace of a sandbox, as listed by [Sandbox.Traces].
type TraceSummary struct {
	// TraceID is the trace's 32-hex-digit ID; pass it to [Sandbox.Trace].
	TraceID string
	// RootSpanName is the name of the trace's root span; empty when the
	// root span is not the sandbox's (the trace came from a caller).
	RootSpanName string
	// Start is the earliest span start. End is the latest span start (the
	// server's definition, not the end of the last span).
	Start, End time.Time
	// Duration is the longest span's duration.
	Duration time.Duration
	// SpanCount is the number of spans.
	SpanCount int
	// Status is a span status code of the trace ("Unset", "Ok",
	// "Error"), when reported.
	Status string
}

// Span is one span of a trace.
type Span struct {
	// TraceID and SpanID identify the span; ParentSpanID is empty for a
	// root span.
	TraceID, SpanID, ParentSpanID string
	// Name is the span's name (e.g. "POST /process/execute").
	Name string
	// Start is when the span started.
	Start time.Time
	// Duration is how long the span took.
	Duration time.Duration
	// Attributes are the span's attributes.
	Attributes map[string]string
	// Status ("Unset", "Ok", "Error") and StatusMessage are the span's
	// status, when reported.
	Status, StatusMessage string
}

// MetricSeries is the time series of one metric.
type MetricSeries struct {
	// Name is the metric's name (e.g. MetricCPUUtilization).
	Name string
	// Unit is the metric's unit ("%", "cores" or "bytes") for the metrics
	// sandboxes export; empty for a metric the SDK does not know.
	Unit string
	// Points are the values, oldest first. The server averages the
	// samples of each interval (a minute on Daytona); a point's Time is
	// the start of its interval.
	Points []MetricPoint
}

// MetricPoint is one value of a time series.
type MetricPoint struct {
	// Time is the start of the interval the value covers.
	Time time.Time
	// Value is the metric's value.
	Value float64
}

// The metrics sandboxes export.
const (
	MetricCPUUtilization        = "daytona.sandbox.cpu.utilization"        // percent, 0-100
	MetricCPULimit              = "daytona.sandbox.cpu.limit"              // cores
	MetricMemoryUtilization     = "daytona.sandbox.memory.utilization"     // percent, 0-100
	MetricMemoryUsage           = "daytona.sandbox.memory.usage"           // bytes
	MetricMemoryLimit           = "daytona.sandbox.memory.limit"           // bytes
	MetricMemoryCache           = "daytona.sandbox.memory.cache"           // bytes
	MetricFilesystemUtilization = "daytona.sandbox.filesystem.utilization" // percent, 0-100
	MetricFilesystemUsage       = "daytona.sandbox.filesystem.usage"       // bytes
	MetricFilesystemAvailable   = "daytona.sandbox.filesystem.available"   // bytes
	MetricFilesystemTotal       = "daytona.sandbox.filesystem.total"       // bytes
)

var metricUnits = map[string]string{
	MetricCPUUtilization: "%", MetricCPULimit: "cores",
	MetricMemoryUtilization: "%", MetricMemoryUsage: "bytes", MetricMemoryLimit: "bytes", MetricMemoryCache: "bytes",
	MetricFilesystemUtilization: "%", MetricFilesystemUsage: "bytes", MetricFilesystemAvailable: "bytes", MetricFilesystemTotal: "bytes",
}

// window resolves and checks a query's time window.
func (s *Sandbox) window(what string, from, to time.Time) (time.Time, time.Time, error) {
	if to.IsZero() {
		to = time.Now()
	}
	if from.IsZero() {
		from = s.CreatedAt()
		if from.IsZero() || from.After(to) {
			from = to.Add(-time.Hour)
		}
	}
	if from.After(to) {
		return time.Time{}, time.Time{}, invalidf("%s: From %s is after To %s", what, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	}
	return from.UTC(), to.UTC(), nil
}

func pageSize(what string, n int) (*float64, error) {
	if n < 0 {
		return nil, invalidf("%s: PageSize %d is negative", what, n)
	}
	if n == 0 {
		return nil, nil
	}
	return toPtr(float64(n)), nil
}

// Logs iterates over the sandbox's log records that match q, newest first,
// fetching pages lazily as the loop advances; breaking out of the loop
// stops fetching. An error is yielded once, as the last element.
//
//	for e, err := range sb.Logs(ctx, daytona.LogQuery{Severities: []daytona.LogSeverity{daytona.SeverityError}}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(e.Time, e.Body)
//	}
func (s *Sandbox) Logs(ctx context.Context, q LogQuery) iter.Seq2[LogEntry, error] {
	return func(yield func(LogEntry, error) bool) {
		from, to, err := s.window("Logs", q.From, q.To)
		if err != nil {
			yield(LogEntry{}, err)
			return
		}
		p := &controlplane.GetSandboxLogsParams{From: from, To: to}
		if p.Limit, err = pageSize("Logs", q.PageSize); err != nil {
			yield(LogEntry{}, err)
			return
		}
		if len(q.Severities) > 0 {
			sevs := make([]string, len(q.Severities))
			for i, sv := range q.Severities {
				if strings.TrimSpace(string(sv)) == "" {
					yield(LogEntry{}, invalidf("Logs: empty severity"))
					return
				}
				sevs[i] = string(sv)
			}
			p.Severities = &sevs
		}
		if q.Search != "" {
			p.Search = toPtr(q.Search)
		}
		pages(1, func(page int) ([]LogEntry, int, error) {
			p.Page = toPtr(float64(page))
			var body struct {
				Items      []wireLogEntry `json:"items"`
				TotalPages flexNumber     `json:"totalPages"`
			}
			resp, err := s.c.cp.GetSandboxLogs(ctx, s.ID(), p)
			if err := decodeTelemetry(ctx, resp, err, "logs", &body); err != nil {
				return nil, 0, err
			}
			out := make([]LogEntry, len(body.Items))
			for i, w := range body.Items {
				if out[i], err = w.entry(); err != nil {
					return nil, 0, err
				}
			}
			return out, int(body.TotalPages), nil
		})(yield)
	}
}

// Traces iterates over the sandbox's traces that have spans starting in
// q's window, newest first, fetching pages lazily as the loop advances.
// An error is yielded once, as the last element.
func (s *Sandbox) Traces(ctx context.Context, q TraceQuery) iter.Seq2[TraceSummary, error] {
	return func(yield func(TraceSummary, error) bool) {
		from, to, err := s.window("Traces", q.From, q.To)
		if err != nil {
			yield(TraceSummary{}, err)
			return
		}
		p := &controlplane.GetSandboxTracesParams{From: from, To: to}
		if p.Limit, err = pageSize("Traces", q.PageSize); err != nil {
			yield(TraceSummary{}, err)
			return
		}
		pages(1, func(page int) ([]TraceSummary, int, error) {
			p.Page = toPtr(float64(page))
			var body struct {
				Items      []wireTraceSummary `json:"items"`
				TotalPages flexNumber         `json:"totalPages"`
			}
			resp, err := s.c.cp.GetSandboxTraces(ctx, s.ID(), p)
			if err := decodeTelemetry(ctx, resp, err, "traces", &body); err != nil {
				return nil, 0, err
			}
			out := make([]TraceSummary, len(body.Items))
			for i, w := range body.Items {
				if out[i], err = w.summary(); err != nil {
					return nil, 0, err
				}
			}
			return out, int(body.TotalPages), nil
		})(yield)
	}
}

// validTraceID checks a W3C/OTel trace ID: 32 hex digits, not all zero.
// It returns the ID in lower case, as exporters store it.
func validTraceID(id string) (string, error) {
	if len(id) != 32 || strings.Trim(id, "0123456789abcdefABCDEF") != "" {
		return "", invalidf("trace ID %q is not 32 hex digits", id)
	}
	if strings.Trim(id, "0") == "" {
		return "", invalidf("trace ID %q is all zeros", id)
	}
	return strings.ToLower(id), nil
}

// Trace returns the spans of one trace of the sandbox, oldest first. A
// trace the sandbox has no spans of gives an error matching ErrNotFound
// (the server answers an empty list); an ID that is not 32 hex digits an
// ErrValidation error before any request.
func (s *Sandbox) Trace(ctx context.Context, traceID string) ([]Span, error) {
	id, err := validTraceID(traceID)
	if err != nil {
		return nil, err
	}
	resp, err := s.c.cp.GetSandboxTraceSpans(ctx, s.ID(), id, nil)
	var body []wireSpan
	if err := decodeTelemetry(ctx, resp, err, "trace spans", &body); err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, newSDKError(ErrNotFound, nil, "sandbox %s has no spans of trace %s", s.ID(), id)
	}
	spans := make([]Span, 0, len(body))
	for _, w := range body {
		sp, err := w.span()
		if err != nil {
			return nil, err
		}
		spans = append(spans, sp)
	}
	return spans, nil
}

// MetricSeries returns the sandbox's metric time series in q's window, by
// metric name. A metric without samples in the window has no series.
func (s *Sandbox) MetricSeries(ctx context.Context, q MetricsQuery) ([]MetricSeries, error) {
	from, to, err := s.window("MetricSeries", q.From, q.To)
	if err != nil {
		return nil, err
	}
	p := &controlplane.GetSandboxMetricsParams{From: from, To: to}
	if len(q.Names) > 0 {
		for _, n := range q.Names {
			if strings.TrimSpace(n) == "" || strings.ContainsFunc(n, func(r rune) bool { return r <= ' ' }) {
				return nil, invalidf("MetricSeries: metric name %q is empty or has spaces", n)
			}
		}
		p.MetricNames = toPtr(slices.Clone(q.Names))
	}
	return s.metricSeries(ctx, p)
}

func (s *Sandbox) metricSeries(ctx context.Context, p *controlplane.GetSandboxMetricsParams) ([]MetricSeries, error) {
	resp, err := s.c.cp.GetSandboxMetrics(ctx, s.ID(), p)
	var body struct {
		Series []struct {
			MetricName string `json:"metricName"`
			DataPoints []struct {
				Timestamp string     `json:"timestamp"`
				Value     flexNumber `json:"value"`
			} `json:"dataPoints"`
		} `json:"series"`
	}
	if err := decodeTelemetry(ctx, resp, err, "metrics", &body); err != nil {
		return nil, err
	}
	out := make([]MetricSeries, 0, len(body.Series))
	for _, ws := range body.Series {
		ms := MetricSeries{Name: ws.MetricName, Unit: metricUnits[ws.MetricName], Points: make([]MetricPoint, 0, len(ws.DataPoints))}
		for _, dp := range ws.DataPoints {
			t, err := parseTelemetryTime(dp.Timestamp)
			if err != nil {
				return nil, err
			}
			ms.Points = append(ms.Points, MetricPoint{Time: t, Value: float64(dp.Value)})
		}
		slices.SortStableFunc(ms.Points, func(a, b MetricPoint) int { return a.Time.Compare(b.Time) })
		out = append(out, ms)
	}
	return out, nil
}

// historyMetrics are the series MetricsHistory reads, and the
// SystemMetrics field each fills.
var historyMetrics = map[string]func(*SystemMetrics, float64){
	MetricCPUUtilization:      func(m *SystemMetrics, v float64) { m.CPUUsedPercent = v },
	MetricCPULimit:            func(m *SystemMetrics, v float64) { m.CPUCount = roundInt(v) },
	MetricMemoryUsage:         func(m *SystemMetrics, v float64) { m.MemUsed = int64(v) },
	MetricMemoryLimit:         func(m *SystemMetrics, v float64) { m.MemTotal = int64(v) },
	MetricMemoryCache:         func(m *SystemMetrics, v float64) { m.MemCache = int64(v) },
	MetricFilesystemUsage:     func(m *SystemMetrics, v float64) { m.DiskUsed = int64(v) },
	MetricFilesystemTotal:     func(m *SystemMetrics, v float64) { m.DiskTotal = int64(v) },
	MetricFilesystemAvailable: func(m *SystemMetrics, v float64) { m.DiskFree = int64(v) },
}

// MetricsHistory returns the sandbox's resource use in q's window as one
// SystemMetrics per interval (a minute on Daytona), oldest first, each
// stamped with the start of its interval: the time series the official
// SDKs' get_metrics returns. It reads the CPU, memory and file-system
// series; a figure without a sample in an interval is zero. q.Names is
// ignored. [Sandbox.Metrics] gives the current figures instead.
func (s *Sandbox) MetricsHistory(ctx context.Context, q MetricsQuery) ([]SystemMetrics, error) {
	from, to, err := s.window("MetricsHistory", q.From, q.To)
	if err != nil {
		return nil, err
	}
	names := slices.Sorted(maps.Keys(historyMetrics))
	series, err := s.metricSeries(ctx, &controlplane.GetSandboxMetricsParams{From: from, To: to, MetricNames: &names})
	if err != nil {
		return nil, err
	}
	byTime := map[time.Time]*SystemMetrics{}
	for _, ms := range series {
		set := historyMetrics[ms.Name]
		if set == nil {
			continue
		}
		for _, pt := range ms.Points {
			key := pt.Time.UTC()
			m := byTime[key]
			if m == nil {
				m = &SystemMetrics{Timestamp: key}
				byTime[key] = m
			}
			set(m, pt.Value)
		}
	}
	out := make([]SystemMetrics, 0, len(byTime))
	for _, t := range slices.SortedFunc(maps.Keys(byTime), time.Time.Compare) {
		out = append(out, *byTime[t])
	}
	return out, nil
}

// decodeTelemetry maps a telemetry call's outcome: err through wrapErr,
// then the JSON body into v. A body that is not JSON of the expected shape
// is an ErrServer error.
func decodeTelemetry(ctx context.Context, resp *http.Response, err error, what string, v any) error {
	if err != nil {
		return wrapErr(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return newSDKError(ErrServer, nil, "unexpected answer to the telemetry %s request: %s", what, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(v); err != nil {
		if ctx.Err() != nil {
			return wrapErr(ctx, err)
		}
		return newSDKError(ErrServer, err, "malformed telemetry %s answer", what)
	}
	return nil
}

// flexNumber is a JSON number that may also come as a numeric string (the
// store behind the API writes 64-bit integers as strings).
type flexNumber float64

// UnmarshalJSON accepts 12, 1.5, "12" and null (zero).
func (n *flexNumber) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*n = 0
		return nil
	}
	if unq, err := strconv.Unquote(s); err == nil {
		s = unq
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	*n = flexNumber(f)
	return nil
}

// parseTelemetryTime reads a telemetry timestamp: RFC 3339, or the UTC
// "2006-01-02 15:04:05.999999999" text the store writes.
func parseTelemetryTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, newSDKError(ErrServer, nil, "malformed telemetry timestamp %q", s)
}

type wireLogEntry struct {
	Timestamp          string            `json:"timestamp"`
	Body               string            `json:"body"`
	SeverityText       string            `json:"severityText"`
	SeverityNumber     flexNumber        `json:"severityNumber"`
	ServiceName        string            `json:"serviceName"`
	ResourceAttributes map[string]string `json:"resourceAttributes"`
	LogAttributes      map[string]string `json:"logAttributes"`
	TraceID            string            `json:"traceId"`
	SpanID             string            `json:"spanId"`
}

func (w wireLogEntry) entry() (LogEntry, error) {
	t, err := parseTelemetryTime(w.Timestamp)
	if err != nil {
		return LogEntry{}, err
	}
	return LogEntry{
		Time: t, Body: w.Body, Severity: LogSeverity(w.SeverityText), SeverityNumber: roundInt(float64(w.SeverityNumber)),
		ServiceName: w.ServiceName, ResourceAttributes: cloneStringMap(w.ResourceAttributes),
		Attributes: cloneStringMap(w.LogAttributes), TraceID: w.TraceID, SpanID: w.SpanID,
	}, nil
}

type wireTraceSummary struct {
	TraceID      string     `json:"traceId"`
	RootSpanName string     `json:"rootSpanName"`
	StartTime    string     `json:"startTime"`
	EndTime      string     `json:"endTime"`
	DurationMs   flexNumber `json:"durationMs"`
	SpanCount    flexNumber `json:"spanCount"`
	StatusCode   string     `json:"statusCode"`
}

func (w wireTraceSummary) summary() (TraceSummary, error) {
	start, err := parseTelemetryTime(w.StartTime)
	if err != nil {
		return TraceSummary{}, err
	}
	end, err := parseTelemetryTime(w.EndTime)
	if err != nil {
		return TraceSummary{}, err
	}
	return TraceSummary{
		TraceID: w.TraceID, RootSpanName: w.RootSpanName, Start: start, End: end,
		Duration:  time.Duration(float64(w.DurationMs) * float64(time.Millisecond)),
		SpanCount: roundInt(float64(w.SpanCount)), Status: w.StatusCode,
	}, nil
}

type wireSpan struct {
	TraceID        string            `json:"traceId"`
	SpanID         string            `json:"spanId"`
	ParentSpanID   string            `json:"parentSpanId"`
	SpanName       string            `json:"spanName"`
	Timestamp      string            `json:"timestamp"`
	DurationNs     flexNumber        `json:"durationNs"`
	SpanAttributes map[string]string `json:"spanAttributes"`
	StatusCode     string            `json:"statusCode"`
	StatusMessage  string            `json:"statusMessage"`
}

func (w wireSpan) span() (Span, error) {
	t, err := parseTelemetryTime(w.Timestamp)
	if err != nil {
		return Span{}, err
	}
	return Span{
		TraceID: w.TraceID, SpanID: w.SpanID, ParentSpanID: w.ParentSpanID, Name: w.SpanName,
		Start: t, Duration: time.Duration(w.DurationNs), Attributes: cloneStringMap(w.SpanAttributes),
		Status: w.StatusCode, StatusMessage: w.StatusMessage,
	}, nil
}
