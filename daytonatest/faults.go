package daytonatest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Always, as Fault.Count, makes a fault apply to every matching request until
// ClearFaults.
const Always = -1

// Fault describes how the server misbehaves for matching requests. It is
// matched against the method and the URL path (relative to Server.URL, query
// ignored); the first registered fault that matches and has uses left wins.
//
// The actions combine in this order: wait Delay; then, if Reset, drop the
// connection with a TCP reset without answering; else, if Status is set,
// answer it (with a NestJS-shaped error body unless Body or EmptyBody say
// otherwise) without running the real handler; else run the real handler,
// and if ResetAfterBytes (or CloseAfterBytes) is set, drop the connection
// once that many response bytes have been written - headers excluded, the
// body cut mid-way. Both also cut hijacked connections (WebSockets) after
// that many bytes written to them.
type Fault struct {
	// Method matches the HTTP method ("" matches any).
	Method string
	// Path matches the URL path segment by segment ("" matches any path):
	// a segment "*" or "{name}" matches any one segment, a final "**"
	// matches any rest (even none). So the contract's own templates work:
	// "/sandbox/{sandboxIdOrName}/start", "/toolbox/*/files/**".
	Path string
	// Count is how many matching requests the fault applies to: 0 means 1,
	// Always (any negative value) means every one until ClearFaults.
	Count int
	// Status is the status to answer with, e.g. 429 or 503.
	Status int
	// RetryAfter, if set, is sent verbatim as the Retry-After header (e.g.
	// "1", or an HTTP date).
	RetryAfter string
	// Body, if set, is sent verbatim instead of the NestJS-shaped body
	// (with ContentType, default application/json).
	Body string
	// ContentType is the Content-Type of Body.
	ContentType string
	// EmptyBody sends no body at all with Status.
	EmptyBody bool
	// Delay is waited before anything else (the request's context or the
	// server closing cut it short).
	Delay time.Duration
	// Reset drops the connection (TCP RST) instead of answering. Note that
	// Go's http.Transport transparently retries an idempotent request (GET,
	// or any request with an Idempotency-Key) once when a reused keep-alive
	// connection dies before any response byte: count with Requests.
	Reset bool
	// ResetAfterBytes, if > 0, lets the request through and drops the
	// connection (TCP reset) after that many response body bytes.
	ResetAfterBytes int64
	// CloseAfterBytes is ResetAfterBytes with an orderly close (FIN)
	// instead of a reset: the body just stops, e.g. a chunked body without
	// its last chunk, the way a proxy cuts a stream (PROTOCOLS.md quirk 42).
	CloseAfterBytes int64
}

// InjectFault registers f. Faults stay until used up or ClearFaults.
func (s *Server) InjectFault(f Fault) {
	s.faults.add(f)
}

// ClearFaults removes every registered fault.
func (s *Server) ClearFaults() {
	s.faults.clear()
}

// Requests counts the requests received so far (faulted ones included) whose
// method and path match, with the same matching rules as Fault ("" matches
// anything). A test asserting "retried exactly twice" checks that the count
// is 3. Requests to the object storage endpoint (ObjectStorageURL) are
// counted, and faulted, too, by their path there, e.g.
// "/daytona-volume-builds/**".
func (s *Server) Requests(method, pathPattern string) int {
	return s.faults.requests(method, pathPattern)
}

type faultEntry struct {
	f       Fault
	pattern []string
	left    int // < 0: unlimited
}

type faultTable struct {
	mu     sync.Mutex
	faults []*faultEntry
	counts map[reqKey]int
}

type reqKey struct{ method, path string }

func (ft *faultTable) add(f Fault) {
	left := f.Count
	if left == 0 {
		left = 1
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.faults = append(ft.faults, &faultEntry{f: f, pattern: splitPattern(f.Path), left: left})
}

func (ft *faultTable) clear() {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.faults = nil
}

func (ft *faultTable) count(r *http.Request) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.counts == nil {
		ft.counts = map[reqKey]int{}
	}
	ft.counts[reqKey{r.Method, r.URL.Path}]++
}

func (ft *faultTable) requests(method, pattern string) int {
	pat := splitPattern(pattern)
	ft.mu.Lock()
	defer ft.mu.Unlock()
	n := 0
	for k, c := range ft.counts {
		if methodMatches(method, k.method) && pathMatches(pat, k.path) {
			n += c
		}
	}
	return n
}

// take returns the fault for r, using one of its uses, or nil.
func (ft *faultTable) take(r *http.Request) *Fault {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	for i, e := range ft.faults {
		if !methodMatches(e.f.Method, r.Method) || !pathMatches(e.pattern, r.URL.Path) {
			continue
		}
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				ft.faults = append(ft.faults[:i:i], ft.faults[i+1:]...)
			}
		}
		f := e.f
		return &f
	}
	return nil
}

// apply performs the fault matching r, if any. It returns the writer the
// request must go on with, and whether the request has been fully handled.
func (ft *faultTable) apply(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) (http.ResponseWriter, bool) {
	f := ft.take(r)
	if f == nil {
		return w, false
	}
	if f.Delay > 0 && !sleepCtx(r.Context(), stop, f.Delay) {
		return w, true
	}
	switch {
	case f.Reset:
		// Nothing may be written first: a flush would send "200 OK" and
		// turn the reset into a body that broke off.
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		abortConn(conn, true)
		return w, true
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		switch {
		case f.EmptyBody:
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(f.Status)
		case f.Body != "":
			ct := f.ContentType
			if ct == "" {
				ct = "application/json"
			}
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Content-Length", strconv.Itoa(len(f.Body)))
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte(f.Body))
		default:
			writeNestError(w, r, f.Status, fmt.Sprintf("injected fault: %d %s", f.Status, reasonPhrase(f.Status)))
		}
		return w, true
	case f.ResetAfterBytes > 0:
		return &cuttingWriter{ResponseWriter: w, left: f.ResetAfterBytes, rst: true}, false
	case f.CloseAfterBytes > 0:
		return &cuttingWriter{ResponseWriter: w, left: f.CloseAfterBytes}, false
	}
	return w, false
}

func sleepCtx(ctx context.Context, stop <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	}
}

// resetConn hijacks w's connection and closes it with SO_LINGER 0, so the
// peer sees a TCP reset. Whatever w had buffered is flushed first.
func resetConn(w http.ResponseWriter, rst bool) {
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	conn, buf, err := rc.Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): abort the response the only way left.
		panic(http.ErrAbortHandler)
	}
	if buf != nil {
		_ = buf.Flush()
	}
	abortConn(conn, rst)
}

// abortConn closes conn; with rst the peer sees a TCP reset (SO_LINGER 0)
// instead of an orderly close.
func abortConn(conn net.Conn, rst bool) {
	if tc, ok := conn.(*net.TCPConn); ok && rst {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// cuttingWriter passes a response through until left body bytes have been
// written, then closes the connection (with a reset if rst).
type cuttingWriter struct {
	http.ResponseWriter
	mu   sync.Mutex
	left int64
	rst  bool
	cut  bool
}

func (cw *cuttingWriter) Write(p []byte) (int, error) {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	if cw.cut {
		return 0, net.ErrClosed
	}
	if int64(len(p)) < cw.left {
		n, err := cw.ResponseWriter.Write(p)
		cw.left -= int64(n)
		return n, err
	}
	n, err := cw.ResponseWriter.Write(p[:cw.left])
	cw.left -= int64(n)
	cw.cut = true
	resetConn(cw.ResponseWriter, cw.rst)
	if err == nil {
		err = net.ErrClosed
	}
	return n, err
}

// Flush passes flushes through (streams rely on them).
func (cw *cuttingWriter) Flush() {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	if !cw.cut {
		_ = http.NewResponseController(cw.ResponseWriter).Flush()
	}
}

// Hijack hands out the connection wrapped so the cut still happens after
// the remaining byte budget (WebSockets).
func (cw *cuttingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	conn, buf, err := http.NewResponseController(cw.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	cc := &cuttingConn{Conn: conn, left: cw.left, rst: cw.rst}
	if buf != nil {
		buf.Writer.Reset(cc)
	}
	cw.cut = true
	return cc, buf, nil
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (cw *cuttingWriter) Unwrap() http.ResponseWriter { return cw.ResponseWriter }

// cuttingConn closes a hijacked connection after left written bytes.
type cuttingConn struct {
	net.Conn
	mu   sync.Mutex
	left int64
	rst  bool
	cut  bool
}

func (c *cuttingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cut {
		return 0, net.ErrClosed
	}
	if int64(len(p)) < c.left {
		n, err := c.Conn.Write(p)
		c.left -= int64(n)
		return n, err
	}
	n, err := c.Conn.Write(p[:c.left])
	c.cut = true
	abortConn(c.Conn, c.rst)
	if err == nil {
		err = net.ErrClosed
	}
	return n, err
}

func methodMatches(want, got string) bool {
	return want == "" || strings.EqualFold(want, got)
}

// splitPattern turns a path pattern into segments; nil matches any path.
func splitPattern(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// pathMatches matches a path against pattern segments (see Fault.Path).
func pathMatches(pattern []string, path string) bool {
	if pattern == nil {
		return true
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range pattern {
		if p == "**" && i == len(pattern)-1 {
			return true
		}
		if i >= len(segs) {
			return false
		}
		wild := p == "*" || (len(p) > 2 && p[0] == '{' && p[len(p)-1] == '}')
		if wild {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if p != segs[i] {
			return false
		}
	}
	return len(segs) == len(pattern)
}
