package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

const scheduleCreateUsage = `
Usage: starter schedule create --schedule-id ID (--cron EXPR | --every DURATION) [flags] TARGET

Creates a Temporal Schedule that starts HightouchSync (target: --sync-id or
--sync-slug, with the sync flags of 'starter sync') or HightouchSyncSequence
(target: --sequence-id). Each start's workflow id is the schedule id followed
by the scheduled time, which Temporal appends.

Examples:
  starter schedule create --schedule-id hourly-users --cron "0 * * * *" --sync-slug users-to-salesforce
  starter schedule create --schedule-id nightly --cron "CRON_TZ=Europe/Paris 0 3 * * *" --sync-id 42 --timeout 6h
  starter schedule create --schedule-id every-15m --every 15m --sync-id 42 --overlap buffer-one
  starter schedule create --schedule-id daily-seq --every 1d --sequence-id 3f9c2a --paused --note "enable after launch"
`

// minCatchupWindow is the shortest catch-up window Temporal accepts.
const minCatchupWindow = 10 * time.Second

// scheduleCreate is the parsed schedule create command.
type scheduleCreate struct {
	options client.ScheduleOptions
	// target describes what the schedule starts, for the confirmation.
	target string
}

// parseScheduleCreateFlags parses and checks the flags of schedule create.
func (a *app) parseScheduleCreateFlags(args []string) (*scheduleCreate, error) {
	f := newFlags("schedule create", scheduleCreateUsage)
	var (
		id, cron, note, tq string
		every, catchup     durationFlag
		paused             bool
		overlap            = choiceFlag{choices: overlapNames()}
		syncF              syncFlags
		seqF               sequenceFlags
		waitF              waitFlags
	)
	check := scheduleIDFlag(f, &id)
	f.StringVar(&cron, "cron", "", "when to start, as a cron `expression` (\"minute hour day-of-month month day-of-week\"),\ne.g. \"0 * * * *\" hourly; prefix CRON_TZ=<zone> for a time zone (default UTC)")
	f.Var(&every, "every", "start at a fixed `interval` instead, e.g. 15m, 1h or 1d")
	f.Var(&overlap, "overlap", "what to do when a start is due while the previous workflow still runs\n(default skip):"+overlapHelp())
	overlap.value = "skip"
	f.Var(&catchup, "catchup-window", "how late a missed start (e.g. server down) may still happen, at least 10s,\ne.g. 10m (default 1 year, Temporal's)")
	f.BoolVar(&paused, "paused", false, "create the schedule paused")
	f.StringVar(&note, "note", "", "a `note` on the schedule's state, e.g. why it is paused")
	f.StringVar(&tq, "task-queue", "", "the task `queue` the worker polls (default $HIGHTOUCH_TASK_QUEUE or \""+workflows.TaskQueue+"\")")
	syncF.bind(f)
	seqF.bind(f, false) // --fail-on-warning comes with the sync flags
	waitF.bind(f)
	if err := f.parse(args, a.stdout); err != nil {
		return nil, err
	}
	if err := check(); err != nil {
		return nil, err
	}
	spec, err := scheduleSpec(f, cron, every)
	if err != nil {
		return nil, err
	}
	if catchup.set() && catchup.d < minCatchupWindow {
		return nil, f.usageErrorf("--catchup-window: expected at least %s, got %q", minCatchupWindow, catchup.text)
	}
	wait, err := waitF.options(f)
	if err != nil {
		return nil, err
	}
	queue, err := taskQueue(a, f, tq)
	if err != nil {
		return nil, err
	}
	action := &client.ScheduleWorkflowAction{ID: id, TaskQueue: queue}
	var target string
	if f.isSet("sequence-id") {
		for _, name := range syncOnlyFlags {
			if f.isSet(name) {
				return nil, f.usageErrorf("--%s is for syncs; give --sequence-id or the sync flags, not both", name)
			}
		}
		seqF.failOnWarning = syncF.failOnWarning
		in, err := seqF.input(f, wait)
		if err != nil {
			return nil, err
		}
		action.Workflow, action.Args = workflows.SequenceWorkflow, []any{in}
		action.StaticSummary = "Hightouch sync sequence " + in.SequenceID
		target = fmt.Sprintf("%s (sequence %s)", workflows.SequenceWorkflow, in.SequenceID)
	} else {
		if !f.isSet("sync-id") && !f.isSet("sync-slug") {
			return nil, f.usageErrorf("give what to start: --sync-id or --sync-slug for a sync, or --sequence-id for a sequence")
		}
		in, err := syncF.input(f, wait)
		if err != nil {
			return nil, err
		}
		action.Workflow, action.Args = workflows.SyncWorkflow, []any{in}
		action.StaticSummary = syncSummary(in)
		target = fmt.Sprintf("%s (sync %s)", workflows.SyncWorkflow, syncName(in))
	}
	policy, _ := overlapPolicy(overlap.value)
	return &scheduleCreate{
		options: client.ScheduleOptions{
			ID: id, Spec: spec, Action: action, Overlap: policy, CatchupWindow: catchup.d, Paused: paused, Note: note,
		},
		target: target,
	}, nil
}

// scheduleSpec checks --cron and --every and returns the spec.
func scheduleSpec(f *flags, cron string, every durationFlag) (client.ScheduleSpec, error) {
	cronSet := f.isSet("cron")
	switch {
	case cronSet && every.set():
		return client.ScheduleSpec{}, f.usageErrorf("give --cron or --every, not both")
	case !cronSet && !every.set():
		return client.ScheduleSpec{}, f.usageErrorf("give when to start: --cron \"0 * * * *\" or --every 1h")
	case every.set():
		if every.d < time.Second {
			return client.ScheduleSpec{}, f.usageErrorf("--every: expected at least 1s, got %q", every.text)
		}
		return client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every.d}}}, nil
	}
	cron = strings.TrimSpace(cron)
	if err := checkCron(cron); err != nil {
		return client.ScheduleSpec{}, f.usageErrorf("--cron: %v", err)
	}
	return client.ScheduleSpec{CronExpressions: []string{cron}}, nil
}

// checkCron catches the common mistakes in a cron expression; the server
// checks the rest.
func checkCron(cron string) error {
	if cron == "" {
		return errors.New(`expected a cron expression such as "0 * * * *", got an empty string`)
	}
	fields := strings.Fields(cron)
	if strings.HasPrefix(fields[0], "CRON_TZ=") || strings.HasPrefix(fields[0], "TZ=") {
		fields = fields[1:]
	}
	if len(fields) == 1 && strings.HasPrefix(fields[0], "@") {
		return nil // @hourly, @daily, ...
	}
	if len(fields) < 5 || len(fields) > 7 {
		return fmt.Errorf(`expected 5 fields ("minute hour day-of-month month day-of-week"), got %d in %q`, len(fields), cron)
	}
	return nil
}

func (a *app) parseScheduleCreate(args []string) (scheduleExec, error) {
	c, err := a.parseScheduleCreateFlags(args)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, sc client.ScheduleClient) error {
		return a.createSchedule(ctx, sc, c)
	}, nil
}

func (a *app) createSchedule(ctx context.Context, sc client.ScheduleClient, c *scheduleCreate) error {
	o := c.options
	if _, err := sc.Create(ctx, o); err != nil {
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return failuref("starter schedule create: a schedule with id %s already exists; delete it first ('starter schedule delete --schedule-id %s') or choose another --schedule-id", o.ID, o.ID)
		}
		return scheduleError("create", o.ID, err)
	}
	state := ""
	if o.Paused {
		state = ", paused"
	}
	fmt.Fprintf(a.stdout, "Created schedule %s: %s starts %s on task queue %s, overlap %s%s\n",
		o.ID, specText(&o.Spec), c.target, o.Action.(*client.ScheduleWorkflowAction).TaskQueue, overlapName(o.Overlap), state)
	return nil
}
