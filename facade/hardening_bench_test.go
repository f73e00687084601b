package daytona

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/daytona-go/daytona/daytonatest"
)

// Benchmarks of the waits against the emulator, each beside baselines in
// the same run (see BENCHMARKS.md). PTY throughput and interpreter latency
// are in pty_bench_test.go and interpreter_bench_test.go.

// benchSandbox starts an emulator with opts and creates a started sandbox
// through a client for it.
func benchSandbox(b *testing.B, opts ...daytonatest.Option) (*daytonatest.Server, *Client, *Sandbox) {
	return benchSandboxConfig(b, Config{}, opts...)
}

// benchSandboxConfig is benchSandbox with a client configured by cfg
// (APIURL and APIKey are filled in).
func benchSandboxConfig(b *testing.B, cfg Config, opts ...daytonatest.Option) (*daytonatest.Server, *Client, *Sandbox) {
	b.Helper()
	srv := daytonatest.NewServer(b, opts...)
	cfg.APIURL, cfg.APIKey = srv.URL, srv.APIKey
	c, err := newClient(cfg,
		environment{lookup: func(string) (string, bool) { return "", false }, dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	sb, err := c.Create(context.Background(), FromSnapshot{}, CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return srv, c, sb
}

// rawSandboxState is what a raw poll reads of GET /sandbox/{id}.
type rawSandboxState struct {
	State     string `json:"state"`
	UpdatedAt string `json:"updatedAt"`
}

// rawPoll GETs the sandbox with plain net/http until its state is want,
// sleeping next(i) before poll i (i from 1). It returns the sandbox's
// updatedAt once there.
func rawPoll(b *testing.B, hc *http.Client, srv *daytonatest.Server, id, want string, next func(i int) time.Duration) time.Time {
	for i := 1; ; i++ {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/sandbox/"+url.PathEscape(id), nil)
		req.Header.Set("Authorization", "Bearer "+srv.APIKey)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var s rawSandboxState
		err = json.NewDecoder(resp.Body).Decode(&s)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if s.State == want {
			t, err := time.Parse(time.RFC3339Nano, s.UpdatedAt)
			if err != nil {
				b.Fatal(err)
			}
			return t
		}
		if d := next(i); d > 0 {
			time.Sleep(d)
		}
	}
}

// officialCurve is the polling interval of the official SDKs (PROTOCOLS.md
// 2.5): 100 ms, and once 5 s have passed ×1.1 after every poll up to 1 s.
func officialCurve() func(int) time.Duration {
	start := time.Now()
	d := 100 * time.Millisecond
	return func(int) time.Duration {
		if time.Since(start) >= 5*time.Second {
			d = min(time.Duration(float64(d)*1.1), time.Second)
		}
		return d
	}
}

// waitBench measures, per op, a sandbox start (the transition takes the
// emulator's starting latency) and a wait for it: ns/op, the GETs per wait
// (GETs/op) and how long after the server's state change the wait returned
// (ms-after-change, from the sandbox's updatedAt; the emulator runs on the
// same clock).
func waitBench(b *testing.B, srv *daytonatest.Server, c *Client, sb *Sandbox, wait func() time.Time) {
	ctx := context.Background()
	gets := 0
	var after time.Duration
	for b.Loop() {
		b.StopTimer()
		if err := sb.Stop(ctx, StopOptions{}); err != nil {
			b.Fatal(err)
		}
		before := srv.Requests("GET", "/sandbox/"+sb.ID())
		b.StartTimer()
		if _, err := c.cp.StartSandboxWithResponse(ctx, sb.ID(), nil); err != nil {
			b.Fatal(err)
		}
		changed := wait()
		after += time.Since(changed)
		gets += srv.Requests("GET", "/sandbox/"+sb.ID()) - before
	}
	b.ReportMetric(float64(gets)/float64(b.N), "GETs/op")
	b.ReportMetric(float64(after.Microseconds())/1000/float64(b.N), "ms-after-change")
}

// BenchmarkWaitLatency: how long after the emulator's state change
// WaitUntil returns, for starts taking 250 ms and 2 s, against a poller
// that never sleeps (the floor of polling) and one on the official SDKs'
// 100 ms interval. facade-WaitUntil polls only (Config.DisableEvents);
// facade-WaitUntil-push is the default client, woken by the push channel.
func BenchmarkWaitLatency(b *testing.B) {
	for _, latency := range []time.Duration{250 * time.Millisecond, 2 * time.Second} {
		srv, c, sb := benchSandboxConfig(b, Config{DisableEvents: true})
		srv.SetLatency(latency, daytonatest.StateStarting)
		tr := newTransport()
		b.Cleanup(tr.CloseIdleConnections)
		hc := &http.Client{Transport: tr}
		name := fmt.Sprintf("start=%v/", latency)
		b.Run(name+"baseline-busy-poll", func(b *testing.B) {
			waitBench(b, srv, c, sb, func() time.Time {
				return rawPoll(b, hc, srv, sb.ID(), "started", func(int) time.Duration { return 0 })
			})
		})
		b.Run(name+"baseline-poll-100ms", func(b *testing.B) {
			waitBench(b, srv, c, sb, func() time.Time {
				return rawPoll(b, hc, srv, sb.ID(), "started", func(int) time.Duration { return 100 * time.Millisecond })
			})
		})
		b.Run(name+"facade-WaitUntil", func(b *testing.B) {
			waitBench(b, srv, c, sb, func() time.Time {
				if err := sb.WaitUntil(context.Background(), StateStarted); err != nil {
					b.Fatal(err)
				}
				return sb.UpdatedAt()
			})
		})
		psrv, pc, psb := benchSandbox(b)
		psrv.SetLatency(latency, daytonatest.StateStarting)
		b.Run(name+"facade-WaitUntil-push", func(b *testing.B) {
			waitBench(b, psrv, pc, psb, func() time.Time {
				if err := psb.WaitUntil(context.Background(), StateStarted); err != nil {
					b.Fatal(err)
				}
				return psb.UpdatedAt()
			})
		})
	}
}

// BenchmarkWait10s: what a wait for a 10 s transition costs in GETs
// (GETs/op), for WaitUntil polling only, WaitUntil with the push channel
// and the official SDKs' polling curve. Each op is a real 10 s start.
func BenchmarkWait10s(b *testing.B) {
	srv, c, sb := benchSandboxConfig(b, Config{DisableEvents: true})
	srv.SetLatency(10*time.Second, daytonatest.StateStarting)
	tr := newTransport()
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	b.Run("baseline-official-curve", func(b *testing.B) {
		waitBench(b, srv, c, sb, func() time.Time { return rawPoll(b, hc, srv, sb.ID(), "started", officialCurve()) })
	})
	b.Run("facade-WaitUntil", func(b *testing.B) {
		waitBench(b, srv, c, sb, func() time.Time {
			if err := sb.WaitUntil(context.Background(), StateStarted); err != nil {
				b.Fatal(err)
			}
			return sb.UpdatedAt()
		})
	})
	psrv, pc, psb := benchSandbox(b)
	psrv.SetLatency(10*time.Second, daytonatest.StateStarting)
	b.Run("facade-WaitUntil-push", func(b *testing.B) {
		waitBench(b, psrv, pc, psb, func() time.Time {
			if err := psb.WaitUntil(context.Background(), StateStarted); err != nil {
				b.Fatal(err)
			}
			return psb.UpdatedAt()
		})
	})
}
