package imagebuilder

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "''"},
		{"safe", "abc-XYZ_0.9/@%+=:,", "abc-XYZ_0.9/@%+=:,"},
		{"space", "hello world", "'hello world'"},
		{"single quote", "it's", `'it'"'"'s'`},
		{"double quote", `a"b`, `'a"b'`},
		{"dollar", "$HOME", "'$HOME'"},
		{"version specifier", "numpy>=1.0", "'numpy>=1.0'"},
		{"query string", "https://idx/simple?a=1", "'https://idx/simple?a=1'"},
		{"tilde", "~t", "'~t'"},
		{"newline", "a\nb", "'a\nb'"},
		{"non-ASCII", "é", "'é'"},
		{"only quotes", "''", `''"'"''"'"''`},
		{"backslash", `a\b`, `'a\b'`},
		{"semicolon", "x;y", "'x;y'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Quote(tt.in))
		})
	}
}

func TestExecForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{"empty", nil, "[]"},
		{"plain", []string{"sleep", "infinity"}, `["sleep", "infinity"]`},
		{"dollar kept", []string{"echo $HOME"}, `["echo $HOME"]`},
		{"quote and backslash escaped", []string{`a"b`, `c\d`}, `["a\"b", "c\\d"]`},
		{"control characters escaped", []string{"a\nb\tc\rd\x01"}, `["a\nb\tc\rd\u0001"]`},
		{"html characters kept", []string{"<&>"}, `["<&>"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, execForm(tt.in))
		})
	}
}

func TestShlexSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr error
	}{
		{"empty", "", nil, nil},
		{"blanks", " \t\r\n ", nil, nil},
		{"words", "a  b\tc", []string{"a", "b", "c"}, nil},
		{"single quotes literal", `'a \" b'`, []string{`a \" b`}, nil},
		{"double quotes", `"e f.txt" g`, []string{"e f.txt", "g"}, nil},
		{"escape in double quotes only for quote and backslash", `"a\"b\\c\d"`, []string{`a"b\c\d`}, nil},
		{"escape outside quotes", `a\ b\'c`, []string{"a b'c"}, nil},
		{"empty quoted word kept", `'' ""`, []string{"", ""}, nil},
		{"adjacent parts join", `a'b'"c"`, []string{"abc"}, nil},
		{"no comments", "a #b", []string{"a", "#b"}, nil},
		{"unclosed single", "'a", nil, errNoClosingQuotation},
		{"unclosed double", `"a`, nil, errNoClosingQuotation},
		{"trailing escape", `a\`, nil, errNoEscapedCharacter},
		{"escape in double at end", `"a\`, nil, errNoEscapedCharacter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := shlexSplit(tt.in)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// posixWords splits s into words as a POSIX shell reads them, for the part
// of the language quoting uses: blanks separate words, '...' is literal,
// "..." is literal except that a backslash escapes $ ` " \ and newline, and
// an unquoted backslash escapes the next byte. An unquoted byte that the
// shell would treat specially (an operator, an expansion, a glob) makes ok
// false, since a correctly quoted word never leaves one.
func posixWords(s string) (words []string, ok bool) {
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, false
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '$' || s[i] == '`' {
					return nil, false
				}
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, false
			}
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, false
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		case strings.IndexByte("|&;<>()$`*?[]{}!", c) >= 0, !inWord && (c == '#' || c == '~'):
			return nil, false
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, true
}

func TestPosixWords(t *testing.T) {
	t.Parallel()
	// The checker itself must tell right from wrong.
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{`'a b'`, []string{"a b"}, true},
		{`'it'"'"'s'`, []string{"it's"}, true},
		{`''`, []string{""}, true},
		{`a=b%c`, []string{"a=b%c"}, true},
		{`a b`, []string{"a", "b"}, true},
		{`$HOME`, nil, false},
		{`a>b`, nil, false},
		{`'unclosed`, nil, false},
		{`"a$b"`, nil, false},
	}
	for _, tt := range tests {
		got, ok := posixWords(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		if tt.ok {
			assert.Equal(t, tt.want, got, tt.in)
		}
	}
}

// FuzzQuote checks that a shell reads Quote(s) back as exactly the one word
// s, and that Quote leaves safe strings alone.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a", "hello world", "it's", "'", `"`, "$HOME", "numpy>=1.0", "a\nb", "é", "~", "#x", "a=b", `\`, "''\"\"", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		words, ok := posixWords(q)
		require.True(t, ok, "Quote(%q) = %q leaves a special character unquoted", s, q)
		require.Equal(t, []string{s}, words, "Quote(%q) = %q", s, q)
		if isShellSafe(s) && s != "" {
			require.Equal(t, s, q)
		} else {
			require.True(t, strings.HasPrefix(q, "'") && strings.HasSuffix(q, "'"), q)
		}
		// shlex.split, which the COPY scan uses, reads it back too.
		split, err := shlexSplit(q)
		require.NoError(t, err)
		require.Equal(t, []string{s}, split)
	})
}

// FuzzShlexSplit checks that splitting never panics and that a split is the
// inverse of quoting and joining.
func FuzzShlexSplit(f *testing.F) {
	f.Add(`COPY "e f.txt" g`, "x y")
	f.Add(`'a \" b'`, "")
	f.Add(`a\`, `"`)
	f.Add("\"a\\\"b\\\\c\\d\"", "--chown=1:1")
	f.Fuzz(func(t *testing.T, line, word string) {
		words, err := shlexSplit(line)
		if err == nil {
			again, err := shlexSplit(quoteJoin(words))
			require.NoError(t, err)
			require.Equal(t, words, append([]string(nil), again...))
		}
		pair := []string{word, line}
		got, err := shlexSplit(quoteJoin(pair))
		require.NoError(t, err)
		require.Equal(t, pair, got)
	})
}
