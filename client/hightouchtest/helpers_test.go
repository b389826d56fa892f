package hightouchtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

// fakeClock is a manually advanced clock for WithClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

var epoch = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func newFakeClock() *fakeClock { return &fakeClock{t: epoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness talks to an emulator over real HTTP with plain net/http.
type harness struct {
	t     *testing.T
	emu   *hightouchtest.Emulator
	srv   *httptest.Server
	clock *fakeClock
}

func newHarness(t *testing.T, opts ...hightouchtest.Option) *harness {
	t.Helper()
	clock := newFakeClock()
	emu := hightouchtest.New(append([]hightouchtest.Option{hightouchtest.WithClock(clock.Now)}, opts...)...)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &harness{t: t, emu: emu, srv: srv, clock: clock}
}

// rawBody is sent as is, with contentType.
type rawBody struct {
	contentType string
	data        string
}

// send performs a request to path (below /api/v1 unless it starts with
// "/_emulator") with the default token.
func (h *harness) send(method, path string, body any) (int, http.Header, []byte) {
	return h.sendAs("Bearer "+hightouchtest.DefaultToken, method, path, body)
}

func (h *harness) sendAs(authorization, method, path string, body any) (int, http.Header, []byte) {
	h.t.Helper()
	var rd io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd, contentType = strings.NewReader(b.data), b.contentType
	default:
		data, err := json.Marshal(b)
		require.NoError(h.t, err)
		rd, contentType = bytes.NewReader(data), "application/json"
	}
	url := h.srv.URL + "/api/v1" + path
	if strings.HasPrefix(path, "/_emulator") {
		url = h.srv.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(h.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return resp.StatusCode, resp.Header, data
}

// call sends a request, requires the status and decodes the JSON body.
func (h *harness) call(method, path string, body any, wantStatus int) map[string]any {
	h.t.Helper()
	status, _, data := h.send(method, path, body)
	require.Equal(h.t, wantStatus, status, "body: %s", data)
	var out map[string]any
	require.NoError(h.t, json.Unmarshal(data, &out), "body: %s", data)
	return out
}

func (h *harness) get(path string) map[string]any {
	return h.call(http.MethodGet, path, nil, http.StatusOK)
}

// list fetches a list and returns its data rows.
func (h *harness) list(path string) []map[string]any {
	h.t.Helper()
	out := h.get(path)
	require.Contains(h.t, out, "hasMore")
	return rows(h.t, out)
}

func rows(t *testing.T, out map[string]any) []map[string]any {
	t.Helper()
	data, ok := out["data"].([]any)
	require.True(t, ok, "data is not an array: %v", out)
	res := make([]map[string]any, len(data))
	for i, d := range data {
		res[i] = d.(map[string]any)
	}
	return res
}

// trigger triggers a sync through TriggerRun and returns the run id.
func (h *harness) trigger(syncID int64) int64 {
	h.t.Helper()
	out := h.call(http.MethodPost, "/syncs/"+itoa(syncID)+"/trigger", nil, http.StatusOK)
	id, ok := out["id"].(string)
	require.True(h.t, ok, "trigger id must be a string: %v", out)
	return atoi(h.t, id)
}

// run fetches one run through ListSyncRuns?runId=.
func (h *harness) run(syncID, runID int64) map[string]any {
	h.t.Helper()
	data := h.list("/syncs/" + itoa(syncID) + "/runs?runId=" + itoa(runID))
	require.Len(h.t, data, 1)
	return data[0]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err, "not an integer: %q", s)
	return n
}

func num(v any) int64 { return int64(v.(float64)) }

// isoPattern is JavaScript's toISOString form.
const isoPattern = `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`
