package main

import (
	"context"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

const sequenceUsage = `
Usage: starter sequence --sequence-id ID [flags]

Starts the HightouchSyncSequence workflow, which triggers a run of a Hightouch
sync sequence and waits until it ends done, failed or cancelled, then prints
the status of every member run. Exits 0 when the sequence run ended done, 1
when it failed (the failure type, e.g. SequenceRunFailed, and message go to
stderr), 2 on a usage or connection error.

Examples:
  starter sequence --sequence-id 3f9c2a
  starter sequence --sequence-id 3f9c2a --timeout 12h --fail-on-warning
  starter sequence --sequence-id 3f9c2a --detach --json
`

// sequenceCommand is the parsed sequence command.
type sequenceCommand struct {
	input workflows.SequenceInput
	run   runOptions
}

// parseSequence parses and checks the sequence command's flags.
func (a *app) parseSequence(args []string) (*sequenceCommand, error) {
	f := newFlags("sequence", sequenceUsage)
	var (
		sf sequenceFlags
		wf waitFlags
		rf runFlags
	)
	sf.bind(f, true)
	wf.bind(f)
	rf.bind(f, "hightouch-sequence-<id>")
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
	o, err := rf.resolve(a, f, "hightouch-sequence-"+in.SequenceID)
	if err != nil {
		return nil, err
	}
	return &sequenceCommand{input: in, run: o}, nil
}

func (a *app) runSequence(ctx context.Context, args []string) error {
	cmd, err := a.parseSequence(args)
	if err != nil {
		return err
	}
	summary := "Hightouch sync sequence " + cmd.input.SequenceID
	if cmd.input.FailOnWarning {
		summary += " (fail on warning)"
	}
	spec := startSpec{workflowType: workflows.SequenceWorkflow, kind: kindSequence, input: cmd.input, summary: summary}
	return a.start(ctx, "sequence", spec, cmd.run)
}
