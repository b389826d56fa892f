package hightouchtest

import (
	"fmt"
	"time"
)

// TriggerSequenceRun and GetSyncSequenceRun.

type sequenceRunJSON struct {
	ID       string               `json:"id"`
	Status   string               `json:"status"`
	SyncRuns []sequenceMemberJSON `json:"syncRuns"`
}

// Field order follows the reference example.
type sequenceMemberJSON struct {
	SyncID     int64       `json:"syncId"`
	Status     string      `json:"status"`
	FinishedAt *offsetTime `json:"finishedAt"` // "+00:00" form; null while running
	SyncRunID  int64       `json:"syncRunId"`
}

func (e *Emulator) triggerSequenceRun(rq *request) response {
	// No request body is defined; whatever is sent is ignored.
	sq := e.sequences[rq.params["syncSequenceId"]]
	if sq == nil {
		return notFound(fmt.Sprintf("sync sequence %q not found", rq.params["syncSequenceId"]))
	}
	if e.failTrigger() {
		return internalServerError()
	}
	sr, created := e.triggerSequence(sq, rq.now)
	e.stats.SequenceTriggers++
	if created && e.triggerThen500() {
		return internalServerError()
	}
	return ok(triggerOutput{ID: sr.id})
}

func (e *Emulator) getSyncSequenceRun(rq *request) response {
	sr := e.seqRuns[rq.params["syncSequenceRunId"]]
	if sr == nil {
		return notFound(fmt.Sprintf("sync sequence run %q not found", rq.params["syncSequenceRunId"]))
	}
	out := sequenceRunJSON{ID: sr.id, Status: sr.statusAt(rq.now), SyncRuns: []sequenceMemberJSON{}}
	// Only members that have started are listed (the reference leaves
	// not-yet-started members undocumented; they have no run id yet).
	for _, m := range sr.members {
		v := m.view(rq.now)
		if v.startedAt == nil {
			continue
		}
		mj := sequenceMemberJSON{SyncID: m.syncID, Status: v.status, SyncRunID: m.id}
		if v.finishedAt != nil {
			f := offsetTime(*v.finishedAt)
			mj.FinishedAt = &f
		}
		m.markSeen(rq.now)
		out.SyncRuns = append(out.SyncRuns, mj)
	}
	if sr.finished && sr.firstSeenTerminal == nil {
		seen := rq.now
		sr.firstSeenTerminal = &seen
	}
	return ok(out)
}

// addSequence registers a sequence; id "" generates a UUID.
func (e *Emulator) addSequence(id string, syncIDs []int64) (string, error) {
	if id == "" {
		id = e.newUUID()
	}
	if e.sequences[id] != nil {
		return "", fmt.Errorf("sequence %q already exists", id)
	}
	for _, sid := range syncIDs {
		if e.syncs[sid] == nil {
			return "", fmt.Errorf("sync %d not found", sid)
		}
	}
	e.sequences[id] = &sequence{id: id, syncIDs: append([]int64{}, syncIDs...)}
	return id, nil
}

func (e *Emulator) sequenceRunInfos(id string, now time.Time) ([]SequenceRunInfo, bool) {
	sq := e.sequences[id]
	if sq == nil {
		return nil, false
	}
	out := []SequenceRunInfo{}
	for _, sr := range sq.runs {
		out = append(out, sr.info(now))
	}
	return out, true
}
