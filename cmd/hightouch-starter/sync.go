package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// syncOptions are the flags of `starter sync`.
type syncOptions struct {
	sync   syncFlags
	limits rowLimitFlags
	wait   waitFlags
	run    runFlags
}

func (o *syncOptions) bind(fs *pflag.FlagSet) {
	o.sync.bind(fs)
	o.limits.bind(fs, "the run")
	o.wait.bind(fs)
	o.run.bind(fs, "hightouch-sync-<id or slug>")
}

// syncCommand is the checked sync command.
type syncCommand struct {
	input workflows.SyncInput
	run   runOptions
}

// parse checks the flags fs holds and resolves the defaults.
func (o *syncOptions) parse(a *app, fs *pflag.FlagSet) (*syncCommand, error) {
	w, err := o.wait.options()
	if err != nil {
		return nil, err
	}
	in, err := o.sync.input(fs, w)
	if err != nil {
		return nil, err
	}
	if in.RowLimits, err = o.limits.limits(fs); err != nil {
		return nil, err
	}
	r, err := o.run.resolve(a, fs, "hightouch-sync-"+syncName(in))
	if err != nil {
		return nil, err
	}
	return &syncCommand{input: in, run: r}, nil
}

func (a *app) syncCommand() *cobra.Command {
	var o syncOptions
	return leaf(&cobra.Command{
		Use:   "sync (--sync-id ID | --sync-slug SLUG) [flags]",
		Short: "start HightouchSync: trigger one sync and wait for its run",
		Long: `Starts the HightouchSync workflow, which triggers one run of a Hightouch sync
and waits until it ends, then prints the run's result. Exits 0 when the run
succeeded, 1 when it failed (the failure type, e.g. SyncRunFailed, and message
go to stderr), 2 on a usage or connection error.`,
		Example: `  starter sync --sync-id 42
  starter sync --sync-slug users-to-salesforce --timeout 6h --fail-on-warning
  starter sync --sync-id 42 --full-resync --detach
  starter sync --sync-id 42 --max-failed-rows-percent 1 --follow-resumed-run
  starter sync --sync-id 42 --json --progress line 2>progress.log`,
	}, o.bind, func(c *cobra.Command) error {
		cmd, err := o.parse(a, c.Flags())
		if err != nil {
			return usageError(c, err)
		}
		spec := startSpec{workflowType: workflows.SyncWorkflow, kind: kindSync, input: cmd.input, summary: syncSummary(cmd.input)}
		return a.start(c.Context(), "sync", spec, cmd.run)
	})
}

// syncSummary is the workflow's summary in the Temporal UI.
func syncSummary(in workflows.SyncInput) string {
	what := "Hightouch sync " + syncName(in)
	var opts []string
	for _, o := range []struct {
		on   bool
		name string
	}{{in.FullResync, "full resync"}, {in.ResetCDC, "reset CDC"}, {in.ClearAndFill, "clear and fill"}, {in.FailOnWarning, "fail on warning"},
		{in.RowLimits != (workflows.RowLimits{}), "row limits"}, {in.FollowResumedRun, "follow resumed run"}} {
		if o.on {
			opts = append(opts, o.name)
		}
	}
	if len(opts) > 0 {
		what += fmt.Sprintf(" (%s)", strings.Join(opts, ", "))
	}
	return what
}
