package imagebuilder

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// copySource is one build context found by the COPY scan: the local path
// (a glob match, or the unmatched pattern) and the source as written.
type copySource struct {
	local   string
	written string
}

// scanCopySources finds the local sources of the COPY instructions in text
// the way the Python SDK does, so that the contexts match its own:
//   - lines are split on "\n" (continuations are not joined); blank lines
//     and comments are skipped;
//   - only lines starting with COPY (any case) and followed by whitespace
//     count, unless "--from=" appears after COPY or the line holds a heredoc
//     ("<<"); ADD is never scanned;
//   - the JSON form loses its brackets and is split shell-style (commas stay
//     attached to the words); the shell form is split shell-style after
//     leading flags (a "--flag" without "=" also takes the next word unless
//     that starts with "--");
//   - at least two words must remain; all but the last are sources;
//   - a relative source is joined to prefix, and each source is expanded
//     with Python's glob; a source without a match is kept as written.
func scanCopySources(text, prefix string) ([]copySource, error) {
	var out []copySource
	for n, line := range strings.Split(text, "\n") {
		trimmed := pyStrip(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if !isScannedCopy(trimmed) || strings.Contains(line, "<<") {
			continue
		}
		sources, err := copyLineSources(trimmed)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: COPY: %v", ErrInvalid, n+1, err)
		}
		for _, src := range sources {
			pattern := src
			if !strings.HasPrefix(src, "/") {
				pattern = pyJoin(prefix, src)
			}
			matches := pyGlob(pattern)
			if len(matches) == 0 {
				out = append(out, copySource{local: pattern, written: src})
			}
			for _, m := range matches {
				out = append(out, copySource{local: m, written: src})
			}
		}
	}
	return out, nil
}

// isScannedCopy reports whether a stripped line is a COPY instruction the
// scan reads (Python: re.match(r"^\s*COPY\s+(?!.*--from=)", line, re.I)).
func isScannedCopy(s string) bool {
	if len(s) < 5 || !strings.EqualFold(s[:4], "COPY") {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(s[4:]); !pyIsSpace(r) {
		return false
	}
	return !strings.Contains(s[4:], "--from=")
}

// copyLineSources returns the sources of a stripped COPY line, or none when
// fewer than two words remain. Only an unbalanced quote in the shell form is
// an error (the Python SDK raises there too); the JSON form then has no
// sources.
func copyLineSources(s string) ([]string, error) {
	args := pyStrip(s[4:])
	if strings.HasPrefix(args, "[") {
		words, err := shlexSplit(strings.NewReplacer("[", "", "]", "").Replace(args))
		if err != nil || len(words) < 2 {
			return nil, nil
		}
		return words[:len(words)-1], nil
	}
	words, err := shlexSplit(args)
	if err != nil {
		return nil, err
	}
	start := 0
	for i, w := range words {
		if !strings.HasPrefix(w, "--") {
			break
		}
		if !strings.Contains(w, "=") && i+1 < len(words) && !strings.HasPrefix(words[i+1], "--") {
			start = i + 2
		} else {
			start = i + 1
		}
	}
	if len(words)-start < 2 {
		return nil, nil
	}
	return words[start : len(words)-1], nil
}
