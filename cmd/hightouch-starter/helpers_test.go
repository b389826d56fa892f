package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// testApp is an app writing to buffers whose dial fails the test: usage
// errors must be caught before connecting.
func testApp(t *testing.T) (*app, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := newApp(&stdout, &stderr)
	a.getenv = func(string) string { return "" }
	a.pollEvery = 5 * time.Millisecond
	a.dial = func(context.Context) (client.Client, error) {
		t.Errorf("dial called")
		return nil, errors.New("no server in unit tests")
	}
	return a, &stdout, &stderr
}

// runTest runs the starter with args and returns the exit code and output.
func runTest(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	a, stdout, stderr := testApp(t)
	code := a.run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

// encodedValue is a query result as the SDK hands it over.
type encodedValue struct{ v any }

func (e encodedValue) HasValue() bool { return e.v != nil }

func (e encodedValue) Get(ptr any) error {
	b, err := json.Marshal(e.v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, ptr)
}

// fakeRun is a workflow run whose result arrives after a delay.
type fakeRun struct {
	id, runID string
	delay     time.Duration
	result    any
	err       error
}

func (r *fakeRun) GetID() string    { return r.id }
func (r *fakeRun) GetRunID() string { return r.runID }

func (r *fakeRun) GetFirstExecutionRunID() string { return r.runID }

func (r *fakeRun) Get(ctx context.Context, ptr any) error {
	select {
	case <-time.After(r.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	if r.err != nil {
		return r.err
	}
	return encodedValue{r.result}.Get(ptr)
}

func (r *fakeRun) GetWithOptions(ctx context.Context, ptr any, _ client.WorkflowRunGetOptions) error {
	return r.Get(ctx, ptr)
}

// fakeClient answers describe and the progress query from its fields.
type fakeClient struct {
	run       *fakeRun
	startErr  error
	started   []client.StartWorkflowOptions
	startArgs []any
	desc      func() *workflowservice.DescribeWorkflowExecutionResponse
	descErr   error
	progress  func() any
	queryErr  error
	history   []*historypb.HistoryEvent
}

func (c *fakeClient) GetWorkflowHistory(context.Context, string, string, bool, enumspb.HistoryEventFilterType) client.HistoryEventIterator {
	return &fakeHistory{events: c.history}
}

type fakeHistory struct{ events []*historypb.HistoryEvent }

func (h *fakeHistory) HasNext() bool { return len(h.events) > 0 }

func (h *fakeHistory) Next() (*historypb.HistoryEvent, error) {
	e := h.events[0]
	h.events = h.events[1:]
	return e, nil
}

func (c *fakeClient) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	c.started = append(c.started, o)
	c.startArgs = append(c.startArgs, args...)
	if c.startErr != nil {
		return nil, c.startErr
	}
	return c.run, nil
}

func (c *fakeClient) GetWorkflow(context.Context, string, string) client.WorkflowRun { return c.run }

func (c *fakeClient) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	if c.queryErr != nil {
		return nil, c.queryErr
	}
	return encodedValue{c.progress()}, nil
}

func (c *fakeClient) DescribeWorkflowExecution(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	if c.descErr != nil {
		return nil, c.descErr
	}
	return c.desc(), nil
}

// payloads encodes v as the server would carry it.
func payloads(t *testing.T, v any) *workflowpb.PendingActivityInfo {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayloads(v)
	if err != nil {
		t.Fatal(err)
	}
	return &workflowpb.PendingActivityInfo{HeartbeatDetails: p}
}

// received turns an error into what a client receives: details become
// encoded payloads, as they are after a trip through the server.
func received(err error) error {
	fc := temporal.GetDefaultFailureConverter()
	return fc.FailureToError(fc.ErrorToFailure(err))
}
