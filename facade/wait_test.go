package daytona

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptedCP is a fake control plane whose GET /sandbox/{id} answers come
// from a script: each GET takes the next step, the last one repeats. A step
// is a state, or "404"/"500" for an error answer.
type scriptedCP struct {
	mu     sync.Mutex
	script []string
	reason string
	gets   int
	// onGet, if set, runs at every GET (after counting it).
	onGet func(n int)
}

func (f *scriptedCP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/sandbox/") {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusTeapot)
		return
	}
	f.mu.Lock()
	step := f.script[min(f.gets, len(f.script)-1)]
	f.gets++
	n, onGet := f.gets, f.onGet
	f.mu.Unlock()
	if onGet != nil {
		onGet(n)
	}
	switch step {
	case "404":
		writeJSON(w, 404, map[string]any{"statusCode": 404, "error": "Not Found", "message": "Sandbox not found"})
	case "500":
		writeJSON(w, 500, map[string]any{"statusCode": 500, "error": "Internal Server Error", "message": "An unexpected error occurred."})
	default:
		writeJSON(w, 200, map[string]any{
			"id": "sb1", "name": "sb1", "state": step, "errorReason": f.reason, "recoverable": step == "error",
			"cpu": 1, "gpu": 0, "memory": 1, "disk": 3, "labels": map[string]string{}, "env": map[string]string{},
			"public": false, "networkBlockAll": false, "organizationId": "org", "target": "us",
			"toolboxProxyUrl": "http://proxy/toolbox", "user": "daytona",
		})
	}
}

func (f *scriptedCP) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// testClient returns a client for a fake control plane, without retries.
func testClient(t *testing.T, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(Config{APIURL: srv.URL, APIKey: "test-key-123456", Retry: RetryPolicy{MaxAttempts: 1}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// fastBackoff keeps the unit tests quick; the schedule itself is tested
// separately.
var fastBackoff = backoff{initial: time.Millisecond, max: 5 * time.Millisecond, factor: 2, jitter: 0.2, final: time.Second}

func TestWaitUntilTransitions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		script    []string
		reason    string
		targets   []State
		wantGets  int
		wantState State
		wantErr   error // a sentinel the error must match; nil for success
		wantFail  *FailedStateError
	}{
		{name: "creating to started", script: []string{"creating", "starting", "started"}, targets: []State{StateStarted}, wantGets: 3, wantState: StateStarted},
		{name: "already started", script: []string{"started"}, targets: []State{StateStarted}, wantGets: 1, wantState: StateStarted},
		{name: "pending build to started", script: []string{"pending_build", "building_snapshot", "starting", "started"}, targets: []State{StateStarted}, wantGets: 4, wantState: StateStarted},
		{name: "stopping to stopped", script: []string{"stopping", "stopped"}, targets: []State{StateStopped, StateDestroyed}, wantGets: 2, wantState: StateStopped},
		{name: "archiving to archived", script: []string{"archiving", "archiving", "archived"}, targets: []State{StateArchived}, wantGets: 3, wantState: StateArchived},
		{name: "restoring to started", script: []string{"restoring", "starting", "started"}, targets: []State{StateStarted}, wantGets: 3, wantState: StateStarted},
		{name: "unknown state is waited through", script: []string{"hibernating", "started"}, targets: []State{StateStarted}, wantGets: 2, wantState: StateStarted},
		{name: "404 while waiting for destroyed", script: []string{"destroying", "404"}, targets: []State{StateDestroyed}, wantGets: 2, wantState: StateDestroyed},
		{name: "404 while waiting for stopped or destroyed", script: []string{"stopping", "404"}, targets: []State{StateStopped, StateDestroyed}, wantGets: 2, wantState: StateDestroyed},
		{name: "error state fails with reason", script: []string{"starting", "error"}, reason: "disk quota exceeded", targets: []State{StateStarted}, wantGets: 2, wantState: StateError,
			wantErr: ErrServer, wantFail: &FailedStateError{Resource: "sandbox", ID: "sb1", State: "error", Reason: "disk quota exceeded", Recoverable: true}},
		{name: "build_failed fails with reason", script: []string{"pending_build", "build_failed"}, reason: "bad Dockerfile", targets: []State{StateStarted}, wantGets: 2, wantState: StateBuildFailed,
			wantErr: ErrServer, wantFail: &FailedStateError{Resource: "sandbox", ID: "sb1", State: "build_failed", Reason: "bad Dockerfile"}},
		{name: "error state as a target", script: []string{"starting", "error"}, targets: []State{StateError}, wantGets: 2, wantState: StateError},
		{name: "404 aborts a start wait", script: []string{"starting", "404"}, targets: []State{StateStarted}, wantGets: 2, wantState: StateStarting, wantErr: ErrNotFound},
		{name: "refresh error aborts at once", script: []string{"starting", "500", "started"}, targets: []State{StateStarted}, wantGets: 2, wantState: StateStarting, wantErr: ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &scriptedCP{script: tt.script, reason: tt.reason}
			sb := newSandbox(testClient(t, cp), &sandboxData{id: "sb1", state: StateCreating})
			err := sb.wait(t.Context(), fastBackoff, stateWait{targets: tt.targets, gone: contains(tt.targets, StateDestroyed)})
			assert.Equal(t, tt.wantGets, cp.count(), "GETs")
			assert.Equal(t, tt.wantState, sb.State())
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			var de *Error
			require.ErrorAs(t, err, &de)
			var fe *FailedStateError
			if tt.wantFail == nil {
				assert.False(t, errors.As(err, &fe), "unexpected FailedStateError: %v", err)
				return
			}
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.wantFail, fe)
			assert.Contains(t, err.Error(), tt.wantFail.Reason)
		})
	}
}

func contains(states []State, s State) bool {
	for _, x := range states {
		if x == s {
			return true
		}
	}
	return false
}

func TestWaitUntilLeaveState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		script  []string
		leave   State
		want    State
		wantErr error
	}{
		{name: "resize done", script: []string{"resizing", "resizing", "started"}, leave: StateResizing, want: StateStarted},
		{name: "pause done", script: []string{"pausing", "paused"}, leave: StatePausing, want: StatePaused},
		{name: "resize fails", script: []string{"resizing", "error"}, leave: StateResizing, want: StateError, wantErr: ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cp := &scriptedCP{script: tt.script}
			sb := newSandbox(testClient(t, cp), &sandboxData{id: "sb1"})
			err := sb.wait(t.Context(), fastBackoff, stateWait{leave: tt.leave})
			assert.Equal(t, tt.want, sb.State())
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestWaitUntilNoStates(t *testing.T) {
	t.Parallel()
	cp := &scriptedCP{script: []string{"started"}}
	sb := newSandbox(testClient(t, cp), &sandboxData{id: "sb1"})
	err := sb.WaitUntil(t.Context())
	require.ErrorIs(t, err, ErrValidation)
	assert.Zero(t, cp.count(), "no request for invalid input")
}

func TestWaitUntilDeadline(t *testing.T) {
	t.Parallel()
	cp := &scriptedCP{script: []string{"starting"}}
	sb := newSandbox(testClient(t, cp), &sandboxData{id: "sb1"})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	err := sb.WaitUntil(ctx, StateStarted)
	require.ErrorIs(t, err, ErrTimeout)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, context.Canceled)
	var de *Error
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "did not reach started")
	assert.Contains(t, err.Error(), "last state: starting")
	assert.GreaterOrEqual(t, cp.count(), 1)
}

func TestWaitUntilCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cp := &scriptedCP{script: []string{"starting"}, onGet: func(n int) {
		if n == 3 {
			cancel()
		}
	}}
	sb := newSandbox(testClient(t, cp), &sandboxData{id: "sb1"})
	err := sb.wait(ctx, fastBackoff, stateWait{targets: []State{StateStarted}})
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrTimeout)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 3, cp.count(), "no final check after a cancel")
}

// TestPollFinalCheck covers step 4 of PROTOCOLS.md 2.5: when the deadline
// passes, one last check with a fresh budget decides.
func TestPollFinalCheck(t *testing.T) {
	t.Parallel()
	fail := failedState(&FailedStateError{Resource: "sandbox", ID: "x", State: "error", Reason: "boom"})
	tests := []struct {
		name    string
		final   func() (bool, error) // the answer once ctx has expired
		noFinal bool                 // backoff.final = 0
		check   func(t *testing.T, err error)
	}{
		{name: "final check reaches the target", final: func() (bool, error) { return true, nil },
			check: func(t *testing.T, err error) { require.NoError(t, err) }},
		{name: "final check finds a failure state", final: func() (bool, error) { return false, fail },
			check: func(t *testing.T, err error) {
				var fe *FailedStateError
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, "boom", fe.Reason)
			}},
		{name: "final check fails to refresh", final: func() (bool, error) { return false, newSDKError(ErrServer, nil, "down") },
			check: func(t *testing.T, err error) {
				require.ErrorIs(t, err, ErrTimeout)
				require.ErrorIs(t, err, context.DeadlineExceeded)
			}},
		{name: "final check still waiting", final: func() (bool, error) { return false, nil },
			check: func(t *testing.T, err error) { require.ErrorIs(t, err, ErrTimeout) }},
		{name: "no final check", noFinal: true, final: func() (bool, error) { return true, nil },
			check: func(t *testing.T, err error) { require.ErrorIs(t, err, ErrTimeout) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
			defer cancel()
			b := fastBackoff
			if tt.noFinal {
				b.final = 0
			}
			finals := 0
			err := poll(ctx, b, func() string { return "thing" }, func(c context.Context) (bool, error) {
				if ctx.Err() == nil {
					return false, nil
				}
				finals++
				require.NoError(t, c.Err(), "the final check gets a fresh context")
				return tt.final()
			})
			tt.check(t, err)
			if tt.noFinal {
				assert.Zero(t, finals)
			} else {
				assert.Equal(t, 1, finals)
			}
		})
	}
}

func TestBackoffSchedule(t *testing.T) {
	t.Parallel()
	b := defaultBackoff
	assert.Equal(t, 50*time.Millisecond, b.initial)
	assert.Equal(t, time.Second, b.max)
	for range 1000 {
		d := b.sleep(100 * time.Millisecond)
		assert.GreaterOrEqual(t, d, 80*time.Millisecond)
		assert.LessOrEqual(t, d, 120*time.Millisecond)
	}
	// The delay grows geometrically and stops at max.
	d := b.initial
	var seq []time.Duration
	for range 12 {
		seq = append(seq, d)
		d = min(time.Duration(float64(d)*b.factor), b.max)
	}
	assert.Equal(t, 50*time.Millisecond, seq[0])
	assert.Equal(t, time.Second, seq[len(seq)-1])
	for i := 1; i < len(seq); i++ {
		assert.GreaterOrEqual(t, seq[i], seq[i-1])
	}
}

// TestConcurrentReadsDuringRefresh is meaningful under -race: readers and
// a waiter that refreshes run at the same time.
func TestConcurrentReadsDuringRefresh(t *testing.T) {
	t.Parallel()
	cp := &scriptedCP{script: []string{"creating", "starting", "starting", "starting", "started"}}
	sb := newSandbox(testClient(t, cp), &sandboxData{id: "sb1"})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = sb.State()
				_ = sb.Labels()
				_ = sb.Resources()
				_ = fmt.Sprint(sb.ID(), sb.ErrorReason(), sb.CreatedAt())
			}
		})
	}
	err := sb.wait(t.Context(), fastBackoff, stateWait{targets: []State{StateStarted}})
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	assert.Equal(t, StateStarted, sb.State())
}
