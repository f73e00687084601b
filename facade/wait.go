package daytona

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/daytona-go/daytona/api/controlplane"
)

// FailedStateError reports that a resource the SDK was waiting on reached a
// failure state (a sandbox's error or build_failed, a snapshot's error or
// build_failed). The SDK returns it wrapped in an *Error that matches
// ErrServer, so both of these work:
//
//	errors.Is(err, daytona.ErrServer)
//	var fe *daytona.FailedStateError; errors.As(err, &fe) // fe.Reason
type FailedStateError struct {
	// Resource is what failed: "sandbox", "snapshot" or "volume".
	Resource string
	// ID identifies the resource.
	ID string
	// State is the failure state, e.g. "error" or "build_failed".
	State string
	// Reason is the server's explanation (errorReason), possibly empty.
	Reason string
	// Recoverable reports whether the server says the failure can be
	// recovered from (for a sandbox: with [Sandbox.Recover]).
	Recoverable bool
}

// Error says which resource is in which failure state, and why.
func (e *FailedStateError) Error() string {
	msg := fmt.Sprintf("%s %s is in state %s", e.Resource, e.ID, e.State)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// failedState wraps a FailedStateError in the *Error the SDK returns.
func failedState(fe *FailedStateError) error {
	return &Error{Kind: ErrServer, Source: SourceSDK, Message: fe.Error(), Err: fe}
}

// newSDKError is an error the SDK itself detected.
func newSDKError(kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Source: SourceSDK, Message: fmt.Sprintf(format, args...), Err: cause}
}

// invalidf is a validation error detected before any network call.
func invalidf(format string, args ...any) error {
	return newSDKError(ErrValidation, nil, format, args...)
}

// backoff is the polling schedule of every wait: the delay starts at
// initial, grows by factor after each poll up to max, and each sleep is
// randomised by ±jitter (a fraction). When the ctx deadline passes, one
// last check runs with a fresh budget of final (0 skips it).
type backoff struct {
	initial, max time.Duration
	factor       float64
	jitter       float64
	final        time.Duration
}

// defaultBackoff is the schedule DESIGN.md promises: ~50 ms up to 1 s.
var defaultBackoff = backoff{
	initial: 50 * time.Millisecond,
	max:     time.Second,
	factor:  1.5,
	jitter:  0.2,
	final:   5 * time.Second,
}

func (b backoff) sleep(d time.Duration) time.Duration {
	if b.jitter <= 0 {
		return d
	}
	f := 1 + b.jitter*(2*rand.Float64()-1)
	return time.Duration(float64(d) * f)
}

// poll is the SDK's one waiter. It calls check until check reports done
// (nil) or fails (that error, unchanged), sleeping between calls. When ctx
// ends it returns an *Error wrapping ctx.Err(): for a cancellation one
// matching context.Canceled; for a deadline one matching ErrTimeout and
// context.DeadlineExceeded, unless one last check made with a fresh budget
// reports done (nil) or a FailedStateError (that error). what describes
// the wait for those errors; it is called only when the wait ends by ctx.
//
// poll is pollWoken without a push channel.
func poll(ctx context.Context, b backoff, what func() string, check func(context.Context) (bool, error)) error {
	return pollWoken(ctx, b, nil, what, check)
}

// pollWoken is poll (the one waiter) fed by sub, the wait's subscription
// to the push channel, if not nil: an event for the resource ends the
// sleep at once, and while the channel is connected the sleeps are b.max
// long (polling is then a safety net for a lost event). Polling on b's
// schedule goes on whenever it is down.
func pollWoken(ctx context.Context, b backoff, sub *eventSub, what func() string, check func(context.Context) (bool, error)) error {
	delay := b.initial
	var timer *time.Timer
	for {
		if ctx.Err() != nil {
			return pollEnded(ctx, b, what, check)
		}
		done, err := check(ctx)
		switch {
		case err == nil && done:
			return nil
		case ctx.Err() != nil:
			return pollEnded(ctx, b, what, check)
		case err != nil:
			return err
		}
		d := b.sleep(delay)
		if sub.live() {
			d = b.sleep(b.max)
		}
		if timer == nil {
			timer = time.NewTimer(d)
		} else {
			timer.Reset(d)
		}
		select {
		case <-ctx.Done():
			timer.Stop()
			return pollEnded(ctx, b, what, check)
		case <-sub.woken():
			timer.Stop()
		case <-timer.C:
		}
		delay = min(time.Duration(float64(delay)*b.factor), b.max)
	}
}

func pollEnded(ctx context.Context, b backoff, what func() string, check func(context.Context) (bool, error)) error {
	cause := ctx.Err()
	if c := context.Cause(ctx); c != nil && c != cause {
		cause = fmt.Errorf("%w: %w", cause, c)
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Kind: context.Canceled, Source: SourceSDK, Message: what() + ": canceled", Err: cause}
	}
	if b.final > 0 {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.final)
		done, err := check(fctx)
		cancel()
		var fe *FailedStateError
		switch {
		case err == nil && done:
			return nil
		case errors.As(err, &fe):
			return err
		}
	}
	return newSDKError(ErrTimeout, cause, "%s before the deadline", what())
}

// stateWait says when a sandbox wait is over: when the state is one of
// targets, or, if leave is set, as soon as the state is not leave. A
// failure state that is not a target fails the wait. With gone, a 404
// counts as destroyed.
type stateWait struct {
	targets []State
	leave   State
	gone    bool
}

func (w stateWait) describe() string {
	if w.leave != "" {
		return "did not leave " + string(w.leave)
	}
	names := make([]string, len(w.targets))
	for i, t := range w.targets {
		names[i] = string(t)
	}
	return "did not reach " + strings.Join(names, " or ")
}

// WaitUntil polls the sandbox until its state is one of states. It returns
// an error matching ErrServer that wraps a *FailedStateError (with the
// server's reason) if the sandbox enters a failure state (error,
// build_failed) that is not among states; an error wrapping ctx.Err() if
// ctx is cancelled; an error matching ErrTimeout and
// context.DeadlineExceeded if ctx's deadline passes; and the first refresh
// error otherwise. While waiting for StateDestroyed, a sandbox that no
// longer exists (404) counts as destroyed.
//
// The wait polls with exponential backoff and jitter, from about 50 ms up
// to 1 s between polls; with the push channel (Config.DisableEvents) a
// pushed state change ends it at once and polling slows to once a second.
// The sandbox's data is updated by every poll and every pushed change.
func (s *Sandbox) WaitUntil(ctx context.Context, states ...State) error {
	if len(states) == 0 {
		return invalidf("WaitUntil needs at least one state")
	}
	return s.wait(ctx, defaultBackoff, stateWait{targets: states, gone: slices.Contains(states, StateDestroyed)})
}

func (s *Sandbox) wait(ctx context.Context, b backoff, w stateWait) error {
	sub := s.c.subscribe("sandbox", s.ID(), "")
	defer sub.close()
	decide := func() (bool, error) {
		d := s.data()
		switch {
		case slices.Contains(w.targets, d.state):
			return true, nil
		case d.state.Failed():
			return false, failedState(&FailedStateError{
				Resource: "sandbox", ID: d.id, State: string(d.state),
				Reason: d.errorReason, Recoverable: d.recoverable,
			})
		case w.leave != "" && d.state != w.leave:
			return true, nil
		}
		return false, nil
	}
	check := func(ctx context.Context) (bool, error) {
		// A pushed sandbox saves the GET, except when it reports a
		// failure: the API confirms that.
		if dto, ok := sub.take(); ok && s.applyPushed(dto) {
			if done, err := decide(); err == nil {
				return done, nil
			}
		}
		if err := s.Refresh(ctx); err != nil {
			if w.gone && errors.Is(err, ErrNotFound) {
				s.update(func(d *sandboxData) { d.state = StateDestroyed })
				return true, nil
			}
			return false, err
		}
		return decide()
	}
	what := func() string {
		d := s.data()
		return fmt.Sprintf("sandbox %s %s (last state: %s)", d.id, w.describe(), d.state)
	}
	return pollWoken(ctx, b, sub, what, check)
}

// applyPushed stores a sandbox pushed on the push channel, unless it is
// another sandbox or older than what the Sandbox holds (an event that
// overtook a poll). It reports whether it stored it.
func (s *Sandbox) applyPushed(raw json.RawMessage) bool {
	var dto controlplane.Sandbox
	if json.Unmarshal(raw, &dto) != nil {
		return false
	}
	d := sandboxFromAPI(&dto)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.d == nil || d.id != s.d.id || d.updatedAt.Before(s.d.updatedAt) {
		return false
	}
	s.d = d
	return true
}
