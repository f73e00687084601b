package daytonatest

import (
	"log/slog"
	"time"
)

// DefaultLatency is how long a sandbox stays in each transitional state
// (creating, starting, stopping, ...) unless WithLatency says otherwise.
const DefaultLatency = 25 * time.Millisecond

// DefaultSnapshot is the name of the general snapshot a create without a
// snapshot (and without build info) uses, unless WithDefaultSnapshot says
// otherwise.
const DefaultSnapshot = "daytonaio/sandbox:latest"

// Option configures NewServer and Start.
type Option func(*config)

type config struct {
	apiKey          string
	dataDir         string
	addr            string
	validate        bool
	defaultSnapshot string
	defaultLatency  time.Duration
	latency         map[State]time.Duration
	logger          *slog.Logger
	// telemetryInterval is the metrics sample interval; 0 means
	// DefaultTelemetryInterval (telemetry.go).
	telemetryInterval time.Duration

	eventPingInterval time.Duration // the push channel's Engine.IO pings (events.go)
	eventPingTimeout  time.Duration
}

func defaultConfig() config {
	return config{
		addr:            "127.0.0.1:0",
		validate:        true,
		defaultSnapshot: DefaultSnapshot,
		defaultLatency:  DefaultLatency,
		latency:         map[State]time.Duration{},

		eventPingInterval: DefaultEventPingInterval,
		eventPingTimeout:  DefaultEventPingTimeout,
	}
}

// WithAPIKey sets the API key the server accepts instead of a random one.
func WithAPIKey(key string) Option {
	return func(c *config) { c.apiKey = key }
}

// WithDataDir sets the directory under which each sandbox gets its own
// directory (dataDir/sandboxes/<id>) and each snapshot taken from a sandbox
// its copy (dataDir/snapshots/<id>). By default NewServer uses t.TempDir()
// and Start a fresh temporary directory that Close removes; a directory given
// here is never removed.
func WithDataDir(dir string) Option {
	return func(c *config) { c.dataDir = dir }
}

// WithListenAddr sets the TCP address to listen on. The default,
// "127.0.0.1:0", is a random port on the loopback interface.
func WithListenAddr(addr string) Option {
	return func(c *config) { c.addr = addr }
}

// WithLatency sets how long a sandbox stays in the given transitional states
// before it moves on (see Server.SetLatency). With no states it sets the
// latency of every state that has no latency of its own. Zero is allowed:
// the transition then happens right after the response is written.
func WithLatency(d time.Duration, states ...State) Option {
	return func(c *config) {
		if len(states) == 0 {
			c.defaultLatency = d
			return
		}
		for _, st := range states {
			c.latency[st] = d
		}
	}
}

// WithValidation turns contract validation of every control-plane request
// and response on (the default) or off. See Server.Violations.
func WithValidation(on bool) Option {
	return func(c *config) { c.validate = on }
}

// WithDefaultSnapshot sets the name of the general snapshot used when a
// create names no snapshot. The server creates it, active, at start.
func WithDefaultSnapshot(name string) Option {
	return func(c *config) { c.defaultSnapshot = name }
}

// WithLogger makes the server log contract violations and internal errors
// as they happen (Start's servers are otherwise silent; NewServer reports
// them through the test).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithTelemetryInterval sets how often the server samples each running
// sandbox's metrics, which is also the width of the intervals the
// telemetry metrics endpoint averages over (DefaultTelemetryInterval by
// default). Tests use a short one, e.g. 50ms, to see several points
// quickly. Zero or a negative value keeps the default.
func WithTelemetryInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.telemetryInterval = d
		}
	}
}

// WithEventPing sets the Engine.IO ping interval and timeout the push
// channel (URL+"/socket.io/", see Server.DropEventSockets) announces and
// enforces: the server pings every interval and drops a socket that has
// not answered within timeout. The defaults are DefaultEventPingInterval
// and DefaultEventPingTimeout; values <= 0 keep them.
func WithEventPing(interval, timeout time.Duration) Option {
	return func(c *config) {
		if interval > 0 {
			c.eventPingInterval = interval
		}
		if timeout > 0 {
			c.eventPingTimeout = timeout
		}
	}
}
