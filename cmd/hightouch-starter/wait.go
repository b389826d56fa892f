package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// wait shows progress until the workflow ends, then writes its result or
// failure. Ctrl-C stops the wait, not the workflow.
func (a *app) wait(ctx context.Context, c workflowClient, run client.WorkflowRun, kind string, o runOptions) error {
	type outcome struct {
		raw json.RawMessage
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		var raw json.RawMessage
		err := run.Get(ctx, &raw)
		done <- outcome{raw, err}
	}()

	pw := &progressWriter{w: a.infoWriter(o), mode: o.progress, width: a.columns()}
	var (
		updates                = make(chan *live, 1)
		fetching               bool
		last                   *live
		fetchCtx, stopFetching = context.WithCancel(ctx)
	)
	defer stopFetching()
	fetch := func() {
		if fetching || o.progress == progressNone {
			return
		}
		fetching = true
		go func() {
			l, err := fetchLive(fetchCtx, c, run.GetID(), run.GetRunID())
			if err != nil {
				l = nil // progress is best effort; the result still comes
			}
			updates <- l
		}()
	}
	ticker := time.NewTicker(a.pollEvery)
	defer ticker.Stop()
	fetch()
	for {
		select {
		case out := <-done:
			stopFetching()
			pw.clear()
			if ctx.Err() != nil {
				return a.interrupted(run)
			}
			return a.report(ctx, c, run, kind, o, out.raw, out.err)
		case <-ctx.Done():
			pw.clear()
			return a.interrupted(run)
		case l := <-updates:
			fetching = false
			if l != nil && l.HasProgress() {
				last = l
				pw.show(l.View(a.now()))
			}
		case <-ticker.C:
			fetch()
			if last != nil && o.progress == progressBar {
				pw.show(last.View(a.now())) // keep the elapsed time ticking
			}
		}
	}
}

// columns is the terminal's width: $COLUMNS, else 80.
func (a *app) columns() int {
	if n, err := strconv.Atoi(strings.TrimSpace(a.getenv("COLUMNS"))); err == nil && n > 0 {
		return n
	}
	return 80
}

// interrupted reports a wait stopped by Ctrl-C.
func (a *app) interrupted(run client.WorkflowRun) error {
	fmt.Fprintf(a.stderr, "Stopped waiting; workflow %s goes on. Follow it with: starter status --workflow-id %s\n", run.GetID(), run.GetID())
	return errInterrupted
}

// report writes the workflow's result (nil error, exit 0) or its failure
// (exit 1).
func (a *app) report(ctx context.Context, c workflowClient, run client.WorkflowRun, kind string, o runOptions, raw json.RawMessage, err error) error {
	if err != nil {
		if undecryptable(err) {
			return unreadableResult(run.GetID(), err)
		}
		if !isWorkflowOutcome(err) {
			// Not the workflow's outcome: the server could not be asked.
			return failuref("starter: lost track of workflow %s: %s; check it with 'starter status --workflow-id %s'",
				run.GetID(), oneLine(err.Error()), run.GetID())
		}
		f := explainFailure(ctx, c, run.GetID(), run.GetRunID(), failureOf(err))
		if o.json {
			if werr := writeFailureJSON(a.stdout, f); werr != nil {
				return werr
			}
		} else {
			writeFailureText(a.stdout, a.stderr, kind, f)
		}
		return errReported
	}
	if o.json {
		return writeRawJSON(a.stdout, raw)
	}
	return writeResultText(a.stdout, kind, raw)
}

// writeResultText writes a result as readable text.
func writeResultText(w io.Writer, kind string, raw json.RawMessage) error {
	switch kind {
	case kindSync:
		var s workflows.SyncResult
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("cannot read the workflow result: %w", err)
		}
		writeSync(w, s)
	case kindSequence:
		var s workflows.SequenceResult
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("cannot read the workflow result: %w", err)
		}
		writeSequenceResult(w, s)
	default:
		return writeRawJSON(w, raw)
	}
	return nil
}

// isWorkflowOutcome reports whether err, returned by a workflow result's
// Get, is how the workflow ended rather than a failure to ask the server.
func isWorkflowOutcome(err error) bool {
	var (
		execErr  *temporal.WorkflowExecutionError
		appErr   *temporal.ApplicationError
		canceled *temporal.CanceledError
		term     *temporal.TerminatedError
		timeout  *temporal.TimeoutError
	)
	return errors.As(err, &execErr) || errors.As(err, &appErr) || errors.As(err, &canceled) ||
		errors.As(err, &term) || errors.As(err, &timeout)
}
