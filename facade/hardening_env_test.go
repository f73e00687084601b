package daytona

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/daytonatest"
)

// Shared helpers of the hardening tests (hardening_*_test.go, load_test.go):
// an emulator, a client whose retry sleeps are recorded instead of slept,
// a started sandbox, a hang guard and a connection-counting dialer.

// hangGuard bounds a call that must return on its own (by ctx, an error or
// a dropped connection). It is not a timing assertion: it only turns a
// hang into a failure instead of a stuck test binary.
const hangGuard = 60 * time.Second

// hardEnv is one emulator, a client for it and a started sandbox.
type hardEnv struct {
	srv    *daytonatest.Server
	c      *Client
	sleeps *sleepRecorder
	dials  *dialCounter
	sb     *Sandbox
	ctx    context.Context
}

// newHardEnv starts an emulator and a client for it (cfg's APIURL and
// APIKey are filled in) whose retry layer records its waits instead of
// sleeping, counts the TCP connections it opens, and creates a sandbox.
func newHardEnv(t *testing.T, cfg Config, opts ...daytonatest.Option) *hardEnv {
	t.Helper()
	e := newHardClient(t, cfg, opts...)
	sb, err := e.c.Create(e.ctx, FromSnapshot{}, CreateOptions{})
	require.NoError(t, err)
	e.sb = sb
	return e
}

// newHardClient is newHardEnv without the sandbox.
func newHardClient(t *testing.T, cfg Config, opts ...daytonatest.Option) *hardEnv {
	t.Helper()
	srv := daytonatest.NewServer(t, opts...)
	cfg.APIURL = srv.URL
	if cfg.APIKey == "" && cfg.JWTToken == "" {
		cfg.APIKey = srv.APIKey
	}
	c := newTestClient(t, cfg)
	s := &sleepRecorder{}
	c.retrier.Sleep = s.sleep
	d := &dialCounter{}
	if c.own != nil {
		d.next = c.own.DialContext
		c.own.DialContext = d.dial
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return &hardEnv{srv: srv, c: c, sleeps: s, dials: d, ctx: ctx}
}

// tbPath is the emulator path of the sandbox's toolbox endpoint rest.
func (e *hardEnv) tbPath(rest string) string { return "/toolbox/" + e.sb.ID() + "/" + rest }

// calls counts the requests the emulator received for method and pattern
// while f ran.
func (e *hardEnv) calls(method, pattern string, f func()) int {
	before := e.srv.Requests(method, pattern)
	f()
	return e.srv.Requests(method, pattern) - before
}

// noHang runs f and fails the test if it does not return within hangGuard.
// f must not call t.FailNow; it reports through its results.
func noHang(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(hangGuard):
		t.Fatalf("%s did not return within %v", what, hangGuard)
	}
}

// catchPanic runs f and returns the value of a panic it raised, if any.
func catchPanic(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// dialCounter wraps a DialContext and counts the connections it made, the
// ones still open, and the most open at once.
type dialCounter struct {
	next func(ctx context.Context, network, addr string) (net.Conn, error)

	mu      sync.Mutex
	total   int
	open    int
	maxOpen int
}

func (d *dialCounter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := d.next(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.total++
	d.open++
	d.maxOpen = max(d.maxOpen, d.open)
	d.mu.Unlock()
	return &countedConn{Conn: conn, d: d}, nil
}

// counts returns the connections made, open now, and open at most.
func (d *dialCounter) counts() (total, open, maxOpen int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.total, d.open, d.maxOpen
}

func (d *dialCounter) String() string {
	total, open, maxOpen := d.counts()
	return fmt.Sprintf("%d dialled, %d open, at most %d open at once", total, open, maxOpen)
}

type countedConn struct {
	net.Conn
	d      *dialCounter
	closed atomic.Bool
}

func (c *countedConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.d.mu.Lock()
		c.d.open--
		c.d.mu.Unlock()
	}
	return c.Conn.Close()
}

// patternSource produces n bytes without holding them, and counts how many
// were read.
type patternSource struct {
	left int64
	read atomic.Int64
}

func (p *patternSource) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.left))
	for i := range n {
		b[i] = byte('a' + i%26)
	}
	p.left -= int64(n)
	p.read.Add(int64(n))
	return n, nil
}
