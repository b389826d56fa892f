package hightouchtest

import "maps"

// Stats counts what the emulator was asked and what it answered. It lets
// tests and benchmarks measure a client's request budget and retries.
type Stats struct {
	Requests           int            `json:"requests"`    // all API requests (admin excluded)
	ByOperation        map[string]int `json:"byOperation"` // by operation name, e.g. "ListSyncRuns"
	ByStatus           map[int]int    `json:"byStatus"`    // by HTTP status answered
	InjectedErrors     int            `json:"injectedErrors"`
	InjectedRateLimits int            `json:"injectedRateLimits"`
	// InjectedGatewayTimeouts are sync triggers answered 504 whose run was
	// created later (Faults.GatewayTimeoutRate).
	InjectedGatewayTimeouts int `json:"injectedGatewayTimeouts"`
	EnforcedRateLimits      int `json:"enforcedRateLimits"` // 429s from WithWorkspaceRateLimit
	RunsCreated             int `json:"runsCreated"`
	SequenceRunsCreated     int `json:"sequenceRunsCreated"`
	Triggers                int `json:"triggers"`         // sync trigger calls that created/queued a run
	SequenceTriggers        int `json:"sequenceTriggers"` // TriggerSequenceRun calls answered with a run id (new, in-progress or queued)
}

func newStats() Stats {
	return Stats{ByOperation: map[string]int{}, ByStatus: map[int]int{}}
}

func (s Stats) clone() Stats {
	out := s
	out.ByOperation = maps.Clone(s.ByOperation)
	out.ByStatus = maps.Clone(s.ByStatus)
	return out
}

// syncCounters are the per-sync counts behind Requests and Triggers.
type syncCounters struct {
	requests, triggers int
}

func (e *Emulator) syncCounter(id int64) *syncCounters {
	c := e.perSync[id]
	if c == nil {
		c = &syncCounters{}
		e.perSync[id] = c
	}
	return c
}
