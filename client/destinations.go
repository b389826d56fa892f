package client

import (
	"context"
	"net/http"
	"time"
)

// Destination is a business tool Hightouch writes to.
type Destination struct {
	ID            ID             `json:"id"`
	Name          string         `json:"name"`
	Slug          string         `json:"slug"`
	WorkspaceID   ID             `json:"workspaceId"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
	Type          string         `json:"type"`
	Configuration map[string]any `json:"configuration"`
	Syncs         []ID           `json:"syncs"`
}

// DestinationCreate is the body of CreateDestination; every field is required.
type DestinationCreate struct {
	Name          string         `json:"name"`
	Slug          string         `json:"slug"`
	Type          string         `json:"type"`
	Configuration map[string]any `json:"configuration"`
}

// DestinationUpdate is the body of UpdateDestination; only set fields are sent.
type DestinationUpdate struct {
	Name          *string        `json:"name,omitempty"`
	Configuration map[string]any `json:"configuration,omitempty"`
}

// ListDestinationParams filters and pages ListDestination.
type ListDestinationParams struct {
	Name string `json:"name,omitempty"`
	Slug string `json:"slug,omitempty"`
	ListOptions
}

// CreateDestination creates a destination.
func (c *Client) CreateDestination(ctx context.Context, body DestinationCreate) (*Destination, error) {
	return call[Destination](ctx, c, request{operation: "CreateDestination", method: http.MethodPost, path: "/destinations", body: body})
}

// GetDestination fetches a destination by id.
func (c *Client) GetDestination(ctx context.Context, destinationID ID) (*Destination, error) {
	return call[Destination](ctx, c, request{operation: "GetDestination", method: http.MethodGet, path: pathf("/destinations/%s", destinationID)})
}

// UpdateDestination changes a destination's name or configuration.
func (c *Client) UpdateDestination(ctx context.Context, destinationID ID, body DestinationUpdate) (*Destination, error) {
	return call[Destination](ctx, c, request{operation: "UpdateDestination", method: http.MethodPatch, path: pathf("/destinations/%s", destinationID), body: body})
}

// ListDestination lists one page of destinations.
func (c *Client) ListDestination(ctx context.Context, params ListDestinationParams) (*Page[Destination], error) {
	q := params.ListOptions.values()
	setString(q, "name", params.Name)
	setString(q, "slug", params.Slug)
	return call[Page[Destination]](ctx, c, request{operation: "ListDestination", method: http.MethodGet, path: "/destinations", query: q})
}
