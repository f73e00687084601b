package toolbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// lspConn is a JSON-RPC 2.0 client speaking to a language server over its
// standard input and output, with the LSP base protocol's framing: each
// message is "Content-Length: N\r\n" (other headers allowed), a blank line,
// then N bytes of JSON. Calls may be concurrent; one read loop (readLoop)
// dispatches the answers.
type lspConn struct {
	w      io.WriteCloser
	wmu    sync.Mutex
	nextID atomic.Int64

	mu      sync.Mutex
	pending map[int64]chan rpcResult
	err     error         // why the read loop ended; set before done closes
	done    chan struct{} // closed when the read loop ends
}

// rpcMessage is any JSON-RPC message: a request or notification (Method
// set), or a response (ID with Result or Error).
type rpcMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string {
	return fmt.Sprintf("language server error %d: %s", e.Code, e.Message)
}

type rpcResult struct {
	result json.RawMessage
	err    error
}

// maxLSPMessage bounds one message from a language server.
const maxLSPMessage = 64 << 20

// errLSPClosed reports a call on a connection whose server has gone.
var errLSPClosed = errors.New("the language server connection is closed")

func newLSPConn(w io.WriteCloser) *lspConn {
	return &lspConn{w: w, pending: map[int64]chan rpcResult{}, done: make(chan struct{})}
}

// readLoop reads the server's messages from r until it fails or ends, then
// fails the pending calls. It returns once its answers to the server's
// requests are written (or failed).
func (c *lspConn) readLoop(r io.Reader) {
	br := bufio.NewReader(r)
	var answers sync.WaitGroup
	defer answers.Wait()
	var err error
	for {
		var body []byte
		if body, err = readLSPMessage(br); err != nil {
			break
		}
		var m rpcMessage
		if json.Unmarshal(body, &m) != nil {
			continue // not JSON-RPC: ignore it, as a lenient client does
		}
		switch {
		case m.Method != "" && len(m.ID) > 0:
			// Answered aside: writing here could block on a server that is
			// itself blocked writing to us.
			answers.Go(func() { c.answerServerRequest(m) })
		case m.Method != "":
			// A notification (diagnostics, log messages): nothing to do.
		default:
			c.deliver(m)
		}
	}
	if errors.Is(err, io.EOF) {
		err = errLSPClosed
	}
	c.mu.Lock()
	c.err = err
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	close(c.done)
	for _, ch := range pending {
		ch <- rpcResult{err: err}
	}
}

// answerServerRequest answers a request the server sends the client
// (workspace/configuration, window/workDoneProgress/create, ...) with an
// empty result, so that the server does not wait for it.
func (c *lspConn) answerServerRequest(m rpcMessage) {
	result := json.RawMessage("null")
	if m.Method == "workspace/configuration" {
		var p struct {
			Items []json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal(m.Params, &p)
		result = json.RawMessage("[" + strings.TrimSuffix(strings.Repeat("null,", len(p.Items)), ",") + "]")
	}
	_ = c.write(rpcMessage{JSONRPC: "2.0", ID: m.ID, Result: result})
}

// deliver hands a response to its waiting call, if any.
func (c *lspConn) deliver(m rpcMessage) {
	id, err := strconv.ParseInt(string(bytes.Trim(m.ID, `"`)), 10, 64)
	if err != nil {
		return
	}
	c.mu.Lock()
	ch, ok := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if !ok {
		return // the call gave up (ctx ended)
	}
	if m.Error != nil {
		ch <- rpcResult{err: m.Error}
		return
	}
	ch <- rpcResult{result: m.Result}
}

// call sends the request method with params and decodes its result into
// out (unless out is nil). It returns when the answer arrives, the
// connection fails or ctx ends (then a $/cancelRequest is sent).
func (c *lspConn) call(ctx context.Context, method string, params, out any) error {
	raw, err := marshalParams(params)
	if err != nil {
		return err
	}
	id := c.nextID.Add(1)
	ch := make(chan rpcResult, 1)
	c.mu.Lock()
	if c.pending == nil {
		err := c.err
		c.mu.Unlock()
		return err
	}
	c.pending[id] = ch
	c.mu.Unlock()
	idJSON := json.RawMessage(strconv.FormatInt(id, 10))
	if err := c.write(rpcMessage{JSONRPC: "2.0", ID: idJSON, Method: method, Params: raw}); err != nil {
		c.forget(id)
		return err
	}
	select {
	case res := <-ch:
		if res.err != nil {
			return res.err
		}
		if out == nil || len(res.result) == 0 {
			return nil
		}
		return json.Unmarshal(res.result, out)
	case <-ctx.Done():
		c.forget(id)
		_ = c.notify("$/cancelRequest", map[string]int64{"id": id})
		return ctx.Err()
	}
}

func (c *lspConn) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// notify sends the notification method with params.
func (c *lspConn) notify(method string, params any) error {
	raw, err := marshalParams(params)
	if err != nil {
		return err
	}
	return c.write(rpcMessage{JSONRPC: "2.0", Method: method, Params: raw})
}

// marshalParams encodes params; nil gives no params member at all.
func marshalParams(params any) (json.RawMessage, error) {
	if params == nil {
		return nil, nil
	}
	return json.Marshal(params)
}

// write sends one framed message.
func (c *lspConn) write(m rpcMessage) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	select {
	case <-c.done:
		return errLSPClosed
	default:
	}
	if err := writeLSPMessage(c.w, body); err != nil {
		return fmt.Errorf("writing to the language server: %w", err)
	}
	return nil
}

// close closes the server's standard input.
func (c *lspConn) close() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.w.Close()
}

// writeLSPMessage writes body with its Content-Length header.
func writeLSPMessage(w io.Writer, body []byte) error {
	var b bytes.Buffer
	b.Grow(len(body) + 32)
	b.WriteString("Content-Length: ")
	b.WriteString(strconv.Itoa(len(body)))
	b.WriteString("\r\n\r\n")
	b.Write(body)
	_, err := w.Write(b.Bytes())
	return err
}

// readLSPMessage reads one framed message and returns its body. Header
// names are case-insensitive; headers other than Content-Length are
// ignored; a line may end with "\n" alone. It returns io.EOF at a clean
// end between messages and an error for a malformed header, a missing or
// out-of-range length, or a cut body.
func readLSPMessage(r *bufio.Reader) ([]byte, error) {
	length := -1
	sawHeader := false
	for {
		raw, err := r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			return nil, errors.New("message header line too long")
		case errors.Is(err, io.EOF) && !sawHeader && len(bytes.TrimSpace(raw)) == 0:
			return nil, io.EOF
		case err != nil:
			return nil, fmt.Errorf("reading a message header: %w", io.ErrUnexpectedEOF)
		}
		line := strings.TrimRight(string(raw), "\r\n")
		if line == "" {
			if !sawHeader {
				continue // tolerate stray blank lines between messages
			}
			break
		}
		sawHeader = true
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("malformed message header %q", line)
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 0 || n > maxLSPMessage {
				return nil, fmt.Errorf("invalid Content-Length %q", strings.TrimSpace(value))
			}
			length = n
		}
	}
	if length < 0 {
		return nil, errors.New("message without Content-Length")
	}
	// Read rather than allocate up front: a bogus length must not cost its size.
	body, err := io.ReadAll(io.LimitReader(r, int64(length)))
	if err != nil || len(body) != length {
		return nil, fmt.Errorf("reading a message body: %w", io.ErrUnexpectedEOF)
	}
	return body, nil
}
