package daytonatest

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/daytona-go/daytona/daytonatest/internal/cpserver"
)

// State is a sandbox state as the API spells it (SandboxState in
// openapi.yaml).
type State string

// The sandbox states the emulator moves through.
const (
	StateCreating         State = "creating"
	StateRestoring        State = "restoring"
	StateDestroyed        State = "destroyed"
	StateDestroying       State = "destroying"
	StateStarted          State = "started"
	StateStopped          State = "stopped"
	StateStarting         State = "starting"
	StateStopping         State = "stopping"
	StateError            State = "error"
	StateBuildFailed      State = "build_failed"
	StatePendingBuild     State = "pending_build"
	StateBuildingSnapshot State = "building_snapshot"
	StateArchived         State = "archived"
	StateArchiving        State = "archiving"
	StateResizing         State = "resizing"
	StateSnapshotting     State = "snapshotting"
	StateForking          State = "forking"
	StatePausing          State = "pausing"
	StatePaused           State = "paused"
	StateResuming         State = "resuming"
)

// stable reports whether st is a state a sandbox rests in. Any other state
// means a change is in progress (upstream's "pending").
func (st State) stable() bool {
	switch st {
	case StateStarted, StateStopped, StateArchived, StatePaused, StateError, StateBuildFailed, StateDestroyed:
		return true
	}
	return false
}

// Op names a lifecycle operation, for Server.FailNext.
type Op string

// The lifecycle operations a failure can be injected into.
const (
	OpCreate   Op = "create"   // POST /sandbox (also the fork's new sandbox)
	OpStart    Op = "start"    // POST /sandbox/{id}/start (also resume from paused)
	OpStop     Op = "stop"     // POST /sandbox/{id}/stop
	OpDelete   Op = "delete"   // DELETE /sandbox/{id}
	OpArchive  Op = "archive"  // POST /sandbox/{id}/archive
	OpRecover  Op = "recover"  // POST /sandbox/{id}/recover
	OpResize   Op = "resize"   // POST /sandbox/{id}/resize
	OpPause    Op = "pause"    // POST /sandbox/{id}/pause
	OpFork     Op = "fork"     // POST /sandbox/{id}/fork (the new sandbox)
	OpSnapshot Op = "snapshot" // POST /sandbox/{id}/snapshot
)

// Failure describes how an operation ends badly.
type Failure struct {
	// State is StateError (the default) or StateBuildFailed. A build failure
	// injected into a create with build info ends the build; in any other
	// operation it is just the final state.
	State State
	// Reason becomes the sandbox's errorReason ("injected failure" if empty).
	Reason string
	// Recoverable becomes the sandbox's recoverable flag (only meaningful
	// with StateError).
	Recoverable bool
}

func (f Failure) normalized() Failure {
	if f.State == "" {
		f.State = StateError
	}
	if f.Reason == "" {
		f.Reason = "injected failure"
	}
	return f
}

// sandbox is the emulator's record of one sandbox. Every field is guarded by
// Server.mu.
type sandbox struct {
	id, name             string
	snapshot             string // snapshot name; "" when built from build info
	user                 string
	env, labels          map[string]string
	public               bool
	networkBlockAll      bool
	networkAllowList     *string
	domainAllowList      *string
	outboundProxyURL     *string
	otelEndpointOverride *string
	target               string
	class                string
	cpu, gpu, mem, disk  int
	gpuType              *cpserver.GpuType
	spot                 bool
	autoStop             int
	autoArchive          int
	autoDelete           int
	autoPause            int
	ttlMinutes           int
	volumes              []cpserver.SandboxVolume
	build                *buildInfo
	secrets              []map[string]string
	linkedSandboxID      *string
	parentID             string
	warmPoolID           string // set while the sandbox is an unclaimed warm-pool member (warmpools.go)

	state        State
	desired      cpserver.SandboxDesiredState
	errorReason  *string
	recoverable  bool
	createdAt    time.Time
	updatedAt    time.Time
	stateSince   time.Time
	lastActivity time.Time

	authToken  string // preview token
	signingKey string
	dir        string

	gen        uint64 // bumped by every new plan; stale steps see a different value
	autoGen    uint64 // bumped by every auto-lifecycle reschedule
	autoCancel func() // stops the pending auto-lifecycle timer

	toolbox sandboxToolbox // made on first use while started; see toolbox.go
}

// buildInfo is a sandbox's image build.
type buildInfo struct {
	dockerfile    string
	contextHashes []string
	snapshotRef   string
	createdAt     time.Time
	log           *logBuffer
	pending       []string // log lines not yet written
}

// running reports whether the sandbox's processes run: it is started, or
// being resized, forked or snapshotted while started.
func (sb *sandbox) running() bool {
	switch sb.state {
	case StateStarted:
		return true
	case StateResizing, StateForking, StateSnapshotting:
		return sb.desired == cpserver.SandboxDesiredStateStarted
	}
	return false
}

// ephemeral reports whether the sandbox is deleted when it stops.
func (sb *sandbox) ephemeral() bool { return sb.autoDelete == 0 }

// plan is a chain of states an operation moves a sandbox through: steps[0]
// is entered at once, each next one after the latency of the one before.
type plan struct {
	op      Op
	desired cpserver.SandboxDesiredState
	steps   []State
	// done runs (under Server.mu) when the last step is entered and the
	// operation did not fail.
	done func(sb *sandbox)
	// failure, if set, is how the operation ends (a natural failure, e.g.
	// a Dockerfile that does not parse); otherwise FailNext decides.
	failure *Failure
}

// latencyOf is how long a sandbox stays in st. Callers hold s.mu.
func (s *Server) latencyOf(st State) time.Duration {
	if d, ok := s.latency[st]; ok {
		return d
	}
	return s.defaultLatency
}

// popFailure takes the next injected failure for op. Callers hold s.mu.
func (s *Server) popFailure(op Op) (Failure, bool) {
	if op == "" {
		return Failure{}, false
	}
	q := s.failNext[op]
	if len(q) == 0 {
		return Failure{}, false
	}
	s.failNext[op] = q[1:]
	return q[0], true
}

// run starts p on sb. Callers hold s.mu.
func (s *Server) run(sb *sandbox, p plan) {
	sb.gen++
	gen := sb.gen
	prevDesired := sb.desired
	if p.desired != "" {
		sb.desired = p.desired
	}
	created := p.op == OpCreate || p.op == OpFork
	if created {
		sb.state = p.steps[0] // a new sandbox starts there: no state change to publish
	} else {
		s.sandboxDesiredChanged(sb, prevDesired) // events.go
	}
	fail, failing := s.popFailure(p.op)
	if p.failure != nil {
		fail, failing = p.failure.normalized(), true
	}
	failAt := len(p.steps) - 1
	if failing && fail.State == StateBuildFailed {
		if k := slices.Index(p.steps, StateBuildingSnapshot); k >= 0 && k+1 < len(p.steps) {
			failAt = k + 1
		}
	}
	prev := sb.state
	s.enter(sb, p.steps[0])
	if created {
		s.sandboxCreated(sb) // events.go
	}
	if len(p.steps) == 1 {
		if failing {
			s.sandboxStateChanged(sb, prev) // events.go
			s.failLocked(sb, fail)
			return
		}
		if p.done != nil {
			p.done(sb)
		}
		s.sandboxStateChanged(sb, prev) // events.go: after done, whose changes the event shows
		return
	}
	s.sandboxStateChanged(sb, prev) // events.go
	s.step(sb, gen, p, 1, failAt, fail, failing)
}

func (s *Server) step(sb *sandbox, gen uint64, p plan, i, failAt int, fail Failure, failing bool) {
	s.sched.after(s.latencyOf(p.steps[i-1]), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if sb.gen != gen || s.sandboxes[sb.id] != sb {
			return // superseded or gone
		}
		if failing && i == failAt {
			s.failLocked(sb, fail)
			return
		}
		prev := sb.state
		s.enter(sb, p.steps[i])
		if i == len(p.steps)-1 {
			if p.done != nil {
				p.done(sb)
			}
			s.sandboxStateChanged(sb, prev) // events.go: after done, whose changes the event shows
			return
		}
		s.sandboxStateChanged(sb, prev) // events.go
		s.step(sb, gen, p, i+1, failAt, fail, failing)
	})
}

// enter moves sb into st and runs what entering st means. Callers hold s.mu.
func (s *Server) enter(sb *sandbox, st State) {
	prev := sb.state
	now := time.Now()
	sb.state = st
	sb.updatedAt = now
	if prev != st {
		sb.stateSince = now
	}
	if prev == StateBuildingSnapshot && st != StateBuildingSnapshot {
		s.finishBuildLog(sb, "")
	}
	if !sb.running() {
		s.closeToolbox(sb)
	}
	switch st {
	case StateStarted:
		sb.errorReason = nil
		sb.recoverable = false
		sb.lastActivity = now
	case StateBuildingSnapshot:
		s.startBuildLog(sb)
	case StateDestroyed:
		s.removeSandbox(sb)
		return
	}
	s.rescheduleAuto(sb)
}

// failLocked moves sb into the failure state f describes. Callers hold s.mu.
func (s *Server) failLocked(sb *sandbox, f Failure) {
	f = f.normalized()
	// events.go: publish the change once sb is in its failure state
	defer s.sandboxStateChanged(sb, sb.state)

	sb.gen++ // any chain still scheduled is over
	// End the build log (a no-op once the build has ended) so that its
	// followers stop.
	s.finishBuildLog(sb, f.Reason)
	s.closeToolbox(sb)
	reason := f.Reason
	sb.state = f.State
	sb.stateSince = time.Now()
	sb.updatedAt = sb.stateSince
	sb.errorReason = &reason
	sb.recoverable = f.State == StateError && f.Recoverable
	s.rescheduleAuto(sb)
}

// removeSandbox forgets a destroyed sandbox and deletes its directory.
// Callers hold s.mu.
func (s *Server) removeSandbox(sb *sandbox) {
	sb.gen++
	sb.autoGen++
	if sb.autoCancel != nil {
		sb.autoCancel()
		sb.autoCancel = nil
	}
	delete(s.sandboxes, sb.id)
	s.closeToolbox(sb)
	if sb.build != nil {
		sb.build.log.close()
	}
	for tok, sp := range s.signedPreviews {
		if sp.sandboxID == sb.id {
			delete(s.signedPreviews, tok)
		}
	}
	for tok, a := range s.sshAccess {
		if a.sandboxID == sb.id {
			delete(s.sshAccess, tok)
		}
	}
	if err := os.RemoveAll(sb.dir); err != nil {
		s.recordf("removing sandbox directory: %v", err)
	}
}

// startBuildLog writes the first build line and spreads the others over the
// time the sandbox spends in building_snapshot. Callers hold s.mu.
func (s *Server) startBuildLog(sb *sandbox) {
	b := sb.build
	if b == nil {
		return
	}
	b.pending = buildSteps(b.dockerfile)
	n := len(b.pending)
	total := s.latencyOf(StateBuildingSnapshot)
	gen := sb.gen
	s.writeBuildLine(sb)
	for k := 1; k < n; k++ {
		s.sched.after(total*time.Duration(k)/time.Duration(n), func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if sb.gen == gen && sb.state == StateBuildingSnapshot {
				s.writeBuildLine(sb)
			}
		})
	}
}

func (s *Server) writeBuildLine(sb *sandbox) {
	b := sb.build
	if len(b.pending) == 0 {
		return
	}
	b.log.write(b.pending[0])
	b.pending = b.pending[1:]
}

// finishBuildLog writes what is left of the build log, then the outcome,
// and ends the log. Callers hold s.mu.
func (s *Server) finishBuildLog(sb *sandbox, failure string) {
	b := sb.build
	if b == nil {
		return
	}
	for len(b.pending) > 0 {
		s.writeBuildLine(sb)
	}
	if failure != "" {
		b.log.write(fmt.Sprintf("ERROR: build failed: %s\n", failure))
	} else {
		b.log.write(fmt.Sprintf("Successfully built %s\n", b.snapshotRef))
	}
	b.log.close()
}
