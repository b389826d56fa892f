package loadrun

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	temporalclient "go.temporal.io/sdk/client"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// forEach runs f for 0..n-1 with at most par calls at once and returns the
// first error (the others still run).
func forEach(ctx context.Context, n, par int, f func(ctx context.Context, i int) error) error {
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	for range min(par, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					errOnce.Do(func() { first = err })
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// createSyncs creates one emulator sync per scenario.
func (e *env) createSyncs(ctx context.Context, prefix string, scenarios []hightouchtest.Scenario) ([]int64, error) {
	ids := make([]int64, len(scenarios))
	err := forEach(ctx, len(scenarios), 8, func(ctx context.Context, i int) error {
		id, err := e.admin.NewSync(ctx, fmt.Sprintf("%s-%d", prefix, i), scenarios[i])
		ids[i] = id
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("creating syncs at the emulator: %w", err)
	}
	return ids, nil
}

// startSync starts one HightouchSync workflow with the product's defaults.
func (e *env) startSync(ctx context.Context, id string, syncID int64) error {
	_, err := e.tc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: id, TaskQueue: e.taskQueue},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(syncID)})
	return err
}

// waitClosed waits until every workflow whose id starts with prefix (n of
// them) has closed, the timeout passes, ctx ends or a process dies. It
// counts closed workflows in visibility; if the server cannot count, it
// describes the workflows instead. tick is called after each count.
func (e *env) waitClosed(ctx context.Context, prefix string, ids []string, timeout time.Duration, tick func(closed int)) (bool, error) {
	deadline := time.Now().Add(timeout)
	query := fmt.Sprintf("WorkflowId STARTS_WITH '%s' AND ExecutionStatus != 'Running'", prefix)
	useVisibility := true
	confirmed := make([]bool, len(ids))
	for {
		if err := e.died(); err != nil {
			return false, err
		}
		closed := 0
		if useVisibility {
			res, err := e.tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: "default", Query: query})
			switch {
			case err == nil:
				closed = int(res.GetCount())
			case ctx.Err() != nil:
				return false, ctx.Err()
			default:
				useVisibility = false
			}
		}
		if !useVisibility {
			_ = forEach(ctx, len(ids), 8, func(ctx context.Context, i int) error {
				if confirmed[i] {
					return nil
				}
				d, err := e.tc.DescribeWorkflow(ctx, ids[i], "")
				if err == nil && d.Status != enums.WORKFLOW_EXECUTION_STATUS_RUNNING {
					confirmed[i] = true
				}
				return nil
			})
			for _, c := range confirmed {
				if c {
					closed++
				}
			}
		}
		if tick != nil {
			tick(closed)
		}
		if closed >= len(ids) {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		wait := 3 * time.Second
		if !useVisibility {
			wait = 15 * time.Second
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// outcome is what a workflow's history says.
type outcome struct {
	startedAt       time.Time
	closed          bool
	status          enums.EventType // the close event
	closedAt        time.Time
	failure         string
	triggerAttempts int
	pollActivities  int
	pollAttempts    int
	events          int
}

func (o outcome) succeeded() bool {
	return o.closed && o.status == enums.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
}

// outcomeOf reads a workflow's history.
func (e *env) outcomeOf(ctx context.Context, id string) (outcome, error) {
	var o outcome
	it := e.tc.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	activityType := map[int64]string{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return o, err
		}
		o.events++
		switch ev.GetEventType() {
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			o.startedAt = ev.GetEventTime().AsTime()
		case enums.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			name := ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
			activityType[ev.GetEventId()] = name
			if name == "PollSyncRun" {
				o.pollActivities++
			}
		case enums.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := ev.GetActivityTaskStartedEventAttributes()
			switch activityType[a.GetScheduledEventId()] {
			case "TriggerRun":
				o.triggerAttempts = int(a.GetAttempt())
			case "PollSyncRun":
				o.pollAttempts += int(a.GetAttempt())
			}
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enums.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
			enums.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, enums.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
			enums.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
			o.closed, o.status, o.closedAt = true, ev.GetEventType(), ev.GetEventTime().AsTime()
			if o.status != enums.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED {
				o.failure = fmt.Sprintf("%s: %s", id, o.status)
			}
		case enums.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
			f := ev.GetWorkflowExecutionFailedEventAttributes().GetFailure()
			o.closed, o.status, o.closedAt = true, ev.GetEventType(), ev.GetEventTime().AsTime()
			o.failure = fmt.Sprintf("%s failed: %s (%s)", id, f.GetMessage(), f.GetApplicationFailureInfo().GetType())
		}
	}
	return o, nil
}

// outcomes reads every workflow's history.
func (e *env) outcomes(ctx context.Context, ids []string) ([]outcome, error) {
	out := make([]outcome, len(ids))
	err := forEach(ctx, len(ids), 8, func(ctx context.Context, i int) error {
		o, err := e.outcomeOf(ctx, ids[i])
		if err != nil {
			return fmt.Errorf("reading the history of %s: %w", ids[i], err)
		}
		out[i] = o
		return nil
	})
	return out, err
}

// runsOf reads every sync's runs from the emulator.
func (e *env) runsOf(ctx context.Context, syncIDs []int64) ([][]hightouchtest.RunInfo, error) {
	out := make([][]hightouchtest.RunInfo, len(syncIDs))
	err := forEach(ctx, len(syncIDs), 8, func(ctx context.Context, i int) error {
		runs, err := e.admin.Runs(ctx, syncIDs[i])
		out[i] = runs
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading runs from the emulator: %w", err)
	}
	return out, nil
}
