package hightouchtest

import (
	"slices"
	"time"
)

// Sync sequences run their member syncs one after another. Unlike a single
// run, a sequence has to *act* when a member ends (create the next member's
// run), so the emulator advances sequences to the current clock time before
// every request: events are processed in time order and each member run is
// created at the exact moment its predecessor ended, as if a scheduler had
// been running all along.

type sequence struct {
	id      string
	syncIDs []int64
	runs    []*sequenceRun // creation order
}

type sequenceRun struct {
	id        string
	seq       *sequence
	prev      *sequenceRun // the sequence's run before this one, if any
	syncIDs   []int64      // members as of the trigger
	createdAt time.Time

	begun   bool // false while queued behind the previous run of the sequence
	beganAt time.Time
	members []*run // member runs created so far, in order

	finished          bool
	status            string // outcome once finished
	finishedAt        time.Time
	firstSeenTerminal *time.Time
}

// nextEvent is when the run next has to act, if it can be known now.
func (sr *sequenceRun) nextEvent() (time.Time, bool) {
	if sr.finished {
		return time.Time{}, false
	}
	if !sr.begun {
		switch {
		case sr.prev == nil:
			return sr.createdAt, true
		case sr.prev.finished:
			return sr.prev.finishedAt, true
		}
		return time.Time{}, false
	}
	if len(sr.members) == 0 {
		return sr.beganAt, true
	}
	cur := sr.members[len(sr.members)-1]
	if cur.endAt.Equal(forever) {
		return time.Time{}, false
	}
	return cur.endAt, true
}

// advance processes every sequence event up to now, earliest first (ties
// in creation order).
func (e *Emulator) advance(now time.Time) {
	e.createLateRuns(now)
	for {
		var next *sequenceRun
		var at time.Time
		for _, sr := range e.activeSeqRuns {
			t, ok := sr.nextEvent()
			if ok && !t.After(now) && (next == nil || t.Before(at)) {
				next, at = sr, t
			}
		}
		if next == nil {
			return
		}
		e.stepSequenceRun(next, at)
	}
}

func (e *Emulator) stepSequenceRun(sr *sequenceRun, at time.Time) {
	if !sr.begun {
		sr.begun, sr.beganAt = true, at
		e.startNextMember(sr, at)
		return
	}
	if len(sr.members) == 0 {
		e.finishSequenceRun(sr, "done", at)
		return
	}
	switch sr.members[len(sr.members)-1].sc.Status {
	case "success", "warning":
		e.startNextMember(sr, at)
	case "cancelled":
		e.finishSequenceRun(sr, "cancelled", at)
	default:
		// failed, interrupted, and statuses we do not know: later members
		// must not run on top of an unexplained outcome.
		e.finishSequenceRun(sr, "failed", at)
	}
}

func (e *Emulator) startNextMember(sr *sequenceRun, at time.Time) {
	i := len(sr.members)
	if i >= len(sr.syncIDs) {
		e.finishSequenceRun(sr, "done", at)
		return
	}
	s := e.syncs[sr.syncIDs[i]]
	if s == nil {
		e.finishSequenceRun(sr, "failed", at)
		return
	}
	sr.members = append(sr.members, e.createRun(s, at, triggerOptions{}, sr.id))
}

func (e *Emulator) finishSequenceRun(sr *sequenceRun, status string, at time.Time) {
	sr.finished, sr.status, sr.finishedAt = true, status, at
	e.activeSeqRuns = slices.DeleteFunc(e.activeSeqRuns, func(other *sequenceRun) bool { return other == sr })
}

// status is the SyncSequenceRequestStatus at now (after advance): pending
// until the first member run has started (left "queued" or "pending"), then
// running.
func (sr *sequenceRun) statusAt(now time.Time) string {
	switch {
	case sr.finished:
		return sr.status
	case !sr.begun || len(sr.members) == 0 || sr.members[0].view(now).startedAt == nil:
		return "pending"
	}
	return "running"
}

// inProgress returns the sequence's running run and its queued follow-up.
func (sq *sequence) inProgress() (running, queued *sequenceRun) {
	for _, sr := range sq.runs {
		switch {
		case sr.finished:
		case sr.begun:
			running = sr
		default:
			queued = sr
		}
	}
	if running == nil && queued != nil {
		running, queued = queued, nil // about to begin this instant
	}
	return running, queued
}

// triggerSequence answers TriggerSequenceRun: a sequence never runs
// concurrently with itself.
func (e *Emulator) triggerSequence(sq *sequence, now time.Time) (sr *sequenceRun, created bool) {
	running, queued := sq.inProgress()
	switch {
	case running == nil:
		sr = e.newSequenceRun(sq, now)
		sr.begun, sr.beganAt = true, msTime(now)
		e.startNextMember(sr, now)
		return sr, true
	case !e.sequenceQueueing:
		return running, false
	case queued != nil:
		return queued, false
	}
	return e.newSequenceRun(sq, now), true
}

func (e *Emulator) newSequenceRun(sq *sequence, now time.Time) *sequenceRun {
	sr := &sequenceRun{id: e.newUUID(), seq: sq, syncIDs: slices.Clone(sq.syncIDs), createdAt: msTime(now)}
	if n := len(sq.runs); n > 0 {
		sr.prev = sq.runs[n-1]
	}
	sq.runs = append(sq.runs, sr)
	e.activeSeqRuns = append(e.activeSeqRuns, sr)
	e.seqRuns[sr.id] = sr
	e.stats.SequenceRunsCreated++
	return sr
}

// SequenceRunInfo describes a sequence run for tests and benchmarks.
type SequenceRunInfo struct {
	ID                  string     `json:"id"`
	SequenceID          string     `json:"sequenceId"`
	Status              string     `json:"status"`
	CreatedAt           time.Time  `json:"createdAt"`
	BeganAt             *time.Time `json:"beganAt"` // when its first member run was created
	FinishedAt          *time.Time `json:"finishedAt"`
	SyncRunIDs          []int64    `json:"syncRunIds"`
	FirstSeenTerminalAt *time.Time `json:"firstSeenTerminalAt"` // first GetSyncSequenceRun showing it finished
}

func (sr *sequenceRun) info(now time.Time) SequenceRunInfo {
	info := SequenceRunInfo{
		ID: sr.id, SequenceID: sr.seq.id, Status: sr.statusAt(now), CreatedAt: sr.createdAt,
		SyncRunIDs: []int64{}, FirstSeenTerminalAt: sr.firstSeenTerminal,
	}
	if sr.begun {
		began := sr.beganAt
		info.BeganAt = &began
	}
	if sr.finished {
		fin := sr.finishedAt
		info.FinishedAt = &fin
	}
	for _, m := range sr.members {
		info.SyncRunIDs = append(info.SyncRunIDs, m.id)
	}
	return info
}
