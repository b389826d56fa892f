package hightouchtest

import (
	"math"
	"time"
)

// A run's whole timeline is fixed when it is created: it gets its turn when
// the sync's previous run ends (runs of one sync are FIFO), then walks
// through its scenario's phases. Everything a client sees is derived from
// that timeline and the clock, so a fake clock drives runs without
// goroutines and nothing has to be "ticked".

// forever stands for a moment that never comes (a phase that never ends).
var forever = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

type triggerOptions struct {
	fullResync, resetCDC, clearAndFill bool
}

type phaseSpan struct {
	status     string
	start, end time.Time
}

type run struct {
	id, syncID    int64
	createdAt     time.Time
	sc            Scenario // normalized copy taken at creation
	opts          triggerOptions
	sequenceRunID string // set for a sequence member
	listDelay     time.Duration

	slotAt       time.Time // when it got its turn
	spans        []phaseSpan
	startedAt    time.Time // leaves "queued"
	endAt        time.Time // finishedAt
	queryDoneAt  time.Time // querySize is known from here
	processStart time.Time // plannedRows known, completionRatio starts growing
	processSpans []phaseSpan

	firstSeenTerminal *time.Time
}

func newRun(id, syncID int64, createdAt time.Time, sc Scenario, prev *run) *run {
	rn := &run{id: id, syncID: syncID, createdAt: createdAt, sc: sc.normalized(), slotAt: createdAt}
	if prev != nil && prev.endAt.After(rn.slotAt) {
		rn.slotAt = prev.endAt
	}
	t := rn.slotAt
	for _, p := range rn.sc.Phases {
		if t.Equal(forever) {
			break
		}
		switch {
		case p.Duration == 0:
			continue
		case p.Duration < 0:
			rn.spans = append(rn.spans, phaseSpan{status: p.Status, start: t, end: forever})
			t = forever
		default:
			rn.spans = append(rn.spans, phaseSpan{status: p.Status, start: t, end: t.Add(p.Duration)})
			t = t.Add(p.Duration)
		}
	}
	rn.endAt = t
	rn.startedAt, rn.queryDoneAt, rn.processStart = rn.endAt, rn.endAt, rn.endAt
	for i := len(rn.spans) - 1; i >= 0; i-- {
		sp := rn.spans[i]
		if startsRun(sp.status) {
			rn.startedAt = sp.start
		}
		if sp.status == "processing" {
			rn.processStart = sp.start
			rn.processSpans = append([]phaseSpan{sp}, rn.processSpans...)
		}
	}
	// querySize is known once querying is over; without a querying phase,
	// when processing starts.
	rn.queryDoneAt = rn.processStart
	for i := len(rn.spans) - 1; i >= 0; i-- {
		if rn.spans[i].status == "querying" {
			rn.queryDoneAt = rn.spans[i].end
			break
		}
	}
	return rn
}

// runView is a run as it looks at one moment.
type runView struct {
	status                      string
	terminal                    bool
	startedAt, finishedAt       *time.Time
	querySize                   int64
	ratio                       float64
	planned, successful, failed RowCounts
	err                         *string
}

func (rn *run) terminalAt(now time.Time) bool {
	return !rn.endAt.Equal(forever) && !now.Before(rn.endAt)
}

func (rn *run) view(now time.Time) runView {
	v := runView{status: "queued"}
	switch {
	case rn.terminalAt(now):
		v.status, v.terminal = rn.sc.Status, true
	default: // "queued" while waiting for its turn
		for _, sp := range rn.spans {
			if !now.Before(sp.start) && now.Before(sp.end) {
				v.status = sp.status
				break
			}
		}
	}
	if !now.Before(rn.startedAt) {
		started := rn.startedAt
		v.startedAt = &started
	}
	if v.terminal {
		finished := rn.endAt
		v.finishedAt = &finished
		if rn.sc.Error != "" {
			msg := rn.sc.Error
			v.err = &msg
		}
	}
	if !now.Before(rn.queryDoneAt) {
		v.querySize = rn.sc.QuerySize
	}
	if !now.Before(rn.processStart) {
		v.planned = rn.sc.PlannedRows
	}
	v.ratio = rn.completionRatio(now, v.terminal)
	if v.terminal {
		v.successful, v.failed = rn.sc.SuccessfulRows, rn.sc.FailedRows
	} else {
		v.successful, v.failed = scaleRows(rn.sc.SuccessfulRows, v.ratio), scaleRows(rn.sc.FailedRows, v.ratio)
	}
	return v
}

// completionRatio grows linearly over the processing phases: 0 before, 1 at
// the end.
func (rn *run) completionRatio(now time.Time, terminal bool) float64 {
	if terminal {
		return 1
	}
	if now.Before(rn.processStart) {
		return 0
	}
	var total, done time.Duration
	for _, sp := range rn.processSpans {
		d := sp.end.Sub(sp.start)
		total += d
		switch {
		case !now.Before(sp.end):
			done += d
		case now.After(sp.start):
			done += now.Sub(sp.start)
		}
	}
	if total <= 0 {
		return 1
	}
	return math.Round(float64(done)/float64(total)*1e4) / 1e4
}

func scaleRows(rc RowCounts, ratio float64) RowCounts {
	scale := func(n int64) int64 { return int64(math.Floor(float64(n) * ratio)) }
	return RowCounts{AddedCount: scale(rc.AddedCount), ChangedCount: scale(rc.ChangedCount), RemovedCount: scale(rc.RemovedCount)}
}

// visibleAt reports whether ListSyncRuns shows the run (Scenario.ListDelay
// plus the listing-lag fault).
func (rn *run) visibleAt(now time.Time) bool {
	return !now.Before(rn.createdAt.Add(rn.listDelay))
}

// createRun appends a run to a sync's FIFO. Counted in RunsCreated; the
// caller counts triggers.
func (e *Emulator) createRun(s *syncRecord, createdAt time.Time, opts triggerOptions, sequenceRunID string) *run {
	return e.createRunOf(s, s.scenario, createdAt, opts, sequenceRunID)
}

// createRunOf creates a run that follows sc (a resumed run changes the
// sync's scenario's ending).
func (e *Emulator) createRunOf(s *syncRecord, sc Scenario, createdAt time.Time, opts triggerOptions, sequenceRunID string) *run {
	runs := e.syncRuns[s.id]
	var prev *run
	if len(runs) > 0 {
		prev = runs[len(runs)-1]
	}
	rn := newRun(e.nextRunID, s.id, msTime(createdAt), sc, prev)
	if rn.sc.Status == "interrupted" && rn.sc.ResumeAfter > 0 && !rn.endAt.Equal(forever) {
		// Hightouch resumes an interrupted run in a new one.
		resume := sc
		resume.Status, resume.ResumeAfter = rn.sc.ResumeStatus, 0
		if resume.Status == "" {
			resume.Status = "success"
		}
		e.lateRuns = append(e.lateRuns, lateRun{syncID: s.id, opts: opts, at: rn.endAt.Add(rn.sc.ResumeAfter), scenario: &resume})
	}
	rn.opts, rn.sequenceRunID = opts, sequenceRunID
	rn.listDelay = rn.sc.ListDelay + randUpTo(e.faultRNG, e.faults.ListingLag)
	e.nextRunID++
	e.runs[rn.id] = rn
	e.syncRuns[s.id] = append(runs, rn)
	e.stats.RunsCreated++
	return rn
}

// syncRunJSON is the SyncRun schema (additionalProperties false, so trigger
// options are not shown here; RunInfo has them).
type syncRunJSON struct {
	ID              int64     `json:"id"`
	CreatedAt       jsTime    `json:"createdAt"`
	StartedAt       *jsTime   `json:"startedAt"`
	FinishedAt      *jsTime   `json:"finishedAt"`
	QuerySize       int64     `json:"querySize"`
	Status          string    `json:"status"`
	CompletionRatio float64   `json:"completionRatio"`
	PlannedRows     RowCounts `json:"plannedRows"`
	SuccessfulRows  RowCounts `json:"successfulRows"`
	FailedRows      RowCounts `json:"failedRows"`
	Error           *string   `json:"error"`
}

func (rn *run) json(now time.Time) syncRunJSON {
	v := rn.view(now)
	return syncRunJSON{
		ID: rn.id, CreatedAt: jsTime(rn.createdAt), StartedAt: jsTimePtr(v.startedAt), FinishedAt: jsTimePtr(v.finishedAt),
		QuerySize: v.querySize, Status: v.status, CompletionRatio: v.ratio,
		PlannedRows: v.planned, SuccessfulRows: v.successful, FailedRows: v.failed, Error: v.err,
	}
}

// markSeen records the first time an API response showed the run finished.
func (rn *run) markSeen(now time.Time) {
	if rn.firstSeenTerminal == nil && rn.terminalAt(now) {
		seen := now
		rn.firstSeenTerminal = &seen
	}
}

// RunInfo describes a run for tests and benchmarks.
type RunInfo struct {
	ID                  int64      `json:"id"`
	SyncID              int64      `json:"syncId"`
	Status              string     `json:"status"`
	CreatedAt           time.Time  `json:"createdAt"`
	StartedAt           *time.Time `json:"startedAt"`
	FinishedAt          *time.Time `json:"finishedAt"`
	FirstSeenTerminalAt *time.Time `json:"firstSeenTerminalAt"` // clock time of the first API response showing it finished
	FullResync          bool       `json:"fullResync"`
	ResetCDC            bool       `json:"resetCDC"`
	ClearAndFill        bool       `json:"clearAndFill"`
	SequenceRunID       string     `json:"sequenceRunId,omitempty"` // set when a sequence run created it
}

func (rn *run) info(now time.Time) RunInfo {
	v := rn.view(now)
	return RunInfo{
		ID: rn.id, SyncID: rn.syncID, Status: v.status, CreatedAt: rn.createdAt,
		StartedAt: v.startedAt, FinishedAt: v.finishedAt, FirstSeenTerminalAt: rn.firstSeenTerminal,
		FullResync: rn.opts.fullResync, ResetCDC: rn.opts.resetCDC, ClearAndFill: rn.opts.clearAndFill,
		SequenceRunID: rn.sequenceRunID,
	}
}
