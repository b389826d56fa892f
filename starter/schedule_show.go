package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

const scheduleListUsage = `
Usage: starter schedule list [--json]

Lists the schedules of the namespace with their workflow type, spec, state and
next start. (Temporal's list is eventually consistent: a schedule created a
moment ago may be missing.)

Examples:
  starter schedule list
  starter schedule list --json
`

const scheduleDescribeUsage = `
Usage: starter schedule describe --schedule-id ID [--json]

Shows a schedule's spec, the workflow it starts and its input, its policies,
its state, the workflows it is running and its recent and next starts.

Example:
  starter schedule describe --schedule-id nightly-users
`

// scheduleAction is a start a schedule made, in JSON.
type scheduleAction struct {
	ScheduleTime time.Time `json:"scheduleTime"`
	ActualTime   time.Time `json:"actualTime"`
	WorkflowID   string    `json:"workflowId,omitempty"`
	RunID        string    `json:"runId,omitempty"`
}

func actionsOf(rs []client.ScheduleActionResult) []scheduleAction {
	out := make([]scheduleAction, 0, len(rs))
	for _, r := range rs {
		a := scheduleAction{ScheduleTime: r.ScheduleTime, ActualTime: r.ActualTime}
		if w := r.StartWorkflowResult; w != nil {
			a.WorkflowID, a.RunID = w.WorkflowID, w.FirstExecutionRunID
		}
		out = append(out, a)
	}
	return out
}

// scheduleListItem is one schedule of the list, in JSON.
type scheduleListItem struct {
	ScheduleID      string           `json:"scheduleId"`
	WorkflowType    string           `json:"workflowType"`
	Spec            string           `json:"spec"`
	Paused          bool             `json:"paused"`
	Note            string           `json:"note,omitempty"`
	NextActionTimes []time.Time      `json:"nextActionTimes"`
	RecentActions   []scheduleAction `json:"recentActions"`
}

func (a *app) parseScheduleList(args []string) (scheduleExec, error) {
	f := newFlags("schedule list", scheduleListUsage)
	asJSON := f.Bool("json", false, "print the list as a JSON array")
	if err := f.parse(args, a.stdout); err != nil {
		return nil, err
	}
	return func(ctx context.Context, sc client.ScheduleClient) error {
		items, err := listSchedules(ctx, sc)
		if err != nil {
			if e := configProblem(err); e != nil {
				return e
			}
			return failuref("starter schedule list: %s", oneLine(err.Error()))
		}
		if *asJSON {
			return writeJSON(a.stdout, items)
		}
		writeScheduleList(a.stdout, items)
		return nil
	}, nil
}

// listSchedules reads every page of the namespace's schedules.
func listSchedules(ctx context.Context, sc client.ScheduleClient) ([]scheduleListItem, error) {
	iter, err := sc.List(ctx, client.ScheduleListOptions{PageSize: 100})
	if err != nil {
		return nil, err
	}
	items := []scheduleListItem{}
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			return nil, err
		}
		next := e.NextActionTimes
		if next == nil {
			next = []time.Time{}
		}
		items = append(items, scheduleListItem{
			ScheduleID: e.ID, WorkflowType: e.WorkflowType.Name, Spec: specText(e.Spec), Paused: e.Paused, Note: e.Note,
			NextActionTimes: next, RecentActions: actionsOf(e.RecentActions),
		})
	}
	return items, nil
}

// writeScheduleList writes the schedules as a table.
func writeScheduleList(w io.Writer, items []scheduleListItem) {
	if len(items) == 0 {
		fmt.Fprintln(w, "No schedules in this namespace.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCHEDULE ID\tWORKFLOW\tSPEC\tSTATE\tNEXT START\tNOTE")
	for _, it := range items {
		next := "-"
		if len(it.NextActionTimes) > 0 {
			next = fmtTime(it.NextActionTimes[0])
		}
		note := oneLine(it.Note)
		if note == "" {
			note = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", it.ScheduleID, it.WorkflowType, it.Spec, pausedText(it.Paused), next, note)
	}
	tw.Flush()
}

func pausedText(paused bool) string {
	if paused {
		return "paused"
	}
	return "active"
}

// scheduleDetails is a schedule's description, in JSON.
type scheduleDetails struct {
	ScheduleID string `json:"scheduleId"`
	Spec       string `json:"spec"`
	Action     struct {
		WorkflowType string          `json:"workflowType"`
		WorkflowID   string          `json:"workflowId"`
		TaskQueue    string          `json:"taskQueue"`
		Input        json.RawMessage `json:"input"`
	} `json:"action"`
	Policy struct {
		Overlap        string `json:"overlap"`
		CatchupWindow  string `json:"catchupWindow,omitempty"`
		PauseOnFailure bool   `json:"pauseOnFailure"`
	} `json:"policy"`
	State struct {
		Paused           bool   `json:"paused"`
		Note             string `json:"note,omitempty"`
		RemainingActions *int   `json:"remainingActions,omitempty"`
	} `json:"state"`
	Info struct {
		NumActions                    int              `json:"numActions"`
		NumActionsMissedCatchupWindow int              `json:"numActionsMissedCatchupWindow"`
		NumActionsSkippedOverlap      int              `json:"numActionsSkippedOverlap"`
		RunningWorkflows              []scheduleAction `json:"runningWorkflows"`
		RecentActions                 []scheduleAction `json:"recentActions"`
		NextActionTimes               []time.Time      `json:"nextActionTimes"`
		CreatedAt                     time.Time        `json:"createdAt"`
		LastUpdateAt                  *time.Time       `json:"lastUpdateAt,omitempty"`
	} `json:"info"`
}

func (a *app) parseScheduleDescribe(args []string) (scheduleExec, error) {
	f := newFlags("schedule describe", scheduleDescribeUsage)
	var id string
	check := scheduleIDFlag(f, &id)
	asJSON := f.Bool("json", false, "print the description as JSON")
	if err := f.parse(args, a.stdout); err != nil {
		return nil, err
	}
	if err := check(); err != nil {
		return nil, err
	}
	return func(ctx context.Context, sc client.ScheduleClient) error {
		desc, err := sc.GetHandle(ctx, id).Describe(ctx)
		if err != nil {
			return scheduleError("describe", id, err)
		}
		d := detailsOfSchedule(id, desc)
		if *asJSON {
			return writeJSON(a.stdout, d)
		}
		writeScheduleDetails(a.stdout, d)
		return nil
	}, nil
}

// detailsOfSchedule converts the SDK's description.
func detailsOfSchedule(id string, desc *client.ScheduleDescription) scheduleDetails {
	var d scheduleDetails
	d.ScheduleID = id
	s := desc.Schedule
	d.Spec = specText(s.Spec)
	if act, ok := s.Action.(*client.ScheduleWorkflowAction); ok {
		d.Action.WorkflowID, d.Action.TaskQueue = act.ID, act.TaskQueue
		switch w := act.Workflow.(type) {
		case string:
			d.Action.WorkflowType = w
		default:
			d.Action.WorkflowType = fmt.Sprint(w)
		}
		if len(act.Args) > 0 {
			d.Action.Input = rawArg(act.Args[0])
		}
	}
	if p := s.Policy; p != nil {
		d.Policy.Overlap = overlapName(p.Overlap)
		if p.CatchupWindow > 0 {
			d.Policy.CatchupWindow = fmtDuration(p.CatchupWindow)
		}
		d.Policy.PauseOnFailure = p.PauseOnFailure
	}
	if st := s.State; st != nil {
		d.State.Paused, d.State.Note = st.Paused, st.Note
		if st.LimitedActions {
			n := st.RemainingActions
			d.State.RemainingActions = &n
		}
	}
	in := desc.Info
	d.Info.NumActions, d.Info.NumActionsMissedCatchupWindow, d.Info.NumActionsSkippedOverlap =
		in.NumActions, in.NumActionsMissedCatchupWindow, in.NumActionsSkippedOverlap
	d.Info.RunningWorkflows = []scheduleAction{}
	for _, r := range in.RunningWorkflows {
		d.Info.RunningWorkflows = append(d.Info.RunningWorkflows, scheduleAction{WorkflowID: r.WorkflowID, RunID: r.FirstExecutionRunID})
	}
	d.Info.RecentActions = actionsOf(in.RecentActions)
	d.Info.NextActionTimes = in.NextActionTimes
	if d.Info.NextActionTimes == nil {
		d.Info.NextActionTimes = []time.Time{}
	}
	d.Info.CreatedAt = in.CreatedAt
	if in.LastUpdateAt.Unix() > 0 { // never updated: zero or the Unix epoch
		t := in.LastUpdateAt
		d.Info.LastUpdateAt = &t
	}
	return d
}

// rawArg is a workflow argument of a described schedule as JSON: the SDK
// hands back the payload undecoded.
func rawArg(arg any) json.RawMessage {
	if p, ok := arg.(*commonpb.Payload); ok {
		var raw json.RawMessage
		if converter.GetDefaultDataConverter().FromPayload(p, &raw) == nil && json.Valid(raw) {
			return raw
		}
		return nil
	}
	b, err := json.Marshal(arg)
	if err != nil {
		return nil
	}
	return b
}

// writeScheduleDetails writes a schedule's description as text.
func writeScheduleDetails(w io.Writer, d scheduleDetails) {
	field := func(name, format string, args ...any) {
		fmt.Fprintf(w, "%-16s %s\n", name+":", fmt.Sprintf(format, args...))
	}
	field("Schedule ID", "%s", d.ScheduleID)
	field("Spec", "%s", d.Spec)
	field("Workflow", "%s, id %s-<time>, task queue %s", d.Action.WorkflowType, d.Action.WorkflowID, d.Action.TaskQueue)
	if len(d.Action.Input) > 0 {
		field("Input", "%s", compactJSON(d.Action.Input))
	}
	catchup := d.Policy.CatchupWindow
	if catchup == "" {
		catchup = "server default"
	}
	field("Overlap", "%s", d.Policy.Overlap)
	field("Catchup window", "%s", catchup)
	state := pausedText(d.State.Paused)
	if d.State.Note != "" {
		state += fmt.Sprintf(" (%s)", oneLine(d.State.Note))
	}
	field("State", "%s", state)
	field("Starts", "%d (missed the catchup window %d, skipped for overlap %d)",
		d.Info.NumActions, d.Info.NumActionsMissedCatchupWindow, d.Info.NumActionsSkippedOverlap)
	for _, r := range d.Info.RunningWorkflows {
		field("Running", "%s (run %s)", r.WorkflowID, r.RunID)
	}
	for _, r := range d.Info.RecentActions {
		field("Recent start", "%s: %s", fmtTime(r.ActualTime), r.WorkflowID)
	}
	for i, t := range d.Info.NextActionTimes {
		if i == 3 {
			break
		}
		field("Next start", "%s", fmtTime(t))
	}
	field("Created", "%s", fmtTime(d.Info.CreatedAt))
	if d.Info.LastUpdateAt != nil {
		field("Updated", "%s", fmtTime(*d.Info.LastUpdateAt))
	}
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// specText writes a schedule spec the way it was likely typed: cron
// expressions and intervals, with the time zone.
func specText(s *client.ScheduleSpec) string {
	if s == nil {
		return "-"
	}
	var parts []string
	for _, c := range s.CronExpressions {
		parts = append(parts, fmt.Sprintf("cron %q", c))
	}
	for _, c := range s.Calendars {
		parts = append(parts, fmt.Sprintf("cron %q", calendarText(c)))
	}
	for _, iv := range s.Intervals {
		p := "every " + fmtDuration(iv.Every)
		if iv.Offset > 0 {
			p += " offset " + fmtDuration(iv.Offset)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "-"
	}
	text := strings.Join(parts, "; ")
	if s.TimeZoneName != "" {
		text += " in " + s.TimeZoneName
	}
	return text
}

// calendarText writes a calendar spec as a cron expression, with seconds
// first when they are not just 0.
func calendarText(c client.ScheduleCalendarSpec) string {
	if c.Comment != "" {
		return c.Comment
	}
	fields := []string{
		rangesText(c.Minute, 0, 59, "0"), rangesText(c.Hour, 0, 23, "0"), rangesText(c.DayOfMonth, 1, 31, "*"),
		rangesText(c.Month, 1, 12, "*"), rangesText(c.DayOfWeek, 0, 6, "*"),
	}
	if sec := rangesText(c.Second, 0, 59, "0"); sec != "0" {
		fields = append([]string{sec}, fields...)
	}
	return strings.Join(fields, " ")
}

// rangesText writes calendar ranges as a cron field; the full range is *,
// no range is what the field defaults to (0 for times of day, * for days).
func rangesText(rs []client.ScheduleRange, lo, hi int, empty string) string {
	if len(rs) == 0 {
		return empty
	}
	var parts []string
	for _, r := range rs {
		end := max(r.End, r.Start)
		step := max(r.Step, 1)
		var p string
		switch {
		case r.Start == lo && end >= hi:
			p = "*"
		case r.Start == end:
			p = fmt.Sprint(r.Start)
		default:
			p = fmt.Sprintf("%d-%d", r.Start, end)
		}
		if step > 1 {
			p += fmt.Sprintf("/%d", step)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ",")
}
