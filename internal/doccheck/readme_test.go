package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// quickstartMarker precedes the README's quickstart code block.
const quickstartMarker = "<!-- quickstart: the body of func Example in facade/example_test.go -->"

// exampleBody returns the statements of func Example in
// facade/example_test.go as they would stand at the top level: the
// function's body without its braces, one tab of indentation removed.
func exampleBody(t *testing.T) string {
	t.Helper()
	file := filepath.Join(root, "facade", "example_test.go")
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	require.NoError(t, err)
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || fn.Name.Name != "Example" {
			continue
		}
		body := string(src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset])
		lines := strings.Split(strings.Trim(body, "\n"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimPrefix(l, "\t")
		}
		return strings.Join(lines, "\n") + "\n"
	}
	t.Fatal("facade/example_test.go has no func Example")
	return ""
}

// codeBlockAfter returns the content of the first fenced code block after
// marker in text.
func codeBlockAfter(t *testing.T, text, marker string) string {
	t.Helper()
	_, rest, ok := strings.Cut(text, marker+"\n")
	require.True(t, ok, "README.md has no line %q", marker)
	require.True(t, strings.HasPrefix(rest, "```go\n"), "a ```go block must follow %q", marker)
	block, _, ok := strings.Cut(strings.TrimPrefix(rest, "```go\n"), "```\n")
	require.True(t, ok, "the code block after %q is not closed", marker)
	return block
}

// TestReadmeQuickstartIsExample keeps the README's quickstart identical to
// the compiled and tested func Example of the facade.
func TestReadmeQuickstartIsExample(t *testing.T) {
	want := exampleBody(t)
	got := codeBlockAfter(t, readme(t), quickstartMarker)
	assert.Equal(t, want, got, "the README quickstart differs from func Example in facade/example_test.go: copy the function's body (without one level of indentation) into README.md")
}

// section returns the README section under the level-2 heading title, up
// to the next level-2 heading.
func section(t *testing.T, text, title string) string {
	t.Helper()
	_, rest, ok := strings.Cut(text, "\n## "+title+"\n")
	require.True(t, ok, "README.md has no section %q", title)
	body, _, _ := strings.Cut(rest, "\n## ")
	return body
}

// facadeFile parses one file of the facade.
func facadeFile(t *testing.T, name string) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "facade", name), nil, 0)
	require.NoError(t, err)
	return f
}

// structFields returns the exported field names of the struct type name
// declared in f.
func structFields(t *testing.T, f *ast.File, name string) []string {
	t.Helper()
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != name {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		require.True(t, ok, "%s is not a struct", name)
		for _, fld := range st.Fields.List {
			for _, id := range fld.Names {
				if id.IsExported() {
					out = append(out, id.Name)
				}
			}
		}
		return false
	})
	require.NotEmpty(t, out, "no struct %s", name)
	return out
}

// TestReadmeConfiguration checks that the configuration section names every
// Config field and every DAYTONA_* variable the facade reads, and the
// retry section every RetryPolicy field.
func TestReadmeConfiguration(t *testing.T) {
	text := readme(t)
	conf := section(t, text, "Configuration")
	f := facadeFile(t, "config.go")
	for _, field := range structFields(t, f, "Config") {
		assert.True(t, strings.Contains(conf, "`"+field+"`"), "Config.%s is missing from the configuration table", field)
	}
	vars := 0
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		v, err := strconv.Unquote(lit.Value)
		if err == nil && strings.HasPrefix(v, "DAYTONA_") && len(v) > len("DAYTONA_") && !strings.ContainsAny(v, " *") {
			vars++
			assert.True(t, strings.Contains(conf, "`"+v+"`"), "the variable %s is missing from the configuration table", v)
		}
		return true
	})
	assert.GreaterOrEqual(t, vars, 6, "the facade's DAYTONA_* variables were found")

	retry := section(t, text, "Timeouts and retries")
	for _, field := range structFields(t, f, "RetryPolicy") {
		assert.True(t, strings.Contains(retry, "`"+field+"`"), "RetryPolicy.%s is missing from the retry table", field)
	}
	assert.True(t, strings.Contains(retry, "\n### What happens when things fail\n"), "the fault table's heading")
}

// TestReadmeErrors checks that the errors section names every exported
// Err... variable of the facade.
func TestReadmeErrors(t *testing.T) {
	errs := section(t, readme(t), "Errors")
	files, err := filepath.Glob(filepath.Join(root, "facade", "*.go"))
	require.NoError(t, err)
	found := 0
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f := facadeFile(t, filepath.Base(file))
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				for _, id := range spec.(*ast.ValueSpec).Names {
					if id.IsExported() && strings.HasPrefix(id.Name, "Err") {
						found++
						assert.True(t, strings.Contains(errs, "`"+id.Name+"`"), "the sentinel %s (%s) is missing from the errors section", id.Name, filepath.Base(file))
					}
				}
			}
		}
	}
	assert.GreaterOrEqual(t, found, 10, "the facade's sentinels were found")
}

// TestReadmeExamples checks that every example is listed in the README and
// has a test.
func TestReadmeExamples(t *testing.T) {
	ex := section(t, readme(t), "Examples")
	entries, err := os.ReadDir(filepath.Join(root, "examples"))
	require.NoError(t, err)
	n := 0
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "internal" {
			continue
		}
		n++
		assert.True(t, strings.Contains(ex, "(examples/"+e.Name()+"/"), "examples/%s is missing from the README's table", e.Name())
		tests, err := filepath.Glob(filepath.Join(root, "examples", e.Name(), "*_test.go"))
		require.NoError(t, err)
		assert.NotEmpty(t, tests, "examples/%s has no test", e.Name())
	}
	assert.GreaterOrEqual(t, n, 15)
}
