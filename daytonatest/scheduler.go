package daytonatest

import (
	"sync"
	"time"
)

// scheduler runs delayed callbacks (state transitions, build log lines,
// auto-stop deadlines) and stops them all on close: after close returns no
// callback runs and none is running.
type scheduler struct {
	mu     sync.Mutex
	closed bool
	timers map[*time.Timer]struct{}
	wg     sync.WaitGroup
}

func newScheduler() *scheduler {
	return &scheduler{timers: map[*time.Timer]struct{}{}}
}

// after runs fn once d has passed, unless cancel is called or the
// scheduler is closed first.
func (sc *scheduler) after(d time.Duration, fn func()) (cancel func()) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.closed {
		return func() {}
	}
	sc.wg.Add(1)
	var t *time.Timer
	// The callback takes sc.mu before it reads t, and this function holds
	// sc.mu until t is assigned, so the read never races the write.
	t = time.AfterFunc(d, func() {
		defer sc.wg.Done()
		sc.mu.Lock()
		_, live := sc.timers[t]
		delete(sc.timers, t)
		sc.mu.Unlock()
		if live {
			fn()
		}
	})
	sc.timers[t] = struct{}{}
	return func() {
		sc.mu.Lock()
		defer sc.mu.Unlock()
		if _, live := sc.timers[t]; live {
			delete(sc.timers, t)
			if t.Stop() {
				sc.wg.Done()
			}
		}
	}
}

// close cancels every pending callback and waits for running ones.
func (sc *scheduler) close() {
	sc.mu.Lock()
	sc.closed = true
	for t := range sc.timers {
		if t.Stop() {
			sc.wg.Done()
		}
		delete(sc.timers, t)
	}
	sc.mu.Unlock()
	sc.wg.Wait()
}
