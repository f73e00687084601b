package toolbox

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daytona-go/daytona/stream"
)

// TestPTYResizeStates: resizing a lazy session that has not started is a
// 500, one that has ended a 410 (quirk 18), both as {"error"} (E3). An
// ended session is removed from the list before its clients hear of the
// exit, so only a handler holding it sees the 410.
func TestPTYResizeStates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s      *ptySession
		status int
		msg    string
	}{
		{&ptySession{}, http.StatusInternalServerError, "cannot resize inactive PTY session"},
		{&ptySession{id: "p1", started: true, ended: true}, http.StatusGone, "PTY session 'p1' has terminated and cannot be resized"},
	}
	for _, tt := range tests {
		err := tt.s.resize(100, 30)
		de := asDaemonError(err)
		assert.Equal(t, tt.status, de.status)
		assert.Equal(t, shapeErrorField, de.shape)
		assert.Equal(t, tt.msg, de.msg)
	}
}

func TestPTYExitReason(t *testing.T) {
	t.Parallel()
	for code, want := range map[int]string{
		0: "", 1: "non-zero exit", 3: "non-zero exit", -1: "non-zero exit", 128: "non-zero exit",
		129: "signal 1", 130: "Ctrl+C", 137: "SIGKILL", 143: "SIGTERM", 255: "signal 127",
	} {
		assert.Equal(t, want, ptyExitReason(code), "exit %d", code)
	}
}

func TestSessionOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stat string
		want int
	}{
		{"1234 (bash) S 1 1234 1234 34816 1234 4194560 ...", 1234},
		{"99 (a b) c) R 5 6 7 8", 7},
		{"99 (sleep) S 5 6", -1},
		{"garbage", -1},
		{"1 (x) S 1 1 notanumber", -1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, sessionOf(tt.stat), tt.stat)
	}
}

func FuzzSessionOf(f *testing.F) {
	f.Add("1234 (bash) S 1 1234 1234 34816 1234 4194560")
	f.Add("99 (a ) b) R 5 6 7 8")
	f.Add(")")
	f.Fuzz(func(t *testing.T, stat string) {
		sid := sessionOf(stat)
		if sid == -1 {
			return
		}
		// A session id comes from the fourth field after the last ')'.
		i := strings.LastIndexByte(stat, ')')
		require.GreaterOrEqual(t, i, 0)
		f := strings.Fields(stat[i+1:])
		require.GreaterOrEqual(t, len(f), 4)
		n, err := strconv.Atoi(f[3])
		require.NoError(t, err)
		assert.Equal(t, n, sid)
	})
}

// TestWorkerOutputMarkers: the output pump cuts an execution's output at
// its marker wherever the reads split it, and never splits a character.
func TestWorkerOutputMarkers(t *testing.T) {
	t.Parallel()
	marker := []byte("\x1edtn-end-0123\x1e")
	output := []byte("héllo\n" + string(marker) + "next" + string(marker))
	for cut := 1; cut < len(output); cut++ {
		o := &workerOutput{typ: "stdout", marker: marker, marks: make(chan struct{}, 1)}
		job := newInterpJob(stream.InterpreterRequest{Code: "x"}, 0)
		o.setSink(job)
		held := o.scan(append([]byte(nil), output[:cut]...))
		held = o.scan(append(held, output[cut:]...))
		assert.Empty(t, held)
		assert.Len(t, o.marks, 1)
		var got bytes.Buffer
		for len(job.out) > 0 {
			m, err := stream.ParseInterpreterMessage(<-job.out)
			require.NoError(t, err)
			assert.Equal(t, "stdout", m.Type)
			got.WriteString(m.Text)
		}
		assert.Equal(t, "héllo\nnext", got.String(), "cut at %d", cut)
	}
}
