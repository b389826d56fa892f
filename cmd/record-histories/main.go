// Command record-histories runs every workflow (HightouchSync,
// HightouchSyncSequence, the wait workflows and the trigger writer) on a real Temporal dev server against the
// Hightouch emulator and writes their event histories to
// workflows/testdata/histories/v<release>, where the replay tests read them:
// every release's histories are replayed against every later version. Each
// release records its own:
//
//	go run ./cmd/record-histories
//
// It needs the temporal CLI (see internal/dev/devserver.FindCLI).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	temporalclient "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/devserver"
	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// scenario is one recorded execution.
type scenario struct {
	name     string
	workflow string
	input    any
	// inputOf, when set, makes the input at the time of the execution
	// (from a run started for it).
	inputOf  func() (any, error)
	cancelIn time.Duration // cancel the workflow after this long; 0 = never
	// before and after set up and clear faults around the execution.
	before, after func()
	// writer records the history so far of a trigger writer (still open)
	// instead of running a workflow.
	writer string
}

func main() {
	out := flag.String("out", "workflows/testdata/histories/v"+client.Version, "directory to write histories to")
	flag.Parse()
	if err := run(context.Background(), *out); err != nil {
		fmt.Fprintln(os.Stderr, "record-histories:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, outDir string) error {
	quiet := logging.Quiet(os.Stderr)
	srv, err := devserver.Start(ctx, devserver.Options{ClientOptions: &temporalclient.Options{Logger: quiet}})
	if err != nil {
		return err
	}
	defer srv.Stop()
	c := srv.Client()

	emu := hightouchtest.New(hightouchtest.WithDemoData())
	long := emu.NewSync("long-running", hightouchtest.Scenario{Phases: []hightouchtest.Phase{
		{Status: "queued", Duration: time.Second}, {Status: "processing", Duration: time.Hour},
	}})
	// Long enough for progress reports at the first and second minute.
	progress := emu.NewSync("two-and-a-half-minutes", hightouchtest.Scenario{Phases: []hightouchtest.Phase{
		{Status: "queued", Duration: time.Second}, {Status: "querying", Duration: 5 * time.Second},
		{Status: "processing", Duration: 140 * time.Second}, {Status: "reporting", Duration: 5 * time.Second},
	}})
	// Its trigger's answer is lost (the run is created, then a 500).
	lost := emu.NewSync("lost-answer", hightouchtest.Scenario{})
	// Its runs end interrupted and are resumed in a new run.
	interrupted := emu.NewSync("interrupted-then-resumed", hightouchtest.Scenario{
		Phases: []hightouchtest.Phase{{Status: "processing", Duration: 2 * time.Second}},
		Status: "interrupted", ResumeAfter: 2 * time.Second,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = httpSrv.Serve(ln) }()
	defer httpSrv.Close()

	ht := client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL("http://"+ln.Addr().String()+"/api/v1"))
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	// The recordings set search attributes and link runs, as a worker on a
	// namespace set up for them does.
	workflows.Configure(workflows.Settings{SearchAttributes: true, AppURL: "https://app.hightouch.com/recorded"})
	workflows.Register(w)
	w.RegisterActivity(&activities.Activities{Client: ht, Temporal: c})
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()

	scenarios := []scenario{
		{name: "sync-success", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncID: client.ID(hightouchtest.DemoSyncID)}},
		{name: "sync-success-by-slug", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncSlug: hightouchtest.DemoSyncSlug, FullResync: true}},
		{name: "sync-failed", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncID: client.ID(hightouchtest.DemoFailingSyncID)}},
		{name: "sync-warning", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncID: client.ID(hightouchtest.DemoWarningSyncID)}},
		{name: "sync-warning-fails", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncID: client.ID(hightouchtest.DemoWarningSyncID), FailOnWarning: true}},
		{name: "sync-timeout", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncID: client.ID(long), WaitOptions: workflows.WaitOptions{Timeout: "5s"}}},
		{name: "sync-cancelled", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncID: client.ID(long)}, cancelIn: 4 * time.Second},
		{name: "sync-invalid-input", workflow: workflows.SyncWorkflow, input: map[string]any{"syncId": "abc"}},
		{name: "sequence-done", workflow: workflows.SequenceWorkflow, input: workflows.SequenceInput{SequenceID: hightouchtest.DemoSequenceID}},
		{name: "sequence-warning-fails", workflow: workflows.SequenceWorkflow, input: workflows.SequenceInput{SequenceID: hightouchtest.DemoSequenceID, FailOnWarning: true}},
		{name: "sync-progress", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncID: client.ID(progress)}},
		{name: "sync-adopted", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncID: client.ID(lost)},
			before: func() { emu.SetFaults(hightouchtest.Faults{TriggerThen500Rate: 1}) }, after: func() { emu.SetFaults(hightouchtest.Faults{}) }},
		{name: "sync-if-running-skip", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncID: client.ID(long), IfRunning: "skip"}},
		{name: "sync-if-running-fail", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncID: client.ID(long), IfRunning: "fail"}},
		{name: "sync-rows-rejected", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{
			SyncID: client.ID(hightouchtest.DemoWarningSyncID), RowLimits: workflows.RowLimits{MaxFailedRows: ptr[int64](0)}}},
		{name: "sync-follow-resumed", workflow: workflows.SyncWorkflow, input: workflows.SyncInput{SyncID: client.ID(interrupted), FollowResumedRun: true}},
		{name: "wait-sync-run-by-id", workflow: workflows.WaitForSyncRunWorkflow, inputOf: func() (any, error) {
			out, err := ht.TriggerRun(ctx, client.ID(hightouchtest.DemoSyncID), client.TriggerRunBody{})
			if err != nil {
				return nil, err
			}
			return workflows.WaitForSyncRunInput{SyncID: client.ID(hightouchtest.DemoSyncID), RunID: out.ID}, nil
		}},
		{name: "wait-sync-run-created-after", workflow: workflows.WaitForSyncRunWorkflow, inputOf: func() (any, error) {
			// Someone else starts the run once the workflow waits.
			time.AfterFunc(3*time.Second, func() { _, _ = ht.TriggerRun(ctx, client.ID(hightouchtest.DemoSyncID), client.TriggerRunBody{}) })
			return workflows.WaitForSyncRunInput{SyncSlug: hightouchtest.DemoSyncSlug}, nil
		}},
		{name: "wait-sync-run-never-created", workflow: workflows.WaitForSyncRunWorkflow, input: workflows.WaitForSyncRunInput{
			SyncID: client.ID(long), CreatedAfter: ptr(time.Now().Add(time.Hour)), WaitOptions: workflows.WaitOptions{Timeout: "5s"}}},
		{name: "wait-sequence-run", workflow: workflows.WaitForSequenceRunWorkflow, inputOf: func() (any, error) {
			out, err := ht.TriggerSequenceRun(ctx, hightouchtest.DemoSequenceID)
			if err != nil {
				return nil, err
			}
			return workflows.WaitForSequenceRunInput{SequenceRunID: out.ID, SequenceID: hightouchtest.DemoSequenceID}, nil
		}},
		{name: "writer-sync", writer: workflows.WriterID("sync", client.ID(long).String())},
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	for _, s := range scenarios {
		if err := record(ctx, c, s, outDir); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

func record(ctx context.Context, c temporalclient.Client, s scenario, outDir string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if s.writer != "" {
		return writeHistory(ctx, c, s.writer, "", filepath.Join(outDir, s.name+".json"))
	}
	if s.before != nil {
		s.before()
	}
	if s.after != nil {
		defer s.after()
	}
	if s.inputOf != nil {
		var err error
		if s.input, err = s.inputOf(); err != nil {
			return err
		}
	}
	run, err := c.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{
		ID: "record-" + s.name, TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
	}, s.workflow, s.input)
	if err != nil {
		return err
	}
	if s.cancelIn > 0 {
		time.Sleep(s.cancelIn)
		if err := c.CancelWorkflow(ctx, run.GetID(), run.GetRunID()); err != nil {
			return err
		}
	}
	wfErr := run.Get(ctx, nil)
	fmt.Printf("%-24s %v\n", s.name, outcome(wfErr))
	return writeHistory(ctx, c, run.GetID(), run.GetRunID(), filepath.Join(outDir, s.name+".json"))
}

// writeHistory writes a workflow's history as indented JSON.
func writeHistory(ctx context.Context, c temporalclient.Client, workflowID, runID, path string) error {
	var h historypb.History
	iter := c.GetWorkflowHistory(ctx, workflowID, runID, false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return err
		}
		h.Events = append(h.Events, ev)
	}
	b, err := protojson.Marshal(&h)
	if err != nil {
		return err
	}
	// protojson varies its spacing on purpose; indent it stably so that
	// re-recording gives readable diffs.
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	return os.WriteFile(path, out.Bytes(), 0o644)
}

func outcome(err error) string {
	if err == nil {
		return "completed"
	}
	var ee *temporal.WorkflowExecutionError
	if errors.As(err, &ee) {
		return "failed: " + errors.Unwrap(ee).Error()
	}
	return err.Error()
}

func ptr[T any](v T) *T { return &v }
