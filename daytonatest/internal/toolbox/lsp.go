package toolbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/tbserver"
)

// lspHandlers serves the LSP endpoints (PROTOCOLS.md 8) by bridging them to
// real language servers: pylsp for python, typescript-language-server for
// typescript and javascript, found on the toolbox PATH and spoken to over
// their standard input and output (lspconn.go).
//
// As the daemon: one server per (languageId, pathToProject) as sent; every
// error is a bare 400 or 500 with an empty body (E2); did-open reads the
// file named by the URI (with "file://" removed; a relative path resolves
// against the root; like processes, and unlike the file API, it is not
// confined to the root) and sends its text; completions at line 0 fail with
// 400 (quirk 34: the daemon's validation takes 0 for missing); start
// without a binary on PATH fails with 500; the operations before start
// fail with 400; stop without a server fails with 500. Quirk 34's "start
// makes a TypeScript server whatever the language" is kept for languages
// other than python, but not for python, which gets pylsp: the quirk would
// make the python server useless (documented departure).
type lspHandlers struct{ lsp *lspManager }

func newLSPHandlers(c *core) lspHandlers {
	return lspHandlers{&lspManager{c: c, servers: map[lspKey]*lspServer{}}}
}

// lspManager holds the language servers of one toolbox.
type lspManager struct {
	c       *core
	mu      sync.Mutex
	servers map[lspKey]*lspServer
}

type lspKey struct{ lang, project string }

// lspProgram is how a language server is started.
type lspProgram struct {
	name string
	args []string
}

var (
	pylsp    = lspProgram{name: "pylsp"}
	tsServer = lspProgram{name: "typescript-language-server", args: []string{"--stdio"}}
)

// lspServer is one language server: created by a lookup or a start,
// initialized (conn set) by a start.
type lspServer struct {
	m       *lspManager
	lang    string // the languageId it serves, sent with opened documents
	program lspProgram

	mu     sync.Mutex // held by initialize and shutdown
	conn   *lspConn   // nil until initialized
	pid    int
	exited chan struct{} // closed once the process is gone
	stderr tailBuffer
}

// Timeouts of the server's own lifecycle messages.
const (
	lspInitTimeout     = time.Minute
	lspShutdownTimeout = 5 * time.Second
)

var errLSPUnsupported = errors.New("unsupported language")

// lookup returns the server of (lang, project), creating an uninitialized
// one for python and typescript, as the daemon's lookup does.
func (m *lspManager) lookup(lang, project string) (*lspServer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := lspKey{lang, project}
	if s := m.servers[key]; s != nil {
		return s, nil
	}
	var p lspProgram
	switch lang {
	case "python":
		p = pylsp
	case "typescript":
		p = tsServer
	default:
		return nil, fmt.Errorf("%w: %s", errLSPUnsupported, lang)
	}
	s := &lspServer{m: m, lang: lang, program: p}
	m.servers[key] = s
	return s, nil
}

// ready returns the server of (lang, project) if it is initialized.
func (m *lspManager) ready(lang, project string) (*lspConn, error) {
	s, err := m.lookup(lang, project)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil, errors.New("server not initialized")
	}
	return s.conn, nil
}

// start initializes the server of (lang, project), creating it if needed:
// pylsp for python, a TypeScript server for any other language (quirk 34).
func (m *lspManager) start(ctx context.Context, lang, project string) error {
	m.mu.Lock()
	key := lspKey{lang, project}
	s := m.servers[key]
	if s == nil {
		p := tsServer
		if lang == "python" {
			p = pylsp
		}
		s = &lspServer{m: m, lang: lang, program: p}
		m.servers[key] = s
	}
	m.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return nil
	}
	return s.initialize(ctx, project)
}

// stop shuts down and forgets the server of (lang, project).
func (m *lspManager) stop(lang, project string) error {
	m.mu.Lock()
	key := lspKey{lang, project}
	s := m.servers[key]
	delete(m.servers, key)
	m.mu.Unlock()
	if s == nil {
		return fmt.Errorf("no server for language: %s", lang)
	}
	return s.shutdown()
}

// initialize starts the server process and runs the LSP handshake
// (initialize, initialized). The caller holds s.mu.
func (s *lspServer) initialize(ctx context.Context, project string) error {
	c := s.m.c
	bin, err := c.lookPath(s.program.name)
	if err != nil {
		return err
	}
	dir := c.hostPath(project)
	cmd := exec.Command(bin, s.program.args...)
	cmd.Env = c.env.environ(nil)
	cmd.Dir = c.root
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		cmd.Dir = dir
	}
	cmd.Stderr = &s.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := c.startProcess(cmd); err != nil {
		return fmt.Errorf("starting %s: %w", s.program.name, err)
	}
	conn := newLSPConn(stdin)
	exited := make(chan struct{})
	c.goTracked(func() {
		conn.readLoop(stdout)
		_ = cmd.Wait()
		c.releaseProcess(cmd)
		close(exited)
	})
	ictx, cancel := context.WithTimeout(ctx, lspInitTimeout)
	defer cancel()
	err = conn.call(ictx, "initialize", initializeParams(dir), nil)
	if err == nil {
		err = conn.notify("initialized", struct{}{})
	}
	if err != nil {
		killGroup(cmd.Process.Pid)
		<-exited
		return fmt.Errorf("initializing %s: %w (stderr: %s)", s.program.name, err, strings.TrimSpace(s.stderr.String()))
	}
	s.conn, s.pid, s.exited = conn, cmd.Process.Pid, exited
	return nil
}

// shutdown ends the server: shutdown, exit, and a kill if it lingers.
func (s *lspServer) shutdown() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return errors.New("server not initialized")
	}
	ctx, cancel := context.WithTimeout(context.Background(), lspShutdownTimeout)
	defer cancel()
	_ = s.conn.call(ctx, "shutdown", nil, nil)
	_ = s.conn.notify("exit", nil)
	_ = s.conn.close()
	select {
	case <-s.exited:
	case <-ctx.Done():
	}
	killGroup(s.pid) // tsserver children and anything else left in the group
	<-s.exited
	s.conn = nil
	return nil
}

// initializeParams is the client's side of the handshake. Symbols are
// asked flat (no hierarchicalDocumentSymbolSupport), so that servers send
// SymbolInformation, the daemon's LspSymbol shape.
func initializeParams(root string) map[string]any {
	uri := "file://" + root
	kinds := make([]int, 26)
	for i := range kinds {
		kinds[i] = i + 1
	}
	return map[string]any{
		"processId":        os.Getpid(),
		"clientInfo":       map[string]string{"name": "daytona-emulator"},
		"rootUri":          uri,
		"rootPath":         root,
		"workspaceFolders": []map[string]string{{"uri": uri, "name": filepath.Base(root)}},
		"capabilities": map[string]any{
			"textDocument": map[string]any{
				"completion": map[string]any{
					"contextSupport": true,
					"completionItem": map[string]any{"documentationFormat": []string{"markdown", "plaintext"}},
				},
				"documentSymbol": map[string]any{"symbolKind": map[string]any{"valueSet": kinds}},
			},
			"workspace": map[string]any{
				"symbol":           map[string]any{"symbolKind": map[string]any{"valueSet": kinds}},
				"workspaceFolders": true,
			},
		},
	}
}

// hostPath returns the host path of a sandbox path: an absolute path as
// is, a relative one against the root.
func (c *core) hostPath(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(c.root, p)
}

// lspFail logs why an LSP call failed and returns the daemon's bare status.
func (h lspHandlers) lspFail(op string, status int, err error) error {
	h.lsp.c.log.Debug("lsp request failed", "op", op, "status", status, "error", err)
	return emptyError(status)
}

// Start serves POST /lsp/start.
func (h lspHandlers) Start(ctx context.Context, req tbserver.StartRequestObject) (tbserver.StartResponseObject, error) {
	b := req.Body
	if b == nil || b.LanguageID == "" || b.PathToProject == "" {
		return nil, emptyError(http.StatusBadRequest)
	}
	if err := h.lsp.start(ctx, b.LanguageID, b.PathToProject); err != nil {
		return nil, h.lspFail("start", http.StatusInternalServerError, err)
	}
	return tbserver.Start200Response{}, nil
}

// Stop serves POST /lsp/stop.
func (h lspHandlers) Stop(_ context.Context, req tbserver.StopRequestObject) (tbserver.StopResponseObject, error) {
	b := req.Body
	if b == nil || b.LanguageID == "" || b.PathToProject == "" {
		return nil, emptyError(http.StatusBadRequest)
	}
	if err := h.lsp.stop(b.LanguageID, b.PathToProject); err != nil {
		return nil, h.lspFail("stop", http.StatusInternalServerError, err)
	}
	return tbserver.Stop200Response{}, nil
}

// document checks a document request and returns the ready server.
func (h lspHandlers) document(op string, b *tbserver.LspDocumentRequest) (*lspConn, error) {
	if b == nil || b.LanguageID == "" || b.PathToProject == "" || b.URI == "" {
		return nil, emptyError(http.StatusBadRequest)
	}
	conn, err := h.lsp.ready(b.LanguageID, b.PathToProject)
	if err != nil {
		return nil, h.lspFail(op, http.StatusBadRequest, err)
	}
	return conn, nil
}

// DidOpen serves POST /lsp/did-open: the file's text goes to the server.
func (h lspHandlers) DidOpen(_ context.Context, req tbserver.DidOpenRequestObject) (tbserver.DidOpenResponseObject, error) {
	conn, err := h.document("did-open", req.Body)
	if err != nil {
		return nil, err
	}
	b := req.Body
	text, err := os.ReadFile(h.lsp.c.hostPath(strings.TrimPrefix(b.URI, "file://")))
	if err != nil {
		return nil, h.lspFail("did-open", http.StatusBadRequest, err)
	}
	err = conn.notify("textDocument/didOpen", map[string]any{
		"textDocument": map[string]any{"uri": b.URI, "languageId": b.LanguageID, "version": 1, "text": string(text)},
	})
	if err != nil {
		return nil, h.lspFail("did-open", http.StatusBadRequest, err)
	}
	return tbserver.DidOpen200Response{}, nil
}

// DidClose serves POST /lsp/did-close.
func (h lspHandlers) DidClose(_ context.Context, req tbserver.DidCloseRequestObject) (tbserver.DidCloseResponseObject, error) {
	conn, err := h.document("did-close", req.Body)
	if err != nil {
		return nil, err
	}
	err = conn.notify("textDocument/didClose", map[string]any{"textDocument": map[string]string{"uri": req.Body.URI}})
	if err != nil {
		return nil, h.lspFail("did-close", http.StatusBadRequest, err)
	}
	return tbserver.DidClose200Response{}, nil
}

// Completions serves POST /lsp/completions.
func (h lspHandlers) Completions(ctx context.Context, req tbserver.CompletionsRequestObject) (tbserver.CompletionsResponseObject, error) {
	b := req.Body
	if b == nil || b.Position.Line == 0 { // quirk 34: line 0 counts as missing
		return nil, emptyError(http.StatusBadRequest)
	}
	conn, err := h.document("completions", &tbserver.LspDocumentRequest{LanguageID: b.LanguageID, PathToProject: b.PathToProject, URI: b.URI})
	if err != nil {
		return nil, err
	}
	params := map[string]any{"textDocument": map[string]string{"uri": b.URI}, "position": b.Position}
	if b.Context != nil {
		params["context"] = b.Context
	}
	var raw json.RawMessage
	if err := conn.call(ctx, "textDocument/completion", params, &raw); err != nil {
		return nil, h.lspFail("completions", http.StatusBadRequest, err)
	}
	list, err := completionList(raw)
	if err != nil {
		return nil, h.lspFail("completions", http.StatusBadRequest, err)
	}
	return tbserver.Completions200JSONResponse(list), nil
}

// completionList converts a textDocument/completion result (a
// CompletionList, an array of items, or null) to the daemon's list. Items
// keep label, kind, detail, documentation, sortText, filterText and
// insertText; items without a string label are dropped.
func completionList(raw json.RawMessage) (tbserver.CompletionList, error) {
	out := tbserver.CompletionList{Items: []tbserver.CompletionItem{}}
	raw = bytes.TrimSpace(raw)
	var items []json.RawMessage
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return out, nil
	case raw[0] == '[':
		if err := json.Unmarshal(raw, &items); err != nil {
			return out, err
		}
	default:
		var l struct {
			IsIncomplete bool              `json:"isIncomplete"`
			Items        []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(raw, &l); err != nil {
			return out, err
		}
		out.IsIncomplete, items = l.IsIncomplete, l.Items
	}
	for _, it := range items {
		var ci struct {
			Label         any     `json:"label"`
			Kind          *int    `json:"kind"`
			Detail        *string `json:"detail"`
			Documentation any     `json:"documentation"`
			SortText      *string `json:"sortText"`
			FilterText    *string `json:"filterText"`
			InsertText    *string `json:"insertText"`
		}
		if json.Unmarshal(it, &ci) != nil {
			continue
		}
		label, ok := ci.Label.(string)
		if !ok {
			continue
		}
		out.Items = append(out.Items, tbserver.CompletionItem{
			Label: label, Kind: ci.Kind, Detail: ci.Detail, Documentation: ci.Documentation,
			SortText: ci.SortText, FilterText: ci.FilterText, InsertText: ci.InsertText,
		})
	}
	return out, nil
}

// DocumentSymbols serves GET /lsp/document-symbols.
func (h lspHandlers) DocumentSymbols(ctx context.Context, req tbserver.DocumentSymbolsRequestObject) (tbserver.DocumentSymbolsResponseObject, error) {
	p := req.Params
	conn, err := h.document("document-symbols", &tbserver.LspDocumentRequest{LanguageID: p.LanguageID, PathToProject: p.PathToProject, URI: p.URI})
	if err != nil {
		return nil, err
	}
	syms := []tbserver.LspSymbol{}
	if err := conn.call(ctx, "textDocument/documentSymbol", map[string]any{"textDocument": map[string]string{"uri": p.URI}}, &syms); err != nil {
		return nil, h.lspFail("document-symbols", http.StatusBadRequest, err)
	}
	if syms == nil {
		syms = []tbserver.LspSymbol{}
	}
	return tbserver.DocumentSymbols200JSONResponse(syms), nil
}

// WorkspaceSymbols serves GET /lsp/workspacesymbols.
func (h lspHandlers) WorkspaceSymbols(ctx context.Context, req tbserver.WorkspaceSymbolsRequestObject) (tbserver.WorkspaceSymbolsResponseObject, error) {
	p := req.Params
	if p.Query == "" || p.LanguageID == "" || p.PathToProject == "" {
		return nil, emptyError(http.StatusBadRequest)
	}
	conn, err := h.lsp.ready(p.LanguageID, p.PathToProject)
	if err != nil {
		return nil, h.lspFail("workspacesymbols", http.StatusBadRequest, err)
	}
	syms := []tbserver.LspSymbol{}
	if err := conn.call(ctx, "workspace/symbol", map[string]string{"query": p.Query}, &syms); err != nil {
		return nil, h.lspFail("workspacesymbols", http.StatusBadRequest, err)
	}
	if syms == nil {
		syms = []tbserver.LspSymbol{}
	}
	return tbserver.WorkspaceSymbols200JSONResponse(syms), nil
}
