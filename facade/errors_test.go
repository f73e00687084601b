package daytona

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every body shape of PROTOCOLS 1.1, through the one mapper.
func TestErrorFromBody(t *testing.T) {
	t.Parallel()
	longText := strings.Repeat("gateway exploded ", 100)
	tests := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		wantStatus int
		wantKind   error
		wantCode   string
		wantSource string
		wantMsg    string
		wantRetry  time.Duration
	}{
		{
			name:       "E1 daemon envelope",
			status:     408,
			header:     http.Header{"X-Request-Id": {"91d7e331"}},
			body:       `{"statusCode":408,"message":"request timeout: command execution timeout","code":"REQUEST_TIMEOUT","timestamp":"2026-11-25T17:18:48.62755265Z","path":"/process/execute","method":"POST"}`,
			wantStatus: 408, wantKind: ErrTimeout, wantCode: "REQUEST_TIMEOUT",
			wantMsg: "request timeout: command execution timeout",
		},
		{
			name:       "E1 with source",
			status:     404,
			body:       `{"statusCode":404,"message":"file not found: /a","code":"FILE_NOT_FOUND","source":"DAYTONA_DAEMON","timestamp":"t","path":"/a"}`,
			wantStatus: 404, wantKind: ErrNotFound, wantCode: "FILE_NOT_FOUND", wantSource: SourceDaemon, wantMsg: "file not found: /a",
		},
		{
			name:       "E1b degenerate envelope",
			status:     500,
			body:       `{"statusCode":500,"message":"failed to execute command: not found: session not found","timestamp":"0001-01-01T00:00:00Z","path":""}`,
			wantStatus: 500, wantKind: ErrServer, wantMsg: "failed to execute command: not found: session not found",
		},
		{name: "E2 empty 404", status: 404, body: "", wantStatus: 404, wantKind: ErrNotFound, wantMsg: "Not Found"},
		{name: "E2 empty 400", status: 400, body: "", wantStatus: 400, wantKind: ErrValidation, wantMsg: "Bad Request"},
		{name: "E2 whitespace only 500", status: 500, body: " \r\n", wantStatus: 500, wantKind: ErrServer, wantMsg: "Internal Server Error"},
		{name: "E3 error field", status: 409, body: `{"error":"PTY session with ID 'pty1' already exists"}`,
			wantStatus: 409, wantKind: ErrConflict, wantMsg: "PTY session with ID 'pty1' already exists"},
		{name: "E3 bulk download validation", status: 400, body: `{"error":"request body must be {\"paths\": [ ... ]} and non-empty"}`,
			wantStatus: 400, wantKind: ErrValidation, wantMsg: `request body must be {"paths": [ ... ]} and non-empty`},
		{name: "E4 bulk upload", status: 400, body: `{"errors":["a.txt: permission denied","b.txt: no space"],"files":[{"path":"c.txt","bytes":3}]}`,
			wantStatus: 400, wantKind: ErrValidation, wantMsg: "a.txt: permission denied, b.txt: no space"},
		{
			name:       "E5 computer use unavailable",
			status:     503,
			header:     http.Header{"Retry-After": {"5"}},
			body:       `{"details":"The computer-use plugin is still loading or failed to initialize.","message":"Computer-use functionality is not available","solution":"Retry shortly."}`,
			wantStatus: 503, wantKind: ErrServer,
			wantMsg:   "Computer-use functionality is not available: The computer-use plugin is still loading or failed to initialize.",
			wantRetry: 5 * time.Second,
		},
		{name: "E6 recording: error is not the code", status: 400,
			body:       `{"error":"ffmpeg_not_found","message":"FFmpeg must be installed and available in PATH to use screen recording"}`,
			wantStatus: 400, wantKind: ErrValidation, wantMsg: "FFmpeg must be installed and available in PATH to use screen recording"},
		{name: "E7 control plane", status: 404,
			body:       `{"path":"/api/sandbox/x","timestamp":"t","statusCode":404,"error":"Not Found","message":"Sandbox with ID or name x not found"}`,
			wantStatus: 404, wantKind: ErrNotFound, wantMsg: "Sandbox with ID or name x not found"},
		{name: "E7 validation array", status: 400,
			body:       `{"path":"/api/sandbox","timestamp":"t","statusCode":400,"error":"Bad Request","message":["cpu must be a positive number","name must be a string"]}`,
			wantStatus: 400, wantKind: ErrValidation, wantMsg: "cpu must be a positive number, name must be a string"},
		{name: "E7 with code and source", status: 409,
			body:       `{"statusCode":409,"error":"Conflict","message":"name taken","code":"SANDBOX_EXISTS","source":"DAYTONA_API"}`,
			wantStatus: 409, wantKind: ErrConflict, wantCode: "SANDBOX_EXISTS", wantSource: SourceAPI, wantMsg: "name taken"},
		{name: "E7 unknown exception", status: 500, body: `{"statusCode":500,"error":"Internal Server Error","message":"An unexpected error occurred."}`,
			wantStatus: 500, wantKind: ErrServer, wantMsg: "An unexpected error occurred."},
		{name: "legacy error_code", status: 401, body: `{"message":"bad token","error_code":"AUTH"}`,
			wantStatus: 401, wantKind: ErrUnauthorized, wantCode: "AUTH", wantMsg: "bad token"},
		{name: "code wins over error_code", status: 403, body: `{"message":"no","code":"FILE_ACCESS_DENIED","error_code":"OLD"}`,
			wantStatus: 403, wantKind: ErrForbidden, wantCode: "FILE_ACCESS_DENIED", wantMsg: "no"},
		{name: "E8 HTML gateway page", status: 502,
			body:       "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
			wantStatus: 502, wantKind: ErrServer, wantMsg: "502 Bad Gateway"},
		{name: "E8 HTML without title", status: 504, body: "<!DOCTYPE html><body><p>upstream   timed out</p></body>",
			wantStatus: 504, wantKind: ErrTimeout, wantMsg: "upstream timed out"},
		{name: "E8 plain text", status: 400, body: "Bad Request\n", wantStatus: 400, wantKind: ErrValidation, wantMsg: "Bad Request"},
		{name: "E8 long text is truncated", status: 502, body: longText, wantStatus: 502, wantKind: ErrServer,
			wantMsg: strings.TrimSpace(longText)[:maxRawMessage] + "…"},
		{name: "E9 error part inside a 200: statusCode overrides", status: 200,
			body:       `{"statusCode":404,"message":"file not found: /x","code":"FILE_NOT_FOUND","timestamp":"t","path":"/x","method":"POST"}`,
			wantStatus: 404, wantKind: ErrNotFound, wantCode: "FILE_NOT_FOUND", wantMsg: "file not found: /x"},
		{name: "statusCode as a string", status: 200, body: `{"statusCode":"400","message":"invalid file path"}`,
			wantStatus: 400, wantKind: ErrValidation, wantMsg: "invalid file path"},
		{name: "zero statusCode keeps the HTTP status", status: 503, body: `{"statusCode":0,"message":"down"}`,
			wantStatus: 503, wantKind: ErrServer, wantMsg: "down"},
		{name: "410 gone", status: 410, body: `{"statusCode":410,"message":"session ended","code":"SESSION_ENDED"}`,
			wantStatus: 410, wantKind: ErrGone, wantCode: "SESSION_ENDED", wantMsg: "session ended"},
		{name: "422 unprocessable", status: 422, body: `{"statusCode":422,"message":"hook declined","code":"GIT_REMOTE_REJECTED"}`,
			wantStatus: 422, wantKind: ErrValidation, wantCode: "GIT_REMOTE_REJECTED", wantMsg: "hook declined"},
		{name: "429 with Retry-After", status: 429, header: http.Header{"Retry-After": {"7"}}, body: `{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`,
			wantStatus: 429, wantKind: ErrRateLimited, wantMsg: "ThrottlerException: Too Many Requests", wantRetry: 7 * time.Second},
		{name: "other 4xx", status: 405, body: "", wantStatus: 405, wantKind: ErrValidation, wantMsg: "Method Not Allowed"},
		{name: "empty object", status: 500, body: `{}`, wantStatus: 500, wantKind: ErrServer, wantMsg: "Internal Server Error"},
		{name: "JSON string body", status: 500, body: `"boom"`, wantStatus: 500, wantKind: ErrServer, wantMsg: "boom"},
		{name: "JSON array body is raw text", status: 500, body: `[1,2]`, wantStatus: 500, wantKind: ErrServer, wantMsg: "[1,2]"},
		{name: "object message", status: 400, body: `{"message":{"field":"x"}}`, wantStatus: 400, wantKind: ErrValidation, wantMsg: `{"field":"x"}`},
		{name: "unknown status without text", status: 599, body: "", wantStatus: 599, wantKind: ErrServer, wantMsg: "request failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := errorFromBody(tt.status, tt.header, []byte(tt.body))
			assert.Equal(t, tt.wantStatus, e.StatusCode, "status")
			assert.Equal(t, tt.wantKind, e.Kind, "kind")
			assert.ErrorIs(t, e, tt.wantKind)
			assert.Equal(t, tt.wantCode, e.Code, "code")
			assert.Equal(t, tt.wantSource, e.Source, "source")
			assert.Equal(t, tt.wantMsg, e.Message, "message")
			assert.Equal(t, tt.wantRetry, e.RetryAfter, "retry after")
			assert.Equal(t, tt.header, e.Headers)
			assert.True(t, strings.HasPrefix(e.Error(), fmt.Sprintf("daytona: %d", tt.wantStatus)), e.Error())
			if tt.wantStatus >= 500 {
				assert.ErrorIs(t, e, ErrServer)
			} else {
				assert.NotErrorIs(t, e, ErrServer)
			}
		})
	}
}

func TestErrorFromResponse(t *testing.T) {
	t.Parallel()
	body := &closeRecorder{Reader: strings.NewReader(`{"statusCode":404,"message":"nope"}`)}
	resp := &http.Response{StatusCode: 404, Header: http.Header{"X-Request-Id": {"r-1"}}, Body: body}
	err := errorFromResponse(resp)
	var de *Error
	require.ErrorAs(t, err, &de)
	assert.True(t, body.closed, "body closed")
	assert.Equal(t, "nope", de.Message)
	assert.Equal(t, "r-1", de.RequestID())
	assert.Equal(t, "daytona: 404 Not Found: nope [request id r-1]", de.Error())

	// A body that breaks off before anything arrived keeps the cause.
	resp = &http.Response{StatusCode: 502, Header: http.Header{}, Body: io.NopCloser(iotestErrReader{})}
	require.ErrorAs(t, errorFromResponse(resp), &de)
	assert.Equal(t, "Bad Gateway", de.Message)
	assert.ErrorIs(t, de, syscall.ECONNRESET)
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, syscall.ECONNRESET }

func TestErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{name: "status and message", err: &Error{StatusCode: 404, Message: "sandbox x not found"}, want: "daytona: 404 Not Found: sandbox x not found"},
		{name: "status text not repeated", err: &Error{StatusCode: 404, Message: "Not Found"}, want: "daytona: 404 Not Found"},
		{name: "code", err: &Error{StatusCode: 409, Message: "exists", Code: "GIT_BRANCH_EXISTS"}, want: "daytona: 409 Conflict: exists (code GIT_BRANCH_EXISTS)"},
		{name: "cause", err: &Error{Kind: ErrConnection, Message: "connection failed", Err: errors.New("dial tcp: refused")}, want: "daytona: connection failed: dial tcp: refused"},
		{name: "cause already in message", err: &Error{Message: "x: boom", Err: errors.New("boom")}, want: "daytona: x: boom"},
		{name: "kind only", err: &Error{Kind: ErrTimeout}, want: "daytona: timeout"},
		{name: "nothing", err: &Error{}, want: "daytona: request failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestErrorIs(t *testing.T) {
	t.Parallel()
	fileNotFound := &Error{Code: "FILE_NOT_FOUND", Source: SourceDaemon, Message: "file not found"}
	anyFileNotFound := &Error{Code: "FILE_NOT_FOUND"}
	withSource := errorFromBody(404, nil, []byte(`{"statusCode":404,"message":"m","code":"FILE_NOT_FOUND","source":"DAYTONA_DAEMON"}`))
	noSource := errorFromBody(404, nil, []byte(`{"statusCode":404,"message":"m","code":"FILE_NOT_FOUND"}`))
	otherSource := errorFromBody(404, nil, []byte(`{"statusCode":404,"message":"m","code":"FILE_NOT_FOUND","source":"DAYTONA_API"}`))
	otherCode := errorFromBody(404, nil, []byte(`{"statusCode":404,"message":"m","code":"PROCESS_NOT_FOUND"}`))

	assert.ErrorIs(t, withSource, fileNotFound)
	assert.ErrorIs(t, withSource, ErrNotFound, "a code error matches its status kind too")
	assert.ErrorIs(t, noSource, fileNotFound, "a body without source matches on the code")
	assert.NotErrorIs(t, otherSource, fileNotFound)
	assert.ErrorIs(t, otherSource, anyFileNotFound)
	assert.NotErrorIs(t, otherCode, fileNotFound)
	assert.NotErrorIs(t, withSource, ErrConflict)

	// Wrapped, still found.
	wrapped := fmt.Errorf("uploading: %w", withSource)
	assert.ErrorIs(t, wrapped, ErrNotFound)
	var de *Error
	require.ErrorAs(t, wrapped, &de)
	assert.Equal(t, "FILE_NOT_FOUND", de.Code)

	// 504 is a timeout and a server error; 408 only a timeout.
	assert.ErrorIs(t, errorFromBody(504, nil, nil), ErrTimeout)
	assert.ErrorIs(t, errorFromBody(504, nil, nil), ErrServer)
	assert.ErrorIs(t, errorFromBody(408, nil, nil), ErrTimeout)
	assert.NotErrorIs(t, errorFromBody(408, nil, nil), ErrServer)
	assert.NotErrorIs(t, errorFromBody(504, nil, nil), context.DeadlineExceeded)
}

func TestWrapErr(t *testing.T) {
	t.Parallel()
	deadlineCtx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	canceledCtx, cancel2 := context.WithCancel(context.Background())
	cancel2()
	causeCtx, cancel3 := context.WithCancelCause(context.Background())
	cancel3(errors.New("shutting down"))
	mapped := errorFromBody(404, nil, []byte(`{"message":"nope"}`))
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	urlErr := func(err error) error {
		return &url.Error{Op: "Get", URL: "https://app.daytona.io/api/sandbox?token=secret-token", Err: err}
	}
	var jsonErr error = &json.SyntaxError{Offset: 1}

	tests := []struct {
		name     string
		ctx      context.Context
		err      error
		wantIs   []error
		wantNot  []error
		wantText string
	}{
		{name: "mapped response kept", ctx: context.Background(), err: urlErr(mapped), wantIs: []error{ErrNotFound}, wantText: "daytona: 404 Not Found: nope"},
		{name: "mapped response kept even after ctx ended", ctx: canceledCtx, err: urlErr(mapped), wantIs: []error{ErrNotFound}, wantNot: []error{context.Canceled}},
		{name: "deadline", ctx: deadlineCtx, err: urlErr(context.DeadlineExceeded),
			wantIs: []error{ErrTimeout, context.DeadlineExceeded}, wantNot: []error{ErrConnection, context.Canceled}, wantText: "daytona: timed out: context deadline exceeded"},
		{name: "deadline seen through ctx although the error differs", ctx: deadlineCtx, err: urlErr(dial),
			wantIs: []error{ErrTimeout, context.DeadlineExceeded}},
		{name: "deadline without ctx", ctx: nil, err: fmt.Errorf("read: %w", context.DeadlineExceeded), wantIs: []error{ErrTimeout, context.DeadlineExceeded}},
		{name: "cancel", ctx: canceledCtx, err: urlErr(context.Canceled),
			wantIs: []error{context.Canceled}, wantNot: []error{ErrTimeout, ErrConnection}, wantText: "daytona: canceled: context canceled"},
		{name: "cancel with cause", ctx: causeCtx, err: urlErr(context.Canceled),
			wantIs: []error{context.Canceled}, wantText: "daytona: canceled: context canceled: shutting down"},
		{name: "dial failure", ctx: context.Background(), err: urlErr(dial),
			wantIs: []error{ErrConnection, syscall.ECONNREFUSED}, wantNot: []error{ErrTimeout}, wantText: "daytona: connection failed: dial tcp: connection refused"},
		{name: "body cut", ctx: context.Background(), err: io.ErrUnexpectedEOF, wantIs: []error{ErrConnection, io.ErrUnexpectedEOF}},
		{name: "malformed JSON", ctx: context.Background(), err: jsonErr, wantIs: []error{ErrServer}, wantNot: []error{ErrConnection}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := wrapErr(tt.ctx, tt.err)
			var de *Error
			require.ErrorAs(t, err, &de)
			for _, want := range tt.wantIs {
				assert.ErrorIs(t, err, want)
			}
			for _, not := range tt.wantNot {
				assert.NotErrorIs(t, err, not)
			}
			if tt.wantText != "" {
				assert.Equal(t, tt.wantText, err.Error())
			}
			assert.NotContains(t, err.Error(), "secret-token")
			assert.NotContains(t, err.Error(), "https://")
		})
	}
	assert.NoError(t, wrapErr(context.Background(), nil))
}

func FuzzErrorFromBody(f *testing.F) {
	seeds := []string{
		``, `{}`, `null`, `"x"`, `[1]`, `<html><title>t</title></html>`, `<html><title>`,
		`{"statusCode":404,"message":"m","code":"C","source":"DAYTONA_DAEMON"}`,
		`{"statusCode":"abc","message":["a",1,null,{"b":2}]}`,
		`{"errors":["a"],"files":[]}`, `{"details":"d","message":"m","solution":"s"}`,
		`{"error":"e"}`, `{"statusCode":99999999999999999999}`, "\xff\xfe", "text \x00 with nul",
	}
	for _, s := range seeds {
		f.Add(500, []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := errorFromBody(status, nil, body)
		if e.Message == "" {
			t.Fatal("empty message")
		}
		if !strings.HasPrefix(e.Error(), "daytona: ") {
			t.Fatalf("text %q", e.Error())
		}
		if e.StatusCode >= 400 && e.Kind == nil {
			t.Fatalf("status %d without kind", e.StatusCode)
		}
	})
}
