package daytona

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// buildLogIdle is how long a build-log stream may stay silent before the
// SDK asks the control plane whether the build is over (PROTOCOLS.md 2.7).
const buildLogIdle = 2 * time.Second

// buildDone are the states in which a build-log stream may end.
var buildDone = []State{StateStarted, StateStarting, StateError, StateBuildFailed}

// followBuildLogs streams the sandbox's build logs to onLog until the
// build is over (PROTOCOLS.md 2.7): it gets the logs URL, waits while the
// sandbox is pending_build, then follows the stream. A failing log stream
// does not fail the create: it is logged, and the caller's wait for
// started reports the sandbox's real outcome. Only a failure state, a
// refresh error while pending, and the end of ctx are returned.
func (s *Sandbox) followBuildLogs(ctx context.Context, onLog func(string), idle time.Duration) error {
	resp, err := s.c.cp.GetBuildLogsURLWithResponse(ctx, s.ID(), nil)
	if err != nil {
		return s.logFollowError(ctx, wrapErr(ctx, err))
	}
	if resp.JSON200 == nil || resp.JSON200.URL == "" {
		return s.logFollowError(ctx, newSDKError(ErrServer, nil, "no build logs URL in the answer"))
	}
	logsURL := resp.JSON200.URL
	if err := s.wait(ctx, defaultBackoff, stateWait{leave: StatePendingBuild}); err != nil {
		return err
	}
	return s.logFollowError(ctx, s.streamBuildLogs(ctx, logsURL, onLog, idle))
}

// logFollowError logs a build-log failure and drops it, unless ctx ended.
func (s *Sandbox) logFollowError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	s.c.logger.Warn("daytona: following build logs failed", "sandbox", s.ID(), "error", err)
	return nil
}

// streamBuildLogs follows the sandbox's build log at logsURL until the
// stream ends or two consecutive checks find the sandbox in a build-done
// state (see followLogs).
func (s *Sandbox) streamBuildLogs(ctx context.Context, logsURL string, onLog func(string), idle time.Duration) error {
	return s.c.followLogs(ctx, logsURL, onLog, idle, func(ctx context.Context) (bool, error) {
		if err := s.Refresh(ctx); err != nil {
			return false, err
		}
		return slices.Contains(buildDone, s.State()), nil
	})
}

// followLogs follows {logsURL}?follow=true, the build-log stream of a
// sandbox or a snapshot (PROTOCOLS.md 2.7). The stream ends when the
// server ends the body (cleanly or not: a cut chunked body is a normal
// end, PROTOCOLS.md quirk 42), or when two consecutive calls of over, each
// made after idle without a chunk, report the build over; an error from
// over ends the stream with that error. It returns only when its reader
// goroutine has exited.
func (c *Client) followLogs(ctx context.Context, logsURL string, onLog func(string), idle time.Duration, over func(context.Context) (bool, error)) error {
	u, err := url.Parse(logsURL)
	if err != nil {
		return newSDKError(ErrServer, err, "the server sent an invalid build logs URL")
	}
	q := u.Query()
	q.Set("follow", "true")
	u.RawQuery = q.Encode()

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return newSDKError(ErrServer, err, "the server sent an invalid build logs URL")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return wrapErr(ctx, err)
	}

	chunks := make(chan []byte)
	go func() {
		defer close(chunks)
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				select {
				case chunks <- bytes.Clone(buf[:n]):
				case <-sctx.Done():
					return
				}
			}
			if err != nil {
				return // io.EOF, a cut body or a cancelled request: all end the stream
			}
		}
	}()
	defer func() {
		cancel()
		resp.Body.Close()
		for range chunks { // wait for the reader to exit
		}
	}()

	var dec utf8Stream
	emit := func(text string) {
		if text = strings.TrimRightFunc(text, unicode.IsSpace); text != "" {
			onLog(text)
		}
	}
	timer := time.NewTimer(idle)
	defer timer.Stop()
	done := 0 // consecutive checks that found the build over
	for {
		select {
		case b, ok := <-chunks:
			if !ok {
				if ctx.Err() != nil {
					return wrapErr(ctx, ctx.Err())
				}
				emit(dec.flush())
				return nil
			}
			done = 0
			emit(dec.decode(b))
			timer.Reset(idle)
		case <-timer.C:
			finished, err := over(ctx)
			if err != nil {
				return err
			}
			if finished {
				done++
			} else {
				done = 0
			}
			if done >= 2 {
				emit(dec.flush())
				return nil
			}
			timer.Reset(idle)
		case <-ctx.Done():
			return wrapErr(ctx, ctx.Err())
		}
	}
}

// utf8Stream decodes UTF-8 that arrives in arbitrary chunks: a sequence cut
// at a chunk's end is held back for the next chunk, and every invalid byte
// becomes U+FFFD, so the text does not depend on where the chunks split.
type utf8Stream struct{ pending []byte }

func (u *utf8Stream) decode(b []byte) string {
	data := append(u.pending, b...)
	cut := len(data)
	for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(data[i]) {
			if !utf8.FullRune(data[i:]) {
				cut = i
			}
			break
		}
	}
	u.pending = bytes.Clone(data[cut:])
	return replaceInvalid(data[:cut])
}

// flush returns what is held back, as replacement characters.
func (u *utf8Stream) flush() string {
	s := replaceInvalid(u.pending)
	u.pending = nil
	return s
}

func replaceInvalid(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		sb.WriteRune(r) // RuneError for an invalid byte (n == 1)
		b = b[n:]
	}
	return sb.String()
}
