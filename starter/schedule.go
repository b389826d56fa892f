package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// scheduleSub is one subcommand of schedule. parse checks the flags before
// anything connects; exec runs against the schedule client.
type scheduleSub struct {
	name, summary string
	parse         func(a *app, args []string) (scheduleExec, error)
}

// scheduleExec runs a parsed schedule subcommand.
type scheduleExec func(ctx context.Context, sc client.ScheduleClient) error

func scheduleSubs() []scheduleSub {
	return []scheduleSub{
		{"create", "create a schedule that starts a sync or a sequence", (*app).parseScheduleCreate},
		{"list", "list the schedules of the namespace", (*app).parseScheduleList},
		{"describe", "show a schedule's spec, action, policies, state and recent runs", (*app).parseScheduleDescribe},
		{"trigger", "start the schedule's workflow now", (*app).parseScheduleTrigger},
		{"pause", "pause a schedule", (*app).parseSchedulePause},
		{"unpause", "unpause a schedule", (*app).parseScheduleUnpause},
		{"delete", "delete a schedule (its running workflows go on)", (*app).parseScheduleDelete},
	}
}

func writeScheduleUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: starter schedule <subcommand> [flags]

Manages Temporal Schedules that start HightouchSync or HightouchSyncSequence.

Subcommands:
`)
	for _, s := range scheduleSubs() {
		fmt.Fprintf(w, "  %-9s %s\n", s.name, s.summary)
	}
	fmt.Fprint(w, `
Run 'starter schedule <subcommand> --help' for its flags and examples.
`)
}

func (a *app) runSchedule(ctx context.Context, args []string) error {
	if len(args) == 0 {
		writeScheduleUsage(a.stderr)
		return &exitError{code: exitUsage}
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if name == "help" && len(args) > 1 {
			return a.runSchedule(ctx, []string{args[1], "--help"})
		}
		writeScheduleUsage(a.stdout)
		return nil
	}
	for _, s := range scheduleSubs() {
		if s.name != name {
			continue
		}
		exec, err := s.parse(a, args[1:])
		if err != nil {
			return err
		}
		c, err := a.dial(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		return exec(ctx, c.ScheduleClient())
	}
	return usageErrorf("starter schedule: unknown subcommand %q; expected one of %s", name, strings.Join(scheduleSubNames(), ", "))
}

func scheduleSubNames() []string {
	var names []string
	for _, s := range scheduleSubs() {
		names = append(names, s.name)
	}
	return names
}

// scheduleIDFlag binds --schedule-id and returns a check that it was given.
func scheduleIDFlag(f *flags, id *string) func() error {
	f.StringVar(id, "schedule-id", "", "the schedule's `id`, e.g. nightly-users")
	return func() error {
		*id = strings.TrimSpace(*id)
		if *id == "" {
			return f.usageErrorf("give --schedule-id")
		}
		return nil
	}
}

// scheduleError explains a failed schedule call in one line.
func scheduleError(sub, id string, err error) error {
	var notFound *serviceerror.NotFound
	var invalid *serviceerror.InvalidArgument
	switch {
	case configProblem(err) != nil:
		return configProblem(err)
	case errors.As(err, &notFound):
		return failuref("starter schedule %s: no schedule with id %s in this namespace; see 'starter schedule list'", sub, id)
	case errors.As(err, &invalid):
		return usageErrorf("starter schedule %s: the server rejected schedule %s: %s", sub, id, oneLine(invalid.Message))
	}
	return failuref("starter schedule %s: schedule %s: %s", sub, id, oneLine(err.Error()))
}

const scheduleTriggerUsage = `
Usage: starter schedule trigger --schedule-id ID [--overlap POLICY]

Starts the schedule's workflow now. The schedule's overlap policy applies
unless --overlap says otherwise (with the default, skip, nothing starts while
an earlier run is still going).

Example:
  starter schedule trigger --schedule-id nightly-users
`

func (a *app) parseScheduleTrigger(args []string) (scheduleExec, error) {
	f := newFlags("schedule trigger", scheduleTriggerUsage)
	var id string
	check := scheduleIDFlag(f, &id)
	overlap := choiceFlag{choices: overlapNames()}
	f.Var(&overlap, "overlap", "overlap `policy` for this start (default the schedule's):"+overlapHelp())
	if err := f.parse(args, a.stdout); err != nil {
		return nil, err
	}
	if err := check(); err != nil {
		return nil, err
	}
	return func(ctx context.Context, sc client.ScheduleClient) error {
		opts := client.ScheduleTriggerOptions{}
		if overlap.value != "" {
			opts.Overlap, _ = overlapPolicy(overlap.value)
		}
		if err := sc.GetHandle(ctx, id).Trigger(ctx, opts); err != nil {
			return scheduleError("trigger", id, err)
		}
		fmt.Fprintf(a.stdout, "Triggered schedule %s (its overlap policy may skip the start; see 'starter schedule describe --schedule-id %s')\n", id, id)
		return nil
	}, nil
}

const schedulePauseUsage = `
Usage: starter schedule pause --schedule-id ID [--note TEXT]

Pauses a schedule: it starts nothing until unpaused. Running workflows go on.

Example:
  starter schedule pause --schedule-id nightly-users --note "warehouse migration"
`

const scheduleUnpauseUsage = `
Usage: starter schedule unpause --schedule-id ID [--note TEXT]

Unpauses a schedule.

Example:
  starter schedule unpause --schedule-id nightly-users --note "migration done"
`

func (a *app) parseSchedulePause(args []string) (scheduleExec, error) {
	return a.parsePauseOrUnpause("pause", schedulePauseUsage, args)
}

func (a *app) parseScheduleUnpause(args []string) (scheduleExec, error) {
	return a.parsePauseOrUnpause("unpause", scheduleUnpauseUsage, args)
}

func (a *app) parsePauseOrUnpause(sub, usage string, args []string) (scheduleExec, error) {
	f := newFlags("schedule "+sub, usage)
	var id, note string
	check := scheduleIDFlag(f, &id)
	f.StringVar(&note, "note", "", "why, shown in the schedule's state (default a note saying the starter did it)")
	if err := f.parse(args, a.stdout); err != nil {
		return nil, err
	}
	if err := check(); err != nil {
		return nil, err
	}
	return func(ctx context.Context, sc client.ScheduleClient) error {
		h := sc.GetHandle(ctx, id)
		var err error
		if sub == "pause" {
			if note == "" {
				note = "Paused by the hightouch-temporal starter"
			}
			err = h.Pause(ctx, client.SchedulePauseOptions{Note: note})
		} else {
			if note == "" {
				note = "Unpaused by the hightouch-temporal starter"
			}
			err = h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: note})
		}
		if err != nil {
			return scheduleError(sub, id, err)
		}
		fmt.Fprintf(a.stdout, "%sd schedule %s\n", strings.ToUpper(sub[:1])+sub[1:], id)
		return nil
	}, nil
}

const scheduleDeleteUsage = `
Usage: starter schedule delete --schedule-id ID

Deletes a schedule. Workflows it started go on.

Example:
  starter schedule delete --schedule-id nightly-users
`

func (a *app) parseScheduleDelete(args []string) (scheduleExec, error) {
	f := newFlags("schedule delete", scheduleDeleteUsage)
	var id string
	check := scheduleIDFlag(f, &id)
	if err := f.parse(args, a.stdout); err != nil {
		return nil, err
	}
	if err := check(); err != nil {
		return nil, err
	}
	return func(ctx context.Context, sc client.ScheduleClient) error {
		if err := sc.GetHandle(ctx, id).Delete(ctx); err != nil {
			return scheduleError("delete", id, err)
		}
		fmt.Fprintf(a.stdout, "Deleted schedule %s\n", id)
		return nil
	}, nil
}
