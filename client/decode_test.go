package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
)

// serve answers every request with status and body, recording the last
// request so tests can inspect what the client sent.
type recorded struct {
	method, path, query, body string
	header                    http.Header
}

func serve(t *testing.T, status int, body string, headers ...string) (*client.Client, *recorded) {
	t.Helper()
	rec := &recorded{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		*rec = recorded{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, body: string(b), header: r.Header.Clone()}
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return client.New(client.WithSecurity("secret-token"), client.WithServerURL(srv.URL+"/api/v1/")), rec
}

func TestDecodesUnknownFieldsAndStringIDs(t *testing.T) {
	c, _ := serve(t, 200, `{"data":[{
		"id":"42","slug":"s","workspaceId":"7","createdAt":"2022-02-16T21:37:58.510Z","updatedAt":"2022-02-16T21:37:58.510Z",
		"destinationId":3,"modelId":"4","configuration":{"mode":"upsert"},"schedule":null,"status":"success",
		"disabled":false,"lastRunAt":null,"referencedColumns":["id"],"primaryKey":"id",
		"externalSegment":{},"tags":{"team":"growth"},"brandNewField":{"nested":[1,2,3]},"anotherOne":"x"}],
		"hasMore":false,"nextCursor":"ignored"}`)
	page, err := c.ListSync(context.Background(), client.ListSyncParams{})
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	s := page.Data[0]
	require.Equal(t, client.ID(42), s.ID)
	require.Equal(t, client.ID(7), s.WorkspaceID)
	require.Equal(t, client.ID(4), s.ModelID)
	require.Nil(t, s.Schedule)
	require.Nil(t, s.LastRunAt)
	require.Equal(t, client.SyncStatus("success"), s.Status)
	require.Equal(t, "growth", s.Tags["team"])
}

func TestDecodesRunWithNullsAndFractionalRatio(t *testing.T) {
	c, _ := serve(t, 200, `{"data":[{"id":123,"createdAt":"2024-01-02T03:04:05.000Z","startedAt":null,"finishedAt":null,
		"querySize":0,"status":"processing","completionRatio":0.54,"plannedRows":{"addedCount":1,"changedCount":2,"removedCount":3},
		"successfulRows":{"addedCount":1,"changedCount":0,"removedCount":0},"failedRows":{"addedCount":0,"changedCount":0,"removedCount":0},
		"error":null,"somethingNew":true}],"hasMore":false}`)
	run, err := c.GetSyncRun(context.Background(), 9, "123")
	require.NoError(t, err)
	require.NotNil(t, run)
	require.Equal(t, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), run.CreatedAt.UTC())
	require.Nil(t, run.StartedAt)
	require.Nil(t, run.FinishedAt)
	require.InDelta(t, 0.54, run.CompletionRatio, 1e-9)
	require.Equal(t, int64(6), run.PlannedRows.Total())
	require.Empty(t, run.Error)
	require.True(t, run.Status.InProgress())
}

func TestDecodesRunWithEmptyTimestamps(t *testing.T) {
	c, _ := serve(t, 200, `{"data":[{"id":7,"createdAt":"2024-01-02T03:04:05Z","startedAt":"","finishedAt":"2024-01-02T03:09:05.5+00:00","status":"success"}]}`)
	run, err := c.GetSyncRun(context.Background(), 9, "7")
	require.NoError(t, err)
	require.Nil(t, run.StartedAt)
	require.Equal(t, time.Date(2024, 1, 2, 3, 9, 5, 5e8, time.UTC), run.FinishedAt.UTC())
}

func TestGetSyncRunNotYetListed(t *testing.T) {
	c, rec := serve(t, 200, `{"data":[],"hasMore":false}`)
	run, err := c.GetSyncRun(context.Background(), 9, "123")
	require.NoError(t, err)
	require.Nil(t, run)
	require.Equal(t, "/api/v1/syncs/9/runs", rec.path)
	require.Equal(t, "runId=123", rec.query)
}

func TestDecodesSequenceRunTimestamps(t *testing.T) {
	c, _ := serve(t, 200, `{"id":"0cb7da35-1fff-4d4a-bf1b-6534d515e5b5","status":"running","syncRuns":[
		{"syncId":3093,"status":"success","finishedAt":"2023-10-17T11:06:01.713+00:00","syncRunId":6134},
		{"syncId":"1960","status":"querying","finishedAt":"","syncRunId":"6148"},
		{"syncId":1961,"status":"queued","finishedAt":null,"syncRunId":6149}]}`)
	run, err := c.GetSyncSequenceRun(context.Background(), "0cb7da35-1fff-4d4a-bf1b-6534d515e5b5")
	require.NoError(t, err)
	require.Len(t, run.SyncRuns, 3)
	require.Equal(t, time.Date(2023, 10, 17, 11, 6, 1, 713e6, time.UTC), run.SyncRuns[0].FinishedAt.UTC())
	require.Equal(t, client.ID(1960), run.SyncRuns[1].SyncID)
	require.Equal(t, client.ID(6148), run.SyncRuns[1].SyncRunID)
	require.Nil(t, run.SyncRuns[1].FinishedAt)
	require.Nil(t, run.SyncRuns[2].FinishedAt)
}

func TestTriggerRunIDAcceptsNumberOrString(t *testing.T) {
	for _, body := range []string{`{"id":"123"}`, `{"id":123}`} {
		c, rec := serve(t, 200, body)
		out, err := c.TriggerRun(context.Background(), 5, client.TriggerRunBody{FullResync: true})
		require.NoError(t, err)
		require.Equal(t, client.RunID("123"), out.ID)
		require.Equal(t, "/api/v1/syncs/5/trigger", rec.path)
		require.JSONEq(t, `{"fullResync":true}`, rec.body)
	}
}

func TestRequestsCarryOnlySetFields(t *testing.T) {
	c, rec := serve(t, 200, `{"id":1}`)
	ctx := context.Background()

	_, err := c.UpdateSync(ctx, 1, client.SyncUpdate{Disabled: client.Ptr(true)})
	require.NoError(t, err)
	require.Equal(t, http.MethodPatch, rec.method)
	require.JSONEq(t, `{"disabled":true}`, rec.body)

	_, err = c.UpdateSync(ctx, 1, client.SyncUpdate{Schedule: client.Null[client.Schedule]()})
	require.NoError(t, err)
	require.JSONEq(t, `{"schedule":null}`, rec.body)

	_, err = c.UpdateSync(ctx, 1, client.SyncUpdate{Schedule: client.Value(*client.CronSchedule("0 * * * *"))})
	require.NoError(t, err)
	require.JSONEq(t, `{"schedule":{"type":"cron","schedule":{"expression":"0 * * * *"}}}`, rec.body)

	_, err = c.UpdateModel(ctx, 1, client.ModelUpdate{Name: client.Ptr("n")})
	require.NoError(t, err)
	require.JSONEq(t, `{"name":"n"}`, rec.body)

	_, err = c.TriggerRun(ctx, 1, client.TriggerRunBody{})
	require.NoError(t, err)
	require.JSONEq(t, `{}`, rec.body)

	_, err = c.TriggerRunCustom(ctx, client.TriggerRunCustomBody{SyncID: 77, TriggerRunBody: client.TriggerRunBody{ResetCDC: true}})
	require.NoError(t, err)
	require.JSONEq(t, `{"syncId":"77","resetCDC":true}`, rec.body)

	_, err = c.CreateSync(ctx, client.SyncCreate{Slug: "s", DestinationID: 1, ModelID: 2, Configuration: map[string]any{}})
	require.NoError(t, err)
	require.JSONEq(t, `{"slug":"s","destinationId":1,"modelId":2,"configuration":{},"schedule":null,"disabled":false}`, rec.body)
}

func TestSendsAuthAndUserAgent(t *testing.T) {
	c, rec := serve(t, 200, `{"id":1}`)
	_, err := c.GetSource(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, "Bearer secret-token", rec.header.Get("Authorization"))
	require.Contains(t, rec.header.Get("User-Agent"), "hightouch-temporal/"+client.Version)
	require.Equal(t, "application/json", rec.header.Get("Accept"))
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		headers    []string
		validation bool
		message    string
		retryAfter time.Duration
	}{
		{name: "conflict", status: 409, body: `{"message":"Validation failed","details":{"body.slug":{"message":"slug already exists","value":"x"}}}`, validation: true, message: "body.slug: slug already exists"},
		{name: "unprocessable", status: 422, body: `{"message":"Validation failed","details":{"path.syncId":{"message":"invalid float number"}}}`, validation: true, message: "path.syncId: invalid float number"},
		{name: "unprocessable without envelope", status: 422, body: `"nope"`, validation: true, message: "nope"},
		{name: "unauthorized", status: 401, body: `{"message":"Authentication error","details":"Token is invalid"}`, message: "Authentication error: Token is invalid"},
		{name: "not found", status: 404, body: ``, message: "Not Found"},
		{name: "server error bare string", status: 500, body: `"Internal Server Error"`, message: "Internal Server Error"},
		{name: "rate limited seconds", status: 429, body: `{"error":"slow down"}`, headers: []string{"Retry-After", "7"}, message: "slow down", retryAfter: 7 * time.Second},
		{name: "rate limited no header", status: 429, body: `{"error":"slow down"}`, message: "slow down"},
		{name: "bad gateway html", status: 502, body: `<html>bad gateway</html>`, message: "bad gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := serve(t, tt.status, tt.body, tt.headers...)
			out, err := c.GetSync(context.Background(), 1)
			require.Nil(t, out, "a call returns a result or an error, never both")
			require.Error(t, err)
			require.Equal(t, tt.status, client.StatusCode(err))
			require.Contains(t, err.Error(), tt.message)
			var v *client.ValidateErrorJSON
			var s *client.SDKError
			if tt.validation {
				require.ErrorAs(t, err, &v)
				require.False(t, errors.As(err, &s))
				return
			}
			require.ErrorAs(t, err, &s)
			require.False(t, errors.As(err, &v))
			require.Equal(t, tt.retryAfter, s.RetryAfter)
		})
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	when := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	c, _ := serve(t, 429, `{}`, "Retry-After", when)
	_, err := c.GetSync(context.Background(), 1)
	var s *client.SDKError
	require.ErrorAs(t, err, &s)
	require.InDelta(t, 90, s.RetryAfter.Seconds(), 3)
}

func TestTokenNeverInErrors(t *testing.T) {
	c, _ := serve(t, 500, `{"message":"bad token secret-token"}`)
	_, err := c.GetSync(context.Background(), 1)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secret-token")
	var s *client.SDKError
	require.ErrorAs(t, err, &s)
	require.NotContains(t, s.Body, "secret-token")

	// A transport that echoes the request's headers in its error.
	leaky := doerFunc(func(r *http.Request) (*http.Response, error) {
		return nil, errors.New("dial failed for " + r.Header.Get("Authorization"))
	})
	c = client.New(client.WithSecurity("secret-token"), client.WithClient(leaky))
	_, err = c.GetSync(context.Background(), 1)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secret-token")
	var te *client.TransportError
	require.ErrorAs(t, err, &te)
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func TestWithClientAndServerIndex(t *testing.T) {
	var got string
	c := client.New(client.WithServerIndex(0), client.WithClient(doerFunc(func(r *http.Request) (*http.Response, error) {
		got = r.URL.String()
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"id":"1"}`)), Header: http.Header{}}, nil
	})))
	out, err := c.TriggerSequenceRun(context.Background(), "seq-1")
	require.NoError(t, err)
	require.Equal(t, "1", out.ID)
	require.Equal(t, "https://api.hightouch.com/api/v1/sync-sequences/seq-1/trigger", got)
	require.Equal(t, client.DefaultServerURL, c.ServerURL())
}

func TestContextCancellation(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	c := client.New(client.WithServerURL(srv.URL))

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ListSource(ctx, client.ListSourceParams{})
	require.Error(t, err)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestDecodeErrorOnGarbage(t *testing.T) {
	c, _ := serve(t, 200, `{"id": {`)
	out, err := c.GetSync(context.Background(), 1)
	require.Nil(t, out)
	var de *client.DecodeError
	require.ErrorAs(t, err, &de)
}

func TestIDDecoding(t *testing.T) {
	tests := []struct {
		in      string
		want    client.ID
		wantErr bool
	}{
		{`1`, 1, false}, {`"1"`, 1, false}, {`1.0`, 1, false}, {`null`, 0, false},
		{`"abc"`, 0, true}, {`-1`, 0, true}, {`1.5`, 0, true}, {`""`, 0, true}, {`true`, 0, true}, {`"-3"`, 0, true},
	}
	for _, tt := range tests {
		var id client.ID
		err := json.Unmarshal([]byte(tt.in), &id)
		if tt.wantErr {
			require.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, id, tt.in)
	}
}

func TestErrorBodiesIn200(t *testing.T) {
	ctx := context.Background()
	calls := map[string]func(*client.Client) (bool, error){
		"CreateSync": func(c *client.Client) (bool, error) {
			out, err := c.CreateSync(ctx, client.SyncCreate{Slug: "s"})
			return out != nil, err
		},
		"UpdateModel": func(c *client.Client) (bool, error) {
			out, err := c.UpdateModel(ctx, 1, client.ModelUpdate{Name: client.Ptr("n")})
			return out != nil, err
		},
		"TriggerRunCustom": func(c *client.Client) (bool, error) {
			out, err := c.TriggerRunCustom(ctx, client.TriggerRunCustomBody{SyncSlug: "s"})
			return out != nil, err
		},
		"TriggerSequenceRun": func(c *client.Client) (bool, error) {
			out, err := c.TriggerSequenceRun(ctx, "seq")
			return out != nil, err
		},
	}
	const (
		validation = "validation"
		internal   = "internal"
		noID       = "no id"
	)
	tests := []struct {
		name, body, kind, message string
	}{
		{"validation envelope", `{"message":"Validation failed","details":{"body.slug":{"message":"taken"}}}`, validation, "body.slug: taken"},
		{"validation with text details", `{"message":"Validation failed","details":"slug is taken"}`, validation, "slug is taken"},
		{"internal error string", `"Internal Server Error"`, internal, "Internal Server Error"},
		{"message only", `{"message":"Internal Server Error"}`, internal, "Internal Server Error"},
		{"error envelope", `{"error":"try later"}`, internal, "try later"},
		{"empty object", `{}`, noID, "decoding response"},
		{"null", `null`, noID, "decoding response"},
		{"zero id", `{"id":0,"slug":"s"}`, noID, "decoding response"},
		{"empty string id", `{"id":""}`, noID, "decoding response"},
	}
	for _, tt := range tests {
		for op, call := range calls {
			t.Run(tt.name+"/"+op, func(t *testing.T) {
				c, _ := serve(t, 200, tt.body)
				got, err := call(c)
				require.False(t, got, "a call returns a result or an error, never both")
				require.Error(t, err)
				require.Contains(t, err.Error(), tt.message)
				var v *client.ValidateErrorJSON
				var s *client.SDKError
				var de *client.DecodeError
				switch tt.kind {
				case validation:
					require.ErrorAs(t, err, &v)
					require.Equal(t, op, v.Operation)
					require.Equal(t, 200, client.StatusCode(err))
					require.False(t, client.MayHaveBeenActedOn(err), "a validation error is a refusal")
				case internal:
					require.ErrorAs(t, err, &s)
					require.Equal(t, 200, client.StatusCode(err))
					require.True(t, client.MayHaveBeenActedOn(err), "an internal error may come after the work")
				case noID:
					require.ErrorAs(t, err, &de)
					require.Equal(t, 200, de.StatusCode)
					require.True(t, client.MayHaveBeenActedOn(err))
				}
			})
		}
	}
}

func TestValidationDetailsOfAnyType(t *testing.T) {
	for _, tt := range []struct {
		details string
		want    any
		message string
	}{
		{`{"body.slug":{"message":"taken","value":"x"}}`, map[string]any{"body.slug": map[string]any{"message": "taken", "value": "x"}}, "body.slug: taken"},
		{`"slug is taken"`, "slug is taken", "Validation failed: slug is taken"},
		{`["slug","name"]`, []any{"slug", "name"}, `["slug","name"]`},
		{`42`, float64(42), "42"},
		{`null`, nil, "HTTP 422: Validation failed"},
	} {
		c, _ := serve(t, 422, `{"message":"Validation failed","details":`+tt.details+`}`)
		_, err := c.CreateSource(context.Background(), client.SourceCreate{})
		var v *client.ValidateErrorJSON
		require.ErrorAs(t, err, &v)
		require.Equal(t, tt.want, v.Details, tt.details)
		require.Contains(t, err.Error(), tt.message)
	}
}

func TestMayHaveBeenActedOn(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		want   bool
	}{
		{500, `"Internal Server Error"`, true},
		{502, `<html>bad gateway</html>`, true},
		{422, `{"message":"Validation failed","details":{}}`, false},
		{409, `{"message":"Validation failed","details":{}}`, false},
		{429, `{"error":"slow down"}`, false},
		{404, ``, false},
		{401, `{"message":"Authentication error"}`, false},
	} {
		c, _ := serve(t, tt.status, tt.body)
		_, err := c.TriggerRun(context.Background(), 1, client.TriggerRunBody{})
		require.Equal(t, tt.want, client.MayHaveBeenActedOn(err), "%d %s", tt.status, tt.body)
	}
	require.False(t, client.MayHaveBeenActedOn(nil))
	require.True(t, client.MayHaveBeenActedOn(&client.TransportError{Err: errors.New("connection reset")}))
}
