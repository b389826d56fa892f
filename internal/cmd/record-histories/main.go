// Command record-histories runs HightouchSync and HightouchSyncSequence on a
// real Temporal dev server against the Hightouch emulator and writes their
// event histories to workflows/testdata/histories, where the replay tests
// read them. Re-record after a deliberate, versioned workflow change:
//
//	go run ./internal/cmd/record-histories
//
// It needs the temporal CLI (see internal/devserver.FindCLI).
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
	"github.com/hightouch-temporal/hightouch-temporal/internal/devserver"
	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// scenario is one recorded execution.
type scenario struct {
	name     string
	workflow string
	input    any
	cancelIn time.Duration // cancel the workflow after this long; 0 = never
}

func main() {
	out := flag.String("out", "workflows/testdata/histories", "directory to write histories to")
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = httpSrv.Serve(ln) }()
	defer httpSrv.Close()

	ht := client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL("http://"+ln.Addr().String()+"/api/v1"))
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	workflows.Register(w)
	w.RegisterActivity(&activities.Activities{Client: ht})
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

	var h historypb.History
	iter := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
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
	return os.WriteFile(filepath.Join(outDir, s.name+".json"), out.Bytes(), 0o644)
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
