package hightouchtest

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/contract"
)

// Phase is one in-progress stage of a run. A negative Duration means the
// phase never ends (useful to test deadlines); zero-length phases are skipped.
type Phase struct {
	Status   string
	Duration time.Duration
}

// RowCounts is the {addedCount, changedCount, removedCount} object of SyncRun.
type RowCounts struct {
	AddedCount   int64 `json:"addedCount"`
	ChangedCount int64 `json:"changedCount"`
	RemovedCount int64 `json:"removedCount"`
}

// Scenario scripts the runs of one sync. Each run copies the scenario in
// force when it is created; SetScenario changes later runs only.
type Scenario struct {
	// Phases in order; nil means DefaultPhases, an empty non-nil slice means
	// the run ends as soon as it gets its turn.
	Phases []Phase
	// Status is the terminal status; "" means "success".
	Status    string
	Error     string
	QuerySize int64

	PlannedRows, SuccessfulRows, FailedRows RowCounts

	// ListDelay hides a new run from ListSyncRuns for this long.
	ListDelay time.Duration

	// ResumeAfter: a run that ends "interrupted" is resumed, as Hightouch
	// does, in a new run created this long after it ended (0: never),
	// which ends ResumeStatus ("" means "success").
	ResumeAfter  time.Duration
	ResumeStatus string
}

// DefaultPhases is the lifecycle used when Scenario.Phases is nil.
func DefaultPhases() []Phase {
	return []Phase{
		{Status: "queued", Duration: time.Second},
		{Status: "querying", Duration: 2 * time.Second},
		{Status: "processing", Duration: 5 * time.Second},
		{Status: "reporting", Duration: time.Second},
	}
}

// startsRun reports whether a phase with this status has started the run
// (gives it a startedAt): every status but "queued" and "pending", which
// wait for it to start.
func startsRun(status string) bool { return status != "queued" && status != "pending" }

// normalized fills the defaults so a run never has to think about them.
func (sc Scenario) normalized() Scenario {
	out := sc
	if sc.Phases == nil {
		out.Phases = DefaultPhases()
	} else {
		out.Phases = append([]Phase{}, sc.Phases...)
	}
	if out.Status == "" {
		out.Status = "success"
	}
	return out
}

// JSON forms (admin API): durations are Go duration strings such as "2s".

type phaseJSON struct {
	Status   string            `json:"status"`
	Duration contract.Duration `json:"duration"`
}

func (p Phase) MarshalJSON() ([]byte, error) {
	return json.Marshal(phaseJSON{Status: p.Status, Duration: contract.Duration(p.Duration)})
}

func (p *Phase) UnmarshalJSON(b []byte) error {
	var j phaseJSON
	if err := strictUnmarshal(b, &j); err != nil {
		return err
	}
	*p = Phase{Status: j.Status, Duration: time.Duration(j.Duration)}
	return nil
}

type scenarioJSON struct {
	Phases         []Phase           `json:"phases"`
	Status         string            `json:"status,omitempty"`
	Error          string            `json:"error,omitempty"`
	QuerySize      int64             `json:"querySize"`
	PlannedRows    RowCounts         `json:"plannedRows"`
	SuccessfulRows RowCounts         `json:"successfulRows"`
	FailedRows     RowCounts         `json:"failedRows"`
	ListDelay      contract.Duration `json:"listDelay"`
	ResumeAfter    contract.Duration `json:"resumeAfter"`
	ResumeStatus   string            `json:"resumeStatus,omitempty"`
}

func (sc Scenario) MarshalJSON() ([]byte, error) {
	return json.Marshal(scenarioJSON{
		Phases: sc.Phases, Status: sc.Status, Error: sc.Error, QuerySize: sc.QuerySize,
		PlannedRows: sc.PlannedRows, SuccessfulRows: sc.SuccessfulRows, FailedRows: sc.FailedRows,
		ListDelay: contract.Duration(sc.ListDelay), ResumeAfter: contract.Duration(sc.ResumeAfter), ResumeStatus: sc.ResumeStatus,
	})
}

func (sc *Scenario) UnmarshalJSON(b []byte) error {
	var j scenarioJSON
	if err := strictUnmarshal(b, &j); err != nil {
		return err
	}
	*sc = Scenario{
		Phases: j.Phases, Status: j.Status, Error: j.Error, QuerySize: j.QuerySize,
		PlannedRows: j.PlannedRows, SuccessfulRows: j.SuccessfulRows, FailedRows: j.FailedRows,
		ListDelay: time.Duration(j.ListDelay), ResumeAfter: time.Duration(j.ResumeAfter), ResumeStatus: j.ResumeStatus,
	}
	return nil
}

// strictUnmarshal rejects unknown keys, so a typo in an admin request is an
// error rather than a silently ignored setting.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
