package imagebuilder

import (
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// This file reproduces Python's glob.glob (non-recursive, hidden names
// excluded) and fnmatch, because the COPY sources of a Dockerfile become
// build contexts through them and the contexts must match the Python SDK's.

func hasMagic(s string) bool { return strings.ContainsAny(s, "*?[") }

// pyGlob returns the paths matching pattern in directory order, as Python's
// glob.glob(pattern) does.
func pyGlob(pattern string) []string {
	return iglob(pattern, false)
}

func iglob(pattern string, dirOnly bool) []string {
	dir, base := pySplit(pattern)
	if !hasMagic(pattern) {
		if base != "" {
			if _, err := os.Lstat(pattern); err == nil {
				return []string{pattern}
			}
		} else if isDir(dir) {
			return []string{pattern}
		}
		return nil
	}
	if dir == "" {
		return glob1("", base, dirOnly)
	}
	dirs := []string{dir}
	if dir != pattern && hasMagic(dir) {
		dirs = iglob(dir, true)
	}
	var out []string
	for _, d := range dirs {
		var names []string
		if hasMagic(base) {
			names = glob1(d, base, dirOnly)
		} else {
			names = glob0(d, base)
		}
		for _, n := range names {
			out = append(out, pyJoin(d, n))
		}
	}
	return out
}

// glob0 matches a literal base name inside dir.
func glob0(dir, base string) []string {
	if base == "" {
		if isDir(dir) {
			return []string{base}
		}
		return nil
	}
	p := base
	if dir != "" {
		p = pyJoin(dir, base)
	}
	if _, err := os.Lstat(p); err == nil {
		return []string{base}
	}
	return nil
}

// glob1 returns the names in dir (in directory order) that match pattern.
// Names starting with "." match only a pattern starting with ".".
func glob1(dir, pattern string, dirOnly bool) []string {
	if dir == "" {
		dir = "."
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil
	}
	entries, _ := f.ReadDir(-1) // raw directory order, like os.scandir
	_ = f.Close()
	re := fnmatchRegexp(pattern)
	var out []string
	for _, e := range entries {
		name := e.Name()
		if dirOnly && !entryIsDir(dir, e) {
			continue
		}
		if pattern[0] != '.' && strings.HasPrefix(name, ".") {
			continue
		}
		if re.MatchString(name) {
			out = append(out, name)
		}
	}
	return out
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// entryIsDir is os.DirEntry.is_dir() in Python: true for a directory or a
// symbolic link to one.
func entryIsDir(dir string, e fs.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	return e.Type()&fs.ModeSymlink != 0 && isDir(pyJoin(dir, e.Name()))
}

// fnmatchRegexp compiles a shell pattern with the semantics of Python's
// fnmatch.translate: '*' matches any run of characters, '?' any one, and
// "[...]" a set ("[!...]" negated; a ']' first is literal; an unclosed '['
// is literal; a backslash is an ordinary character).
func fnmatchRegexp(pattern string) *regexp.Regexp {
	p := []rune(pattern)
	n := len(p)
	var b strings.Builder
	b.WriteString(`(?s)^`)
	lastStar := false
	for i := 0; i < n; {
		c := p[i]
		i++
		if c == '*' {
			if !lastStar {
				b.WriteString(`.*`)
			}
			lastStar = true
			continue
		}
		lastStar = false
		switch c {
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i
			if j < n && p[j] == '!' {
				j++
			}
			if j < n && p[j] == ']' {
				j++
			}
			for j < n && p[j] != ']' {
				j++
			}
			if j >= n {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(fnmatchSet(p, i, j))
			i = j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// fnmatchSet translates the bracket body p[i:j] the way fnmatch.translate
// does, including its handling of '-': the body is cut into chunks at the
// hyphens that make ranges, a range whose ends are reversed is removed
// together with its ends, and the result is read as a regular-expression
// set. It returns a Go regular expression.
func fnmatchSet(p []rune, i, j int) string {
	// A token is a literal rune, or rangeDash between two chunks.
	const rangeDash = -1
	var tokens []rune
	if !slices.Contains(p[i:j], '-') {
		tokens = append(tokens, p[i:j]...)
	} else {
		var chunks [][]rune
		k := i + 1
		if p[i] == '!' {
			k = i + 2
		}
		for {
			if k >= j {
				break
			}
			d := slices.Index(p[k:j], '-')
			if d < 0 {
				break
			}
			k += d
			chunks = append(chunks, p[i:k])
			i = k + 1
			k += 3
		}
		if chunk := p[i:j]; len(chunk) > 0 {
			chunks = append(chunks, chunk)
		} else {
			last := len(chunks) - 1
			chunks[last] = append(chunks[last][:len(chunks[last]):len(chunks[last])], '-')
		}
		for k := len(chunks) - 1; k > 0; k-- {
			prev, cur := chunks[k-1], chunks[k]
			if prev[len(prev)-1] > cur[0] {
				merged := append(append([]rune{}, prev[:len(prev)-1]...), cur[1:]...)
				chunks[k-1] = merged
				chunks = append(chunks[:k], chunks[k+1:]...)
			}
		}
		for k, c := range chunks {
			if k > 0 {
				tokens = append(tokens, rangeDash)
			}
			tokens = append(tokens, c...)
		}
	}
	switch {
	case len(tokens) == 0:
		return `[^\x00-\x{10FFFF}]` // an empty set never matches
	case len(tokens) == 1 && tokens[0] == '!':
		return `.` // a negated empty set matches any character
	}
	var b strings.Builder
	b.WriteByte('[')
	if tokens[0] == '!' {
		b.WriteByte('^')
		tokens = tokens[1:]
	}
	hex := func(r rune) string { return `\x{` + strconv.FormatInt(int64(r), 16) + `}` }
	for t := 0; t < len(tokens); t++ {
		lo := tokens[t]
		if lo == rangeDash { // cannot happen after the chunking above; read it as '-'
			lo = '-'
		}
		if t+2 < len(tokens) && tokens[t+1] == rangeDash && tokens[t+2] != rangeDash {
			if hi := tokens[t+2]; lo <= hi {
				b.WriteString(hex(lo) + "-" + hex(hi))
			}
			t += 2
			continue
		}
		b.WriteString(hex(lo))
	}
	b.WriteByte(']')
	s := b.String()
	if s == "[]" || s == "[^]" {
		// Every range was dropped: nothing (or, negated, anything) matches.
		if s == "[]" {
			return `[^\x00-\x{10FFFF}]`
		}
		return `.`
	}
	return s
}
