package toolbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/daytona-go/daytona/daytonatest/internal/hostinfo"
	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
	"github.com/daytona-go/daytona/internal/version"
)

// Config configures a [Toolbox].
type Config struct {
	// Root is the sandbox's host directory: its work dir and home, the
	// directory relative paths resolve against, and the only tree the file
	// and git APIs touch. It must exist. Required.
	Root string
	// Env is the initial environment of every process the toolbox starts
	// (exec, code run, sessions, git), as "KEY=value" strings. Nil means the
	// host's environment. HOME is always set to Root. POST /env changes it.
	Env []string
	// Entrypoint, when not empty, is run at start in the reserved session
	// "entrypoint" (GET /process/session/entrypoint and its logs), as a shell
	// command made of the quoted arguments.
	Entrypoint []string
	// Shell runs exec commands and session shells. Empty means bash when it
	// is on PATH, else sh.
	Shell string
	// Version is what GET /version reports. Empty means "v" + the API
	// version this module targets.
	Version string
	// Logger receives the toolbox's diagnostics. Nil means none.
	Logger *slog.Logger
	// InterpreterPython is the Python the code interpreter's workers run
	// (the standard library is all they need). Empty means python3 on the
	// PATH of Env.
	InterpreterPython string
	// Mounts are the volumes mounted in the sandbox (see mounts.go): the
	// file API follows a path into a mount's HostDir and confines it there.
	// Each mount point must lie under Root; processes reach the mount
	// through whatever the caller put at the mount point (the emulator puts
	// a symbolic link there).
	Mounts []Mount
}

// Toolbox is the emulator's implementation of one sandbox's toolbox API.
// Processes are real host processes running as the emulator's user: only
// the file and git APIs are confined to the root, a command can reach the
// whole host. A Toolbox is safe for concurrent use.
type Toolbox struct {
	core    *core
	srv     *server
	handler http.Handler
}

// core is the state every area of the toolbox shares.
type core struct {
	fs       *sandboxFS
	root     string
	env      *envStore
	log      *slog.Logger
	shell    string
	stateDir string // the toolbox's own files (session FIFOs and logs), outside the root
	version  string

	ctx    context.Context // ends when the toolbox closes
	cancel context.CancelFunc
	wg     sync.WaitGroup // background goroutines

	procMu sync.Mutex
	procs  map[int]struct{} // process-group ids of running processes

	// cpuPrev is the previous /proc/stat sample, so that cpuUsedPct covers
	// the time since the previous metrics call (since boot for the first).
	cpuMu   sync.Mutex
	cpuPrev hostinfo.CPU
}

// server implements the generated strict server interface. Each area of the
// API is an embedded handler set in its own file.
type server struct {
	fileHandlers
	gitHandlers
	processHandlers
	sessionHandlers
	infoHandlers
	ptyHandlers
	interpreterHandlers
	lspHandlers
	computerUseHandlers
}

var _ tbserver.StrictServerInterface = (*server)(nil)

// New returns a Toolbox serving the sandbox directory cfg.Root. Close it to
// stop its processes.
func New(cfg Config) (*Toolbox, error) {
	if cfg.Root == "" {
		return nil, errors.New("toolbox: Config.Root is required")
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("toolbox: root: %w", err)
	}
	if root, err = filepath.EvalSymlinks(root); err != nil {
		return nil, fmt.Errorf("toolbox: root: %w", err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("toolbox: root %s is not a directory", root)
	}
	base, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("toolbox: open root: %w", err)
	}
	mounts, err := openMounts(root, cfg.Mounts)
	if err != nil {
		_ = base.Close()
		return nil, fmt.Errorf("toolbox: %w", err)
	}
	r := &roots{main: base, mounts: mounts}
	shell := cfg.Shell
	if shell == "" {
		shell = "sh"
		if p, err := exec.LookPath("bash"); err == nil {
			shell = p
		}
	}
	stateDir, err := os.MkdirTemp("", "daytona-toolbox-*")
	if err != nil {
		_ = r.Close()
		return nil, fmt.Errorf("toolbox: state dir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(stateDir, askpassFile), []byte(askpassScript), 0o700); err != nil {
		_, _ = r.Close(), os.RemoveAll(stateDir)
		return nil, fmt.Errorf("toolbox: askpass helper: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ver := cfg.Version
	if ver == "" {
		ver = "v" + version.API
	}
	env := cfg.Env
	if env == nil {
		env = os.Environ()
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &core{
		fs:       &sandboxFS{root: root, r: r},
		root:     root,
		env:      newEnvStore(env, root),
		log:      logger,
		shell:    shell,
		stateDir: stateDir,
		version:  ver,
		ctx:      ctx,
		cancel:   cancel,
		procs:    map[int]struct{}{},
	}
	srv := &server{
		fileHandlers:        fileHandlers{c},
		gitHandlers:         gitHandlers{c},
		processHandlers:     processHandlers{c},
		sessionHandlers:     sessionHandlers{newSessionManager(c)},
		infoHandlers:        infoHandlers{c},
		lspHandlers:         newLSPHandlers(c),
		computerUseHandlers: newComputerUseHandlers(c),

		ptyHandlers:         newPTYHandlers(c),
		interpreterHandlers: newInterpreterHandlers(c, cfg.InterpreterPython),
	}
	t := &Toolbox{core: c, srv: srv}
	t.handler = t.routes()
	if len(cfg.Entrypoint) > 0 {
		if err := srv.sessions.startEntrypoint(shellJoin(cfg.Entrypoint)); err != nil {
			_ = t.Close()
			return nil, fmt.Errorf("toolbox: entrypoint: %w", err)
		}
	}
	return t, nil
}

// Root returns the sandbox's host directory (absolute, symlinks resolved).
func (t *Toolbox) Root() string { return t.core.root }

// Handler returns the toolbox API. It expects paths relative to the
// toolbox base ("/files", "/process/execute", …): mount it behind
// http.StripPrefix("/toolbox/{sandboxId}", …).
func (t *Toolbox) Handler() http.Handler { return t.handler }

// Close kills every process the toolbox started (exec, code run, session
// shells and their children), closes session log followers, waits for its
// goroutines and removes its state directory. Requests served after Close
// fail with 500. It is safe to call more than once.
func (t *Toolbox) Close() error {
	c := t.core
	c.cancel()
	t.srv.sessions.closeAll()
	c.killAll()
	c.wg.Wait()
	err := os.RemoveAll(c.stateDir)
	if rerr := c.fs.r.Close(); rerr != nil && !errors.Is(rerr, os.ErrClosed) {
		err = errors.Join(err, rerr)
	}
	return err
}

// routes builds the router: the generated routes over the strict server,
// with the few routes the generated interface cannot express (WebSocket
// upgrades, raw upload bodies, routes absent from the spec) mounted by hand.
func (t *Toolbox) routes() http.Handler {
	strict := tbserver.NewStrictHandlerWithOptions(t.srv, nil, tbserver.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  requestError,
		ResponseErrorHandlerFunc: writeError,
	})
	r := chi.NewRouter()
	r.NotFound(notFoundText)
	r.MethodNotAllowed(notFoundText)
	// Not in the v0.205.1 spec, still served by the daemon (3.5, 0.7).
	r.Post("/files/upload", t.srv.legacyUpload)
	r.Get("/project-dir", t.srv.projectDir)
	tbserver.HandlerWithOptions(&overrides{ServerInterface: strict, s: t.srv}, tbserver.ChiServerOptions{
		BaseRouter:       r,
		ErrorHandlerFunc: paramError,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("X-Request-Id", uuid.NewString())
		rw := &responseWriter{ResponseWriter: w}
		req = req.WithContext(context.WithValue(req.Context(), headersKey{}, req.Header))
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				t.core.log.Error("toolbox handler panic", "path", req.URL.Path, "panic", fmt.Sprint(v))
				if !rw.wroteHeader {
					writeError(rw, req, internalError("%v", v))
				}
			}
		}()
		if t.core.ctx.Err() != nil {
			writeError(rw, req, internalError("the toolbox is closed"))
			return
		}
		r.ServeHTTP(rw, req)
	})
}

// headersKey is the context key of the request headers, which the strict
// handlers need for the SDK version (sessions) and do not get otherwise.
type headersKey struct{}

// headersFrom returns the request headers stored by the router.
func headersFrom(ctx context.Context) http.Header {
	h, _ := ctx.Value(headersKey{}).(http.Header)
	return h
}

// notFoundText is gin's answer to an unknown route.
func notFoundText(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("404 page not found"))
}

// overrides replaces the generated handling of the operations the strict
// interface cannot express, and delegates the others.
type overrides struct {
	tbserver.ServerInterface
	s *server
}

// UploadFile accepts a raw body besides multipart/form-data (3.5).
func (o *overrides) UploadFile(w http.ResponseWriter, r *http.Request, params tbserver.UploadFileParams) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		o.ServerInterface.UploadFile(w, r, params)
		return
	}
	o.s.rawUpload(w, r, params.Path)
}

// GetSessionCommandLogs follows the log over a WebSocket on an upgrade.
func (o *overrides) GetSessionCommandLogs(w http.ResponseWriter, r *http.Request, sessionID, commandID string, params tbserver.GetSessionCommandLogsParams) {
	if isWebSocketUpgrade(r) {
		o.s.followLogs(w, r, sessionID, commandID, params.Follow != nil && *params.Follow)
		return
	}
	o.ServerInterface.GetSessionCommandLogs(w, r, sessionID, commandID, params)
}

// GetEntrypointLogs follows the entrypoint's log over a WebSocket on an
// upgrade.
func (o *overrides) GetEntrypointLogs(w http.ResponseWriter, r *http.Request, params tbserver.GetEntrypointLogsParams) {
	if isWebSocketUpgrade(r) {
		o.s.followLogs(w, r, entrypointSession, "", params.Follow != nil && *params.Follow)
		return
	}
	o.ServerInterface.GetEntrypointLogs(w, r, params)
}

// responseWriter adds "; charset=utf-8" to the JSON and text bodies of
// successful answers (the daemon's success JSON carries it, its error
// envelope does not) and remembers whether the header was written.
type responseWriter struct {
	http.ResponseWriter
	wroteHeader bool
}

func (w *responseWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	if status < http.StatusBadRequest {
		h := w.Header()
		switch ct := h.Get("Content-Type"); ct {
		case "application/json", "text/plain":
			h.Set("Content-Type", ct+"; charset=utf-8")
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the underlying writer's fast path (sendfile for a file
// download) reachable through the wrapper.
func (w *responseWriter) ReadFrom(r io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, r)
}

// writerOnly hides every method but Write.
type writerOnly struct{ io.Writer }

// Flush sends buffered data to the client.
func (w *responseWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController and WebSocket upgrades the
// underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// goTracked runs f in a goroutine the toolbox waits for on Close. It is
// called only while a tracked process or goroutine runs, so that the wait
// group's counter is not zero.
func (c *core) goTracked(f func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
}

// startProcess starts cmd in its own process group and records the group
// so that Close can kill it; Close also waits for the process to be
// released. The caller calls releaseProcess exactly once, after Wait.
func (c *core) startProcess(cmd *exec.Cmd) error { return c.startTracked(cmd, 0) }

// startTracked is startProcess plus extra wait-group tokens taken at the
// same time (a session holds one until it is shut down).
func (c *core) startTracked(cmd *exec.Cmd, extra int) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	c.procMu.Lock()
	defer c.procMu.Unlock()
	if c.ctx.Err() != nil {
		return errors.New("the toolbox is closed")
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	c.procs[cmd.Process.Pid] = struct{}{}
	c.wg.Add(1 + extra) // before Close can reach wg.Wait: it cancels ctx, then takes procMu
	return nil
}

// killAll kills every recorded process group.
func (c *core) killAll() {
	c.procMu.Lock()
	defer c.procMu.Unlock()
	for pgid := range c.procs {
		killGroup(pgid)
	}
}

// killGroup sends SIGKILL to the process group pgid.
func killGroup(pgid int) {
	_ = signalGroup(pgid, syscall.SIGKILL)
}

// releaseProcess forgets the process group of a finished command once it
// has no member left; background children keep it recorded so that Close
// kills them.
func (c *core) releaseProcess(cmd *exec.Cmd) {
	defer c.wg.Done()
	if pid := cmd.Process.Pid; !groupAlive(pid) {
		c.procMu.Lock()
		delete(c.procs, pid)
		c.procMu.Unlock()
	}
}

// errNoGroup reports a process group with no member left.
var errNoGroup = errors.New("no such process group")

// groupAlive reports whether the process group pgid has a member left.
func groupAlive(pgid int) bool {
	return !errors.Is(signalGroup(pgid, 0), errNoGroup)
}

// signalGroup sends sig to the process group pgid.
func signalGroup(pgid int, sig syscall.Signal) error {
	if pgid <= 0 {
		return errNoGroup
	}
	if err := syscall.Kill(-pgid, sig); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return errNoGroup
		}
		return err
	}
	return nil
}

// envStore is the daemon's process environment (POST /env changes it).
type envStore struct {
	mu   sync.Mutex
	vars map[string]string
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func newEnvStore(environ []string, home string) *envStore {
	vars := make(map[string]string, len(environ)+1)
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			vars[k] = v
		}
	}
	vars["HOME"] = home
	return &envStore{vars: vars}
}

// environ returns the environment with extra set on top, sorted.
func (e *envStore) environ(extra map[string]string) []string {
	e.mu.Lock()
	vars := maps.Clone(e.vars)
	e.mu.Unlock()
	maps.Copy(vars, extra)
	out := make([]string, 0, len(vars))
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		out = append(out, k+"="+vars[k])
	}
	return out
}

// update applies a POST /env request: unset, then unsetValuePrefix, then set.
func (e *envStore) update(set map[string]string, unset []string, unsetValuePrefix string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, k := range unset {
		delete(e.vars, k)
	}
	if unsetValuePrefix != "" {
		for k, v := range e.vars {
			if _, keep := set[k]; !keep && strings.HasPrefix(v, unsetValuePrefix) {
				delete(e.vars, k)
			}
		}
	}
	maps.Copy(e.vars, set)
}

// checkEnvNames fails with 400 when a key is not a valid variable name.
func checkEnvNames(env map[string]string) error {
	for k := range env {
		if !envName.MatchString(k) {
			return badRequest("invalid environment variable name: %q", k)
		}
	}
	return nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellJoin quotes every argument and joins them with spaces.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}
