package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// waitSyncOptions are the flags of `starter wait-sync`.
type waitSyncOptions struct {
	syncID, syncSlug, runID, createdAfter string
	failOnWarning, followResumedRun       bool
	limits                                rowLimitFlags
	wait                                  waitFlags
	run                                   runFlags
}

func (o *waitSyncOptions) bind(fs *pflag.FlagSet) {
	fs.StringVar(&o.syncID, "sync-id", "", "the `id` of the sync (give this or --sync-slug)")
	fs.StringVar(&o.syncSlug, "sync-slug", "", "the `slug` of the sync (give this or --sync-id)")
	fs.StringVar(&o.runID, "run-id", "", "the `id` of the run to wait for")
	fs.StringVar(&o.createdAfter, "created-after", "", "instead of --run-id: wait for the first run created at or after this `time`\n(RFC 3339, e.g. 2026-11-30T02:00:00Z; default when the workflow starts)")
	fs.BoolVar(&o.failOnWarning, "fail-on-warning", false, "fail when the run ends with warnings (rows rejected by the destination)")
	fs.BoolVar(&o.followResumedRun, "follow-resumed-run", false, followResumedHelp)
	o.limits.bind(fs, "the run")
	o.wait.bind(fs)
	o.run.bind(fs, "hightouch-wait-sync-<id or slug>[-<run id>]")
}

// parse checks the flags and builds the HightouchWaitForSyncRun input.
func (o *waitSyncOptions) parse(a *app, fs *pflag.FlagSet) (workflows.WaitForSyncRunInput, runOptions, error) {
	var in workflows.WaitForSyncRunInput
	var err error
	if in.WaitOptions, err = o.wait.options(); err != nil {
		return in, runOptions{}, err
	}
	if in.SyncID, in.SyncSlug, err = syncRef(fs, o.syncID, o.syncSlug); err != nil {
		return in, runOptions{}, err
	}
	if in.RowLimits, err = o.limits.limits(fs); err != nil {
		return in, runOptions{}, err
	}
	in.FailOnWarning, in.FollowResumedRun = o.failOnWarning, o.followResumedRun
	name := in.SyncSlug
	if name == "" {
		name = in.SyncID.String()
	}
	id := "hightouch-wait-sync-" + name
	switch runID := strings.TrimSpace(o.runID); {
	case fs.Changed("run-id") && fs.Changed("created-after"):
		return in, runOptions{}, errors.New("give --run-id or --created-after, not both")
	case fs.Changed("run-id") && (runID == "" || strings.ContainsAny(runID, "/?# ")):
		return in, runOptions{}, fmt.Errorf("--run-id: expected the id of a sync run, got %q", o.runID)
	case fs.Changed("run-id"):
		in.RunID = client.RunID(runID)
		id += "-" + runID
	case fs.Changed("created-after"):
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(o.createdAfter))
		if err != nil {
			return in, runOptions{}, fmt.Errorf("--created-after: expected an RFC 3339 time such as 2026-11-30T02:00:00Z, got %q", o.createdAfter)
		}
		in.CreatedAfter = &t
	}
	r, err := o.run.resolve(a, fs, id)
	return in, r, err
}

func (a *app) waitSyncCommand() *cobra.Command {
	var o waitSyncOptions
	return leaf(&cobra.Command{
		Use:   "wait-sync (--sync-id ID | --sync-slug SLUG) [--run-id ID | --created-after TIME] [flags]",
		Short: "start HightouchWaitForSyncRun: wait for a sync run started elsewhere",
		Long: `Starts the HightouchWaitForSyncRun workflow, which triggers nothing: it waits
for a run someone else started (Hightouch's own schedule, a dbt Cloud job, a
person in the app) and reports it as 'starter sync' does. Name the run with
--run-id, or wait for the first run of the sync created at or after
--created-after (default: when the workflow starts). Exits 0 when the run
succeeded, 1 when it failed or none appeared before --timeout (WaitTimeout),
2 on a usage or connection error.`,
		Example: `  starter wait-sync --sync-slug users-to-salesforce --timeout 3h
  starter wait-sync --sync-id 42 --run-id 1234567
  starter wait-sync --sync-id 42 --created-after 2026-11-30T02:00:00Z --max-failed-rows 100`,
	}, o.bind, func(c *cobra.Command) error {
		in, r, err := o.parse(a, c.Flags())
		if err != nil {
			return usageError(c, err)
		}
		name := in.SyncSlug
		if name == "" {
			name = in.SyncID.String()
		}
		summary := "Wait for a run of Hightouch sync " + name
		if in.RunID != "" {
			summary = fmt.Sprintf("Wait for run %s of Hightouch sync %s", in.RunID, name)
		}
		spec := startSpec{workflowType: workflows.WaitForSyncRunWorkflow, kind: kindSync, input: in, summary: summary}
		return a.start(c.Context(), "wait-sync", spec, r)
	})
}

// waitSequenceOptions are the flags of `starter wait-sequence`.
type waitSequenceOptions struct {
	runID, sequenceID string
	failOnWarning     bool
	limits            rowLimitFlags
	wait              waitFlags
	run               runFlags
}

func (o *waitSequenceOptions) bind(fs *pflag.FlagSet) {
	fs.StringVar(&o.runID, "sequence-run-id", "", "the `id` of the sequence run to wait for")
	fs.StringVar(&o.sequenceID, "sequence-id", "", "the `id` of its sequence, optional: for the run's link and search attribute")
	fs.BoolVar(&o.failOnWarning, "fail-on-warning", false, "fail when a member run ends with warnings")
	o.limits.bind(fs, "a member run")
	o.wait.bind(fs)
	o.run.bind(fs, "hightouch-wait-sequence-<sequence run id>")
}

func (o *waitSequenceOptions) parse(a *app, fs *pflag.FlagSet) (workflows.WaitForSequenceRunInput, runOptions, error) {
	in := workflows.WaitForSequenceRunInput{SequenceRunID: strings.TrimSpace(o.runID), SequenceID: strings.TrimSpace(o.sequenceID), FailOnWarning: o.failOnWarning}
	var err error
	switch {
	case in.SequenceRunID == "":
		return in, runOptions{}, errors.New("give --sequence-run-id, the id of a sequence run")
	case strings.ContainsAny(in.SequenceRunID, "/?# "):
		return in, runOptions{}, fmt.Errorf("--sequence-run-id: expected the id of a sequence run, got %q", o.runID)
	case strings.ContainsAny(in.SequenceID, "/?# "):
		return in, runOptions{}, fmt.Errorf("--sequence-id: expected a sequence id, got %q", o.sequenceID)
	}
	if in.WaitOptions, err = o.wait.options(); err != nil {
		return in, runOptions{}, err
	}
	if in.RowLimits, err = o.limits.limits(fs); err != nil {
		return in, runOptions{}, err
	}
	r, err := o.run.resolve(a, fs, "hightouch-wait-sequence-"+in.SequenceRunID)
	return in, r, err
}

func (a *app) waitSequenceCommand() *cobra.Command {
	var o waitSequenceOptions
	return leaf(&cobra.Command{
		Use:   "wait-sequence --sequence-run-id ID [--sequence-id ID] [flags]",
		Short: "start HightouchWaitForSequenceRun: wait for a sequence run started elsewhere",
		Long: `Starts the HightouchWaitForSequenceRun workflow, which triggers nothing: it
waits for a sequence run someone else started and reports it as 'starter
sequence' does. Exits 0 when the sequence run ended done, 1 when it failed, 2
on a usage or connection error.`,
		Example: `  starter wait-sequence --sequence-run-id 9d1c7e20-... --sequence-id 3f9c2a
  starter wait-sequence --sequence-run-id 9d1c7e20-... --max-failed-rows-percent 5 --json`,
	}, o.bind, func(c *cobra.Command) error {
		in, r, err := o.parse(a, c.Flags())
		if err != nil {
			return usageError(c, err)
		}
		summary := "Wait for Hightouch sequence run " + in.SequenceRunID
		spec := startSpec{workflowType: workflows.WaitForSequenceRunWorkflow, kind: kindSequence, input: in, summary: summary}
		return a.start(c.Context(), "wait-sequence", spec, r)
	})
}
