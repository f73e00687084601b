// Lsp asks language servers in a sandbox about code there: the symbols of
// a Python file and completions in it (pylsp), then a project-wide symbol
// search and completions in TypeScript (typescript-language-server).
//
//	go run ./examples/lsp
//
// The servers must be installed in the sandbox: on the emulator, on this
// machine (Debian: apt install python3-pylsp; npm install -g
// typescript-language-server typescript). A language whose server is
// missing is skipped with a message.
//
// It runs against Daytona when DAYTONA_API_KEY is set, else against the
// in-process emulator; the first line of output says which.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/daytona-go/daytona/examples/internal/exenv"
	daytona "github.com/daytona-go/daytona/facade"
)

func main() { exenv.Main(5*time.Minute, run) }

const pythonSource = `import os


class Greeter:
    def greet(self, name):
        return "hi " + name


def helper():
    return os.path.join("a", "b")


os.pa
`

const typeScriptSource = `export class Greeter {
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

// demo is one language's part of the example.
type demo struct {
	lang     daytona.Language
	file     string
	source   string
	complete daytona.Position // where to ask for completions: after "os.pa", after "g."
	search   string           // the project-wide symbol search; "" to skip it (pylsp has none)
}

var demos = []demo{
	{lang: daytona.LanguagePython, file: "app.py", source: pythonSource, complete: daytona.Position{Line: 12, Character: 5}},
	{lang: daytona.LanguageTypeScript, file: "index.ts", source: typeScriptSource, complete: daytona.Position{Line: 11, Character: 2}, search: "Greet"},
}

func run(ctx context.Context, w io.Writer, env *exenv.Env) error {
	sb, err := env.Client.Create(ctx, daytona.FromSnapshot{Labels: map[string]string{"example": "lsp"}}, daytona.CreateOptions{})
	if sb != nil {
		defer exenv.Remove(w, sb)
	}
	if err != nil {
		return err
	}
	// Language servers want absolute paths.
	work, err := sb.WorkDir(ctx)
	if err != nil {
		return err
	}
	for _, d := range demos {
		if err := d.run(ctx, w, sb, path.Join(work, "lsp-"+string(d.lang))); err != nil {
			return fmt.Errorf("%s: %w", d.lang, err)
		}
	}
	return nil
}

func (d demo) run(ctx context.Context, w io.Writer, sb *daytona.Sandbox, project string) error {
	file := path.Join(project, d.file)
	if err := sb.FS.Upload(ctx, file, strings.NewReader(d.source)); err != nil {
		return err
	}
	srv := sb.LSP(d.lang, project)
	if err := srv.Start(ctx); err != nil {
		if errors.Is(err, daytona.ErrServer) {
			fmt.Fprintf(w, "%s: skipped, the language server did not start (is it installed in the sandbox?): %v\n", d.lang, err)
			return nil
		}
		return err
	}
	defer srv.Stop(context.WithoutCancel(ctx))
	fmt.Fprintf(w, "%s: language server started for %s\n", d.lang, path.Base(project))

	if err := srv.DidOpen(ctx, file); err != nil {
		return err
	}
	syms, err := srv.DocumentSymbols(ctx, file)
	if err != nil {
		return err
	}
	for _, s := range syms {
		fmt.Fprintf(w, "%s: symbol %s %s at line %d\n", d.lang, kindName(s.Kind), s.Name, s.Location.Range.Start.Line+1)
	}

	if d.search != "" {
		found, err := srv.SandboxSymbols(ctx, d.search)
		if err != nil {
			return err
		}
		for _, s := range found {
			fmt.Fprintf(w, "%s: search %q found %s %s in %s\n", d.lang, d.search, kindName(s.Kind), s.Name, path.Base(s.Location.Path))
		}
	}

	list, err := srv.Completions(ctx, file, d.complete)
	if err != nil {
		return err
	}
	labels := make([]string, 0, 5)
	for _, it := range list.Items {
		if len(labels) == cap(labels) {
			break
		}
		labels = append(labels, it.Label)
	}
	fmt.Fprintf(w, "%s: %d completions at line %d, first: %s\n", d.lang, len(list.Items), d.complete.Line+1, strings.Join(labels, ", "))
	return srv.DidClose(ctx, file)
}

// kindName names the common symbol kinds.
func kindName(k daytona.SymbolKind) string {
	switch k {
	case daytona.SymbolClass:
		return "class"
	case daytona.SymbolMethod:
		return "method"
	case daytona.SymbolFunction:
		return "function"
	case daytona.SymbolVariable:
		return "variable"
	case daytona.SymbolConstant:
		return "constant"
	case daytona.SymbolModule:
		return "module"
	case daytona.SymbolProperty, daytona.SymbolField:
		return "field"
	}
	return fmt.Sprintf("kind-%d", int(k))
}
