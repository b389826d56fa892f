package activities

import (
	"context"

	"github.com/hightouch-temporal/hightouch-temporal/client"
)

// run finishes every operation the same way: an input that failed to decode
// fails at once, then the call's error is classified.
func run[T any](ctx context.Context, decodeErr error, check func() error, call func() (*T, error)) (*T, error) {
	if decodeErr != nil {
		return nil, invalidInput(decodeErr)
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, err
		}
	}
	out, err := call()
	if err != nil {
		return nil, classify(ctx, err)
	}
	return out, nil
}

// CreateDestination creates a destination.
func (a *Activities) CreateDestination(ctx context.Context, in CreateDestinationInput) (*client.Destination, error) {
	return run(ctx, in.DecodeError(), nil, func() (*client.Destination, error) {
		return a.Client.CreateDestination(ctx, in.DestinationCreate)
	})
}

// CreateModel creates a model.
func (a *Activities) CreateModel(ctx context.Context, in CreateModelInput) (*client.Model, error) {
	return run(ctx, in.DecodeError(), nil, func() (*client.Model, error) {
		return a.Client.CreateModel(ctx, in.ModelCreate, client.CreateModelParams{SkipColumnQuery: in.SkipColumnQuery})
	})
}

// CreateSource creates a source.
func (a *Activities) CreateSource(ctx context.Context, in CreateSourceInput) (*client.Source, error) {
	return run(ctx, in.DecodeError(), nil, func() (*client.Source, error) {
		return a.Client.CreateSource(ctx, in.SourceCreate)
	})
}

// CreateSync creates a sync.
func (a *Activities) CreateSync(ctx context.Context, in CreateSyncInput) (*client.Sync, error) {
	return run(ctx, in.DecodeError(), nil, func() (*client.Sync, error) {
		return a.Client.CreateSync(ctx, in.SyncCreate)
	})
}

// GetDestination fetches a destination.
func (a *Activities) GetDestination(ctx context.Context, in GetDestinationInput) (*client.Destination, error) {
	return run(ctx, in.DecodeError(), func() error { return requireID("destinationId", in.DestinationID) }, func() (*client.Destination, error) {
		return a.Client.GetDestination(ctx, in.DestinationID)
	})
}

// GetModel fetches a model.
func (a *Activities) GetModel(ctx context.Context, in GetModelInput) (*client.Model, error) {
	return run(ctx, in.DecodeError(), func() error { return requireID("modelId", in.ModelID) }, func() (*client.Model, error) {
		return a.Client.GetModel(ctx, in.ModelID)
	})
}

// GetSource fetches a source.
func (a *Activities) GetSource(ctx context.Context, in GetSourceInput) (*client.Source, error) {
	return run(ctx, in.DecodeError(), func() error { return requireID("sourceId", in.SourceID) }, func() (*client.Source, error) {
		return a.Client.GetSource(ctx, in.SourceID)
	})
}

// GetSync fetches a sync.
func (a *Activities) GetSync(ctx context.Context, in GetSyncInput) (*client.Sync, error) {
	return run(ctx, in.DecodeError(), func() error { return requireID("syncId", in.SyncID) }, func() (*client.Sync, error) {
		return a.Client.GetSync(ctx, in.SyncID)
	})
}

// GetSyncSequenceRun fetches the state of a sequence run.
func (a *Activities) GetSyncSequenceRun(ctx context.Context, in GetSyncSequenceRunInput) (*client.SyncSequenceRun, error) {
	check := func() error {
		return requireString("syncSequenceRunId", in.SyncSequenceRunID, "the sequence run id a trigger returned")
	}
	return run(ctx, in.DecodeError(), check, func() (*client.SyncSequenceRun, error) {
		return a.Client.GetSyncSequenceRun(ctx, in.SyncSequenceRunID)
	})
}

// ListDestination lists one page of destinations.
func (a *Activities) ListDestination(ctx context.Context, in ListDestinationInput) (*client.Page[client.Destination], error) {
	return run(ctx, in.DecodeError(), func() error { return checkList(in.ListOptions) }, func() (*client.Page[client.Destination], error) {
		return a.Client.ListDestination(ctx, in.ListDestinationParams)
	})
}

// ListModel lists one page of models.
func (a *Activities) ListModel(ctx context.Context, in ListModelInput) (*client.Page[client.Model], error) {
	return run(ctx, in.DecodeError(), func() error { return checkList(in.ListOptions) }, func() (*client.Page[client.Model], error) {
		return a.Client.ListModel(ctx, in.ListModelParams)
	})
}

// ListSource lists one page of sources.
func (a *Activities) ListSource(ctx context.Context, in ListSourceInput) (*client.Page[client.Source], error) {
	return run(ctx, in.DecodeError(), func() error { return checkList(in.ListOptions) }, func() (*client.Page[client.Source], error) {
		return a.Client.ListSource(ctx, in.ListSourceParams)
	})
}

// ListSync lists one page of syncs.
func (a *Activities) ListSync(ctx context.Context, in ListSyncInput) (*client.Page[client.Sync], error) {
	return run(ctx, in.DecodeError(), func() error { return checkList(in.ListOptions) }, func() (*client.Page[client.Sync], error) {
		return a.Client.ListSync(ctx, in.ListSyncParams)
	})
}

// ListSyncRuns lists one page of a sync's runs.
func (a *Activities) ListSyncRuns(ctx context.Context, in ListSyncRunsInput) (*client.Page[client.SyncRun], error) {
	check := func() error {
		if err := requireID("syncId", in.SyncID); err != nil {
			return err
		}
		return checkList(in.ListOptions)
	}
	return run(ctx, in.DecodeError(), check, func() (*client.Page[client.SyncRun], error) {
		return a.Client.ListSyncRuns(ctx, in.ListSyncRunsParams)
	})
}

// UpdateDestination changes a destination.
func (a *Activities) UpdateDestination(ctx context.Context, in UpdateDestinationInput) (*client.Destination, error) {
	return run(ctx, in.DecodeError(), func() error { return requireID("destinationId", in.DestinationID) }, func() (*client.Destination, error) {
		return a.Client.UpdateDestination(ctx, in.DestinationID, in.DestinationUpdate)
	})
}

// UpdateModel changes a model.
func (a *Activities) UpdateModel(ctx context.Context, in UpdateModelInput) (*client.Model, error) {
	return run(ctx, in.DecodeError(), func() error { return requireID("modelId", in.ModelID) }, func() (*client.Model, error) {
		return a.Client.UpdateModel(ctx, in.ModelID, in.ModelUpdate)
	})
}

// UpdateSource changes a source.
func (a *Activities) UpdateSource(ctx context.Context, in UpdateSourceInput) (*client.Source, error) {
	return run(ctx, in.DecodeError(), func() error { return requireID("sourceId", in.SourceID) }, func() (*client.Source, error) {
		return a.Client.UpdateSource(ctx, in.SourceID, in.SourceUpdate)
	})
}

// UpdateSync changes a sync.
func (a *Activities) UpdateSync(ctx context.Context, in UpdateSyncInput) (*client.Sync, error) {
	return run(ctx, in.DecodeError(), func() error { return requireID("syncId", in.SyncID) }, func() (*client.Sync, error) {
		return a.Client.UpdateSync(ctx, in.SyncID, in.SyncUpdate)
	})
}

// checkList rejects paging values the API would refuse anyway.
func checkList(o client.ListOptions) error {
	if o.Offset < 0 {
		return invalidInput(fieldProblem("offset", "must be zero or more"))
	}
	if o.Limit < 0 {
		return invalidInput(fieldProblem("limit", "must be a positive number of rows"))
	}
	return nil
}
