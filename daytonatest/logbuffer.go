package daytonatest

import (
	"context"
	"net/http"
	"sync"
)

// logBuffer holds a build log that grows while the build runs and is closed
// when it ends. Any number of readers can follow it.
type logBuffer struct {
	mu      sync.Mutex
	data    []byte
	closed  bool
	changed chan struct{} // closed and replaced on every write and on close
}

func newLogBuffer() *logBuffer {
	return &logBuffer{changed: make(chan struct{})}
}

// write appends p; writes after close are dropped.
func (l *logBuffer) write(p string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.data = append(l.data, p...)
	close(l.changed)
	l.changed = make(chan struct{})
}

// close marks the log complete and wakes every follower.
func (l *logBuffer) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	close(l.changed)
}

// read returns what follows offset off, whether the log is complete, and a
// channel closed at the next change.
func (l *logBuffer) read(off int) (chunk []byte, complete bool, changed <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if off < len(l.data) {
		chunk = append([]byte(nil), l.data[off:]...)
	}
	return chunk, l.closed, l.changed
}

// serve writes the log as text/plain. With follow it streams new bytes as
// they arrive (one flush per chunk) and ends the body when the log is
// complete or the client goes away. When stop is closed (the server is
// closing) it aborts the response, so the client sees a cut body rather
// than a normal end.
func (l *logBuffer) serve(ctx context.Context, w http.ResponseWriter, follow bool, stop <-chan struct{}) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	off := 0
	for {
		chunk, complete, changed := l.read(off)
		if len(chunk) > 0 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			_ = rc.Flush()
			off += len(chunk)
		}
		if !follow || complete {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		case <-stop:
			panic(http.ErrAbortHandler)
		}
	}
}
