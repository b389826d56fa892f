package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/jsoninput"
)

// The inputs embed jsoninput.Strict: their UnmarshalJSON, in decode_gen.go,
// keeps the decoding error for validate to report, since a payload that
// fails to decode would be retried forever.

//go:generate go run ../cmd/gen-decoders

// Defaults and limits of the wait.
const (
	DefaultTimeout = 24 * time.Hour
	maxTimeout     = 365 * 24 * time.Hour
	minPollFloor   = time.Second
	maxPollCeiling = time.Hour
	// maxIDLength bounds slugs and sequence ids, which are short names;
	// anything longer is a mistake, not an id.
	maxIDLength = 256
)

// WaitOptions bound how long and how often a workflow waits on a run.
// Durations are strings such as "90s", "15m", "6h" or "2d".
type WaitOptions struct {
	// Timeout is how long to wait for the run to end (default "24h"). The
	// run goes on at Hightouch after it; the API cannot cancel runs.
	Timeout string `json:"timeout,omitempty"`
	// MinPollInterval is the poll interval while the run is young
	// (default "2s", at least "1s").
	MinPollInterval string `json:"minPollInterval,omitempty"`
	// MaxPollInterval caps the interval, which grows to a tenth of the time
	// since the trigger (default "30s", at most "1h").
	MaxPollInterval string `json:"maxPollInterval,omitempty"`
}

// wait is WaitOptions parsed.
type wait struct {
	timeout time.Duration
	policy  activities.PollPolicy
}

// parse checks the options, appending what is wrong to problems.
func (o WaitOptions) parse(problems *[]string) wait {
	w := wait{timeout: DefaultTimeout}
	duration := func(field, v string, lo, hi time.Duration) time.Duration {
		if v == "" {
			return 0
		}
		d, err := contract.ParseDuration(v)
		switch {
		case err != nil:
			*problems = append(*problems, fmt.Sprintf("field %q: %v", field, err))
		case d < lo || d > hi:
			*problems = append(*problems, fmt.Sprintf("field %q: expected a duration from %s to %s, got %q", field, lo, hi, v))
		default:
			return d
		}
		return 0
	}
	if d := duration("timeout", o.Timeout, time.Second, maxTimeout); d > 0 {
		w.timeout = d
	}
	minPoll := duration("minPollInterval", o.MinPollInterval, minPollFloor, maxPollCeiling)
	maxPoll := duration("maxPollInterval", o.MaxPollInterval, minPollFloor, maxPollCeiling)
	w.policy = activities.PollPolicy{MinInterval: contract.Duration(minPoll), MaxInterval: contract.Duration(maxPoll)}.WithDefaults()
	if w.policy.MaxInterval < w.policy.MinInterval {
		*problems = append(*problems, fmt.Sprintf("field %q: must not be shorter than minPollInterval (%s), got %s",
			"maxPollInterval", w.policy.MinInterval, w.policy.MaxInterval))
	}
	return w
}

// SyncInput is the input of HightouchSync. Give SyncID or SyncSlug.
type SyncInput struct {
	// SyncID is the sync's id: a number or a string of digits.
	SyncID client.ID `json:"syncId,omitempty"`
	// SyncSlug is the sync's slug, resolved to its id before the trigger.
	SyncSlug string `json:"syncSlug,omitempty"`
	// FullResync resyncs all rows, ignoring what was synced before.
	FullResync bool `json:"fullResync,omitempty"`
	// ResetCDC marks all rows as synced without writing to the destination.
	ResetCDC bool `json:"resetCDC,omitempty"`
	// ClearAndFill clears the destination audience, then sends the query.
	ClearAndFill bool `json:"clearAndFill,omitempty"`
	// FailOnWarning fails the workflow when the run ends with warnings
	// (rows rejected by the destination).
	FailOnWarning bool `json:"failOnWarning,omitempty"`
	// IfRunning is what to do when the sync has a run in progress:
	// "queue" (default: trigger; Hightouch queues the run behind it),
	// "skip" (do not trigger; return that run with "skipped": true),
	// "attach" (do not trigger; wait on that run) or "fail" (fail with
	// SyncAlreadyRunning). It is decided inside the sync's trigger writer,
	// so two workflows never both see the sync idle.
	IfRunning string `json:"ifRunning,omitempty"`
	// FollowResumedRun waits, when the run ends interrupted, for the run
	// Hightouch resumes it in, and reports that run's outcome.
	FollowResumedRun bool `json:"followResumedRun,omitempty"`
	RowLimits
	WaitOptions
	jsoninput.Strict
}

func (in SyncInput) validate() (wait, error) {
	return validateInput(in.DecodeError(), in.RowLimits, in.WaitOptions, func(problems *[]string) {
		checkSyncRef(in.SyncID, in.SyncSlug, problems)
		checkIfRunning(in.IfRunning, problems)
	})
}

// validateInput is what the inputs' validate methods share: the error decoding
// kept fails the input alone; otherwise the problems check finds come
// first, then those of the row limits and the wait options.
func validateInput(decodeErr error, limits RowLimits, opts WaitOptions, check func(problems *[]string)) (wait, error) {
	if decodeErr != nil {
		return wait{}, invalidInput([]string{decodeErr.Error()})
	}
	var problems []string
	check(&problems)
	limits.check(&problems)
	w := opts.parse(&problems)
	return w, invalidInput(problems)
}

// checkSyncRef checks that exactly one of syncId and syncSlug names the sync.
func checkSyncRef(id client.ID, slug string, problems *[]string) {
	switch {
	case id == 0 && slug == "":
		*problems = append(*problems, `field "syncId": give syncId (a number or string of digits) or syncSlug`)
	case id != 0 && slug != "":
		*problems = append(*problems, `field "syncSlug": give syncId or syncSlug, not both`)
	case slug != "" && strings.TrimSpace(slug) != slug:
		*problems = append(*problems, `field "syncSlug": must not start or end with spaces`)
	case len(slug) > maxIDLength:
		*problems = append(*problems, fmt.Sprintf(`field "syncSlug": expected at most %d characters, got %d`, maxIDLength, len(slug)))
	}
}

// checkName checks an id that goes into a URL path (run and sequence ids).
func checkName(field, what, v string, required bool, problems *[]string) {
	switch {
	case v == "" && required:
		*problems = append(*problems, fmt.Sprintf("field %q: required: the id of %s", field, what))
	case len(v) > maxIDLength:
		*problems = append(*problems, fmt.Sprintf("field %q: expected at most %d characters, got %d", field, maxIDLength, len(v)))
	case v != "" && (strings.TrimSpace(v) == "" || strings.ContainsAny(v, "/?# ")):
		*problems = append(*problems, fmt.Sprintf("field %q: expected the id of %s, got %q", field, what, v))
	}
}

// RowLimits fail a run that ends success or warning but rejected more rows
// than allowed, with SyncRunRowsRejected. For a sequence they apply to each
// member run.
type RowLimits struct {
	// MaxFailedRows is the most rows a run may reject.
	MaxFailedRows *int64 `json:"maxFailedRows,omitempty"`
	// MaxFailedRowsPercent is the most rows a run may reject, as a
	// percentage (0-100) of the rows it planned.
	MaxFailedRowsPercent *float64 `json:"maxFailedRowsPercent,omitempty"`
}

// check appends what is wrong with the limits to problems.
func (l RowLimits) check(problems *[]string) {
	if l.MaxFailedRows != nil && *l.MaxFailedRows < 0 {
		*problems = append(*problems, fmt.Sprintf(`field "maxFailedRows": expected a number of rows, 0 or more, got %d`, *l.MaxFailedRows))
	}
	if p := l.MaxFailedRowsPercent; p != nil && (*p < 0 || *p > 100 || *p != *p) {
		*problems = append(*problems, fmt.Sprintf(`field "maxFailedRowsPercent": expected a percentage from 0 to 100, got %v`, *p))
	}
}

// exceededBy says how a run's rejected rows exceed the limits, or "" when
// they do not. A run may reject exactly the limit; the percentage is of the
// rows the run planned.
func (l RowLimits) exceededBy(s contract.SyncRunSnapshot) string {
	failed := s.FailedRows.Total()
	if l.MaxFailedRows != nil && failed > *l.MaxFailedRows {
		return fmt.Sprintf("rejected %d rows, more than maxFailedRows %d", failed, *l.MaxFailedRows)
	}
	if l.MaxFailedRowsPercent != nil && failed > 0 {
		planned := s.PlannedRows.Total()
		pct := 100.0
		if planned > 0 {
			pct = 100 * float64(failed) / float64(planned)
		}
		if pct > *l.MaxFailedRowsPercent {
			return fmt.Sprintf("rejected %d of %d planned rows (%.2f%%), more than maxFailedRowsPercent %v", failed, planned, pct, *l.MaxFailedRowsPercent)
		}
	}
	return ""
}

// WaitForSyncRunInput is the input of HightouchWaitForSyncRun: a sync (syncId
// or syncSlug) and either the run (runId) or createdAfter, meaning the first
// run of the sync created at or after that time (default: when the workflow
// started).
type WaitForSyncRunInput struct {
	SyncID   client.ID    `json:"syncId,omitempty"`
	SyncSlug string       `json:"syncSlug,omitempty"`
	RunID    client.RunID `json:"runId,omitempty"`
	// CreatedAfter is an RFC 3339 time such as "2026-11-30T02:00:00Z".
	CreatedAfter  *time.Time `json:"createdAfter,omitempty"`
	FailOnWarning bool       `json:"failOnWarning,omitempty"`
	// FollowResumedRun waits, when the run ends interrupted, for the run
	// Hightouch resumes it in, and reports that run's outcome.
	FollowResumedRun bool `json:"followResumedRun,omitempty"`
	RowLimits
	WaitOptions
	jsoninput.Strict
}

func (in WaitForSyncRunInput) validate() (wait, error) {
	return validateInput(in.DecodeError(), in.RowLimits, in.WaitOptions, func(problems *[]string) {
		checkSyncRef(in.SyncID, in.SyncSlug, problems)
		checkName("runId", "a sync run", string(in.RunID), false, problems)
		if in.RunID != "" && in.CreatedAfter != nil {
			*problems = append(*problems, `field "createdAfter": give runId or createdAfter, not both`)
		}
		if in.CreatedAfter != nil && in.CreatedAfter.IsZero() {
			*problems = append(*problems, `field "createdAfter": expected an RFC 3339 time such as "2026-11-30T02:00:00Z"`)
		}
	})
}

// WaitForSequenceRunInput is the input of HightouchWaitForSequenceRun.
type WaitForSequenceRunInput struct {
	SequenceRunID string `json:"sequenceRunId"`
	// SequenceID, optional, names the run's sequence in search attributes
	// and links (the API does not say which sequence a run belongs to).
	SequenceID    string `json:"sequenceId,omitempty"`
	FailOnWarning bool   `json:"failOnWarning,omitempty"`
	RowLimits
	WaitOptions
	jsoninput.Strict
}

func (in WaitForSequenceRunInput) validate() (wait, error) {
	return validateInput(in.DecodeError(), in.RowLimits, in.WaitOptions, func(problems *[]string) {
		checkName("sequenceRunId", "a sequence run", in.SequenceRunID, true, problems)
		checkName("sequenceId", "a sync sequence", in.SequenceID, false, problems)
	})
}

// SequenceInput is the input of HightouchSyncSequence.
type SequenceInput struct {
	// SequenceID is the id of the sync sequence.
	SequenceID string `json:"sequenceId"`
	// FailOnWarning fails the workflow when a member run ends with warnings.
	FailOnWarning bool `json:"failOnWarning,omitempty"`
	// IfRunning is as for HightouchSync, for a sequence run in progress.
	// The API lists no sequence runs, so the writer knows only the runs it
	// handed out, and those Hightouch answers a trigger with (a sequence's
	// run in progress, where the workspace does not queue sequence runs).
	IfRunning string `json:"ifRunning,omitempty"`
	RowLimits
	WaitOptions
	jsoninput.Strict
}

func (in SequenceInput) validate() (wait, error) {
	return validateInput(in.DecodeError(), in.RowLimits, in.WaitOptions, func(problems *[]string) {
		checkName("sequenceId", "a sync sequence", in.SequenceID, true, problems)
		checkIfRunning(in.IfRunning, problems)
	})
}

// checkIfRunning checks an ifRunning value.
func checkIfRunning(v string, problems *[]string) {
	if v != "" && !slices.Contains(activities.IfRunningModes, v) {
		*problems = append(*problems, fmt.Sprintf(`field "ifRunning": expected one of %s, got %q`, strings.Join(activities.IfRunningModes, ", "), v))
	}
}

// invalidInput is the non-retryable InvalidInput failure for problems, or
// nil when there are none.
func invalidInput(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return temporal.NewNonRetryableApplicationError("invalid input: "+strings.Join(problems, "; "), errortypes.InvalidInput, nil)
}
