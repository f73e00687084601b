package daytona

import (
	"context"
	"encoding/json"
	"net/url"
	"path"
	"strings"

	"github.com/daytona-go/daytona/api/toolbox"
)

// ErrLSPServerNotInitialized: the language server was not started
// (LSP.Start) [ErrValidation]. Toolboxes before API v0.205.1 answer with a
// bare 400 and no code: ErrValidation matches both.
var ErrLSPServerNotInitialized = &Error{Code: "LSP_SERVER_NOT_INITIALIZED", Source: SourceDaemon}

// LSPServer is a language server in the sandbox, for one language and one
// project directory (PROTOCOLS.md 8): pylsp for python,
// typescript-language-server for typescript and javascript. They must be
// installed in the sandbox image. Get one with Sandbox.LSP, Start it, open
// documents with DidOpen, then ask for symbols and completions.
//
// File paths name files in the sandbox; they are sent as file:// URIs. A
// relative path is taken relative to the project path. Prefer absolute
// paths: language servers need absolute URIs, and a relative project path
// gives relative ones.
//
// An LSPServer is safe for concurrent use.
type LSPServer struct {
	sb       *Sandbox
	language Language
	project  string
	err      error // a bad language or project path, reported by every call
}

// LSP returns the language server of language (LanguagePython,
// LanguageTypeScript or LanguageJavaScript) for the project directory
// projectPath. Nothing is sent until a method is called; a language or path
// that is not valid makes every method fail with ErrValidation before any
// network call.
func (s *Sandbox) LSP(language Language, projectPath string) *LSPServer {
	l := &LSPServer{sb: s, language: language, project: projectPath}
	switch language {
	case LanguagePython, LanguageTypeScript, LanguageJavaScript:
	default:
		l.err = invalidf("LSP: unsupported language %q (want python, typescript or javascript)", language)
		return l
	}
	l.err = checkPath("LSP", "projectPath", projectPath)
	return l
}

// Language returns the server's language.
func (l *LSPServer) Language() Language { return l.language }

// ProjectPath returns the server's project directory.
func (l *LSPServer) ProjectPath() string { return l.project }

// Position is a place in a text document: a zero-based line and a
// zero-based character offset (in UTF-16 code units, as LSP counts).
type Position struct {
	Line      int // Line is the zero-based line number.
	Character int // Character is the zero-based offset in the line, in UTF-16 code units.
}

// Range is a span of a text document; End is exclusive.
type Range struct {
	Start Position // Start is the first position of the span.
	End   Position // End is the position just after the span.
}

// Location is a range in a file.
type Location struct {
	// URI is the file's URI as the language server sent it.
	URI string
	// Path is the file's path in the sandbox (the URI's path, decoded).
	Path  string
	Range Range // Range is the span in the file.
}

// SymbolKind is the kind of a symbol, as LSP numbers them. Values the SDK
// does not name still come through.
type SymbolKind int

// Symbol kinds (LSP SymbolKind).
const (
	SymbolFile          SymbolKind = 1
	SymbolModule        SymbolKind = 2
	SymbolNamespace     SymbolKind = 3
	SymbolPackage       SymbolKind = 4
	SymbolClass         SymbolKind = 5
	SymbolMethod        SymbolKind = 6
	SymbolProperty      SymbolKind = 7
	SymbolField         SymbolKind = 8
	SymbolConstructor   SymbolKind = 9
	SymbolEnum          SymbolKind = 10
	SymbolInterface     SymbolKind = 11
	SymbolFunction      SymbolKind = 12
	SymbolVariable      SymbolKind = 13
	SymbolConstant      SymbolKind = 14
	SymbolString        SymbolKind = 15
	SymbolNumber        SymbolKind = 16
	SymbolBoolean       SymbolKind = 17
	SymbolArray         SymbolKind = 18
	SymbolObject        SymbolKind = 19
	SymbolKey           SymbolKind = 20
	SymbolNull          SymbolKind = 21
	SymbolEnumMember    SymbolKind = 22
	SymbolStruct        SymbolKind = 23
	SymbolEvent         SymbolKind = 24
	SymbolOperator      SymbolKind = 25
	SymbolTypeParameter SymbolKind = 26
)

// Symbol is a named program element: a class, a function, a variable...
type Symbol struct {
	Name     string     // Name is the symbol's name.
	Kind     SymbolKind // Kind is the symbol's kind (class, function, ...).
	Location Location   // Location is where the symbol is declared.
}

// CompletionItemKind is the kind of a completion, as LSP numbers them.
// Values the SDK does not name still come through; 0 means none was sent.
type CompletionItemKind int

// Completion item kinds (LSP CompletionItemKind).
const (
	CompletionText          CompletionItemKind = 1
	CompletionMethod        CompletionItemKind = 2
	CompletionFunction      CompletionItemKind = 3
	CompletionConstructor   CompletionItemKind = 4
	CompletionField         CompletionItemKind = 5
	CompletionVariable      CompletionItemKind = 6
	CompletionClass         CompletionItemKind = 7
	CompletionInterface     CompletionItemKind = 8
	CompletionModule        CompletionItemKind = 9
	CompletionProperty      CompletionItemKind = 10
	CompletionUnit          CompletionItemKind = 11
	CompletionValue         CompletionItemKind = 12
	CompletionEnum          CompletionItemKind = 13
	CompletionKeyword       CompletionItemKind = 14
	CompletionSnippet       CompletionItemKind = 15
	CompletionColor         CompletionItemKind = 16
	CompletionFile          CompletionItemKind = 17
	CompletionReference     CompletionItemKind = 18
	CompletionFolder        CompletionItemKind = 19
	CompletionEnumMember    CompletionItemKind = 20
	CompletionConstant      CompletionItemKind = 21
	CompletionStruct        CompletionItemKind = 22
	CompletionEvent         CompletionItemKind = 23
	CompletionOperator      CompletionItemKind = 24
	CompletionTypeParameter CompletionItemKind = 25
)

// CompletionItem is one completion proposal.
type CompletionItem struct {
	// Label is what the proposal shows (and inserts, unless InsertText is
	// set).
	Label string
	Kind  CompletionItemKind // Kind is the proposal's kind; 0 if the server sent none.
	// Detail is extra information, such as a type signature.
	Detail string
	// Documentation is the proposal's documentation, plain text or
	// Markdown.
	Documentation string
	SortText      string // SortText orders proposals in place of Label when set.
	FilterText    string // FilterText is matched against typed text in place of Label when set.
	// InsertText is the text to insert, when it differs from Label.
	InsertText string
}

// CompletionList is the result of LSPServer.Completions.
type CompletionList struct {
	// IsIncomplete reports that typing more may give other proposals.
	IsIncomplete bool
	Items        []CompletionItem // Items are the proposals, in server order.
}

// server is the body identifying the language server.
func (l *LSPServer) server() toolbox.LspServerRequest {
	return toolbox.LspServerRequest{LanguageID: string(l.language), PathToProject: l.project}
}

// uri returns the file URI of path (relative to the project).
func (l *LSPServer) uri(op, p string) (string, error) {
	if err := checkPath(op, "path", p); err != nil {
		return "", err
	}
	if !path.IsAbs(p) {
		p = path.Join(l.project, p)
	}
	return "file://" + p, nil
}

// Start starts the language server (a no-op if it runs). A toolbox
// without the server program answers a bare 500 (ErrServer).
func (l *LSPServer) Start(ctx context.Context) error {
	if l.err != nil {
		return l.err
	}
	return l.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.StartWithResponse(ctx, l.server())
		return err
	})
}

// Stop stops the language server. Stopping one that does not run fails
// with ErrServer (the toolbox answers 500).
func (l *LSPServer) Stop(ctx context.Context) error {
	if l.err != nil {
		return l.err
	}
	return l.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.StopWithResponse(ctx, l.server())
		return err
	})
}

// document is the body naming a file for the server.
func (l *LSPServer) document(op, p string) (toolbox.LspDocumentRequest, error) {
	if l.err != nil {
		return toolbox.LspDocumentRequest{}, l.err
	}
	uri, err := l.uri(op, p)
	if err != nil {
		return toolbox.LspDocumentRequest{}, err
	}
	return toolbox.LspDocumentRequest{LanguageID: string(l.language), PathToProject: l.project, URI: uri}, nil
}

// DidOpen tells the server that the file at path is open: the toolbox
// sends it the file's current content. Symbols and completions need the
// file open.
func (l *LSPServer) DidOpen(ctx context.Context, path string) error {
	doc, err := l.document("LSP.DidOpen", path)
	if err != nil {
		return err
	}
	return l.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.DidOpenWithResponse(ctx, doc)
		return err
	})
}

// DidClose tells the server that the file at path is closed.
func (l *LSPServer) DidClose(ctx context.Context, path string) error {
	doc, err := l.document("LSP.DidClose", path)
	if err != nil {
		return err
	}
	return l.sb.send(ctx, func(tb *toolbox.ClientWithResponses) error {
		_, err := tb.DidCloseWithResponse(ctx, doc)
		return err
	})
}

// DocumentSymbols returns the symbols of the file at path.
func (l *LSPServer) DocumentSymbols(ctx context.Context, path string) ([]Symbol, error) {
	doc, err := l.document("LSP.DocumentSymbols", path)
	if err != nil {
		return nil, err
	}
	tb, err := l.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.DocumentSymbolsWithResponse(ctx, &toolbox.DocumentSymbolsParams{
		LanguageID: doc.LanguageID, PathToProject: doc.PathToProject, URI: doc.URI,
	})
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/lsp/document-symbols", resp.Status())
	}
	return symbolsFromAPI(*resp.JSON200), nil
}

// SandboxSymbols searches the project's symbols whose names match query
// (the LSP workspace/symbol request; how names match is up to the
// server). Servers may need a file of the project open first.
func (l *LSPServer) SandboxSymbols(ctx context.Context, query string) ([]Symbol, error) {
	if l.err != nil {
		return nil, l.err
	}
	if query == "" {
		return nil, invalidf("LSP.SandboxSymbols: query is empty")
	}
	tb, err := l.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.WorkspaceSymbolsWithResponse(ctx, &toolbox.WorkspaceSymbolsParams{
		Query: query, LanguageID: string(l.language), PathToProject: l.project,
	})
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/lsp/workspacesymbols", resp.Status())
	}
	return symbolsFromAPI(*resp.JSON200), nil
}

// Completions returns the completion proposals at pos in the file at path
// (open it first). The toolbox refuses line 0, the first line: its
// validation takes 0 for a missing value (ErrValidation).
func (l *LSPServer) Completions(ctx context.Context, path string, pos Position) (*CompletionList, error) {
	const op = "LSP.Completions"
	doc, err := l.document(op, path)
	if err != nil {
		return nil, err
	}
	if pos.Line < 0 || pos.Character < 0 {
		return nil, invalidf("%s: position %d:%d is negative", op, pos.Line, pos.Character)
	}
	tb, err := l.sb.toolboxCall(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := tb.CompletionsWithResponse(ctx, toolbox.LspCompletionParams{
		LanguageID: doc.LanguageID, PathToProject: doc.PathToProject, URI: doc.URI,
		Position: toolbox.LspPosition{Line: pos.Line, Character: pos.Character},
	})
	if err != nil {
		return nil, wrapErr(ctx, err)
	}
	if resp.JSON200 == nil {
		return nil, unexpected("/lsp/completions", resp.Status())
	}
	out := &CompletionList{IsIncomplete: resp.JSON200.IsIncomplete, Items: make([]CompletionItem, 0, len(resp.JSON200.Items))}
	for _, it := range resp.JSON200.Items {
		out.Items = append(out.Items, CompletionItem{
			Label: it.Label, Kind: CompletionItemKind(fromPtr(it.Kind)), Detail: fromPtr(it.Detail),
			Documentation: documentationText(it.Documentation), SortText: fromPtr(it.SortText),
			FilterText: fromPtr(it.FilterText), InsertText: fromPtr(it.InsertText),
		})
	}
	return out, nil
}

func symbolsFromAPI(in []toolbox.LspSymbol) []Symbol {
	out := make([]Symbol, 0, len(in))
	for _, s := range in {
		r := s.Location.Range
		out = append(out, Symbol{Name: s.Name, Kind: SymbolKind(s.Kind), Location: Location{
			URI: s.Location.URI, Path: uriPath(s.Location.URI),
			Range: Range{
				Start: Position{Line: r.Start.Line, Character: r.Start.Character},
				End:   Position{Line: r.End.Line, Character: r.End.Character},
			},
		}})
	}
	return out
}

// uriPath returns the path of a file URI (decoded), or the URI without
// its scheme if it does not parse.
func uriPath(uri string) string {
	if u, err := url.Parse(uri); err == nil && u.Scheme == "file" {
		return u.Path
	}
	return strings.TrimPrefix(uri, "file://")
}

// documentationText reads LSP documentation: a string, or a MarkupContent
// {kind, value}.
func documentationText(doc any) string {
	switch d := doc.(type) {
	case nil:
		return ""
	case string:
		return d
	case map[string]any:
		if v, ok := d["value"].(string); ok {
			return v
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return ""
	}
	return string(b)
}
