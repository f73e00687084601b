package doccheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// root is the module's root directory.
const root = "../.."

// pkgDir is one directory of Go files.
type pkgDir struct {
	rel      string // relative to root, slash-separated
	name     string // package name of the non-test files
	files    []*ast.File
	names    []string // file names, parallel to files
	examples bool     // a _test.go file declares func Example...
	hasDoc   bool     // some non-test file has a package comment
}

// loadPackages parses every Go package of the module (the gen/ module,
// testdata and hidden directories excluded).
func loadPackages(t *testing.T) []*pkgDir {
	t.Helper()
	fset := token.NewFileSet()
	byDir := map[string]*pkgDir{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			base := d.Name()
			if rel != "." && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") || base == "testdata" || base == "node_modules" || rel == "gen") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		pd := byDir[dir]
		if pd == nil {
			pd = &pkgDir{rel: dir}
			byDir[dir] = pd
		}
		if strings.HasSuffix(p, "_test.go") {
			for _, decl := range f.Decls {
				if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Example") {
					pd.examples = true
				}
			}
			return nil
		}
		pd.name = f.Name.Name
		if f.Doc != nil {
			pd.hasDoc = true
		}
		pd.files = append(pd.files, f)
		pd.names = append(pd.names, rel)
		return nil
	})
	require.NoError(t, err)
	var out []*pkgDir
	for _, pd := range byDir {
		if len(pd.files) > 0 {
			out = append(out, pd)
		}
	}
	slices.SortFunc(out, func(a, b *pkgDir) int { return strings.Compare(a.rel, b.rel) })
	require.NotEmpty(t, out)
	return out
}

// importable reports whether other modules can import the package.
func (pd *pkgDir) importable() bool {
	return pd.name != "main" && !slices.Contains(strings.Split(pd.rel, "/"), "internal")
}

// undocumented lists the exported identifiers of f that have no doc
// comment: functions, methods of exported types, types, constants and
// variables (a comment on their group, or a trailing line comment on a
// constant or variable, counts).
func undocumented(f *ast.File) []string {
	var out []string
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil {
				continue
			}
			if d.Recv == nil {
				out = append(out, "func "+d.Name.Name)
				continue
			}
			if recv := receiverType(d.Recv.List[0].Type); ast.IsExported(recv) {
				out = append(out, "method "+recv+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			grouped := d.Doc != nil
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() && s.Doc == nil && !grouped {
						out = append(out, "type "+s.Name.Name)
					}
					if st, ok := s.Type.(*ast.StructType); ok && s.Name.IsExported() {
						out = append(out, undocumentedFields(s.Name.Name, st)...)
					}
				case *ast.ValueSpec:
					if s.Doc != nil || s.Comment != nil || grouped {
						continue
					}
					for _, n := range s.Names {
						if n.IsExported() {
							out = append(out, strings.ToLower(d.Tok.String())+" "+n.Name)
						}
					}
				}
			}
		}
	}
	return out
}

// undocumentedFields lists the exported named fields of the exported
// struct type typ that have neither a doc comment nor a trailing line
// comment; fields declared together (X, Y int) share one comment.
// Embedded fields are skipped: their type carries the documentation.
func undocumentedFields(typ string, st *ast.StructType) []string {
	var out []string
	for _, fld := range st.Fields.List {
		if fld.Doc != nil || fld.Comment != nil {
			continue
		}
		for _, n := range fld.Names {
			if n.IsExported() {
				out = append(out, "field "+typ+"."+n.Name)
			}
		}
	}
	return out
}

// receiverType returns the name of a method's receiver type.
func receiverType(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return receiverType(x.X)
	case *ast.IndexExpr:
		return receiverType(x.X)
	case *ast.IndexListExpr:
		return receiverType(x.X)
	case *ast.Ident:
		return x.Name
	}
	return ""
}

// TestExportedIdentifiersHaveDocComments checks every hand-written
// (not generated), non-test file of the module.
func TestExportedIdentifiersHaveDocComments(t *testing.T) {
	var missing []string
	for _, pd := range loadPackages(t) {
		for i, f := range pd.files {
			if ast.IsGenerated(f) || strings.HasSuffix(pd.names[i], ".gen.go") {
				continue
			}
			for _, id := range undocumented(f) {
				missing = append(missing, fmt.Sprintf("%s: %s", pd.names[i], id))
			}
		}
	}
	assert.Empty(t, missing, "exported identifiers without a doc comment:\n%s", strings.Join(missing, "\n"))
}

// TestPackagesHaveDocAndExample checks that every package has a package
// comment and every importable package an Example function.
func TestPackagesHaveDocAndExample(t *testing.T) {
	var problems []string
	for _, pd := range loadPackages(t) {
		if !pd.hasDoc {
			problems = append(problems, pd.rel+": no package comment")
		}
		if pd.importable() && !pd.examples {
			problems = append(problems, pd.rel+": no Example function in its tests")
		}
	}
	assert.Empty(t, problems, "%s", strings.Join(problems, "\n"))
}

// TestUndocumentedIsStrict makes sure the checker can fail: it finds every
// undocumented identifier of a file made of them, and none in a documented
// one.
func TestUndocumentedIsStrict(t *testing.T) {
	const bad = `package p
func F() {}
type T struct{}
func (T) M() {}
func (t *T) N() {}
type u struct{}
func (u) Exported() {}
// S is.
type S struct {
	A    int
	B, c string
	d    int
	T
}
type h struct {
	Hidden int
}
const C = 1
var V, W = 1, 2
var (
	X = 1
)
func g() {}
`
	const good = `package p
// F does.
func F() {}
// T is.
type T struct{}
// S is.
type S struct {
	// A is.
	A int
	B, C string // B and C are.
	d int
	T
}
// M does.
func (T) M() {}
// The values.
const (
	A = iota
	B
)
var V = 1 // V is.
`
	parse := func(src string) *ast.File {
		f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, parser.ParseComments)
		require.NoError(t, err)
		return f
	}
	assert.Equal(t, []string{"func F", "type T", "method T.M", "method T.N", "field S.A", "field S.B", "const C", "var V", "var W", "var X"}, undocumented(parse(bad)))
	assert.Empty(t, undocumented(parse(good)))
}

// readme returns README.md.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	return string(b)
}
