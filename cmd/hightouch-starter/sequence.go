package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// sequenceOptions are the flags of `starter sequence`.
type sequenceOptions struct {
	sequence sequenceFlags
	limits   rowLimitFlags
	wait     waitFlags
	run      runFlags
}

func (o *sequenceOptions) bind(fs *pflag.FlagSet) {
	o.sequence.bind(fs, true)
	o.limits.bind(fs, "a member run")
	o.wait.bind(fs)
	o.run.bind(fs, "hightouch-sequence-<id>")
}

// sequenceCommand is the checked sequence command.
type sequenceCommand struct {
	input workflows.SequenceInput
	run   runOptions
}

// parse checks the flags fs holds and resolves the defaults.
func (o *sequenceOptions) parse(a *app, fs *pflag.FlagSet) (*sequenceCommand, error) {
	w, err := o.wait.options()
	if err != nil {
		return nil, err
	}
	in, err := o.sequence.input(w)
	if err != nil {
		return nil, err
	}
	if in.RowLimits, err = o.limits.limits(fs); err != nil {
		return nil, err
	}
	r, err := o.run.resolve(a, fs, "hightouch-sequence-"+in.SequenceID)
	if err != nil {
		return nil, err
	}
	return &sequenceCommand{input: in, run: r}, nil
}

func (a *app) sequenceCommand() *cobra.Command {
	var o sequenceOptions
	return leaf(&cobra.Command{
		Use:   "sequence --sequence-id ID [flags]",
		Short: "start HightouchSyncSequence: trigger a sync sequence and wait for its run",
		Long: `Starts the HightouchSyncSequence workflow, which triggers a run of a Hightouch
sync sequence and waits until it ends done, failed or cancelled, then prints
the status of every member run. Exits 0 when the sequence run ended done, 1
when it failed (the failure type, e.g. SequenceRunFailed, and message go to
stderr), 2 on a usage or connection error.`,
		Example: `  starter sequence --sequence-id 3f9c2a
  starter sequence --sequence-id 3f9c2a --timeout 12h --fail-on-warning
  starter sequence --sequence-id 3f9c2a --detach --json`,
	}, o.bind, func(c *cobra.Command) error {
		cmd, err := o.parse(a, c.Flags())
		if err != nil {
			return usageError(c, err)
		}
		summary := "Hightouch sync sequence " + cmd.input.SequenceID
		if cmd.input.FailOnWarning {
			summary += " (fail on warning)"
		}
		spec := startSpec{workflowType: workflows.SequenceWorkflow, kind: kindSequence, input: cmd.input, summary: summary}
		return a.start(c.Context(), "sequence", spec, cmd.run)
	})
}
