package client

import (
	"context"
	"net/http"
	"time"
)

// Source is a warehouse or other system Hightouch reads from.
type Source struct {
	ID            ID             `json:"id"`
	Name          string         `json:"name"`
	Slug          string         `json:"slug"`
	WorkspaceID   ID             `json:"workspaceId"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
	Type          string         `json:"type"`
	Configuration map[string]any `json:"configuration"`
}

// SourceCreate is the body of CreateSource; every field is required.
type SourceCreate struct {
	Name          string         `json:"name"`
	Slug          string         `json:"slug"`
	Type          string         `json:"type"`
	Configuration map[string]any `json:"configuration"`
}

// SourceUpdate is the body of UpdateSource; only set fields are sent.
type SourceUpdate struct {
	Name          *string        `json:"name,omitempty"`
	Configuration map[string]any `json:"configuration,omitempty"`
}

// ListSourceParams filters and pages ListSource.
type ListSourceParams struct {
	Name string `json:"name,omitempty"`
	Slug string `json:"slug,omitempty"`
	ListOptions
}

// CreateSource creates a source.
func (c *Client) CreateSource(ctx context.Context, body SourceCreate) (*Source, error) {
	return call[Source](ctx, c, request{operation: "CreateSource", method: http.MethodPost, path: "/sources", body: body})
}

// GetSource fetches a source by id.
func (c *Client) GetSource(ctx context.Context, sourceID ID) (*Source, error) {
	return call[Source](ctx, c, request{operation: "GetSource", method: http.MethodGet, path: pathf("/sources/%s", sourceID)})
}

// UpdateSource changes a source's name or configuration.
func (c *Client) UpdateSource(ctx context.Context, sourceID ID, body SourceUpdate) (*Source, error) {
	return call[Source](ctx, c, request{operation: "UpdateSource", method: http.MethodPatch, path: pathf("/sources/%s", sourceID), body: body})
}

// ListSource lists one page of sources.
func (c *Client) ListSource(ctx context.Context, params ListSourceParams) (*Page[Source], error) {
	q := params.ListOptions.values()
	setString(q, "name", params.Name)
	setString(q, "slug", params.Slug)
	return call[Page[Source]](ctx, c, request{operation: "ListSource", method: http.MethodGet, path: "/sources", query: q})
}
