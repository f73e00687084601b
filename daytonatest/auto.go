package daytonatest

import (
	"time"
)

// The automatic lifecycle: a started sandbox stops (or pauses) after its
// auto-stop (auto-pause) interval without activity; a stopped one is
// archived or deleted after its auto-archive or auto-delete interval; any
// sandbox is destroyed when its TTL ends. Each sandbox has at most one
// pending timer, armed for its earliest deadline. Activity only moves
// deadlines later, so it does not re-arm the timer: when the timer fires it
// re-checks and re-arms if nothing is due yet.

type autoAction int

const (
	autoNone autoAction = iota
	autoDestroy
	autoStop
	autoPause
	autoArchive
	autoDelete
)

// nextAuto is the sandbox's earliest automatic action and when it is due.
// Callers hold s.mu.
func (s *Server) nextAuto(sb *sandbox) (autoAction, time.Time) {
	if !sb.state.stable() || sb.state == StateDestroyed || sb.hiddenAsDeleted() {
		return autoNone, time.Time{}
	}
	act, at := autoNone, time.Time{}
	consider := func(a autoAction, t time.Time) {
		if act == autoNone || t.Before(at) {
			act, at = a, t
		}
	}
	mins := func(n int) time.Duration { return time.Duration(n) * s.minute }
	if t, ok := s.autoDestroyAt(sb); ok {
		consider(autoDestroy, t)
	}
	switch sb.state {
	case StateStarted:
		if sb.autoStop > 0 {
			consider(autoStop, sb.lastActivity.Add(mins(sb.autoStop)))
		}
		if sb.autoPause > 0 {
			consider(autoPause, sb.lastActivity.Add(mins(sb.autoPause)))
		}
	case StateStopped:
		if sb.autoDelete > 0 {
			consider(autoDelete, sb.stateSince.Add(mins(sb.autoDelete)))
		}
		if sb.autoArchive > 0 && !sb.ephemeral() {
			consider(autoArchive, sb.stateSince.Add(mins(sb.autoArchive)))
		}
	}
	return act, at
}

// rescheduleAuto arms the sandbox's timer for its next automatic action.
// Callers hold s.mu.
func (s *Server) rescheduleAuto(sb *sandbox) {
	sb.autoGen++
	if sb.autoCancel != nil {
		sb.autoCancel()
		sb.autoCancel = nil
	}
	act, at := s.nextAuto(sb)
	if act == autoNone {
		return
	}
	gen := sb.autoGen
	sb.autoCancel = s.sched.after(max(time.Until(at), 0), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if sb.autoGen != gen || s.sandboxes[sb.id] != sb {
			return
		}
		sb.autoCancel = nil
		s.autoAct(sb)
	})
}

// autoAct performs the sandbox's automatic action if it is due, and re-arms
// the timer otherwise. Callers hold s.mu.
func (s *Server) autoAct(sb *sandbox) {
	act, at := s.nextAuto(sb)
	if act == autoNone {
		return
	}
	if time.Now().Before(at) {
		s.rescheduleAuto(sb)
		return
	}
	var err error
	switch act {
	case autoDestroy, autoDelete:
		err = s.deleteLocked(sb)
	case autoStop:
		err = s.stopLocked(sb)
	case autoPause:
		err = s.pauseLocked(sb)
	case autoArchive:
		err = s.archiveLocked(sb)
	}
	if err != nil {
		s.recordf("automatic lifecycle action on sandbox %s: %v", sb.id, err)
	}
}
