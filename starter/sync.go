package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

const syncUsage = `
Usage: starter sync (--sync-id ID | --sync-slug SLUG) [flags]

Starts the HightouchSync workflow, which triggers one run of a Hightouch sync
and waits until it ends, then prints the run's result. Exits 0 when the run
succeeded, 1 when it failed (the failure type, e.g. SyncRunFailed, and message
go to stderr), 2 on a usage or connection error.

Examples:
  starter sync --sync-id 42
  starter sync --sync-slug users-to-salesforce --timeout 6h --fail-on-warning
  starter sync --sync-id 42 --full-resync --detach
  starter sync --sync-id 42 --json --progress line 2>progress.log
`

// syncCommand is the parsed sync command.
type syncCommand struct {
	input workflows.SyncInput
	run   runOptions
}

// parseSync parses and checks the sync command's flags.
func (a *app) parseSync(args []string) (*syncCommand, error) {
	f := newFlags("sync", syncUsage)
	var (
		sf syncFlags
		wf waitFlags
		rf runFlags
	)
	sf.bind(f)
	wf.bind(f)
	rf.bind(f, "hightouch-sync-<id or slug>")
	if err := f.parse(args, a.stdout); err != nil {
		return nil, err
	}
	w, err := wf.options(f)
	if err != nil {
		return nil, err
	}
	in, err := sf.input(f, w)
	if err != nil {
		return nil, err
	}
	o, err := rf.resolve(a, f, "hightouch-sync-"+syncName(in))
	if err != nil {
		return nil, err
	}
	return &syncCommand{input: in, run: o}, nil
}

func (a *app) runSync(ctx context.Context, args []string) error {
	cmd, err := a.parseSync(args)
	if err != nil {
		return err
	}
	spec := startSpec{workflowType: workflows.SyncWorkflow, kind: kindSync, input: cmd.input, summary: syncSummary(cmd.input)}
	return a.start(ctx, "sync", spec, cmd.run)
}

// syncSummary is the workflow's summary in the Temporal UI.
func syncSummary(in workflows.SyncInput) string {
	what := "Hightouch sync " + syncName(in)
	var opts []string
	for _, o := range []struct {
		on   bool
		name string
	}{{in.FullResync, "full resync"}, {in.ResetCDC, "reset CDC"}, {in.ClearAndFill, "clear and fill"}, {in.FailOnWarning, "fail on warning"}} {
		if o.on {
			opts = append(opts, o.name)
		}
	}
	if len(opts) > 0 {
		what += fmt.Sprintf(" (%s)", strings.Join(opts, ", "))
	}
	return what
}
