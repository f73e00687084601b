package daytonatest

import (
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/toolbox"
)

// The toolbox mount point.
//
// Every sandbox DTO's toolboxProxyUrl is {URL}/toolbox, so the SDK reaches a
// sandbox's toolbox at {URL}/toolbox/{sandboxId}/{toolbox path}.
// serveToolbox (after the root handler has checked the API key and applied
// faults) finds the sandbox, which must be running (started, or being
// resized, forked or snapshotted while started), records the activity
// (unless X-Daytona-Skip-Last-Activity-Update is set), strips the
// /toolbox/{sandboxId} prefix and hands the request to the sandbox's own
// toolbox.
//
// A sandbox's toolbox is made by Server.toolboxFactory on its first toolbox
// request and closed when the sandbox stops running (stop,
// pause, archive, delete, failure: its processes end, its files stay) or
// when the server closes. The default factory is newToolbox; tests may
// replace it.
// A toolbox must end its streams and WebSockets when closed: Close waits
// for every handler, and hijacked connections are not closed by the HTTP
// server.

const toolboxPrefix = "/toolbox/"

// toolboxSandbox is what a toolbox factory knows of its sandbox.
type toolboxSandbox struct {
	ID   string
	Dir  string // the sandbox's directory on the host
	User string // the OS user the sandbox was created with
	Env  map[string]string
	// Mounts are the sandbox's volumes: each mount point (a path under
	// Dir) and the host directory it shows.
	Mounts []toolbox.Mount
}

// sandboxToolbox is one sandbox's toolbox API.
type sandboxToolbox interface {
	http.Handler
	// Close stops everything the toolbox started.
	Close() error
}

// realToolbox is a sandbox's toolbox: internal/toolbox working in the
// sandbox's directory, behind contract validation.
type realToolbox struct {
	http.Handler
	tb *toolbox.Toolbox
}

func (t realToolbox) Close() error { return t.tb.Close() }

// newToolbox is the default toolbox factory. The sandbox's environment
// (from its create request) is added to the host's; processes run as the
// current user, without isolation.
func (s *Server) newToolbox(sb toolboxSandbox) (sandboxToolbox, error) {
	env := os.Environ()
	for _, k := range slices.Sorted(maps.Keys(sb.Env)) {
		env = append(env, k+"="+sb.Env[k])
	}
	tb, err := toolbox.New(toolbox.Config{Root: sb.Dir, Env: env, Logger: s.cfg.logger, Mounts: sb.Mounts})
	if err != nil {
		return nil, err
	}
	h := tb.Handler()
	if s.cfg.validate {
		if h, err = s.tbValidator(h); err != nil {
			_ = tb.Close()
			return nil, err
		}
	}
	return realToolbox{Handler: h, tb: tb}, nil
}

// serveToolbox routes {URL}/toolbox/{sandboxId}/... to the sandbox's
// toolbox.
func (s *Server) serveToolbox(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, toolboxPrefix)
	id, _, _ := strings.Cut(rest, "/")
	tb, err := s.toolboxFor(id, r.Header.Get("X-Daytona-Skip-Last-Activity-Update") == "")
	if err != nil {
		writeErr(w, r, err)
		return
	}
	// Every request the toolbox serves is a span and log records of the
	// sandbox's telemetry (telemetry.go).
	rec := s.traceToolbox(id, w, r)
	http.StripPrefix(toolboxPrefix+id, tb).ServeHTTP(rec, r)
	rec.end()
}

// toolboxFor returns the toolbox of the running sandbox id, making it on
// first use.
func (s *Server) toolboxFor(id string, activity bool) (sandboxToolbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sb, err := s.lookupID(id)
	if err != nil {
		return nil, err
	}
	if s.closed {
		return nil, errorf(http.StatusServiceUnavailable, "server is closing")
	}
	if !sb.running() {
		return nil, badRequest("Sandbox %s is not started (state %s)", id, sb.state)
	}
	if activity {
		sb.lastActivity = time.Now().UTC()
	}
	if sb.toolbox == nil {
		env := cloneMap(sb.env)
		maps.Copy(env, s.secretEnv(sb)) // mounted secrets hold their placeholders
		tb, err := s.toolboxFactory(toolboxSandbox{ID: sb.id, Dir: sb.dir, User: sb.user, Env: env, Mounts: s.toolboxMounts(sb)})
		if err != nil {
			s.recordf("starting the toolbox of sandbox %s: %v", sb.id, err)
			return nil, err
		}
		sb.toolbox = tb
	}
	return sb.toolbox, nil
}

// closeToolbox closes the sandbox's toolbox, if it has one, in the
// background (Close waits for it). Callers hold s.mu.
func (s *Server) closeToolbox(sb *sandbox) {
	tb := sb.toolbox
	if tb == nil {
		return
	}
	sb.toolbox = nil
	s.bg.Go(func() {
		if err := tb.Close(); err != nil {
			s.recordf("closing the toolbox of sandbox %s: %v", sb.id, err)
		}
	})
}
