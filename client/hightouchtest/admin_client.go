package hightouchtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// AdminClient drives a standalone emulator's admin API from another process
// (end-to-end tests, the chaos run).
type AdminClient struct {
	// BaseURL is the emulator's root, e.g. "http://127.0.0.1:8787".
	BaseURL string
	HTTP    *http.Client
}

// NewAdminClient returns a client for the emulator at baseURL; a trailing
// "/api/v1" is accepted and ignored.
func NewAdminClient(baseURL string) *AdminClient {
	baseURL = strings.TrimSuffix(strings.TrimRight(baseURL, "/"), "/api/v1")
	return &AdminClient{BaseURL: baseURL, HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// NewSync creates a sync (with its source, model and destination) running sc.
func (c *AdminClient) NewSync(ctx context.Context, slug string, sc Scenario) (int64, error) {
	var out struct {
		ID int64 `json:"id"`
	}
	err := c.do(ctx, http.MethodPost, "/_emulator/syncs", map[string]any{"slug": slug, "scenario": sc}, &out)
	return out.ID, err
}

// NewSequence registers a sequence of syncs and returns its id.
func (c *AdminClient) NewSequence(ctx context.Context, id string, syncIDs ...int64) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	err := c.do(ctx, http.MethodPost, "/_emulator/sequences", map[string]any{"id": id, "syncIds": syncIDs}, &out)
	return out.ID, err
}

// SetFaults replaces the fault configuration.
func (c *AdminClient) SetFaults(ctx context.Context, f Faults) error {
	return c.do(ctx, http.MethodPut, "/_emulator/faults", f, nil)
}

// Stats returns the counters.
func (c *AdminClient) Stats(ctx context.Context) (AdminStats, error) {
	var out AdminStats
	err := c.do(ctx, http.MethodGet, "/_emulator/stats", nil, &out)
	return out, err
}

// Runs returns every run of a sync, oldest first.
func (c *AdminClient) Runs(ctx context.Context, syncID int64) ([]RunInfo, error) {
	var out []RunInfo
	err := c.do(ctx, http.MethodGet, fmt.Sprintf("/_emulator/syncs/%d/runs", syncID), nil, &out)
	return out, err
}

// SequenceRuns returns every run of a sequence, oldest first.
func (c *AdminClient) SequenceRuns(ctx context.Context, sequenceID string) ([]SequenceRunInfo, error) {
	var out []SequenceRunInfo
	err := c.do(ctx, http.MethodGet, "/_emulator/sequences/"+sequenceID+"/runs", nil, &out)
	return out, err
}

func (c *AdminClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("emulator admin %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("emulator admin %s %s: HTTP %d: %s", method, path, res.StatusCode, strings.TrimSpace(string(b)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
