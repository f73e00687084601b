package imagebuilder

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
)

// Quote returns s quoted for a POSIX shell, exactly as Python's shlex.quote
// does: a pair of single quotes for the empty string, s itself when it holds
// only ASCII letters, digits and @%+=:,./-_, and otherwise s in single quotes
// with each ' written as '"'"'. A shell reads the result back as the single
// word s.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if isShellSafe(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

func isShellSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("@%+=:,./-_", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// quoteJoin is Python's shlex.join: each word quoted, joined by spaces.
func quoteJoin(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}

// execForm writes args as a Dockerfile JSON array laid out as the Python SDK
// lays it out (`["a", "b"]`, `[]` when empty). Each element is escaped as a
// JSON string, so ordinary input gives Python's text and any input gives
// valid JSON.
func execForm(args []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSONString(&b, a)
	}
	b.WriteByte(']')
	return b.String()
}

// writeJSONString writes s as a JSON string literal. Only '"', '\\' and
// control characters are escaped; everything else is written as is.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteString(strconv.FormatUint(uint64(c)>>4, 16))
				b.WriteString(strconv.FormatUint(uint64(c)&0xf, 16))
				continue
			}
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// runArgvWord writes one element of the list form of run_commands the way
// the Python SDK does: in double quotes, with `"` turned into \\\" and `'`
// into \'.
func runArgvWord(s string) string {
	s = strings.ReplaceAll(s, `"`, `\\\"`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return `"` + s + `"`
}

// pyIsSpace reports whether Python's str.isspace (and the \s of a str regular
// expression) holds for r.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (0x1c <= r && r <= 0x1f)
}

// pyStrip is Python's str.strip() without arguments.
func pyStrip(s string) string { return strings.TrimFunc(s, pyIsSpace) }

func hasLineBreak(s string) bool { return strings.ContainsAny(s, "\r\n") }

func hasSpace(s string) bool { return strings.IndexFunc(s, unicode.IsSpace) >= 0 }

var (
	errNoClosingQuotation = errors.New("no closing quotation")
	errNoEscapedCharacter = errors.New("no escaped character")
)

// shlexSplit splits s into words as Python's shlex.split(s) does (POSIX
// mode, no comments): whitespace is space, tab, CR and LF; single quotes
// take everything literally; inside double quotes a backslash escapes only
// '"' and '\\'; outside quotes it escapes any character.
func shlexSplit(s string) ([]string, error) {
	const (
		stSpace = iota
		stWord
		stSingle
		stDouble
		stEscape
	)
	var (
		words   []string
		tok     strings.Builder
		state   = stSpace
		escFrom = stWord
	)
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch state {
		case stSpace, stWord:
			switch {
			case isSpace(c):
				if state == stWord {
					words = append(words, tok.String())
					tok.Reset()
				}
				state = stSpace
			case c == '\\':
				escFrom, state = stWord, stEscape
			case c == '\'':
				state = stSingle
			case c == '"':
				state = stDouble
			default:
				tok.WriteByte(c)
				state = stWord
			}
		case stSingle:
			if c == '\'' {
				state = stWord
			} else {
				tok.WriteByte(c)
			}
		case stDouble:
			switch c {
			case '"':
				state = stWord
			case '\\':
				escFrom, state = stDouble, stEscape
			default:
				tok.WriteByte(c)
			}
		case stEscape:
			if escFrom == stDouble && c != '\\' && c != '"' {
				tok.WriteByte('\\')
			}
			tok.WriteByte(c)
			state = escFrom
		}
	}
	switch state {
	case stSingle, stDouble:
		return nil, errNoClosingQuotation
	case stEscape:
		return nil, errNoEscapedCharacter
	case stWord:
		words = append(words, tok.String())
	}
	return words, nil
}
