package daytonatest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running emulator of the Daytona control plane (and, under
// URL+"/toolbox", of the per-sandbox toolbox). Its methods are safe for
// concurrent use.
type Server struct {
	// URL is the API base URL, e.g. "http://127.0.0.1:41234" (no trailing
	// slash). The control plane answers at URL+"/sandbox" etc., exactly the
	// paths of openapi.yaml.
	URL string
	// APIKey is the bearer token every request must carry.
	APIKey string
	// OrganizationID is the ID of the one organization the API key belongs
	// to; every sandbox and snapshot carries it.
	OrganizationID string

	cfg     config
	dataDir string
	ownDir  bool // Close removes dataDir
	minute  time.Duration
	sched   *scheduler
	cp      http.Handler // the validated control plane

	// toolboxFactory makes a sandbox's toolbox (see toolbox.go).
	toolboxFactory func(toolboxSandbox) (sandboxToolbox, error)
	bg             sync.WaitGroup // background work Close waits for: toolbox closes, the telemetry sampler

	events *eventRoom // the push channel's sockets (events.go)
	jwtKey []byte     // signs and checks the tokens of IssueJWT (jwt.go)
	// teleOnce makes tele, the telemetry store, on first use (telemetry.go).
	teleOnce sync.Once
	tele     *telemetryStore

	previewTransport *http.Transport // the preview proxy's, closed by Close

	store *objectStore // the S3 endpoint for build contexts (objectstorage.go)

	mu             sync.Mutex
	closed         bool
	sandboxes      map[string]*sandbox // by ID; destroyed sandboxes are removed
	snapshots      map[string]*snapshot
	volumes        map[string]*volume        // by ID; deleted volumes are kept
	secrets        map[string]*secret        // by ID
	warmPools      map[string]*warmPool      // by ID
	sshAccess      map[string]*sshAccess     // by token
	signedPreviews map[string]*signedPreview // by token
	failNext       map[Op][]Failure
	latency        map[State]time.Duration
	defaultLatency time.Duration

	faults faultTable

	vmu        sync.Mutex
	violations []error

	httpSrv   *http.Server
	ctx       context.Context // canceled by Close; streams end when it is
	cancel    context.CancelFunc
	served    chan struct{} // closed when httpSrv.Serve has returned
	closeOnce sync.Once
	active    activeTracker
}

// NewServer starts a server for the test t and closes it when the test ends.
// At cleanup every contract violation or internal error the server recorded
// (see Violations) fails the test, unless the test took it with
// TakeViolations. Sandbox directories live under t.TempDir() unless
// WithDataDir says otherwise.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	all := make([]Option, 0, len(opts)+1)
	all = append(all, func(c *config) { c.dataDir = t.TempDir() })
	all = append(all, opts...)
	s, err := Start(all...)
	if err != nil {
		t.Fatalf("daytonatest: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, v := range s.TakeViolations() {
			t.Errorf("daytonatest: %v", v)
		}
	})
	return s
}

// Start starts a server outside of a test (for cmd/daytona-emulator or an
// example). The caller must Close it. Violations are only collected (see
// Violations) and logged if WithLogger is given.
func Start(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg:            cfg,
		minute:         time.Minute,
		sched:          newScheduler(),
		sandboxes:      map[string]*sandbox{},
		snapshots:      map[string]*snapshot{},
		volumes:        map[string]*volume{},
		secrets:        map[string]*secret{},
		warmPools:      map[string]*warmPool{},
		sshAccess:      map[string]*sshAccess{},
		signedPreviews: map[string]*signedPreview{},
		failNext:       map[Op][]Failure{},
		latency:        map[State]time.Duration{},
		defaultLatency: cfg.defaultLatency,
		events:         newEventRoom(),
		jwtKey:         []byte(randomHex(32)),
		previewTransport: &http.Transport{
			Proxy:           nil,
			MaxIdleConns:    16,
			IdleConnTimeout: 30 * time.Second,
		},
		APIKey:         cfg.apiKey,
		OrganizationID: newUUID(),
	}
	for st, d := range cfg.latency {
		s.latency[st] = d
	}
	if s.APIKey == "" {
		s.APIKey = "dtn_emu_" + randomHex(24)
	}
	if cfg.dataDir == "" {
		dir, err := os.MkdirTemp("", "daytonatest-")
		if err != nil {
			return nil, fmt.Errorf("creating data directory: %w", err)
		}
		s.dataDir, s.ownDir = dir, true
	} else {
		s.dataDir = cfg.dataDir
	}
	for _, sub := range []string{"sandboxes", "snapshots", "volumes"} {
		if err := os.MkdirAll(filepath.Join(s.dataDir, sub), 0o755); err != nil {
			s.removeOwnDir()
			return nil, fmt.Errorf("creating data directory: %w", err)
		}
	}
	s.addDefaultSnapshot(cfg.defaultSnapshot)

	cp, err := s.newControlPlane()
	if err != nil {
		s.removeOwnDir()
		return nil, err
	}
	s.cp = cp
	s.toolboxFactory = s.newToolbox

	if err := checkLoopback(cfg.addr); err != nil {
		s.removeOwnDir()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		s.removeOwnDir()
		return nil, fmt.Errorf("listening on %s: %w", cfg.addr, err)
	}
	s.URL = "http://" + ln.Addr().String()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if err := s.startObjectStore(host); err != nil {
		s.cancel()
		_ = ln.Close()
		s.removeOwnDir()
		return nil, fmt.Errorf("starting the object storage endpoint: %w", err)
	}
	s.httpSrv = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(slog.DiscardHandler, slog.LevelError),
	}
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		_ = s.httpSrv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server: it closes every connection, ends every stream,
// stops every pending state transition and waits for all of them. Close is
// idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.cancel()
		_ = s.httpSrv.Close()
		<-s.served
		s.closeObjectStore()
		s.sched.close()
		s.mu.Lock()
		s.closed = true
		for _, sb := range s.sandboxes {
			s.closeToolbox(sb)
		}
		s.mu.Unlock()
		s.active.closeAndWait()
		s.bg.Wait()
		s.previewTransport.CloseIdleConnections()
		s.removeOwnDir()
	})
}

func (s *Server) removeOwnDir() {
	if s.ownDir {
		_ = os.RemoveAll(s.dataDir)
	}
}

// DataDir is the directory holding sandbox and snapshot directories.
func (s *Server) DataDir() string { return s.dataDir }

// Violations returns the contract violations and internal errors recorded so
// far: requests or responses that do not match openapi.yaml, handler panics,
// unexpected handler errors. Messages never contain request values.
func (s *Server) Violations() []error {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	return append([]error(nil), s.violations...)
}

// TakeViolations returns the recorded violations and forgets them, so a test
// that provokes one on purpose can assert on it without failing.
func (s *Server) TakeViolations() []error {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	v := s.violations
	s.violations = nil
	return v
}

func (s *Server) recordf(format string, args ...any) {
	err := fmt.Errorf(format, args...)
	s.vmu.Lock()
	s.violations = append(s.violations, err)
	s.vmu.Unlock()
	if s.cfg.logger != nil {
		s.cfg.logger.Error("daytonatest: " + err.Error())
	}
}

// SetLatency changes, from now on, how long a sandbox stays in the given
// transitional states; with no states it changes the default for every state
// without a latency of its own. Transitions already scheduled keep their
// timing.
func (s *Server) SetLatency(d time.Duration, states ...State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(states) == 0 {
		s.defaultLatency = d
		return
	}
	for _, st := range states {
		s.latency[st] = d
	}
}

// FailNext makes the next operation op (counted across all sandboxes) end in
// the failure f instead of its normal final state: e.g.
// FailNext(OpCreate, Failure{Reason: "no runner", Recoverable: true}) leaves
// the next created sandbox in state error with that reason. Failures queue
// up per operation.
func (s *Server) FailNext(op Op, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[op] = append(s.failNext[op], f.normalized())
}

// Fail moves the sandbox (by ID or name) into the failure f right now, as if
// its runner had reported it, cancelling any transition in progress.
func (s *Server) Fail(idOrName string, f Failure) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(idOrName)
	if err != nil {
		return err
	}
	s.failLocked(sb, f)
	return nil
}

// SandboxDir returns the host directory of the sandbox (by ID or name).
func (s *Server) SandboxDir(idOrName string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookup(idOrName)
	if err != nil {
		return "", err
	}
	return sb.dir, nil
}

// serveHTTP is the root handler: request counting, fault injection, auth,
// then the toolbox, the build-log streams, the preview proxy or the
// control plane.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.active.enter() {
		writeNestError(w, r, http.StatusServiceUnavailable, "server is closing")
		return
	}
	defer s.active.leave()
	defer s.recoverPanic(w, r)

	s.faults.count(r)
	w, handled := s.faults.apply(w, r, s.ctx.Done())
	if handled {
		return
	}
	path := r.URL.Path
	if strings.HasPrefix(path, previewPrefix) {
		s.servePreview(w, r)
		return
	}
	if isEventsPath(path) { // events.go: the push channel authenticates in its CONNECT packet
		s.serveEvents(w, r)
		return
	}
	switch s.authStatus(r) { // jwt.go
	case 0:
	case http.StatusForbidden:
		writeNestError(w, r, http.StatusForbidden, "Forbidden")
		return
	default:
		if s.serveSignedFileURL(w, r) { // signedurl.go
			return
		}
		writeNestError(w, r, http.StatusUnauthorized, "Unauthorized")
		return
	}
	switch {
	case strings.HasPrefix(path, toolboxPrefix):
		s.serveToolbox(w, r)
	case isBuildLogsPath(path):
		s.serveBuildLogs(w, r)
	default:
		s.cp.ServeHTTP(w, r)
	}
}

func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler { // an intended abort: let net/http drop the connection
		panic(v)
	}
	s.recordf("panic serving %s %s: %v", r.Method, r.URL.Path, v)
	writeNestError(w, r, http.StatusInternalServerError, "An unexpected error occurred.")
}

// activeTracker counts running handlers so Close can wait for them.
type activeTracker struct {
	mu     sync.Mutex
	n      int
	closed bool
	idle   chan struct{}
}

func (a *activeTracker) enter() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	a.n++
	return true
}

func (a *activeTracker) leave() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n--
	if a.n == 0 && a.idle != nil {
		close(a.idle)
		a.idle = nil
	}
}

func (a *activeTracker) closeAndWait() {
	a.mu.Lock()
	a.closed = true
	if a.n == 0 {
		a.mu.Unlock()
		return
	}
	idle := make(chan struct{})
	a.idle = idle
	a.mu.Unlock()
	<-idle
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// checkLoopback refuses listen addresses reachable from other machines: the
// emulator runs commands for anyone who has its key.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("daytonatest: listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("daytonatest: listen address %q: the emulator listens on loopback addresses only (127.0.0.0/8, ::1, localhost)", addr)
	}
	return nil
}
