package toolbox

import (
	"errors"
	"path"
	"strings"
)

// maxGlobAlternatives bounds the patterns a {a,b} expansion may produce.
const maxGlobAlternatives = 256

// errBadGlob is the error for a pattern that does not parse.
var errBadGlob = errors.New("invalid glob pattern")

// glob is a compiled search pattern: slash-separated segments matched with
// path.Match, where a whole "**" segment matches zero or more directories,
// and {a,b} alternatives (nestable) expanded beforehand.
type glob struct {
	alts [][]string // one segment list per alternative
}

// compileGlob parses pattern.
func compileGlob(pattern string) (*glob, error) {
	alts, err := expandBraces(pattern)
	if err != nil {
		return nil, err
	}
	g := &glob{}
	for _, a := range alts {
		segs := strings.Split(a, "/")
		for _, s := range segs {
			if s == "**" {
				continue
			}
			if _, err := path.Match(s, ""); err != nil {
				return nil, errBadGlob
			}
		}
		g.alts = append(g.alts, segs)
	}
	return g, nil
}

// match reports whether the slash path name matches the pattern.
func (g *glob) match(name string) bool {
	parts := strings.Split(name, "/")
	for _, segs := range g.alts {
		if matchSegments(segs, parts) {
			return true
		}
	}
	return false
}

// matchSegments matches pattern segments against path segments.
func matchSegments(pat, parts []string) bool {
	type key struct{ i, j int }
	memo := map[key]bool{}
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		k := key{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		var r bool
		switch {
		case i == len(pat):
			r = j == len(parts)
		case pat[i] == "**":
			r = rec(i+1, j) || (j < len(parts) && rec(i, j+1))
		case j == len(parts):
			r = false
		default:
			ok, _ := path.Match(pat[i], parts[j])
			r = ok && rec(i+1, j+1)
		}
		memo[k] = r
		return r
	}
	return rec(0, 0)
}

// expandBraces expands the first top-level {a,b,…} group of p, recursively.
// Backslash escapes are kept for path.Match.
func expandBraces(p string) ([]string, error) {
	open := -1
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			open = i
		case '}':
			if open < 0 {
				return nil, errBadGlob
			}
		}
		if open >= 0 {
			break
		}
	}
	if open < 0 {
		return []string{p}, nil
	}
	depth, start := 0, open+1
	var options []string
	for i := open; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			depth++
		case ',':
			if depth == 1 {
				options = append(options, p[start:i])
				start = i + 1
			}
		case '}':
			depth--
			if depth == 0 {
				options = append(options, p[start:i])
				var out []string
				for _, o := range options {
					rest, err := expandBraces(p[:open] + o + p[i+1:])
					if err != nil {
						return nil, err
					}
					out = append(out, rest...)
					if len(out) > maxGlobAlternatives {
						return nil, errBadGlob
					}
				}
				return out, nil
			}
		}
	}
	return nil, errBadGlob // unclosed {
}
