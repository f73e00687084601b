package toolbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadLSPMessage(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{name: "one message", in: "Content-Length: 2\r\n\r\n{}", want: []string{"{}"}},
		{name: "two messages, other headers, any case", in: "content-length: 3\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[1]" +
			"Content-Length:4\r\n\r\nnull", want: []string{"[1]", "null"}},
		{name: "bare newlines", in: "Content-Length: 1\n\n1", want: []string{"1"}},
		{name: "stray blank lines", in: "\r\n\r\nContent-Length: 1\r\n\r\n1", want: []string{"1"}},
		{name: "empty body", in: "Content-Length: 0\r\n\r\n", want: []string{""}},
		{name: "no length", in: "Content-Type: x\r\n\r\n{}", wantErr: true},
		{name: "bad length", in: "Content-Length: -1\r\n\r\n", wantErr: true},
		{name: "huge length", in: "Content-Length: 99999999999\r\n\r\n", wantErr: true},
		{name: "malformed header", in: "Content-Length 2\r\n\r\n{}", wantErr: true},
		{name: "cut body", in: "Content-Length: 10\r\n\r\n{}", wantErr: true},
		{name: "cut header", in: "Content-Length: 2\r\n", wantErr: true},
		{name: "long header line", in: strings.Repeat("x", 5000) + ": 1\r\n\r\n1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tt.in))
			var got []string
			var err error
			for {
				var b []byte
				if b, err = readLSPMessage(r); err != nil {
					break
				}
				got = append(got, string(b))
			}
			if tt.wantErr {
				assert.False(t, errors.Is(err, io.EOF), "want a framing error, got %v", err)
				return
			}
			assert.ErrorIs(t, err, io.EOF)
			assert.Equal(t, tt.want, got)
		})
	}
}

// FuzzReadLSPMessage checks that the framing reader never panics and that
// what it accepts round-trips through writeLSPMessage.
func FuzzReadLSPMessage(f *testing.F) {
	f.Add([]byte("Content-Length: 2\r\n\r\n{}"))
	f.Add([]byte("Content-Length: 5\r\nContent-Type: x\r\n\r\nhello"))
	f.Add([]byte("\n\ncontent-length:0\n\n"))
	f.Add([]byte("Content-Length: 99\r\n\r\nshort"))
	f.Fuzz(func(t *testing.T, in []byte) {
		body, err := readLSPMessage(bufio.NewReader(bytes.NewReader(in)))
		if err != nil {
			return
		}
		var framed bytes.Buffer
		require.NoError(t, writeLSPMessage(&framed, body))
		again, err := readLSPMessage(bufio.NewReader(&framed))
		require.NoError(t, err)
		require.Equal(t, body, again)
	})
}

// newPipeConn connects an lspConn to an in-memory language server that
// answers each message with handle's reply (nil for none).
func newPipeConn(t *testing.T, handle func(m rpcMessage) *rpcMessage) *lspConn {
	t.Helper()
	inR, inW := io.Pipe()   // client -> server
	outR, outW := io.Pipe() // server -> client
	conn := newLSPConn(inW)
	serverDone := make(chan struct{})
	go func() {
		defer close(serverDone)
		br := bufio.NewReader(inR)
		for {
			body, err := readLSPMessage(br)
			if err != nil {
				_ = outW.Close()
				return
			}
			var m rpcMessage
			require.NoError(t, json.Unmarshal(body, &m))
			if reply := handle(m); reply != nil {
				b, _ := json.Marshal(reply)
				if writeLSPMessage(outW, b) != nil {
					return
				}
			}
		}
	}()
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		conn.readLoop(outR)
	}()
	t.Cleanup(func() {
		_ = conn.close()
		<-serverDone
		<-loopDone
	})
	return conn
}

func TestLSPConnCalls(t *testing.T) {
	answered := make(chan string, 1)
	conn := newPipeConn(t, func(m rpcMessage) *rpcMessage {
		switch m.Method {
		case "echo":
			return &rpcMessage{JSONRPC: "2.0", ID: m.ID, Result: m.Params}
		case "fail":
			return &rpcMessage{JSONRPC: "2.0", ID: m.ID, Error: &rpcError{Code: -32601, Message: "no such method"}}
		case "ask":
			// The server asks the client something.
			return &rpcMessage{JSONRPC: "2.0", ID: json.RawMessage(`"srv-1"`), Method: "workspace/configuration",
				Params: json.RawMessage(`{"items":[{},{}]}`)}
		case "":
			// The client's answer to workspace/configuration.
			answered <- string(m.Result)
			return nil
		case "hang":
			return nil
		}
		return nil
	})
	ctx := t.Context()

	var got map[string]int
	require.NoError(t, conn.call(ctx, "echo", map[string]int{"a": 1}, &got))
	assert.Equal(t, map[string]int{"a": 1}, got)

	err := conn.call(ctx, "fail", nil, nil)
	var re *rpcError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, -32601, re.Code)

	require.NoError(t, conn.notify("ask", nil))
	assert.Equal(t, "[null,null]", <-answered, "one null per configuration item")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, conn.call(cctx, "hang", nil, nil), context.Canceled)
}

func TestLSPConnServerGone(t *testing.T) {
	received := make(chan struct{}, 1)
	conn := newPipeConn(t, func(m rpcMessage) *rpcMessage {
		if m.Method == "hang" {
			received <- struct{}{}
		}
		return nil
	})
	result := make(chan error, 1)
	go func() { result <- conn.call(context.Background(), "hang", nil, nil) }()
	<-received // the call is pending at the server; now the server goes
	require.NoError(t, conn.close())
	assert.ErrorIs(t, <-result, errLSPClosed)
	assert.ErrorIs(t, conn.call(context.Background(), "echo", nil, nil), errLSPClosed)
}

func TestCompletionList(t *testing.T) {
	tests := []struct {
		name       string
		raw        string
		labels     []string
		incomplete bool
	}{
		{"null", `null`, []string{}, false},
		{"array", `[{"label":"a","kind":3},{"label":"b","documentation":{"kind":"markdown","value":"x"}}]`, []string{"a", "b"}, false},
		{"list", `{"isIncomplete":true,"items":[{"label":"c","insertText":"c()"}]}`, []string{"c"}, true},
		{"label not a string", `[{"label":{"x":1}},{"label":"d"}]`, []string{"d"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := completionList(json.RawMessage(tt.raw))
			require.NoError(t, err)
			labels := []string{}
			for _, it := range l.Items {
				labels = append(labels, it.Label)
			}
			assert.Equal(t, tt.labels, labels)
			assert.Equal(t, tt.incomplete, l.IsIncomplete)
		})
	}
	_, err := completionList(json.RawMessage(`{"items":"nope"}`))
	assert.Error(t, err)
}

// FuzzCompletionList checks that any completion result converts without
// panicking, keeping only items with a string label.
func FuzzCompletionList(f *testing.F) {
	f.Add([]byte(`null`))
	f.Add([]byte(`[{"label":"a","kind":3,"documentation":"d"}]`))
	f.Add([]byte(`{"isIncomplete":true,"items":[{"label":"b"},{"label":7}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		l, err := completionList(json.RawMessage(raw))
		if err != nil {
			return
		}
		require.NotNil(t, l.Items)
		for _, it := range l.Items {
			var back struct {
				Label string `json:"label"`
			}
			b, err := json.Marshal(it)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &back))
			require.Equal(t, it.Label, back.Label)
		}
	})
}
