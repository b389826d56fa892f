package hightouchtest

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// ListSyncRuns, TriggerRun and TriggerRunCustom.

// Trigger bodies are not additionalProperties-false: unknown keys (the CLI
// sends "fullSync") are tolerated, wrong types are not.
var triggerRunInputSchema = &schema{props: []prop{
	{name: "fullResync", kind: kindBool},
	{name: "resetCDC", kind: kindBool},
	{name: "clearAndFill", kind: kindBool},
}}

var triggerRunCustomInputSchema = &schema{props: append([]prop{
	{name: "syncId", kind: kindString, pattern: digitsPattern},
	{name: "syncSlug", kind: kindString},
}, triggerRunInputSchema.props...)}

type triggerOutput struct {
	ID string `json:"id"`
}

func triggerOptionsFrom(body map[string]any) triggerOptions {
	flag := func(k string) bool { b, _ := body[k].(bool); return b }
	return triggerOptions{fullResync: flag("fullResync"), resetCDC: flag("resetCDC"), clearAndFill: flag("clearAndFill")}
}

func (e *Emulator) triggerRun(rq *request) response {
	id, errResp := rq.digitPathID("syncId")
	if errResp != nil {
		return *errResp
	}
	s, errResp := e.syncOr404(id)
	if errResp != nil {
		return *errResp
	}
	body, present, errResp := rq.decodeBody()
	if errResp != nil {
		return *errResp
	}
	if present {
		d := details{}
		triggerRunInputSchema.check("body", body, d)
		if len(d) > 0 {
			return unprocessable(d)
		}
	}
	if s.disabled {
		d := details{}
		d.addValue("path.syncId", fmt.Sprintf("sync %d is disabled", s.id), rq.params["syncId"])
		return unprocessable(d)
	}
	return e.triggered(s, triggerOptionsFrom(body), rq.now)
}

func (e *Emulator) triggerRunCustom(rq *request) response {
	body, errResp := rq.requireBody(triggerRunCustomInputSchema)
	if errResp != nil {
		return *errResp
	}
	_, hasID := body["syncId"]
	_, hasSlug := body["syncSlug"]
	if hasID == hasSlug {
		msg := "exactly one of syncId or syncSlug is required"
		d := details{}
		if hasID {
			msg = "syncId and syncSlug are mutually exclusive"
			d.addValue("body.syncId", msg, body["syncId"])
			d.addValue("body.syncSlug", msg, body["syncSlug"])
		} else {
			d.add("body.syncId", msg)
			d.add("body.syncSlug", msg)
		}
		return unprocessable(d)
	}
	var s *syncRecord
	key := "body.syncId"
	if hasID {
		id, _ := asID(body["syncId"])
		if s, errResp = e.syncOr404(id); errResp != nil {
			return *errResp
		}
	} else {
		key = "body.syncSlug"
		if s = e.syncBySlug(body["syncSlug"].(string)); s == nil {
			return notFound(fmt.Sprintf("sync with slug %q not found", body["syncSlug"]))
		}
	}
	if s.disabled {
		d := details{}
		d.addValue(key, fmt.Sprintf("sync %d is disabled", s.id), body[key[len("body."):]])
		return unprocessable(d)
	}
	return e.triggered(s, triggerOptionsFrom(body), rq.now)
}

// triggered creates (or queues) the run of a trigger call and answers it,
// possibly with one of the ambiguous faults: trigger-then-500, or a 504
// from a gateway while the backend creates the run later.
func (e *Emulator) triggered(s *syncRecord, opts triggerOptions, now time.Time) response {
	if e.failTrigger() {
		return internalServerError()
	}
	e.stats.Triggers++
	e.syncCounter(s.id).triggers++
	if delay, hit := e.gatewayTimeout(); hit {
		e.lateRuns = append(e.lateRuns, lateRun{syncID: s.id, opts: opts, at: now.Add(delay)})
		return gatewayTimeoutResponse()
	}
	rn := e.createRun(s, now, opts, "")
	if e.triggerThen500() {
		return internalServerError()
	}
	return ok(triggerOutput{ID: strconv.FormatInt(rn.id, 10)})
}

// lateRun is a run created at a later time: that of a trigger answered 504,
// or the run an interrupted one is resumed in.
type lateRun struct {
	syncID int64
	opts   triggerOptions
	at     time.Time
	// scenario, when set, replaces the sync's (a resumed run).
	scenario *Scenario
}

// createLateRuns creates the late runs whose time has come, in time order.
// Called with the lock held, before anything reads runs.
func (e *Emulator) createLateRuns(now time.Time) {
	sort.SliceStable(e.lateRuns, func(i, j int) bool { return e.lateRuns[i].at.Before(e.lateRuns[j].at) })
	for len(e.lateRuns) > 0 && !e.lateRuns[0].at.After(now) {
		lr := e.lateRuns[0]
		e.lateRuns = e.lateRuns[1:]
		if s := e.syncs[lr.syncID]; s != nil {
			sc := s.scenario
			if lr.scenario != nil {
				sc = *lr.scenario
			}
			e.createRunOf(s, sc, lr.at, lr.opts, "")
		}
	}
}

func (e *Emulator) listSyncRuns(rq *request) response {
	s, errResp := e.pathSync(rq)
	if errResp != nil {
		return *errResp
	}
	d := details{}
	lq := parseListQuery(rq.query, runOrderBy, d)
	runID, hasRunID := queryNumber(rq.query, "runId", d)
	after, hasAfter := queryTime(rq.query, "after", d)
	before, hasBefore := queryTime(rq.query, "before", d)
	within, hasWithin := queryNumber(rq.query, "within", d)
	if len(d) > 0 {
		return unprocessable(d)
	}
	withinStart := rq.now.Add(-time.Duration(within * float64(time.Minute)))
	type entry struct {
		rn *run
		v  runView
	}
	candidates := e.syncRuns[s.id]
	if hasRunID {
		// Pollers ask for one run; do not scan the sync's whole history.
		candidates = nil
		if rn := e.runs[int64(runID)]; rn != nil && float64(rn.id) == runID && rn.syncID == s.id {
			candidates = []*run{rn}
		}
	}
	var items []entry
	for _, rn := range candidates {
		if !rn.visibleAt(rq.now) {
			continue
		}
		v := rn.view(rq.now)
		if hasAfter || hasBefore || hasWithin {
			// These filter on startedAt; a run still queued has none.
			st := v.startedAt
			if st == nil || hasAfter && st.Before(after) || hasBefore && !st.Before(before) || hasWithin && st.Before(withinStart) {
				continue
			}
		}
		items = append(items, entry{rn, v})
	}
	sortRunsNewestFirst(items, lq.orderBy, func(en entry) runSortKey {
		return runSortKey{id: en.rn.id, createdAt: &en.rn.createdAt, startedAt: en.v.startedAt, finishedAt: en.v.finishedAt}
	})
	pg := page(items, lq)
	data := make([]syncRunJSON, 0, len(pg.Data))
	for _, en := range pg.Data {
		en.rn.markSeen(rq.now)
		data = append(data, en.rn.json(rq.now))
	}
	return ok(listBody[syncRunJSON]{Data: data, HasMore: pg.HasMore})
}

type runSortKey struct {
	id                               int64
	createdAt, startedAt, finishedAt *time.Time
}

// sortRunsNewestFirst sorts descending (pollers want the latest runs on the
// first page). A missing startedAt/finishedAt means "not yet", which is
// newer than any time, so those runs come first. Ties: newest id first.
func sortRunsNewestFirst[T any](items []T, orderBy string, key func(T) runSortKey) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := key(items[i]), key(items[j])
		var ta, tb *time.Time
		switch orderBy {
		case "createdAt":
			ta, tb = a.createdAt, b.createdAt
		case "startedAt":
			ta, tb = a.startedAt, b.startedAt
		case "finishedAt":
			ta, tb = a.finishedAt, b.finishedAt
		}
		if orderBy != "id" {
			switch {
			case ta == nil && tb != nil:
				return true
			case ta != nil && tb == nil:
				return false
			case ta != nil && tb != nil && !ta.Equal(*tb):
				return ta.After(*tb)
			}
		}
		return a.id > b.id
	})
}
