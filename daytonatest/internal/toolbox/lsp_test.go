package toolbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tbclient "github.com/daytona-go/daytona/api/toolbox"
	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

// needProgram skips the test when a host program is not on PATH, naming
// the package that provides it.
func needProgram(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed (install %s)", name, pkg)
	}
}

// rawServer serves a toolbox without the contract validator, for the
// answers the daemon sends against the contract (the empty LSP errors, the
// computer-use 503): it returns the base URL.
func rawServer(t *testing.T, configure ...func(*toolbox.Config)) (*toolbox.Toolbox, string) {
	t.Helper()
	cfg := toolbox.Config{Root: t.TempDir()}
	for _, f := range configure {
		f(&cfg)
	}
	tb, err := toolbox.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(tb.Handler())
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		require.NoError(t, tb.Close())
	})
	return tb, srv.URL
}

// send sends a JSON body (nil for none) and returns the status and body.
func send(t *testing.T, method, url string, body any) (int, []byte) {
	t.Helper()
	var r *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, r)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	return resp.StatusCode, readAll(t, resp)
}

const pythonSource = `import os


class Greeter:
    def greet(self, name):
        return "hi " + name


def helper():
    return os.path.join("a", "b")


os.pa
`

const typescriptSource = `export class Greeter {
  greet(name: string): string {
    return "hi " + name;
  }
}

export function helper(): number {
  return 1;
}

const g = new Greeter();
g.
`

// symbolNames returns "name/kind" of each symbol.
func symbolNames(syms []tbclient.LspSymbol) []string {
	out := make([]string, len(syms))
	for i, s := range syms {
		out[i] = s.Name + "/" + kindName(s.Kind)
	}
	return out
}

func kindName(k int) string {
	switch k {
	case 5:
		return "class"
	case 6:
		return "method"
	case 12:
		return "function"
	}
	return "other"
}

func completionLabels(l *tbclient.CompletionList) []string {
	out := make([]string, len(l.Items))
	for i, it := range l.Items {
		out[i] = it.Label
	}
	return out
}

// TestLSPRealServers drives pylsp and typescript-language-server through
// the toolbox: start, did-open, document symbols, workspace symbols,
// completions, did-close, stop. The answers are checked against the
// contract by the validator.
func TestLSPRealServers(t *testing.T) {
	tests := []struct {
		lang, program, pkg, file, source string
		completeAt                       tbclient.LspPosition
		wantSymbols                      []string
		wantCompletion                   string
	}{
		{lang: "python", program: "pylsp", pkg: "the Debian package python3-pylsp", file: "app.py", source: pythonSource,
			completeAt: tbclient.LspPosition{Line: 12, Character: 5}, wantSymbols: []string{"Greeter/class", "helper/function"},
			wantCompletion: "path"},
		{lang: "typescript", program: "typescript-language-server", pkg: "the npm packages typescript-language-server and typescript",
			file: "index.ts", source: typescriptSource, completeAt: tbclient.LspPosition{Line: 11, Character: 2},
			wantSymbols: []string{"Greeter/class", "greet/method", "helper/function"}, wantCompletion: "greet"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			needProgram(t, tt.program, tt.pkg)
			e := newEnv(t)
			e.write("proj/"+tt.file, tt.source)
			project := e.path("proj")
			uri := "file://" + e.path("proj/"+tt.file)
			ctx := t.Context()

			start, err := e.c.StartWithResponse(ctx, tbclient.LspServerRequest{LanguageID: tt.lang, PathToProject: project})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, start.StatusCode(), "%s", start.Body)
			again, err := e.c.StartWithResponse(ctx, tbclient.LspServerRequest{LanguageID: tt.lang, PathToProject: project})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, again.StatusCode(), "a second start is a no-op")

			doc := tbclient.LspDocumentRequest{LanguageID: tt.lang, PathToProject: project, URI: uri}
			open, err := e.c.DidOpenWithResponse(ctx, doc)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, open.StatusCode(), "%s", open.Body)

			syms, err := e.c.DocumentSymbolsWithResponse(ctx, &tbclient.DocumentSymbolsParams{LanguageID: tt.lang, PathToProject: project, URI: uri})
			require.NoError(t, err)
			require.NotNil(t, syms.JSON200, "%d %s", syms.StatusCode(), syms.Body)
			names := symbolNames(*syms.JSON200)
			for _, want := range tt.wantSymbols {
				assert.Contains(t, names, want)
			}
			for _, s := range *syms.JSON200 {
				if s.Name == "Greeter" {
					assert.Equal(t, uri, s.Location.URI)
					assert.Greater(t, s.Location.Range.End.Line, s.Location.Range.Start.Line)
				}
			}

			comp, err := e.c.CompletionsWithResponse(ctx, tbclient.LspCompletionParams{
				LanguageID: tt.lang, PathToProject: project, URI: uri, Position: tt.completeAt,
			})
			require.NoError(t, err)
			require.NotNil(t, comp.JSON200, "%d %s", comp.StatusCode(), comp.Body)
			assert.Contains(t, completionLabels(comp.JSON200), tt.wantCompletion)

			closeResp, err := e.c.DidCloseWithResponse(ctx, doc)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, closeResp.StatusCode())

			stop, err := e.c.StopWithResponse(ctx, tbclient.LspServerRequest{LanguageID: tt.lang, PathToProject: project})
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, stop.StatusCode(), "%s", stop.Body)
		})
	}
}

// TestLSPWorkspaceSymbols asks typescript-language-server for the
// workspace's symbols once a document of the project is open.
func TestLSPWorkspaceSymbols(t *testing.T) {
	needProgram(t, "typescript-language-server", "the npm packages typescript-language-server and typescript")
	e := newEnv(t)
	e.write("proj/index.ts", typescriptSource)
	project := e.path("proj")
	uri := "file://" + e.path("proj/index.ts")
	ctx := t.Context()
	start, err := e.c.StartWithResponse(ctx, tbclient.LspServerRequest{LanguageID: "typescript", PathToProject: project})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, start.StatusCode())
	open, err := e.c.DidOpenWithResponse(ctx, tbclient.LspDocumentRequest{LanguageID: "typescript", PathToProject: project, URI: uri})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, open.StatusCode())

	syms, err := e.c.WorkspaceSymbolsWithResponse(ctx, &tbclient.WorkspaceSymbolsParams{Query: "Greeter", LanguageID: "typescript", PathToProject: project})
	require.NoError(t, err)
	require.NotNil(t, syms.JSON200, "%d %s", syms.StatusCode(), syms.Body)
	assert.Contains(t, symbolNames(*syms.JSON200), "Greeter/class")
}

// TestLSPErrors checks the daemon's bare-status errors (E2, PROTOCOLS.md 8).
func TestLSPErrors(t *testing.T) {
	_, base := rawServer(t)
	srv := func(lang string) map[string]string {
		return map[string]string{"languageId": lang, "pathToProject": "/p"}
	}
	doc := map[string]string{"languageId": "python", "pathToProject": "/p", "uri": "file:///p/a.py"}
	tests := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"did-open before start", http.MethodPost, "/lsp/did-open", doc, http.StatusBadRequest},
		{"did-close before start", http.MethodPost, "/lsp/did-close", doc, http.StatusBadRequest},
		{"did-open, unsupported language", http.MethodPost, "/lsp/did-open",
			map[string]string{"languageId": "cobol", "pathToProject": "/p", "uri": "file:///p/a"}, http.StatusBadRequest},
		{"completions before start", http.MethodPost, "/lsp/completions",
			map[string]any{"languageId": "python", "pathToProject": "/p", "uri": "file:///p/a.py", "position": map[string]int{"line": 3, "character": 1}},
			http.StatusBadRequest},
		{"completions at line 0 (quirk 34)", http.MethodPost, "/lsp/completions",
			map[string]any{"languageId": "python", "pathToProject": "/p", "uri": "file:///p/a.py", "position": map[string]int{"line": 0, "character": 1}},
			http.StatusBadRequest},
		{"document symbols before start", http.MethodGet,
			"/lsp/document-symbols?" + url.Values{"languageId": {"python"}, "pathToProject": {"/p"}, "uri": {"file:///p/a.py"}}.Encode(),
			nil, http.StatusBadRequest},
		{"workspace symbols before start", http.MethodGet,
			"/lsp/workspacesymbols?" + url.Values{"query": {"x"}, "languageId": {"typescript"}, "pathToProject": {"/p"}}.Encode(),
			nil, http.StatusBadRequest},
		{"workspace symbols without query", http.MethodGet,
			"/lsp/workspacesymbols?" + url.Values{"query": {""}, "languageId": {"typescript"}, "pathToProject": {"/p"}}.Encode(),
			nil, http.StatusBadRequest},
		{"stop without a server", http.MethodPost, "/lsp/stop", srv("python"), http.StatusInternalServerError},
		{"start without a language", http.MethodPost, "/lsp/start", srv(""), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := send(t, tt.method, base+tt.path, tt.body)
			assert.Equal(t, tt.status, status)
			assert.Empty(t, body)
		})
	}
}

// TestLSPServerMissing: without the language server on PATH, start fails
// with a bare 500, as the daemon's does in an image without it.
func TestLSPServerMissing(t *testing.T) {
	_, base := rawServer(t, func(c *toolbox.Config) { c.Env = []string{"PATH=" + t.TempDir()} })
	for _, lang := range []string{"python", "typescript", "javascript", "rust"} {
		status, body := send(t, http.MethodPost, base+"/lsp/start", map[string]string{"languageId": lang, "pathToProject": "/p"})
		assert.Equal(t, http.StatusInternalServerError, status, lang)
		assert.Empty(t, body)
	}
}

// TestLSPJavaScriptUsesTypeScriptServer: javascript has no server of its
// own; start gives it a TypeScript server (quirk 34), which then answers.
func TestLSPJavaScriptUsesTypeScriptServer(t *testing.T) {
	needProgram(t, "typescript-language-server", "the npm packages typescript-language-server and typescript")
	e := newEnv(t)
	e.write("js/main.js", "function add(a, b) {\n  return a + b;\n}\nconst s = 'x';\ns.\n")
	project := e.path("js")
	uri := "file://" + e.path("js/main.js")
	ctx := t.Context()
	start, err := e.c.StartWithResponse(ctx, tbclient.LspServerRequest{LanguageID: "javascript", PathToProject: project})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, start.StatusCode())
	open, err := e.c.DidOpenWithResponse(ctx, tbclient.LspDocumentRequest{LanguageID: "javascript", PathToProject: project, URI: uri})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, open.StatusCode())
	syms, err := e.c.DocumentSymbolsWithResponse(ctx, &tbclient.DocumentSymbolsParams{LanguageID: "javascript", PathToProject: project, URI: uri})
	require.NoError(t, err)
	require.NotNil(t, syms.JSON200)
	assert.Contains(t, symbolNames(*syms.JSON200), "add/function")
	comp, err := e.c.CompletionsWithResponse(ctx, tbclient.LspCompletionParams{
		LanguageID: "javascript", PathToProject: project, URI: uri, Position: tbclient.LspPosition{Line: 4, Character: 2},
	})
	require.NoError(t, err)
	require.NotNil(t, comp.JSON200)
	assert.True(t, slices.Contains(completionLabels(comp.JSON200), "toUpperCase"), "string methods complete on s.")
}
