package toolbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The language servers (LSP) and the desktop tools (computer use) are host
// programs the toolbox finds on the PATH of its environment (Config.Env, as
// changed by POST /env), the way the daemon finds them on its own PATH. A
// PATH without them makes those areas answer as the daemon does when they
// are not installed.

// lookPath finds the executable name on the toolbox environment's PATH.
func (c *core) lookPath(name string) (string, error) {
	path := ""
	for _, kv := range c.env.environ(nil) {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue // a relative PATH entry would resolve against the emulator's cwd
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, exec.ErrNotFound)
}

// runTool runs a short-lived host program with the toolbox environment
// plus extraEnv and returns its standard output. A non-zero exit is an
// error carrying the first line of its standard error.
func (c *core) runTool(ctx context.Context, path string, extraEnv map[string]string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = c.env.environ(extraEnv)
	cmd.Dir = c.root
	cmd.WaitDelay = time.Second
	var stderr tailBuffer
	stderr.limit = 4 << 10
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) && msg != "" {
			return out, fmt.Errorf("%s: %s", filepath.Base(path), msg)
		}
		return out, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return out, nil
}

// tailBuffer is an io.Writer that keeps the last limit bytes written to it
// (64 KiB when limit is 0). It is safe for concurrent use.
type tailBuffer struct {
	mu    sync.Mutex
	limit int
	buf   []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	limit := b.limit
	if limit <= 0 {
		limit = 64 << 10
	}
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - limit; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

// String returns the kept bytes.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
