package stream

import (
	"strings"
	"unicode/utf8"
)

// TextWriter turns bytes into strings for a callback without ever splitting
// a UTF-8 character: an incomplete character at the end of a Write is held
// until the next one. Invalid bytes become U+FFFD, one per byte, so the text
// delivered does not depend on how the input was chunked. Flush delivers a
// held incomplete character as a single U+FFFD.
//
// Put one TextWriter on each output of a [Demux] to feed string callbacks;
// Demux.Close flushes them.
//
// TextWriter is not safe for concurrent use.
type TextWriter struct {
	fn   func(string)
	pend [utf8.UTFMax]byte
	n    int
}

// NewTextWriter returns a TextWriter calling fn with each decoded piece of
// text. fn is never called with an empty string.
func NewTextWriter(fn func(string)) *TextWriter {
	return &TextWriter{fn: fn}
}

// Write decodes p and calls the callback once with the complete characters
// it ends (held bytes included). It always returns len(p), nil.
func (t *TextWriter) Write(p []byte) (int, error) {
	n := len(p)
	var sb strings.Builder
	for t.n > 0 && len(p) > 0 {
		t.pend[t.n] = p[0]
		t.n++
		p = p[1:]
		b := t.pend[:t.n]
		for len(b) > 0 && utf8.FullRune(b) {
			r, size := utf8.DecodeRune(b)
			sb.WriteRune(r)
			b = b[size:]
		}
		t.n = copy(t.pend[:], b)
	}
	cut := incompleteTail(p)
	body := p[:cut]
	if utf8.Valid(body) {
		sb.Write(body)
	} else {
		for len(body) > 0 {
			r, size := utf8.DecodeRune(body)
			sb.WriteRune(r)
			body = body[size:]
		}
	}
	t.n += copy(t.pend[t.n:], p[cut:])
	if sb.Len() > 0 {
		t.fn(sb.String())
	}
	return n, nil
}

// Flush delivers a held incomplete character as U+FFFD. It always returns
// nil.
func (t *TextWriter) Flush() error {
	if t.n > 0 {
		t.n = 0
		t.fn(string(utf8.RuneError))
	}
	return nil
}

// incompleteTail returns where an incomplete but possibly valid UTF-8
// sequence at the end of p begins, or len(p).
func incompleteTail(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-(utf8.UTFMax-1); i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return i
			}
			break
		}
	}
	return len(p)
}
