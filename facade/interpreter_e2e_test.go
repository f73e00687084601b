package daytona_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	daytona "github.com/daytona-go/daytona/facade"
)

func TestRunCodeState(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ci := tt.sb.CodeInterpreter
		ic, err := ci.CreateContext(tt.ctx, daytona.ContextOptions{Cwd: tt.dir})
		require.NoError(t, err)
		t.Cleanup(func() { _ = ci.DeleteContext(tt.ctx, ic.ID) })
		assert.NotEmpty(t, ic.ID)
		assert.Equal(t, "python", ic.Language)
		assert.True(t, ic.Active)
		assert.True(t, strings.HasSuffix(ic.Cwd, tt.dir), ic.Cwd)
		assert.False(t, ic.CreatedAt.IsZero())

		var stdout, stderr []string
		res, err := ci.RunCode(tt.ctx, "import sys, os\nx = 41\nprint('hello')\nsys.stderr.write('warn\\n')\nprint(os.getcwd())\nx+1",
			daytona.RunCodeOptions{
				Context:  ic,
				OnStdout: func(s string) { stdout = append(stdout, s) },
				OnStderr: func(s string) { stderr = append(stderr, s) },
			})
		require.NoError(t, err)
		lines := strings.Split(res.Stdout, "\n")
		require.Len(t, lines, 3, "no value of the trailing expression: %q", res.Stdout)
		assert.Equal(t, "hello", lines[0])
		assert.True(t, strings.HasSuffix(lines[1], "/"+tt.dir), "os.getcwd() is the context's cwd, absolute: %q", lines[1])
		assert.Equal(t, "warn\n", res.Stderr)
		assert.Nil(t, res.Error)
		assert.Equal(t, res.Stdout, strings.Join(stdout, ""))
		assert.Equal(t, []string{"warn\n"}, stderr)

		// State persists in the context; the exception is typed.
		var onErr []*daytona.ExecutionError
		res, err = ci.RunCode(tt.ctx, "print(x)\nraise ValueError('boom')", daytona.RunCodeOptions{
			Context: ic, OnError: func(e *daytona.ExecutionError) { onErr = append(onErr, e) },
		})
		require.NoError(t, err, "an exception is not an error of the call")
		assert.Equal(t, "41\n", res.Stdout)
		require.NotNil(t, res.Error)
		assert.Equal(t, "ValueError", res.Error.Name)
		assert.Equal(t, "boom", res.Error.Value)
		assert.Contains(t, res.Error.Traceback, "Traceback (most recent call last):")
		assert.Contains(t, res.Error.Traceback, "line 2")
		assert.True(t, strings.HasSuffix(res.Error.Traceback, "ValueError: boom\n"), res.Error.Traceback)
		assert.Equal(t, "ValueError: boom", res.Error.Error())
		assert.Equal(t, []*daytona.ExecutionError{res.Error}, onErr)

		// Contexts are isolated from each other and from the default one.
		res, err = ci.RunCode(tt.ctx, "print(x)", daytona.RunCodeOptions{})
		require.NoError(t, err)
		require.NotNil(t, res.Error)
		assert.Equal(t, "NameError", res.Error.Name)
		other, err := ci.CreateContext(tt.ctx, daytona.ContextOptions{})
		require.NoError(t, err)
		res, err = ci.RunCode(tt.ctx, "print(x)", daytona.RunCodeOptions{Context: &daytona.InterpreterContext{ID: other.ID}})
		require.NoError(t, err)
		require.NotNil(t, res.Error)
		assert.Equal(t, "NameError", res.Error.Name)

		// Env applies to one run.
		res, err = ci.RunCode(tt.ctx, "import os\nprint(os.environ.get('DTN_RUN'))", daytona.RunCodeOptions{Context: ic, Env: map[string]string{"DTN_RUN": "yes"}})
		require.NoError(t, err)
		assert.Equal(t, "yes\n", res.Stdout)
		res, err = ci.RunCode(tt.ctx, "import os\nprint(os.environ.get('DTN_RUN'))", daytona.RunCodeOptions{Context: ic})
		require.NoError(t, err)
		assert.Equal(t, "None\n", res.Stdout)

		list, err := ci.ListContexts(tt.ctx)
		require.NoError(t, err)
		var listed []string
		for _, c := range list {
			listed = append(listed, c.ID)
		}
		assert.Contains(t, listed, ic.ID)
		assert.Contains(t, listed, other.ID)
		assert.NotContains(t, listed, "default")

		require.NoError(t, ci.DeleteContext(tt.ctx, other.ID))
		_, err = ci.RunCode(tt.ctx, "1", daytona.RunCodeOptions{Context: other})
		require.ErrorIs(t, err, daytona.ErrNotFound)
		require.ErrorIs(t, ci.DeleteContext(tt.ctx, other.ID), daytona.ErrNotFound)
		require.ErrorIs(t, ci.DeleteContext(tt.ctx, "default"), daytona.ErrValidation)
	})
}

func TestRunCodeTimeout(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ci := tt.sb.CodeInterpreter
		ic, err := ci.CreateContext(tt.ctx, daytona.ContextOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = ci.DeleteContext(tt.ctx, ic.ID) })

		// The code is interrupted; its output so far comes with the error,
		// and the context keeps its state.
		res, err := ci.RunCode(tt.ctx, "import time\nx = 7\nprint('start', flush=True)\ntime.sleep(60)",
			daytona.RunCodeOptions{Context: ic, Timeout: time.Second})
		require.ErrorIs(t, err, daytona.ErrTimeout)
		require.NotNil(t, res)
		assert.Equal(t, "start\n", res.Stdout)
		res, err = ci.RunCode(tt.ctx, "print(x)", daytona.RunCodeOptions{Context: ic})
		require.NoError(t, err)
		assert.Equal(t, "7\n", res.Stdout)

		// NoTimeout runs past what would be a sub-second limit.
		res, err = ci.RunCode(tt.ctx, "import time\ntime.sleep(1.5)\nprint('done')", daytona.RunCodeOptions{Timeout: daytona.NoTimeout})
		require.NoError(t, err)
		assert.Equal(t, "done\n", res.Stdout)

		// Code that cannot be interrupted loses the context's state: the
		// worker is killed and the next run starts a new one.
		_, err = ci.RunCode(tt.ctx, "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(60)",
			daytona.RunCodeOptions{Context: ic, Timeout: 500 * time.Millisecond})
		require.ErrorIs(t, err, daytona.ErrTimeout)
		if tt.emu == nil {
			// Seen on the v0.190.0 daemon: a run that arrives before the
			// killed worker's exit is noticed goes to that worker and is
			// closed with 1001 "worker process ended", and the run after
			// it can hang; what follows is checked on the emulator only.
			t.Log("after a killed worker, the daemon's next runs race its exit: not checked")
			return
		}
		res, err = ci.RunCode(tt.ctx, "print(x)", daytona.RunCodeOptions{Context: ic})
		require.NoError(t, err)
		require.NotNil(t, res.Error, "x is gone with the old worker")
		assert.Equal(t, "NameError", res.Error.Name)

	})
}

// TestRunCodeQueue: concurrent runs on one context execute one after the
// other, in order, each with its own output.
func TestRunCodeQueue(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		ci := tt.sb.CodeInterpreter
		ic, err := ci.CreateContext(tt.ctx, daytona.ContextOptions{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = ci.DeleteContext(tt.ctx, ic.ID) })
		_, err = ci.RunCode(tt.ctx, "log = []", daytona.RunCodeOptions{Context: ic})
		require.NoError(t, err)

		started := make(chan struct{})
		var once sync.Once
		var wg sync.WaitGroup
		var first *daytona.ExecutionResult
		var firstErr error
		wg.Go(func() {
			first, firstErr = ci.RunCode(tt.ctx, "import time\nlog.append('a1')\nprint('first', flush=True)\ntime.sleep(0.5)\nlog.append('a2')",
				daytona.RunCodeOptions{Context: ic, OnStdout: func(string) { once.Do(func() { close(started) }) }})
		})
		<-started
		var others [3]*daytona.ExecutionResult
		for i := range others {
			wg.Go(func() {
				res, err := ci.RunCode(tt.ctx, "log.append('b')\nprint(len(log))", daytona.RunCodeOptions{Context: ic})
				assert.NoError(t, err)
				others[i] = res
			})
		}
		wg.Wait()
		require.NoError(t, firstErr)
		assert.Equal(t, "first\n", first.Stdout)
		var counts []string
		for _, r := range others {
			require.NotNil(t, r)
			counts = append(counts, r.Stdout)
		}
		// Each later run saw the first one finished, and ran alone.
		assert.ElementsMatch(t, []string{"3\n", "4\n", "5\n"}, counts)
	})
}

func TestRunCodeExit(t *testing.T) {
	forEachToolbox(t, func(t *testing.T, tt *tbTarget) {
		tt.needEmulator(t) // exit() restarts the shared default context
		ci := tt.sb.CodeInterpreter
		_, err := ci.RunCode(tt.ctx, "kept = 1", daytona.RunCodeOptions{})
		require.NoError(t, err)
		res, err := ci.RunCode(tt.ctx, "print('bye'); exit(3)", daytona.RunCodeOptions{})
		require.NoError(t, err, "exit() completes the run")
		assert.Equal(t, "bye\n", res.Stdout)
		res, err = ci.RunCode(tt.ctx, "print(kept)", daytona.RunCodeOptions{})
		require.NoError(t, err)
		require.NotNil(t, res.Error, "the default context restarted empty")
		assert.Equal(t, "NameError", res.Error.Name)
	})
}

func TestRunCodeValidation(t *testing.T) {
	t.Parallel()
	c, err := daytona.New(daytona.Config{APIURL: "http://127.0.0.1:1", APIKey: "k"})
	require.NoError(t, err)
	ci := daytona.NewToolboxSandbox(c, "http://127.0.0.1:1").CodeInterpreter
	ctx := t.Context()
	for _, tc := range []struct {
		code string
		opts daytona.RunCodeOptions
	}{
		{" \n", daytona.RunCodeOptions{}},
		{"1", daytona.RunCodeOptions{Context: &daytona.InterpreterContext{}}},
		{"1", daytona.RunCodeOptions{Env: map[string]string{"": "x"}}},
		{"1", daytona.RunCodeOptions{Timeout: 1 << 62}},
	} {
		_, err := ci.RunCode(ctx, tc.code, tc.opts)
		require.ErrorIs(t, err, daytona.ErrValidation, "%q %+v", tc.code, tc.opts)
	}
	_, err = ci.CreateContext(ctx, daytona.ContextOptions{Language: "javascript"})
	require.ErrorIs(t, err, daytona.ErrValidation)
	require.ErrorIs(t, ci.DeleteContext(ctx, ""), daytona.ErrValidation)
}
