package client

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// Page is one page of a list operation.
type Page[T any] struct {
	Data []T `json:"data"`
	// HasMore is true when rows exist beyond this page. ListSource,
	// ListDestination and ListModel may leave it out; Next then falls back to
	// a full page meaning "maybe more".
	HasMore *bool `json:"hasMore,omitempty"`
}

// ListOptions pages and orders a list operation.
type ListOptions struct {
	Offset  int    `json:"offset,omitempty"`
	Limit   int    `json:"limit,omitempty"` // server default 100
	OrderBy string `json:"orderBy,omitempty"`
}

func (o ListOptions) values() url.Values {
	q := url.Values{}
	if o.Offset > 0 {
		q.Set("offset", strconv.Itoa(o.Offset))
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	setString(q, "orderBy", o.OrderBy)
	return q
}

// more reports whether another page may follow one of n rows asked for with
// the given limit.
func (p *Page[T]) more(limit int) bool {
	if p.HasMore != nil {
		return *p.HasMore && len(p.Data) > 0
	}
	if limit <= 0 {
		limit = defaultPageSize
	}
	return len(p.Data) >= limit
}

const defaultPageSize = 100

// paginate walks every page of a list operation from opts.Offset, yielding
// each row; it stops at the first error, which it yields once.
func paginate[T any](ctx context.Context, opts *ListOptions, list func(context.Context) (*Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			page, err := list(ctx)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, row := range page.Data {
				if !yield(row, nil) {
					return
				}
			}
			if !page.more(opts.Limit) {
				return
			}
			opts.Offset += len(page.Data)
		}
	}
}

// AllSources iterates over every source matching params, page by page.
func (c *Client) AllSources(ctx context.Context, params ListSourceParams) iter.Seq2[Source, error] {
	return paginate(ctx, &params.ListOptions, func(ctx context.Context) (*Page[Source], error) { return c.ListSource(ctx, params) })
}

// AllDestinations iterates over every destination matching params.
func (c *Client) AllDestinations(ctx context.Context, params ListDestinationParams) iter.Seq2[Destination, error] {
	return paginate(ctx, &params.ListOptions, func(ctx context.Context) (*Page[Destination], error) { return c.ListDestination(ctx, params) })
}

// AllModels iterates over every model matching params.
func (c *Client) AllModels(ctx context.Context, params ListModelParams) iter.Seq2[Model, error] {
	return paginate(ctx, &params.ListOptions, func(ctx context.Context) (*Page[Model], error) { return c.ListModel(ctx, params) })
}

// AllSyncs iterates over every sync matching params.
func (c *Client) AllSyncs(ctx context.Context, params ListSyncParams) iter.Seq2[Sync, error] {
	return paginate(ctx, &params.ListOptions, func(ctx context.Context) (*Page[Sync], error) { return c.ListSync(ctx, params) })
}

// AllSyncRuns iterates over every run of a sync matching params.
func (c *Client) AllSyncRuns(ctx context.Context, params ListSyncRunsParams) iter.Seq2[SyncRun, error] {
	return paginate(ctx, &params.ListOptions, func(ctx context.Context) (*Page[SyncRun], error) { return c.ListSyncRuns(ctx, params) })
}

func setString(q url.Values, key, v string) {
	if v != "" {
		q.Set(key, v)
	}
}
