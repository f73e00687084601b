package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// DefaultQuietPeriod is how long a follower waits without data before it
// asks whether the stream's producer has finished. It is the 2 s of the
// official SDKs' build-log rule (PROTOCOLS.md 2.7) and comfortably longer
// than the ~1 s the daemon takes to close a finished log (5.6).
const DefaultQuietPeriod = 2 * time.Second

// CloseError is the error of a log follow that the server ended with a
// close code other than 1000, or that ended without a close frame (Code
// 1006, the abnormal closure, with the transport error in Err).
type CloseError struct {
	Code   int    // WebSocket close code
	Reason string // close reason sent by the server, if any
	Err    error  // underlying error for an abnormal closure
}

// Error implements error.
func (e *CloseError) Error() string {
	msg := fmt.Sprintf("stream: WebSocket closed with code %d", e.Code)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error of an abnormal closure.
func (e *CloseError) Unwrap() error { return e.Err }

// FollowOptions tunes [FollowLogs]. The zero value waits for the server's
// close frame or the end of ctx.
type FollowOptions struct {
	// Exited reports whether the command has exited (the facade asks the
	// toolbox for the command's exit code). It is called after every
	// QuietPeriod without a frame; when it reports true the output is
	// drained and FollowLogs returns nil without waiting for the close
	// frame, which the daemon can fail to send (the close race,
	// PROTOCOLS.md 5.7). An error from it ends the follow with that error.
	Exited func(ctx context.Context) (bool, error)
	// QuietPeriod defaults to [DefaultQuietPeriod].
	QuietPeriod time.Duration
}

// FollowLogs reads a session command's log WebSocket (PROTOCOLS.md 5.6),
// demultiplexes it with [Demux] into stdout and stderr (nil discards), and
// returns when the stream ends:
//
//   - nil when the server closes with 1000, or when Exited reports the
//     command finished after a quiet period;
//   - a [*CloseError] for any other close code (1011 on a server read
//     error) or for a connection lost without a close frame (1006);
//   - ctx.Err() when ctx ends first;
//   - the error of a destination writer or of Exited.
//
// It never sends a data frame on conn (rule 1 of 5.7). It takes ownership
// of conn: conn is closed, and every goroutine FollowLogs started has
// exited, when it returns. Text frames are accepted like binary ones. The
// caller sets conn's read limit; the daemon's frames are at most 1 KiB.
func FollowLogs(ctx context.Context, conn *websocket.Conn, stdout, stderr io.Writer, opts FollowOptions) error {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d := NewDemux(stdout, stderr)
	err := follow(ctx, rctx, d, func() ([]byte, error) {
		_, b, err := conn.Read(rctx) // if rctx ends, the library closes conn
		return b, err
	}, func() { cancel(); _ = conn.CloseNow() }, opts.Exited, 1, opts.QuietPeriod)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	var ce *readError
	if !errors.As(err, &ce) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	code := websocket.CloseStatus(ce.err)
	if code == websocket.StatusNormalClosure {
		return nil
	}
	if code == -1 {
		return &CloseError{Code: int(websocket.StatusAbnormalClosure), Err: ce.err}
	}
	var wce websocket.CloseError
	errors.As(ce.err, &wce)
	return &CloseError{Code: int(code), Reason: wce.Reason}
}

// FollowBodyOptions tunes [FollowBody]. The zero value follows the body
// until it ends or ctx ends.
type FollowBodyOptions struct {
	// Terminated reports whether the producer is finished (for build logs:
	// the sandbox or snapshot reached a terminal state). It is called after
	// every QuietPeriod without data; after Confirmations consecutive true
	// answers, with no data in between, FollowBody returns nil. An error
	// from it ends the follow with that error.
	Terminated func(ctx context.Context) (bool, error)
	// QuietPeriod defaults to [DefaultQuietPeriod].
	QuietPeriod time.Duration
	// Confirmations defaults to 2, as in the official SDKs' rule.
	Confirmations int
}

// FollowBody copies a chunked HTTP log body (a build-log follow,
// PROTOCOLS.md 2.7) to w as chunks arrive and returns when the stream ends:
// nil when the body ends, cleanly or cut short (io.ErrUnexpectedEOF, which
// the server's proxies produce), or when the termination rule of opts
// fires; ctx.Err() when ctx ends; otherwise the read or write error.
//
// It takes ownership of body: body is closed, and every goroutine
// FollowBody started has exited, when it returns. body's Close must
// unblock a pending Read, as it does for a [net/http.Response] body.
func FollowBody(ctx context.Context, body io.ReadCloser, w io.Writer, opts FollowBodyOptions) error {
	var once sync.Once
	closeBody := func() { once.Do(func() { _ = body.Close() }) }
	defer closeBody()
	confirmations := opts.Confirmations
	if confirmations <= 0 {
		confirmations = 2
	}
	buf := make([]byte, 32<<10)
	var pending error // an error returned together with data
	err := follow(ctx, ctx, w, func() ([]byte, error) {
		if pending != nil {
			return nil, pending
		}
		for range 100 { // io.Reader allows (0, nil); do not spin on it forever
			n, err := body.Read(buf)
			if n > 0 {
				pending = err
				return append([]byte(nil), buf[:n]...), nil
			}
			if err != nil {
				return nil, err
			}
		}
		return nil, io.ErrNoProgress
	}, closeBody, opts.Terminated, confirmations, opts.QuietPeriod)
	var re *readError
	if !errors.As(err, &re) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if re.err == io.EOF || errors.Is(re.err, io.ErrUnexpectedEOF) {
		return nil
	}
	return fmt.Errorf("stream: reading log body: %w", re.err)
}

// readError marks an error of the source, for the callers of follow to
// interpret.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }

// follow copies chunks from read (run on its own goroutine) to w until read
// fails (returned as a *readError), ctx ends (ctx.Err()), w fails, or done
// reports true confirmations times in a row after quiet periods without
// data (nil). stop must make a pending read return; follow calls it and
// waits for the reading goroutine before returning. rctx ends the reading
// goroutine's sends.
func follow(ctx, rctx context.Context, w io.Writer, read func() ([]byte, error), stop func(),
	done func(context.Context) (bool, error), confirmations int, quiet time.Duration) error {
	if quiet <= 0 {
		quiet = DefaultQuietPeriod
	}
	chunks := make(chan []byte)
	readErrs := make(chan error, 1)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			b, err := read()
			if err != nil {
				readErrs <- err
				return
			}
			select {
			case chunks <- b:
			case <-quit:
				return
			case <-rctx.Done():
				return
			}
		}
	})
	defer func() {
		close(quit)
		stop()
		wg.Wait()
	}()

	timer := time.NewTimer(quiet)
	defer timer.Stop()
	streak := 0
	for {
		select {
		case b := <-chunks:
			streak = 0
			if _, err := w.Write(b); err != nil {
				return err
			}
			timer.Reset(quiet)
		case err := <-readErrs:
			// The reader sends its error only after every chunk it read
			// has been received, so nothing is left behind.
			return &readError{err: err}
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			if done != nil {
				finished, err := done(ctx)
				if err != nil {
					return err
				}
				if finished {
					streak++
				} else {
					streak = 0
				}
				if streak >= confirmations {
					select {
					case b := <-chunks: // data arrived during the check
						streak = 0
						if _, err := w.Write(b); err != nil {
							return err
						}
					default:
						return nil
					}
				}
			}
			timer.Reset(quiet)
		}
	}
}
