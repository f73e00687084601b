package stream

import (
	"bytes"
	"errors"
	"io"
	"strconv"
)

// Stream names one of the two outputs of a session command. Its value is the
// byte its marker repeats.
type Stream byte

const (
	// Stdout is the command's standard output (marker "\x01\x01\x01").
	Stdout Stream = 0x01
	// Stderr is the command's standard error (marker "\x02\x02\x02").
	Stderr Stream = 0x02
)

// Markers the toolbox daemon puts in front of every line of a session
// command's log (PROTOCOLS.md 5.3). They are neither escaped nor
// length-prefixed.
const (
	StdoutMarker = "\x01\x01\x01"
	StderrMarker = "\x02\x02\x02"
)

// markerLen is the length of both markers.
const markerLen = 3

// String returns "stdout" or "stderr".
func (s Stream) String() string {
	switch s {
	case Stdout:
		return "stdout"
	case Stderr:
		return "stderr"
	}
	return "Stream(" + strconv.Itoa(int(s)) + ")"
}

// Marker returns the 3-byte marker of s.
func (s Stream) Marker() string {
	if s == Stderr {
		return StderrMarker
	}
	return StdoutMarker
}

// ErrClosed is returned by a Write after Close.
var ErrClosed = errors.New("stream: write after close")

// Demux splits a session log in the daemon's marker framing into its stdout
// and stderr bytes. It is an [io.Writer]: feed it the raw log in chunks of
// any size (WebSocket frames end anywhere, also inside a marker) and it
// writes each stream's bytes, in order and unchanged, to the matching
// destination.
//
// A marker switches the destination until the next marker. Bytes before the
// first marker go to stdout, so a log without markers (the daemon strips
// them for old SDK versions) is delivered whole to stdout. When a chunk ends
// with one or two bytes that could start a marker, Demux holds them until
// the next Write decides; Close delivers them. Multi-byte UTF-8 characters
// split across chunks need no care here: each destination receives
// contiguous bytes (see [TextWriter] for string callbacks).
//
// Demux is not safe for concurrent use.
type Demux struct {
	dst    [2]io.Writer // stdout, stderr
	cur    Stream
	pend   [markerLen - 1]byte // bytes that may start a marker
	npend  int
	err    error // sticky destination error
	closed bool
}

// NewDemux returns a Demux writing stdout bytes to stdout and stderr bytes to
// stderr. A nil destination discards its stream.
func NewDemux(stdout, stderr io.Writer) *Demux {
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	return &Demux{dst: [2]io.Writer{stdout, stderr}, cur: Stdout}
}

// Write demultiplexes p. It returns len(p) and a nil error unless a
// destination fails: then it returns 0 and that error, and so does every
// later call (how much of p reached the destinations is unspecified).
func (d *Demux) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.closed {
		return 0, ErrClosed
	}
	n := len(p)
	if d.npend > 0 {
		// Join the held bytes with the head of p and decide them first.
		var tmp [2*markerLen - 2]byte
		k := copy(tmp[:], d.pend[:d.npend])
		m := copy(tmp[k:], p)
		c := d.scan(tmp[:k+m])
		if d.err != nil {
			return 0, d.err
		}
		if c < k {
			// Only possible when all of p fitted in tmp: still undecided.
			d.npend = copy(d.pend[:], tmp[c:k+m])
			return n, nil
		}
		p = p[c-k:]
		d.npend = 0
	}
	c := d.scan(p)
	if d.err != nil {
		return 0, d.err
	}
	d.npend = copy(d.pend[:], p[c:])
	return n, nil
}

// Close delivers any held bytes to the current stream, then flushes each
// destination that has a Flush() error method (such as [bufio.Writer] or
// [TextWriter]). It does not close the destinations. Later Writes fail with
// [ErrClosed]; a second Close does nothing.
func (d *Demux) Close() error {
	if d.closed {
		return d.err
	}
	d.closed = true
	if d.err != nil {
		return d.err
	}
	if d.npend > 0 {
		d.emit(d.pend[:d.npend])
		d.npend = 0
	}
	for _, w := range d.dst {
		if f, ok := w.(interface{ Flush() error }); ok && d.err == nil {
			if err := f.Flush(); err != nil {
				d.err = err
			}
		}
	}
	return d.err
}

// scan decides the bytes of b from left to right: marker or data. Data runs
// are written to the current destination. It stops before a tail of one or
// two bytes that could begin a marker and returns how many bytes it decided.
func (d *Demux) scan(b []byte) int {
	start := 0 // first byte of the pending data run
	// Next positions of 0x01 and 0x02 at or after i, cached so that the
	// buffer is searched once per byte value (IndexByte is vectorised).
	n1, n2 := indexFrom(b, 0, byte(Stdout)), indexFrom(b, 0, byte(Stderr))
	i := 0
	for {
		if n1 >= 0 && n1 < i {
			n1 = indexFrom(b, i, byte(Stdout))
		}
		if n2 >= 0 && n2 < i {
			n2 = indexFrom(b, i, byte(Stderr))
		}
		j := n1
		if j < 0 || (n2 >= 0 && n2 < j) {
			j = n2
		}
		if j < 0 {
			break
		}
		c := b[j]
		if len(b)-j < markerLen {
			if allByte(b[j:], c) {
				// Could be the start of a marker: hold it.
				d.emit(b[start:j])
				return j
			}
			i = j + 1
			continue
		}
		if b[j+1] == c && b[j+2] == c {
			d.emit(b[start:j])
			d.cur = Stream(c)
			i = j + markerLen
			start = i
			continue
		}
		i = j + 1
	}
	d.emit(b[start:])
	return len(b)
}

// emit writes p to the current destination, recording the first error.
func (d *Demux) emit(p []byte) {
	if len(p) == 0 || d.err != nil {
		return
	}
	w := d.dst[0]
	if d.cur == Stderr {
		w = d.dst[1]
	}
	n, err := w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		d.err = err
	}
}

func indexFrom(b []byte, from int, c byte) int {
	if j := bytes.IndexByte(b[from:], c); j >= 0 {
		return from + j
	}
	return -1
}

func allByte(b []byte, c byte) bool {
	for _, x := range b {
		if x != c {
			return false
		}
	}
	return true
}

// SplitLogs demultiplexes a whole session log at once, as [Demux] does, and
// returns the stdout and stderr bytes.
func SplitLogs(raw []byte) (stdout, stderr []byte) {
	var o, e bytes.Buffer
	d := NewDemux(&o, &e)
	_, _ = d.Write(raw) // writes to a bytes.Buffer cannot fail
	_ = d.Close()
	return o.Bytes(), e.Bytes()
}
