package daytona

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logsCP serves GET /sandbox/sb1 (with a scripted state) and a build-log
// stream at /logs, written by the test's stream function.
type logsCP struct {
	states *scriptedCP
	stream func(w http.ResponseWriter, r *http.Request)
	mu     sync.Mutex
	query  string
}

func (f *logsCP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/logs" {
		f.mu.Lock()
		f.query = r.URL.RawQuery
		f.mu.Unlock()
		f.stream(w, r)
		return
	}
	f.states.ServeHTTP(w, r)
}

// collector gathers callback chunks; the callback runs on the test's
// goroutine, but the lock keeps the race detector honest about it.
type collector struct {
	mu     sync.Mutex
	chunks []string
}

func (c *collector) add(s string) {
	c.mu.Lock()
	c.chunks = append(c.chunks, s)
	c.mu.Unlock()
}

func (c *collector) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.chunks...)
}

func flushWrite(w http.ResponseWriter, s string) {
	_, _ = w.Write([]byte(s))
	w.(http.Flusher).Flush()
}

const testIdle = 50 * time.Millisecond

func TestBuildLogsEndWithBody(t *testing.T) {
	t.Parallel()
	cp := &logsCP{states: &scriptedCP{script: []string{"building_snapshot"}}, stream: func(w http.ResponseWriter, r *http.Request) {
		flushWrite(w, "Step 1/2 : FROM python:3.12\n")
		flushWrite(w, "Step 2/2 : RUN true  \n\n")
	}}
	c := testClient(t, cp)
	sb := newSandbox(c, &sandboxData{id: "sb1"})
	var got collector
	srvURL := c.cfg.APIURL + "/logs?token=abc"
	require.NoError(t, sb.streamBuildLogs(t.Context(), srvURL, got.add, testIdle))
	// Chunk boundaries are the transport's; only the text is fixed.
	assert.Equal(t, "Step 1/2 : FROM python:3.12\nStep 2/2 : RUN true", strings.Join(got.all(), "\n"))
	cp.mu.Lock()
	assert.Equal(t, "follow=true&token=abc", cp.query, "follow added, the URL's own query kept")
	cp.mu.Unlock()
}

// TestBuildLogsTerminationRule: a silent stream ends after two consecutive
// checks that find the build over.
func TestBuildLogsTerminationRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		script    []string
		wantGets  int
		wantError bool
	}{
		{name: "started twice", script: []string{"started"}, wantGets: 2},
		{name: "build_failed twice", script: []string{"build_failed"}, wantGets: 2},
		{name: "still building, then starting", script: []string{"building_snapshot", "building_snapshot", "starting"}, wantGets: 4},
		{name: "not consecutive", script: []string{"starting", "building_snapshot", "error", "error"}, wantGets: 4},
		{name: "refresh error ends the stream with it", script: []string{"500"}, wantGets: 1, wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &logsCP{states: &scriptedCP{script: tt.script}, stream: func(w http.ResponseWriter, r *http.Request) {
				flushWrite(w, "building\n")
				<-r.Context().Done() // never ends by itself
			}}
			c := testClient(t, cp)
			sb := newSandbox(c, &sandboxData{id: "sb1"})
			var got collector
			err := sb.streamBuildLogs(t.Context(), c.cfg.APIURL+"/logs", got.add, testIdle)
			if tt.wantError {
				require.ErrorIs(t, err, ErrServer)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantGets, cp.states.count(), "state checks")
			assert.Equal(t, []string{"building"}, got.all())
		})
	}
}

// TestBuildLogsChunkResetsCount: a chunk between two terminal answers
// resets the count, so three checks are needed.
func TestBuildLogsChunkResetsCount(t *testing.T) {
	t.Parallel()
	firstCheck := make(chan struct{})
	secondWritten := make(chan struct{})
	states := &scriptedCP{script: []string{"started"}}
	states.onGet = func(n int) {
		if n == 1 {
			close(firstCheck)
			<-secondWritten // answer the first check only once "b" is on its way
		}
	}
	cp := &logsCP{states: states, stream: func(w http.ResponseWriter, r *http.Request) {
		flushWrite(w, "a")
		<-firstCheck
		flushWrite(w, "b")
		close(secondWritten)
		<-r.Context().Done()
	}}
	c := testClient(t, cp)
	sb := newSandbox(c, &sandboxData{id: "sb1"})
	var got collector
	require.NoError(t, sb.streamBuildLogs(t.Context(), c.cfg.APIURL+"/logs", got.add, 200*time.Millisecond))
	assert.Equal(t, []string{"a", "b"}, got.all())
	assert.Equal(t, 3, states.count())
}

// TestBuildLogsCutBody: a chunked body cut before its terminating chunk is
// a normal end (PROTOCOLS.md quirk 42).
func TestBuildLogsCutBody(t *testing.T) {
	t.Parallel()
	cp := &logsCP{states: &scriptedCP{script: []string{"building_snapshot"}}, stream: func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
		_, _ = buf.WriteString("6\r\nline1\n\r\n")
		_, _ = buf.WriteString("20\r\npartial") // promises 32 bytes, sends 7, then closes
		_ = buf.Flush()
	}}
	c := testClient(t, cp)
	sb := newSandbox(c, &sandboxData{id: "sb1"})
	var got collector
	require.NoError(t, sb.streamBuildLogs(t.Context(), c.cfg.APIURL+"/logs", got.add, time.Minute))
	assert.True(t, strings.HasPrefix(strings.Join(got.all(), "\n"), "line1"), "got %q", got.all())
	assert.Zero(t, cp.states.count(), "a body that ends needs no state check")
}

func TestBuildLogsCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cp := &logsCP{states: &scriptedCP{script: []string{"building_snapshot"}}, stream: func(w http.ResponseWriter, r *http.Request) {
		flushWrite(w, "x")
		<-r.Context().Done()
	}}
	c := testClient(t, cp)
	sb := newSandbox(c, &sandboxData{id: "sb1"})
	err := sb.streamBuildLogs(ctx, c.cfg.APIURL+"/logs", func(string) { cancel() }, time.Minute)
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrTimeout)
}

func TestBuildLogsUTF8AcrossChunks(t *testing.T) {
	t.Parallel()
	chunks := []string{"h\xc3", "\xa9llo-\xe2\x82", "\xac-\xff-done"}
	cp := &logsCP{states: &scriptedCP{script: []string{"building_snapshot"}}, stream: func(w http.ResponseWriter, r *http.Request) {
		for _, c := range chunks {
			flushWrite(w, c)
			time.Sleep(5 * time.Millisecond) // let the client read them apart
		}
	}}
	c := testClient(t, cp)
	sb := newSandbox(c, &sandboxData{id: "sb1"})
	var got collector
	require.NoError(t, sb.streamBuildLogs(t.Context(), c.cfg.APIURL+"/logs", got.add, time.Minute))
	joined := strings.Join(got.all(), "")
	assert.True(t, utf8.ValidString(joined))
	assert.Equal(t, "héllo-€-\uFFFD-done", joined)
}

func TestUTF8Stream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		chunks []string
		want   []string
	}{
		{name: "ascii", chunks: []string{"ab", "cd"}, want: []string{"ab", "cd", ""}},
		{name: "two-byte split", chunks: []string{"a\xc3", "\xa9b"}, want: []string{"a", "éb", ""}},
		{name: "four-byte split thrice", chunks: []string{"\xf0", "\x9f", "\x98", "\x80"}, want: []string{"", "", "", "😀", ""}},
		{name: "invalid byte", chunks: []string{"a\xffb"}, want: []string{"a\uFFFDb", ""}},
		{name: "truncated at end", chunks: []string{"a\xe2\x82"}, want: []string{"a", "\uFFFD\uFFFD"}},
		{name: "lone continuation bytes", chunks: []string{"\x80\x80"}, want: []string{"\uFFFD\uFFFD", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var u utf8Stream
			var got []string
			for _, c := range tt.chunks {
				got = append(got, u.decode([]byte(c)))
			}
			got = append(got, u.flush())
			assert.Equal(t, tt.want, got)
		})
	}
}

// FuzzUTF8Stream: however the input is split, the decoded text is the same
// and valid UTF-8.
func FuzzUTF8Stream(f *testing.F) {
	f.Add([]byte("héllo wörld"), uint8(2))
	f.Add([]byte("\xf0\x9f\x98\x80\xff\xe2\x82"), uint8(1))
	f.Add([]byte("plain"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		var whole utf8Stream
		want := whole.decode(data) + whole.flush()

		n := int(step%7) + 1
		var split utf8Stream
		var b strings.Builder
		for i := 0; i < len(data); i += n {
			b.WriteString(split.decode(data[i:min(i+n, len(data))]))
		}
		b.WriteString(split.flush())
		if b.String() != want {
			t.Fatalf("split by %d: %q, whole: %q", n, b.String(), want)
		}
		if !utf8.ValidString(want) {
			t.Fatalf("invalid UTF-8 out: %q", want)
		}
	})
}
