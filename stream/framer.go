package stream

import (
	"bytes"
	"io"
)

// maxSegment bounds the bytes a LineFramer holds for an unfinished line.
const maxSegment = 32 << 10

// LineFramer writes one stream of a command's output in the daemon's log
// framing (PROTOCOLS.md 5.3): every line becomes its stream's marker, the
// line and "\n". It is the inverse of [Demux] and is what an emulator writes
// to a session command's log.
//
// Complete lines are written at once, one Write on the destination per call
// of Write, so two LineFramers (stdout and stderr) may share a destination
// that is itself safe for concurrent writes (an [os.File] opened for append,
// or a writer behind a mutex): their lines interleave but never mix. An
// unfinished line is held until its newline; a line longer than 32 KiB is
// written in marked segments without an added newline, which [Demux] joins
// back exactly. Close writes a held final line with a "\n" appended, as the
// daemon does.
//
// LineFramer is not safe for concurrent use.
type LineFramer struct {
	w      io.Writer
	marker string
	line   []byte // unfinished line
	out    []byte // scratch for the framed bytes of one Write
	err    error
}

// NewLineFramer returns a LineFramer that frames the bytes of stream s and
// writes them to w.
func NewLineFramer(w io.Writer, s Stream) *LineFramer {
	return &LineFramer{w: w, marker: s.Marker()}
}

// Write frames the complete lines of p (joined to any held unfinished line)
// and holds the rest. It reports len(p) unless the destination fails.
func (f *LineFramer) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n := len(p)
	f.out = f.out[:0]
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			f.line = append(f.line, p...)
			for len(f.line) >= maxSegment {
				f.out = append(f.out, f.marker...)
				f.out = append(f.out, f.line[:maxSegment]...)
				f.line = append(f.line[:0], f.line[maxSegment:]...)
			}
			break
		}
		f.out = append(f.out, f.marker...)
		f.out = append(f.out, f.line...)
		f.out = append(f.out, p[:i+1]...)
		f.line = f.line[:0]
		p = p[i+1:]
	}
	if err := f.flushOut(); err != nil {
		return 0, err
	}
	if cap(f.out) > 4*maxSegment {
		f.out = nil // do not keep a large scratch buffer
	}
	return n, nil
}

// Close writes a held unfinished line followed by "\n". It does not close
// the destination.
func (f *LineFramer) Close() error {
	if f.err != nil || len(f.line) == 0 {
		return f.err
	}
	f.out = append(append(append(f.out[:0], f.marker...), f.line...), '\n')
	f.line = f.line[:0]
	return f.flushOut()
}

func (f *LineFramer) flushOut() error {
	if len(f.out) == 0 {
		return nil
	}
	n, err := f.w.Write(f.out)
	if err == nil && n < len(f.out) {
		err = io.ErrShortWrite
	}
	f.err = err
	return err
}
