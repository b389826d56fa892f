package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Bounds of the wait options, as the workflows check them. Checking here
// too gives a message naming the flag before anything starts.
const (
	minTimeout = time.Second
	maxTimeout = 365 * 24 * time.Hour
	minPoll    = time.Second
	maxPoll    = time.Hour
)

// waitFlags are the deadline and poll bounds both workflows take.
type waitFlags struct {
	timeout, minPoll, maxPoll durationFlag
}

func (w *waitFlags) bind(fs *pflag.FlagSet) {
	fs.Var(&w.timeout, "timeout", "how long to wait for the run to end, e.g. 30m, 6h or 2d;\nthe run goes on at Hightouch after it (default 24h)")
	fs.Var(&w.minPoll, "min-poll-interval", "poll interval while the run is young, at least 1s (default 2s)")
	fs.Var(&w.maxPoll, "max-poll-interval", "cap of the poll interval, which grows with the run's age, at most 1h (default 30s)")
}

// options checks the bounds and returns the workflow's wait options.
func (w *waitFlags) options() (workflows.WaitOptions, error) {
	check := func(name string, v durationFlag, lo, hi time.Duration) error {
		if v.set() && (v.d < lo || v.d > hi) {
			return fmt.Errorf("--%s: expected a duration from %s to %s, got %q", name, fmtDuration(lo), fmtDuration(hi), v.text)
		}
		return nil
	}
	if err := check("timeout", w.timeout, minTimeout, maxTimeout); err != nil {
		return workflows.WaitOptions{}, err
	}
	if err := check("min-poll-interval", w.minPoll, minPoll, maxPoll); err != nil {
		return workflows.WaitOptions{}, err
	}
	if err := check("max-poll-interval", w.maxPoll, minPoll, maxPoll); err != nil {
		return workflows.WaitOptions{}, err
	}
	p := activities.PollPolicy{MinInterval: contract.Duration(w.minPoll.d), MaxInterval: contract.Duration(w.maxPoll.d)}.WithDefaults()
	if p.MaxInterval < p.MinInterval {
		return workflows.WaitOptions{}, fmt.Errorf("--max-poll-interval (%s) must not be shorter than --min-poll-interval (%s)", p.MaxInterval, p.MinInterval)
	}
	return workflows.WaitOptions{Timeout: w.timeout.text, MinPollInterval: w.minPoll.text, MaxPollInterval: w.maxPoll.text}, nil
}

// syncFlags select a sync and how to run it.
type syncFlags struct {
	syncID, syncSlug                                  string
	fullResync, resetCDC, clearAndFill, failOnWarning bool
	followResumedRun                                  bool
	ifRunning                                         string
}

// followResumedHelp explains --follow-resumed-run.
const followResumedHelp = "when the run ends interrupted, wait for the run Hightouch resumes it in and\nreport that run's outcome"

// ifRunningHelp explains --if-running.
const ifRunningHelp = "what to do when a run is already in progress: queue (trigger; Hightouch queues the\nrun behind it), skip (do not trigger; report that run), attach (do not trigger; wait on\nthat run) or fail (fail with SyncAlreadyRunning)"

func (s *syncFlags) bind(fs *pflag.FlagSet) {
	fs.StringVar(&s.syncID, "sync-id", "", "the `id` of the sync to run (give this or --sync-slug)")
	fs.StringVar(&s.syncSlug, "sync-slug", "", "the `slug` of the sync to run (give this or --sync-id)")
	fs.BoolVar(&s.fullResync, "full-resync", false, "resync all rows, ignoring what was synced before")
	fs.BoolVar(&s.resetCDC, "reset-cdc", false, "mark all rows as synced without writing to the destination")
	fs.BoolVar(&s.clearAndFill, "clear-and-fill", false, "clear the destination audience, then send the whole query")
	fs.BoolVar(&s.failOnWarning, "fail-on-warning", false, "fail when the run ends with warnings (rows rejected by the destination)")
	fs.Var(choice(&s.ifRunning, activities.IfRunningQueue, activities.IfRunningModes...), "if-running", ifRunningHelp)
	fs.BoolVar(&s.followResumedRun, "follow-resumed-run", false, followResumedHelp)
}

// syncOnlyFlags are the flags that make sense for a sync and not a sequence.
var syncOnlyFlags = []string{"sync-id", "sync-slug", "full-resync", "reset-cdc", "clear-and-fill", "follow-resumed-run"}

// input checks the flags and returns the HightouchSync input.
func (s *syncFlags) input(fs *pflag.FlagSet, w workflows.WaitOptions) (workflows.SyncInput, error) {
	in := workflows.SyncInput{
		FullResync: s.fullResync, ResetCDC: s.resetCDC, ClearAndFill: s.clearAndFill,
		FailOnWarning: s.failOnWarning, FollowResumedRun: s.followResumedRun, WaitOptions: w,
	}
	if s.ifRunning != activities.IfRunningQueue {
		in.IfRunning = s.ifRunning
	}
	var err error
	in.SyncID, in.SyncSlug, err = syncRef(fs, s.syncID, s.syncSlug)
	return in, err
}

// syncRef checks --sync-id and --sync-slug: exactly one names the sync.
func syncRef(fs *pflag.FlagSet, idText, slugText string) (client.ID, string, error) {
	slug := strings.TrimSpace(slugText)
	idSet, slugSet := fs.Changed("sync-id"), fs.Changed("sync-slug")
	switch {
	case !idSet && !slugSet:
		return 0, "", errors.New("give --sync-id or --sync-slug")
	case idSet && slugSet:
		return 0, "", errors.New("give --sync-id or --sync-slug, not both")
	case slugSet && slug == "":
		return 0, "", fmt.Errorf("--sync-slug: expected a sync slug, got an empty string")
	case slugSet && strings.ContainsAny(slug, "/?# "):
		return 0, "", fmt.Errorf("--sync-slug: expected a sync slug such as users-to-salesforce, got %q", slugText)
	case idSet:
		id, err := client.ParseID(idText)
		if err != nil || id == 0 {
			return 0, "", fmt.Errorf("--sync-id: expected a positive number, got %q", idText)
		}
		return id, "", nil
	}
	return 0, slug, nil
}

// rowLimitFlags are --max-failed-rows and --max-failed-rows-percent.
type rowLimitFlags struct {
	maxRows    int64
	maxPercent float64
}

func (r *rowLimitFlags) bind(fs *pflag.FlagSet, what string) {
	fs.Int64Var(&r.maxRows, "max-failed-rows", 0, "fail with SyncRunRowsRejected when "+what+" rejects more rows than this `count`")
	fs.Float64Var(&r.maxPercent, "max-failed-rows-percent", 0, "fail with SyncRunRowsRejected when "+what+" rejects more than this `percent`\n(0-100) of the rows it planned")
}

// limits checks the flags that were given and returns them.
func (r *rowLimitFlags) limits(fs *pflag.FlagSet) (workflows.RowLimits, error) {
	var l workflows.RowLimits
	if fs.Changed("max-failed-rows") {
		if r.maxRows < 0 {
			return l, fmt.Errorf("--max-failed-rows: expected a number of rows, 0 or more, got %d", r.maxRows)
		}
		l.MaxFailedRows = &r.maxRows
	}
	if fs.Changed("max-failed-rows-percent") {
		if !(r.maxPercent >= 0 && r.maxPercent <= 100) {
			return l, fmt.Errorf("--max-failed-rows-percent: expected a percentage from 0 to 100, got %v", r.maxPercent)
		}
		l.MaxFailedRowsPercent = &r.maxPercent
	}
	return l, nil
}

// syncName is the sync's id or slug, for workflow ids and messages.
func syncName(in workflows.SyncInput) string {
	if in.SyncSlug != "" {
		return in.SyncSlug
	}
	return in.SyncID.String()
}

// sequenceFlags select a sync sequence.
type sequenceFlags struct {
	sequenceID    string
	failOnWarning bool
	ifRunning     string
}

func (s *sequenceFlags) bind(fs *pflag.FlagSet, withFailOnWarning bool) {
	fs.StringVar(&s.sequenceID, "sequence-id", "", "the `id` of the sync sequence to run")
	if withFailOnWarning {
		fs.BoolVar(&s.failOnWarning, "fail-on-warning", false, "fail when a member run ends with warnings")
		fs.Var(choice(&s.ifRunning, activities.IfRunningQueue, activities.IfRunningModes...), "if-running", ifRunningHelp)
	}
}

// input checks the flags and returns the HightouchSyncSequence input.
func (s *sequenceFlags) input(w workflows.WaitOptions) (workflows.SequenceInput, error) {
	in := workflows.SequenceInput{SequenceID: strings.TrimSpace(s.sequenceID), FailOnWarning: s.failOnWarning, WaitOptions: w}
	if s.ifRunning != "" && s.ifRunning != activities.IfRunningQueue {
		in.IfRunning = s.ifRunning
	}
	switch {
	case in.SequenceID == "":
		return in, errors.New("give --sequence-id, the id of a sync sequence")
	case strings.ContainsAny(in.SequenceID, "/?# "):
		return in, fmt.Errorf("--sequence-id: expected a sequence id, got %q", s.sequenceID)
	}
	return in, nil
}

// fmtDuration writes a duration the way people type it: 1s, 90m, 6h, 365d.
func fmtDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
