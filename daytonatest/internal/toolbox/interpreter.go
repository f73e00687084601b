package toolbox

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	_ "embed" // the worker script
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
	"github.com/daytona-go/daytona/stream"
)

// The code interpreter (PROTOCOLS.md 7): one real Python worker process
// per context (interpreter_worker.py), each with its own globals and cwd,
// executions queued per context and served over the execute WebSocket with
// the daemon's messages and close codes.
//
// Reproduced: context create answering 200, the default context hidden
// from the list and not deletable, empty-body errors (quirks 12, 30);
// request errors as bare close frames (31); exit() giving "completed" then
// 1001 "worker process ended", the context restarting empty on its next
// use (32); the timeout as SIGINT, "interrupted" and 4008, with a 2 s
// grace before the worker is killed, the context then inactive until its
// next run restarts it empty (as the v0.190.0 daemon does for every
// context: PROTOCOLS.md 7.4 says later runs get 1008 "context is not
// active", but that daemon restarts the worker first); the context's cwd
// answered as the request gave it (relative stays relative); the
// 1024-message queue per client and 1008 "slow consumer" (19); the plain
// GET answer (33).
//
// Departures: the default context is started on its first use, not when
// the toolbox starts; a new WebSocket on a busy context queues its run
// instead of replacing the previous client; output a worker's background
// processes write after an execution has ended is dropped.

// Interpreter limits (7.4, 7.5).
const (
	interpQueue        = 128  // runs waiting per context
	interpClientQueue  = 1024 // messages queued per client
	interpGrace        = 2 * time.Second
	interpDefaultLimit = 600 * time.Second
	interpDefaultID    = "default"
	interpFirstMessage = 10 * time.Second // how long the first message may take
)

//go:embed interpreter_worker.py
var interpreterWorker []byte

// interpreterHandlers serves the interpreter endpoints.
type interpreterHandlers struct{ interp *interpreterManager }

func newInterpreterHandlers(c *core, python string) interpreterHandlers {
	return interpreterHandlers{&interpreterManager{c: c, python: python, contexts: map[string]*interpContext{}}}
}

// interpreterManager holds the contexts.
type interpreterManager struct {
	c      *core
	python string // Config.InterpreterPython; "" = python3 on the PATH

	scriptOnce sync.Once
	script     string
	scriptErr  error

	mu       sync.Mutex
	contexts map[string]*interpContext // the default one too, once used
}

// workerScript writes the worker script to the toolbox's state directory
// once and returns its path.
func (m *interpreterManager) workerScript() (string, error) {
	m.scriptOnce.Do(func() {
		m.script = filepath.Join(m.c.stateDir, "interpreter_worker.py")
		m.scriptErr = os.WriteFile(m.script, interpreterWorker, 0o600)
	})
	return m.script, m.scriptErr
}

// pythonPath returns the Python the workers run.
func (m *interpreterManager) pythonPath() (string, error) {
	if m.python != "" {
		return m.python, nil
	}
	return m.c.lookPath("python3")
}

// interpContext is one context: a queue of runs served one at a time by
// its goroutine, on its worker.
type interpContext struct {
	m         *interpreterManager
	id        string
	cwd       string // as the create request gave it (answered as is)
	dir       string // cwd resolved on the host: the worker's directory
	createdAt time.Time
	jobs      chan *interpJob
	shutdown  chan struct{} // closed on delete
	stopOnce  sync.Once

	mu     sync.Mutex
	worker *interpWorker // nil: not running (restarted on the next run)
	active bool
}

func (ic *interpContext) isDefault() bool { return ic.id == interpDefaultID }

// newContext starts a context's worker, in the directory dir, and its run
// loop; cwd is what the context answers as its cwd.
func (m *interpreterManager) newContext(id, cwd, dir string) (*interpContext, error) {
	ic := &interpContext{
		m: m, id: id, cwd: cwd, dir: dir, createdAt: time.Now().UTC(),
		jobs: make(chan *interpJob, interpQueue), shutdown: make(chan struct{}),
	}
	w, err := m.startWorker(dir)
	if err != nil {
		return nil, err
	}
	ic.worker, ic.active = w, true
	m.c.goTracked(ic.loop)
	return ic, nil
}

// defaultContext returns the default context, starting it on first use.
func (m *interpreterManager) defaultContext() (*interpContext, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ic, ok := m.contexts[interpDefaultID]; ok {
		return ic, nil
	}
	ic, err := m.newContext(interpDefaultID, m.c.root, m.c.root)
	if err != nil {
		return nil, err
	}
	m.contexts[interpDefaultID] = ic
	return ic, nil
}

// info is the context's InterpreterContext.
func (ic *interpContext) info() tbserver.InterpreterContext {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return tbserver.InterpreterContext{ID: ic.id, Cwd: ic.cwd, CreatedAt: ic.createdAt.Format(time.RFC3339Nano),
		Active: ic.active || ic.isDefault(), Language: "python"}
}

// stop shuts the context down: its worker is killed, its queued and
// running executions end with 1001 "context shutdown".
func (ic *interpContext) stop() {
	ic.stopOnce.Do(func() { close(ic.shutdown) })
}

// loop runs the context's executions one at a time, in arrival order.
func (ic *interpContext) loop() {
	defer func() {
		ic.mu.Lock()
		w := ic.worker
		ic.worker, ic.active = nil, false
		ic.mu.Unlock()
		if w != nil {
			w.kill()
		}
		for { // fail what is still queued
			select {
			case job := <-ic.jobs:
				job.finish(websocket.StatusGoingAway, "context shutdown")
			default:
				return
			}
		}
	}()
	for {
		select {
		case job := <-ic.jobs:
			ic.run(job)
		case <-ic.shutdown:
			return
		case <-ic.m.c.ctx.Done():
			return
		}
	}
}

// submit queues a run; false when the queue is full.
func (ic *interpContext) submit(job *interpJob) bool {
	select {
	case ic.jobs <- job:
		return true
	default:
		return false
	}
}

// workerFor returns the worker to run on, restarting an ended one (empty:
// the context's state is gone).
func (ic *interpContext) workerFor() (*interpWorker, error) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if ic.worker != nil && !ic.worker.ended() {
		return ic.worker, nil
	}
	if ic.worker != nil {
		ic.worker.kill()
		ic.worker = nil
	}
	w, err := ic.m.startWorker(ic.dir)
	if err != nil {
		ic.active = false
		if ic.isDefault() {
			return nil, fmt.Errorf("failed to get default context: %w", err)
		}
		return nil, fmt.Errorf("context not found: %s", ic.id)
	}
	ic.worker, ic.active = w, true
	return w, nil
}

// retire drops a worker that ended or was killed.
func (ic *interpContext) retire(w *interpWorker) {
	w.kill()
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if ic.worker == w {
		ic.worker = nil
		ic.active = false
	}
}

// run executes one job on the context's worker and ends its socket with
// the daemon's close code (7.4).
func (ic *interpContext) run(job *interpJob) {
	w, err := ic.workerFor()
	if err != nil {
		code := websocket.StatusPolicyViolation
		if ic.isDefault() {
			code = websocket.StatusInternalError
		}
		job.finish(code, err.Error())
		return
	}
	res := w.execute(ic.m.c.ctx, ic.shutdown, job)
	switch {
	case res.shutdown:
		ic.retire(w)
		job.finish(websocket.StatusGoingAway, "context shutdown")
	case res.timedOut:
		if res.killed {
			ic.retire(w)
		}
		job.emit(stream.InterpreterControl, stream.InterpreterInterrupted, nil)
		job.finish(stream.StatusInterpreterTimeout, "")
	case res.exited:
		ic.retire(w)
		job.emit(stream.InterpreterControl, stream.InterpreterCompleted, nil)
		job.finish(websocket.StatusGoingAway, "worker process ended")
	case res.died:
		ic.retire(w)
		job.finish(websocket.StatusGoingAway, "worker process ended")
	default:
		if res.err != nil {
			job.emit(stream.InterpreterError, "", res.err)
		}
		job.emit(stream.InterpreterControl, stream.InterpreterCompleted, nil)
		job.finish(websocket.StatusNormalClosure, "")
	}
}

// interpWorker is a running worker process.
type interpWorker struct {
	cmd      *exec.Cmd
	requests *os.File         // fd 4 of the worker
	events   chan workerEvent // closed when fd 3 ends
	marker   []byte
	exited   chan struct{} // closed when the process has exited
	outputs  [2]*workerOutput
	killOnce sync.Once
}

// workerEvent is a line of fd 3.
type workerEvent struct {
	Type        string                 `json:"type"`
	Error       *stream.ExecutionError `json:"error"`
	Interrupted bool                   `json:"interrupted"`
	Exited      bool                   `json:"exited"`
}

// workerRequest is a line of fd 4.
type workerRequest struct {
	Code string            `json:"code"`
	Envs map[string]string `json:"envs,omitempty"`
}

// startWorker starts a worker in cwd, in its own process group.
func (m *interpreterManager) startWorker(cwd string) (*interpWorker, error) {
	python, err := m.pythonPath()
	if err != nil {
		return nil, err
	}
	script, err := m.workerScript()
	if err != nil {
		return nil, err
	}
	var mark [16]byte
	_, _ = rand.Read(mark[:])
	w := &interpWorker{
		marker: []byte("\x1edtn-end-" + hex.EncodeToString(mark[:]) + "\x1e"),
		events: make(chan workerEvent, 1),
		exited: make(chan struct{}),
	}
	// Pipes: stdout, stderr, events (fd 3), requests (fd 4).
	var ends [4][2]*os.File
	for i := range ends {
		r, wr, err := os.Pipe()
		if err != nil {
			for _, p := range ends[:i] {
				closeAll(p[0], p[1])
			}
			return nil, err
		}
		ends[i] = [2]*os.File{r, wr}
	}
	outR, outW := ends[0][0], ends[0][1]
	errR, errW := ends[1][0], ends[1][1]
	evR, evW := ends[2][0], ends[2][1]
	reqR, reqW := ends[3][0], ends[3][1]
	defer closeAll(outW, errW, evW, reqR) // the worker's ends: it has its own copies
	cmd := exec.Command(python, script, string(w.marker))
	cmd.Dir = cwd
	cmd.Env = m.c.env.environ(nil)
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.ExtraFiles = []*os.File{evW, reqR}
	if err := m.c.startProcess(cmd); err != nil {
		closeAll(outR, errR, evR, reqW)
		return nil, err
	}
	w.cmd, w.requests = cmd, reqW
	w.outputs[0] = &workerOutput{r: outR, typ: stream.InterpreterStdout, marker: w.marker, marks: make(chan struct{}, 1), done: make(chan struct{})}
	w.outputs[1] = &workerOutput{r: errR, typ: stream.InterpreterStderr, marker: w.marker, marks: make(chan struct{}, 1), done: make(chan struct{})}
	c := m.c
	for _, o := range w.outputs {
		c.goTracked(o.pump)
	}
	c.goTracked(func() {
		defer close(w.events)
		defer evR.Close()
		sc := bufio.NewScanner(evR)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			var ev workerEvent
			if json.Unmarshal(sc.Bytes(), &ev) != nil {
				continue
			}
			select {
			case w.events <- ev:
			case <-c.ctx.Done():
				return
			}
		}
	})
	c.goTracked(func() {
		_ = cmd.Wait()
		c.releaseProcess(cmd)
		close(w.exited)
		_ = w.requests.Close()
	})
	return w, nil
}

func closeAll(files ...*os.File) {
	for _, f := range files {
		_ = f.Close()
	}
}

// ended reports whether the worker process has exited.
func (w *interpWorker) ended() bool { return isDone(w.exited) }

// kill kills the worker's process group.
func (w *interpWorker) kill() {
	w.killOnce.Do(func() { killGroup(w.cmd.Process.Pid) })
}

func isDone(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// execResult is how an execution ended.
type execResult struct {
	err      *stream.ExecutionError
	timedOut bool // the time limit passed ("interrupted", 4008)
	killed   bool // the worker did not stop within the grace period
	exited   bool // the code called exit()
	died     bool // the worker ended without finishing the execution
	shutdown bool // the context was deleted or the toolbox closed
}

// execute runs job on the worker and waits for the end of the execution
// and of its output.
func (w *interpWorker) execute(ctx context.Context, shutdown <-chan struct{}, job *interpJob) execResult {
	for _, o := range w.outputs {
		o.setSink(job)
		select { // a marker left by an execution that was abandoned
		case <-o.marks:
		default:
		}
	}
	defer func() {
		for _, o := range w.outputs {
			o.setSink(nil)
		}
	}()
	line, _ := json.Marshal(workerRequest{Code: job.req.Code, Envs: job.req.Envs})
	if _, err := w.requests.Write(append(line, '\n')); err != nil {
		return execResult{died: true}
	}
	var limit, grace <-chan time.Time
	if d := job.limit; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		limit = t.C
	}
	var res execResult
	for {
		select {
		case ev, ok := <-w.events:
			if !ok {
				w.drainOutputs(true)
				res.died = true
				return res
			}
			w.drainOutputs(false)
			res.err, res.exited = ev.Error, ev.Exited
			return res
		case <-limit:
			res.timedOut = true
			_ = signalGroup(w.cmd.Process.Pid, syscall.SIGINT)
			t := time.NewTimer(interpGrace)
			defer t.Stop()
			grace = t.C
		case <-grace:
			res.killed = true
			w.kill()
			return res
		case <-shutdown:
			w.kill()
			return execResult{shutdown: true}
		case <-ctx.Done():
			w.kill()
			return execResult{shutdown: true}
		}
	}
}

// drainOutputs waits until both output pipes have delivered the
// execution's output: up to the marker, or to the end of the pipe when the
// worker died. A process that keeps a pipe open cannot hold it up for
// more than the grace period.
func (w *interpWorker) drainOutputs(died bool) {
	deadline := time.NewTimer(interpGrace)
	defer deadline.Stop()
	for _, o := range w.outputs {
		wait := o.marks
		if died {
			wait = nil
		}
		select {
		case <-wait:
		case <-o.done:
		case <-deadline.C:
			return
		}
	}
}

// workerOutput forwards one of the worker's output pipes to the running
// job, as stdout or stderr messages, and reports each execution marker.
type workerOutput struct {
	r      *os.File
	typ    string
	marker []byte
	marks  chan struct{} // one per marker seen
	done   chan struct{} // closed at the end of the pipe

	mu   sync.Mutex
	sink *interpJob
	text *stream.TextWriter // holds an incomplete UTF-8 sequence between reads
}

// setSink sends the output to job from now on (nil drops it).
func (o *workerOutput) setSink(job *interpJob) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.text != nil {
		_ = o.text.Flush()
	}
	o.sink = job
	o.text = nil
	if job != nil {
		o.text = stream.NewTextWriter(func(s string) { job.emit(o.typ, s, nil) })
	}
}

// pump reads the pipe until it ends.
func (o *workerOutput) pump() {
	defer close(o.done)
	defer o.r.Close()
	buf := make([]byte, 32<<10)
	var held []byte // a possible start of the marker
	for {
		n, err := o.r.Read(buf)
		if n > 0 {
			held = o.scan(append(held, buf[:n]...))
		}
		if err != nil {
			o.forward(held)
			return
		}
	}
}

// scan forwards p up to each marker, reports the markers, and returns the
// tail that may be the start of a marker split across reads.
func (o *workerOutput) scan(p []byte) []byte {
	for {
		i := bytes.Index(p, o.marker)
		if i < 0 {
			break
		}
		o.forward(p[:i])
		o.mu.Lock()
		if o.text != nil {
			_ = o.text.Flush()
		}
		o.mu.Unlock()
		select {
		case o.marks <- struct{}{}:
		default:
		}
		p = p[i+len(o.marker):]
	}
	keep := 0
	for k := min(len(o.marker)-1, len(p)); k > 0; k-- {
		if bytes.HasPrefix(o.marker, p[len(p)-k:]) {
			keep = k
			break
		}
	}
	o.forward(p[:len(p)-keep])
	return append([]byte(nil), p[len(p)-keep:]...)
}

// forward sends output to the running job, if any.
func (o *workerOutput) forward(p []byte) {
	if len(p) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.text != nil {
		_, _ = o.text.Write(p)
	}
}

// interpJob is one execution request and its client socket's queue.
type interpJob struct {
	req   stream.InterpreterRequest
	limit time.Duration // 0: none
	out   chan []byte

	mu       sync.Mutex
	slow     bool // the queue overflowed: the client is dropped
	endOnce  sync.Once
	ended    chan struct{}
	code     websocket.StatusCode
	reason   string
	overflow chan struct{} // closed when the queue overflowed
}

func newInterpJob(req stream.InterpreterRequest, limit time.Duration) *interpJob {
	return &interpJob{req: req, limit: limit, out: make(chan []byte, interpClientQueue),
		ended: make(chan struct{}), overflow: make(chan struct{})}
}

// emit queues a message; a full queue drops the client (1008).
func (j *interpJob) emit(typ, text string, e *stream.ExecutionError) {
	m := stream.InterpreterMessage{Type: typ, Text: text}
	if e != nil {
		m.Name, m.Value, m.Traceback = e.Name, e.Value, e.Traceback
	}
	b, _ := json.Marshal(m)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.slow {
		return
	}
	select {
	case j.out <- b:
	default:
		j.slow = true
		close(j.overflow)
	}
}

// finish ends the job with a close code; the first call wins.
func (j *interpJob) finish(code websocket.StatusCode, reason string) {
	j.endOnce.Do(func() {
		j.code, j.reason = code, reason
		close(j.ended)
	})
}

// serveExecute serves one execute WebSocket (7.2): the first message is
// the request; request errors are bare close frames (quirk 31).
func (m *interpreterManager) serveExecute(w http.ResponseWriter, r *http.Request) {
	var protocols []string
	if p := offeredVersion(r.Header); p != "" {
		protocols = []string{p}
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: protocols, InsecureSkipVerify: true})
	if err != nil {
		return // Accept has answered
	}
	defer conn.CloseNow() //nolint:errcheck // closed either way
	ctx, cancel := context.WithCancel(m.c.ctx)
	defer cancel()
	job, code, reason := m.accept(ctx, conn)
	if job == nil {
		_ = conn.Close(code, reason)
		return
	}
	// Read (and drop) anything else the client sends, to see it go.
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer cancel()
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				return
			}
		}
	}()
	defer func() { cancel(); <-readerDone }()
	for {
		if isDone(job.overflow) { // the client fell 1024 messages behind
			_ = conn.Close(websocket.StatusPolicyViolation, "slow consumer")
			return
		}
		select {
		case b := <-job.out:
			if conn.Write(ctx, websocket.MessageText, b) != nil {
				return
			}
		case <-job.overflow:
		case <-job.ended:
			if len(job.out) > 0 {
				continue // finish comes after the last emit: send the rest first
			}
			_ = conn.Close(job.code, job.reason)
			return
		case <-ctx.Done():
			return
		}
	}
}

// accept reads and checks the first message and queues the run; a nil job
// comes with the close code and reason to refuse it with.
func (m *interpreterManager) accept(ctx context.Context, conn *websocket.Conn) (*interpJob, websocket.StatusCode, string) {
	rctx, cancel := context.WithTimeout(ctx, interpFirstMessage)
	defer cancel()
	conn.SetReadLimit(16 << 20)
	_, first, err := conn.Read(rctx)
	if err != nil {
		return nil, websocket.StatusProtocolError, "failed to read first message"
	}
	var req struct {
		Code      string            `json:"code"`
		ContextID *string           `json:"contextId"`
		Envs      map[string]string `json:"envs"`
		Timeout   *int              `json:"timeout"`
	}
	if err := json.Unmarshal(first, &req); err != nil {
		return nil, websocket.StatusProtocolError, "invalid JSON payload"
	}
	if strings.TrimSpace(req.Code) == "" {
		return nil, websocket.StatusPolicyViolation, "code is required"
	}
	limit := interpDefaultLimit
	if req.Timeout != nil {
		if *req.Timeout < 0 {
			return nil, websocket.StatusPolicyViolation, "timeout must be greater than or equal to 0"
		}
		limit = time.Duration(*req.Timeout) * time.Second
	}
	var ic *interpContext
	id := ""
	if req.ContextID != nil {
		id = *req.ContextID
	}
	if id == "" || id == interpDefaultID {
		if ic, err = m.defaultContext(); err != nil {
			return nil, websocket.StatusInternalError, "failed to get default context: " + err.Error()
		}
	} else {
		m.mu.Lock()
		ic = m.contexts[id]
		m.mu.Unlock()
		if ic == nil {
			return nil, websocket.StatusPolicyViolation, "context not found: " + id
		}
	}
	// A context whose worker is gone is restarted by its run (workerFor),
	// so the daemon's 1008 "context is not active" is never reached here.
	job := newInterpJob(stream.InterpreterRequest{Code: req.Code, ContextID: id, Envs: req.Envs}, limit)
	if !ic.submit(job) {
		return nil, websocket.StatusPolicyViolation, "context queue is full"
	}
	return job, 0, ""
}

// ExecuteInterpreterCode serves GET /process/interpreter/execute (7.2).
func (o *overrides) ExecuteInterpreterCode(w http.ResponseWriter, r *http.Request) {
	if !isWebSocketUpgrade(r) {
		websocketOnly(w)
		return
	}
	o.s.interp.serveExecute(w, r)
}

// ExecuteInterpreterCode is only reached through the strict interface,
// which the override above replaces.
func (h interpreterHandlers) ExecuteInterpreterCode(context.Context, tbserver.ExecuteInterpreterCodeRequestObject) (tbserver.ExecuteInterpreterCodeResponseObject, error) {
	return nil, badRequest("the execute endpoint takes a WebSocket upgrade")
}

// CreateInterpreterContext serves POST /process/interpreter/context (7.1):
// 200, python only (anything else: 400 with an empty body).
func (h interpreterHandlers) CreateInterpreterContext(_ context.Context, req tbserver.CreateInterpreterContextRequestObject) (tbserver.CreateInterpreterContextResponseObject, error) {
	var cwd *string
	if b := req.Body; b != nil {
		if b.Language != nil && *b.Language != "" && *b.Language != "python" {
			return nil, emptyError(http.StatusBadRequest)
		}
		cwd = b.Cwd
	}
	m := h.interp
	shown := m.c.root
	if cwd != nil && *cwd != "" {
		shown = *cwd
	}
	ic, err := m.newContext(uuid.NewString(), shown, m.c.cwdOf(cwd))
	if err != nil {
		m.c.log.Warn("interpreter: starting a context", "error", err)
		return nil, emptyError(http.StatusInternalServerError)
	}
	m.mu.Lock()
	m.contexts[ic.id] = ic
	m.mu.Unlock()
	return tbserver.CreateInterpreterContext200JSONResponse(ic.info()), nil
}

// ListInterpreterContexts serves GET /process/interpreter/context; the
// default context is not listed (quirk 30).
func (h interpreterHandlers) ListInterpreterContexts(context.Context, tbserver.ListInterpreterContextsRequestObject) (tbserver.ListInterpreterContextsResponseObject, error) {
	m := h.interp
	m.mu.Lock()
	all := slices.Collect(maps.Values(m.contexts))
	m.mu.Unlock()
	slices.SortFunc(all, func(a, b *interpContext) int {
		if c := a.createdAt.Compare(b.createdAt); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	out := make([]tbserver.InterpreterContext, 0, len(all))
	for _, ic := range all {
		if !ic.isDefault() {
			out = append(out, ic.info())
		}
	}
	return tbserver.ListInterpreterContexts200JSONResponse{Contexts: out}, nil
}

// DeleteInterpreterContext serves DELETE /process/interpreter/context/{id}:
// the default context cannot be deleted (400), an unknown one is 404, both
// with an empty body.
func (h interpreterHandlers) DeleteInterpreterContext(_ context.Context, req tbserver.DeleteInterpreterContextRequestObject) (tbserver.DeleteInterpreterContextResponseObject, error) {
	if req.ID == interpDefaultID {
		return nil, emptyError(http.StatusBadRequest)
	}
	m := h.interp
	m.mu.Lock()
	ic, ok := m.contexts[req.ID]
	delete(m.contexts, req.ID)
	m.mu.Unlock()
	if !ok {
		return nil, emptyError(http.StatusNotFound)
	}
	ic.stop()
	return tbserver.DeleteInterpreterContext200JSONResponse{"message": "Context deleted successfully"}, nil
}
