package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Failure types for workflow outcomes that are not ApplicationErrors.
const (
	failWorkflowCancelled  = "WorkflowCancelled"
	failWorkflowTerminated = "WorkflowTerminated"
	failWorkflowTimedOut   = "WorkflowTimedOut"
	failActivityTimedOut   = "ActivityTimedOut"
	failWorkflowFailed     = "WorkflowFailed"
)

// Kinds of workflow the starter knows how to show.
const (
	kindSync     = "sync"
	kindSequence = "sequence"
)

// kindOf maps a workflow type to its kind, or "" for a type the starter
// does not know.
func kindOf(workflowType string) string {
	switch workflowType {
	case workflows.SyncWorkflow, workflows.WaitForSyncRunWorkflow:
		return kindSync
	case workflows.SequenceWorkflow, workflows.WaitForSequenceRunWorkflow:
		return kindSequence
	}
	return ""
}

// failure is a workflow failure as shown to people and scripts: the
// ApplicationError type callers branch on, its message and its details
// (the last run snapshot, when there is one).
type failure struct {
	Type    string          `json:"type"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details"`
}

// failureOf reads a workflow's failure from the error its result returned.
func failureOf(err error) failure {
	cause := err
	var execErr *temporal.WorkflowExecutionError
	if errors.As(err, &execErr) {
		if inner := errors.Unwrap(execErr); inner != nil {
			cause = inner
		}
	}
	// The workflow's own outcome is the direct cause; anything else is a
	// failure the workflow returned.
	switch c := cause.(type) {
	case *temporal.CanceledError:
		f := failure{Type: failWorkflowCancelled, Message: "the workflow was cancelled"}
		if c.HasDetails() {
			f.Details = detailsOf(c.Details)
		}
		if run := runOfDetails(f.Details); run != "" {
			f.Message += "; " + run + " goes on at Hightouch, which has no cancel call"
		}
		return f
	case *temporal.TerminatedError:
		return failure{Type: failWorkflowTerminated, Message: "the workflow was terminated"}
	case *temporal.TimeoutError:
		return failure{Type: failWorkflowTimedOut, Message: "the workflow timed out (" + oneLine(c.Message()) + ")"}
	}
	var (
		appErr  *temporal.ApplicationError
		timeout *temporal.TimeoutError
		actErr  *temporal.ActivityError
	)
	switch {
	case errors.As(cause, &appErr):
		f := failure{Type: appErr.Type(), Message: oneLine(appErr.Message())}
		if f.Type == "" {
			f.Type = failWorkflowFailed
		}
		if appErr.HasDetails() {
			f.Details = detailsOf(appErr.Details)
		}
		return f
	case errors.As(cause, &actErr) && errors.As(cause, &timeout):
		return failure{Type: failActivityTimedOut, Message: fmt.Sprintf("activity %s timed out (%s)", actErr.ActivityType().GetName(), oneLine(timeout.Message()))}
	}
	return failure{Type: failWorkflowFailed, Message: oneLine(cause.Error())}
}

// detailsOf decodes the first detail as raw JSON, or nil.
func detailsOf(get func(...any) error) json.RawMessage {
	var raw json.RawMessage
	if err := get(&raw); err != nil || len(raw) == 0 || !json.Valid(raw) || string(raw) == "null" {
		return nil
	}
	return raw
}

// runOfDetails names the run a snapshot in details describes, or "".
func runOfDetails(raw json.RawMessage) string {
	var d struct {
		SyncID        client.ID    `json:"syncId"`
		RunID         client.RunID `json:"runId"`
		SequenceID    string       `json:"sequenceId"`
		SequenceRunID string       `json:"sequenceRunId"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &d) != nil {
		return ""
	}
	switch {
	case d.RunID != "":
		return fmt.Sprintf("run %s of sync %s", d.RunID, d.SyncID)
	case d.SequenceRunID != "":
		return fmt.Sprintf("run %s of sequence %s", d.SequenceRunID, d.SequenceID)
	}
	return ""
}

// writeJSON writes v as indented JSON and a newline.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// writeRawJSON writes raw JSON indented, or null.
func writeRawJSON(w io.Writer, raw json.RawMessage) error {
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// writeFailureJSON writes {"error":{"type":...,"message":...,"details":...}}.
func writeFailureJSON(w io.Writer, f failure) error {
	return writeJSON(w, struct {
		Error failure `json:"error"`
	}{f})
}

// writeFailureText writes what the failure's details know of the run on
// stdout and "Type: message" as one line on stderr.
func writeFailureText(stdout, stderr io.Writer, kind string, f failure) {
	writeDetailsText(stdout, kind, f.Details)
	fmt.Fprintf(stderr, "%s: %s\n", f.Type, f.Message)
}

// writeDetailsText writes a failure's run snapshot, if it holds one.
func writeDetailsText(w io.Writer, kind string, raw json.RawMessage) {
	if len(raw) == 0 {
		return
	}
	switch kind {
	case kindSync:
		var s workflows.SyncResult
		if json.Unmarshal(raw, &s) == nil && s.RunID != "" {
			writeSync(w, s)
		}
	case kindSequence:
		var s workflows.SequenceResult
		if json.Unmarshal(raw, &s) == nil && s.SequenceRunID != "" {
			writeSequenceResult(w, s)
		}
	}
}

// writeSync writes a HightouchSync result: the run, the runs it resumes,
// its link and how the workflow came by it.
func writeSync(w io.Writer, s workflows.SyncResult) {
	writeSyncResult(w, s.SyncRunSnapshot)
	if len(s.ResumedFrom) > 0 {
		ids := make([]string, len(s.ResumedFrom))
		for i, id := range s.ResumedFrom {
			ids[i] = string(id)
		}
		fmt.Fprintf(w, "  %-12s %s (interrupted)\n", "Resumes:", strings.Join(ids, ", "))
	}
	writeRunURL(w, s.RunURL)
	writeTriggerNotes(w, s.TriggerNotes)
}

// writeRunURL writes the run's page in Hightouch's web app, when known.
func writeRunURL(w io.Writer, url string) {
	if url != "" {
		fmt.Fprintf(w, "  %-12s %s\n", "Run URL:", url)
	}
}

// writeSyncResult writes a sync run's final (or last known) state.
func writeSyncResult(w io.Writer, s contract.SyncRunSnapshot) {
	status := string(s.Status)
	if !s.Listed() {
		status = "not listed by Hightouch yet"
	}
	fmt.Fprintf(w, "Sync %s, run %s: %s\n", s.SyncID, s.RunID, status)
	field := func(name, format string, args ...any) {
		fmt.Fprintf(w, "  %-12s %s\n", name+":", fmt.Sprintf(format, args...))
	}
	field("Sync ID", "%s", s.SyncID)
	field("Run ID", "%s", s.RunID)
	field("Status", "%s", status)
	field("Started", "%s", fmtTimePtr(s.StartedAt))
	field("Finished", "%s", fmtTimePtr(s.FinishedAt))
	field("Duration", "%s", runDuration(s))
	field("Completion", "%s", fmtPercent(s.CompletionRatio))
	field("Query size", "%s", fmtCount(s.QuerySize))
	fmt.Fprintf(w, "  %-12s %10s %10s %10s %10s\n", "Rows:", "total", "added", "changed", "removed")
	for _, r := range []struct {
		name string
		c    client.RowCounts
	}{{"planned", s.PlannedRows}, {"successful", s.SuccessfulRows}, {"failed", s.FailedRows}} {
		fmt.Fprintf(w, "    %-10s %10s %10s %10s %10s\n", r.name,
			fmtCount(r.c.Total()), fmtCount(r.c.AddedCount), fmtCount(r.c.ChangedCount), fmtCount(r.c.RemovedCount))
	}
	errText := s.Error
	if errText == "" {
		errText = "-"
	}
	field("Error", "%s", oneLine(errText))
}

// writeSequenceResult writes a sequence run's final (or last known) state
// and a line per member run.
func writeSequenceResult(w io.Writer, r workflows.SequenceResult) {
	status := string(r.Status)
	if status == "" {
		status = "not known to Hightouch yet"
	}
	name := "Sequence"
	if r.SequenceID != "" {
		name += " " + r.SequenceID
	}
	fmt.Fprintf(w, "%s, run %s: %s\n", name, r.SequenceRunID, status)
	if !r.ObservedAt.IsZero() {
		fmt.Fprintf(w, "  %-12s %s\n", "Observed:", fmtTime(r.ObservedAt))
	}
	fmt.Fprintf(w, "  %-12s %d\n", "Member runs:", len(r.SyncRuns))
	for _, m := range r.SyncRuns {
		fmt.Fprintf(w, "    %s\n", memberLine(m))
	}
	writeRunURL(w, r.RunURL)
	writeTriggerNotes(w, r.TriggerNotes)
}

// writeTriggerNotes says how the workflow came by its run, when it did not
// simply trigger it.
func writeTriggerNotes(w io.Writer, n workflows.TriggerNotes) {
	var how string
	switch {
	case n.Skipped:
		how = "skipped (a run was in progress)"
	case n.Attached:
		how = "attached to the run in progress"
	case n.Adopted:
		how = "adopted (the trigger's answer was lost)"
	default:
		return
	}
	fmt.Fprintf(w, "  %-12s %s\n", "Trigger:", how)
	if n.Note != "" {
		fmt.Fprintf(w, "  %-12s %s\n", "Note:", oneLine(n.Note))
	}
}

// memberLine is one member run of a sequence.
func memberLine(m contract.SequenceMemberRun) string {
	status := string(m.Status)
	if status == "" {
		status = "pending"
	}
	line := fmt.Sprintf("sync %s run %s: %s", m.SyncID, m.RunID, status)
	if m.Status.Terminal() || m.FinishedAt != nil || m.CompletionRatio > 0 {
		line += fmt.Sprintf(", %s complete, rows planned %s, successful %s, failed %s", fmtPercent(m.CompletionRatio),
			fmtCount(m.PlannedRows.Total()), fmtCount(m.SuccessfulRows.Total()), fmtCount(m.FailedRows.Total()))
	}
	if m.FinishedAt != nil {
		line += ", finished " + fmtTime(*m.FinishedAt)
	}
	if m.Error != "" {
		line += ": " + oneLine(m.Error)
	}
	return line
}

// runDuration is how long the run took (or has taken when last observed).
func runDuration(s contract.SyncRunSnapshot) string {
	start := s.StartedAt
	if start == nil {
		start = s.CreatedAt
	}
	if start == nil {
		return "-"
	}
	end := s.ObservedAt
	if s.FinishedAt != nil {
		end = *s.FinishedAt
	}
	if end.Before(*start) {
		return "-"
	}
	return fmtElapsed(end.Sub(*start))
}

// fmtTime writes a time in the local zone, to the second.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return fmtTime(*t)
}

// fmtElapsed writes a duration rounded to the second: 45s, 3m07s, 2h05m09s.
func fmtElapsed(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		d = 0
	}
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// fmtPercent writes a ratio as a whole percentage, clamped to 0-100.
func fmtPercent(r float64) string {
	return fmt.Sprintf("%d%%", percentOf(r))
}

func percentOf(r float64) int {
	switch {
	case r != r || r <= 0: // NaN or nothing yet
		return 0
	case r >= 1:
		return 100
	}
	return int(r * 100)
}

// fmtCount writes a count with thousands separators: 1,234,567.
func fmtCount(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
