package client_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hightouch-temporal/hightouch-temporal/client"
)

// FuzzDecodeResponses feeds arbitrary bodies and status codes to the client
// as Hightouch answers: it must return a result or an error, never both,
// never a resource or run without its id, never panic, and never leak the
// token.
func FuzzDecodeResponses(f *testing.F) {
	f.Add(200, []byte(`{"data":[{"id":"1","status":"success","completionRatio":0.5,"startedAt":null}],"hasMore":false}`))
	f.Add(200, []byte(`{"id":"0cb7","status":"done","syncRuns":[{"syncId":"1","syncRunId":2,"status":"warning","finishedAt":"2023-10-17T11:06:01.713+00:00"}]}`))
	f.Add(500, []byte(`"Internal Server Error"`))
	f.Add(422, []byte(`{"message":"Validation failed","details":{"body.slug":{"message":"x"}}}`))
	f.Add(429, []byte(`{"error":"slow down"}`))
	f.Add(200, []byte(`{"id":1e400}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		c := client.New(client.WithSecurity("fuzz-token"), client.WithClient(doerFunc(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(string(body))), Header: http.Header{"Retry-After": {"5"}}}, nil
		})))
		ctx := context.Background()
		check := func(ok bool, err error) {
			if ok == (err != nil) {
				t.Fatalf("a call must return a result or an error, never both or neither: ok=%v err=%v", ok, err)
			}
			if err != nil && strings.Contains(err.Error(), "fuzz-token") {
				t.Fatalf("token in error: %v", err)
			}
		}
		runs, err := c.ListSyncRuns(ctx, client.ListSyncRunsParams{SyncID: 1})
		check(runs != nil, err)
		syncs, err := c.ListSync(ctx, client.ListSyncParams{})
		check(syncs != nil, err)
		seq, err := c.GetSyncSequenceRun(ctx, "x")
		check(seq != nil, err)
		model, err := c.GetModel(ctx, 1)
		check(model != nil, err)
		trig, err := c.TriggerRun(ctx, 1, client.TriggerRunBody{})
		check(trig != nil, err)
		if model != nil && model.ID == 0 || trig != nil && (trig.ID == "" || trig.ID == "0") || seq != nil && seq.ID == "" {
			t.Fatalf("a result without its id: model=%v trigger=%v sequence=%v", model, trig, seq)
		}
		if runs != nil {
			for _, r := range runs.Data {
				_ = r.Status.Terminal()
				_ = r.PlannedRows.Total()
			}
		}
	})
}
