package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// temporalScheduleCommands are what the temporal CLI offers for schedules
// once they exist; the starter only creates them, with the right input.
var temporalScheduleCommands = []struct{ name, instead string }{
	{"list", "temporal schedule list"},
	{"describe", "temporal schedule describe --schedule-id ID"},
	{"trigger", "temporal schedule trigger --schedule-id ID"},
	{"pause", "temporal schedule toggle --schedule-id ID --pause --reason TEXT"},
	{"unpause", "temporal schedule toggle --schedule-id ID --unpause --reason TEXT"},
	{"delete", "temporal schedule delete --schedule-id ID"},
}

func (a *app) scheduleCommand() *cobra.Command {
	long := `Creates Temporal Schedules that start HightouchSync or HightouchSyncSequence
with the right input. The temporal CLI manages them from there:`
	for _, t := range temporalScheduleCommands {
		long += "\n  " + t.instead
	}
	c := &cobra.Command{
		Use:   "schedule <subcommand>",
		Short: "create a schedule that starts a sync or a sequence (the temporal CLI manages it)",
		Long:  long,
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				writeHelp(a.stderr, c)
				return &exitError{code: exitUsage}
			case args[0] == "help":
				target, _, err := c.Find(args[1:])
				if err != nil {
					target = c
				}
				return target.Help()
			}
			return usageErrorf("starter schedule: unknown subcommand %q; expected create (the temporal CLI manages schedules: temporal schedule --help)", args[0])
		},
	}
	c.Flags().BoolP("help", "h", false, "show this help")
	c.AddCommand(a.scheduleCreateCommand())
	for _, t := range temporalScheduleCommands {
		c.AddCommand(&cobra.Command{
			Use:                t.name,
			Hidden:             true,
			DisableFlagParsing: true,
			RunE: func(*cobra.Command, []string) error {
				return usageErrorf("starter schedule %s: the starter no longer does this; the temporal CLI does, with the same TEMPORAL_* settings: %s", t.name, t.instead)
			},
		})
	}
	return c
}

// minCatchupWindow is the shortest catch-up window Temporal accepts.
const minCatchupWindow = 10 * time.Second

// scheduleCreateOptions are the flags of `starter schedule create`.
type scheduleCreateOptions struct {
	id, cron, note, taskQueue string
	every, catchup            durationFlag
	paused                    bool
	overlap                   string
	sync                      syncFlags
	sequence                  sequenceFlags
	limits                    rowLimitFlags
	wait                      waitFlags
}

func (o *scheduleCreateOptions) bind(fs *pflag.FlagSet) {
	fs.StringVar(&o.id, "schedule-id", "", "the schedule's `id`, e.g. nightly-users")
	fs.StringVar(&o.cron, "cron", "", "when to start, as a cron `expression` (\"minute hour day-of-month month day-of-week\"),\ne.g. \"0 * * * *\" hourly; prefix CRON_TZ=<zone> for a time zone (default UTC)")
	fs.Var(&o.every, "every", "start at a fixed `interval` instead, e.g. 15m, 1h or 1d")
	fs.Var(choice(&o.overlap, "skip", overlapNames()...), "overlap", "what to do when a start is due while the previous workflow still runs:"+overlapHelp())
	fs.Var(&o.catchup, "catchup-window", "how late a missed start (e.g. server down) may still happen, at least 10s,\ne.g. 10m (default 1 year, Temporal's)")
	fs.BoolVar(&o.paused, "paused", false, "create the schedule paused")
	fs.StringVar(&o.note, "note", "", "a `note` on the schedule's state, e.g. why it is paused")
	bindTaskQueue(fs, &o.taskQueue)
	o.sync.bind(fs)
	o.sequence.bind(fs, false) // --fail-on-warning comes with the sync flags
	o.limits.bind(fs, "a run")
	o.wait.bind(fs)
}

// scheduleCreate is the checked schedule create command.
type scheduleCreate struct {
	options client.ScheduleOptions
	// target describes what the schedule starts, for the confirmation.
	target string
}

// parse checks the flags fs holds and builds the schedule's options.
func (o *scheduleCreateOptions) parse(a *app, fs *pflag.FlagSet) (*scheduleCreate, error) {
	id := strings.TrimSpace(o.id)
	if id == "" {
		return nil, errors.New("give --schedule-id")
	}
	spec, err := scheduleSpec(fs, o.cron, o.every)
	if err != nil {
		return nil, err
	}
	if o.catchup.set() && o.catchup.d < minCatchupWindow {
		return nil, fmt.Errorf("--catchup-window: expected at least %s, got %q", minCatchupWindow, o.catchup.text)
	}
	wait, err := o.wait.options()
	if err != nil {
		return nil, err
	}
	queue, err := taskQueue(a, fs, o.taskQueue)
	if err != nil {
		return nil, err
	}
	limits, err := o.limits.limits(fs)
	if err != nil {
		return nil, err
	}
	action := &client.ScheduleWorkflowAction{ID: id, TaskQueue: queue}
	var target string
	if fs.Changed("sequence-id") {
		for _, name := range syncOnlyFlags {
			if fs.Changed(name) {
				return nil, fmt.Errorf("--%s is for syncs; give --sequence-id or the sync flags, not both", name)
			}
		}
		o.sequence.failOnWarning = o.sync.failOnWarning
		in, err := o.sequence.input(wait)
		if err != nil {
			return nil, err
		}
		in.RowLimits = limits
		action.Workflow, action.Args = workflows.SequenceWorkflow, []any{in}
		action.StaticSummary = "Hightouch sync sequence " + in.SequenceID
		target = fmt.Sprintf("%s (sequence %s)", workflows.SequenceWorkflow, in.SequenceID)
	} else {
		if !fs.Changed("sync-id") && !fs.Changed("sync-slug") {
			return nil, errors.New("give what to start: --sync-id or --sync-slug for a sync, or --sequence-id for a sequence")
		}
		in, err := o.sync.input(fs, wait)
		if err != nil {
			return nil, err
		}
		in.RowLimits = limits
		action.Workflow, action.Args = workflows.SyncWorkflow, []any{in}
		action.StaticSummary = syncSummary(in)
		target = fmt.Sprintf("%s (sync %s)", workflows.SyncWorkflow, syncName(in))
	}
	policy, _ := overlapPolicy(o.overlap)
	return &scheduleCreate{
		options: client.ScheduleOptions{
			ID: id, Spec: spec, Action: action, Overlap: policy, CatchupWindow: o.catchup.d, Paused: o.paused, Note: o.note,
		},
		target: target,
	}, nil
}

func (a *app) scheduleCreateCommand() *cobra.Command {
	var o scheduleCreateOptions
	return leaf(&cobra.Command{
		Use:   "create --schedule-id ID (--cron EXPR | --every DURATION) [flags] TARGET",
		Short: "create a schedule that starts a sync or a sequence",
		Long: `Creates a Temporal Schedule that starts HightouchSync (target: --sync-id or
--sync-slug, with the sync flags of 'starter sync') or HightouchSyncSequence
(target: --sequence-id). Each start's workflow id is the schedule id followed
by the scheduled time, which Temporal appends.`,
		Example: `  starter schedule create --schedule-id hourly-users --cron "0 * * * *" --sync-slug users-to-salesforce
  starter schedule create --schedule-id nightly --cron "CRON_TZ=Europe/Paris 0 3 * * *" --sync-id 42 --timeout 6h
  starter schedule create --schedule-id every-15m --every 15m --sync-id 42 --overlap buffer-one
  starter schedule create --schedule-id daily-seq --every 1d --sequence-id 3f9c2a --paused --note "enable after launch"`,
	}, o.bind, func(c *cobra.Command) error {
		sc, err := o.parse(a, c.Flags())
		if err != nil {
			return usageError(c, err)
		}
		tc, err := a.dial(c.Context())
		if err != nil {
			return err
		}
		defer tc.Close()
		return a.createSchedule(c.Context(), tc.ScheduleClient(), sc)
	})
}

// scheduleSpec checks --cron and --every and returns the spec.
func scheduleSpec(fs *pflag.FlagSet, cron string, every durationFlag) (client.ScheduleSpec, error) {
	cronSet := fs.Changed("cron")
	switch {
	case cronSet && every.set():
		return client.ScheduleSpec{}, errors.New("give --cron or --every, not both")
	case !cronSet && !every.set():
		return client.ScheduleSpec{}, errors.New(`give when to start: --cron "0 * * * *" or --every 1h`)
	case every.set():
		if every.d < time.Second {
			return client.ScheduleSpec{}, fmt.Errorf("--every: expected at least 1s, got %q", every.text)
		}
		return client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every.d}}}, nil
	}
	cron = strings.TrimSpace(cron)
	if err := checkCron(cron); err != nil {
		return client.ScheduleSpec{}, fmt.Errorf("--cron: %v", err)
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

func (a *app) createSchedule(ctx context.Context, sc client.ScheduleClient, c *scheduleCreate) error {
	o := c.options
	if _, err := sc.Create(ctx, o); err != nil {
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return failuref("starter schedule create: a schedule with id %s already exists; delete it first ('temporal schedule delete --schedule-id %s') or choose another --schedule-id", o.ID, o.ID)
		}
		return scheduleError(o.ID, err)
	}
	state := ""
	if o.Paused {
		state = ", paused"
	}
	fmt.Fprintf(a.stdout, "Created schedule %s: %s starts %s on task queue %s, overlap %s%s\n",
		o.ID, specText(&o.Spec), c.target, o.Action.(*client.ScheduleWorkflowAction).TaskQueue, overlapName(o.Overlap), state)
	return nil
}

// scheduleError explains a failed create in one line.
func scheduleError(id string, err error) error {
	var invalid *serviceerror.InvalidArgument
	switch {
	case configProblem(err) != nil:
		return configProblem(err)
	case errors.As(err, &invalid):
		return usageErrorf("starter schedule create: the server rejected schedule %s: %s", id, oneLine(invalid.Message))
	}
	return failuref("starter schedule create: schedule %s: %s", id, oneLine(err.Error()))
}

// specText writes a schedule spec as it was given: cron expressions and
// intervals.
func specText(s *client.ScheduleSpec) string {
	var parts []string
	for _, c := range s.CronExpressions {
		parts = append(parts, fmt.Sprintf("cron %q", c))
	}
	for _, iv := range s.Intervals {
		parts = append(parts, "every "+fmtDuration(iv.Every))
	}
	return strings.Join(parts, "; ")
}
