package workflows

import (
	"net/url"
	"strings"
	"sync"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/client"
)

// Search attributes the workflows set as each becomes known, so that
// `temporal workflow list --query 'HightouchSyncId="42"'` and the UI's
// filter find every workflow of a sync. Register them on the namespace
// (Keyword); a worker on a namespace without them keeps working without.
var (
	SearchAttributeSyncID     = temporal.NewSearchAttributeKeyKeyword("HightouchSyncId")
	SearchAttributeSyncSlug   = temporal.NewSearchAttributeKeyKeyword("HightouchSyncSlug")
	SearchAttributeRunID      = temporal.NewSearchAttributeKeyKeyword("HightouchRunId")
	SearchAttributeSequenceID = temporal.NewSearchAttributeKeyKeyword("HightouchSequenceId")
	SearchAttributeStatus     = temporal.NewSearchAttributeKeyKeyword("HightouchStatus")
)

// SearchAttributeNames lists the search attributes, all of type Keyword.
var SearchAttributeNames = []string{
	SearchAttributeSyncID.GetName(), SearchAttributeSyncSlug.GetName(), SearchAttributeRunID.GetName(),
	SearchAttributeSequenceID.GetName(), SearchAttributeStatus.GetName(),
}

// Settings are the worker's settings the workflows use.
type Settings struct {
	// SearchAttributes says the namespace has the search attributes.
	SearchAttributes bool `json:"searchAttributes,omitempty"`
	// AppURL is the workspace's address in Hightouch's web app, e.g.
	// "https://app.hightouch.com/acme"; runs link there when it is set.
	AppURL string `json:"appUrl,omitempty"`
}

var (
	settingsMu sync.Mutex
	settings   Settings
)

// Configure sets the settings for the workflows this process runs; the
// worker calls it at start. A workflow records them when it begins, so that
// its replay does not depend on the worker that replays it.
func Configure(s Settings) {
	settingsMu.Lock()
	defer settingsMu.Unlock()
	s.AppURL = strings.TrimRight(s.AppURL, "/")
	settings = s
}

// loadSettings records the worker's settings in the workflow's history.
func loadSettings(ctx workflow.Context) Settings {
	var s Settings
	_ = workflow.SideEffect(ctx, func(workflow.Context) any {
		settingsMu.Lock()
		defer settingsMu.Unlock()
		return settings
	}).Get(&s)
	return s
}

// upsert sets search attributes when the namespace has them.
func (s Settings) upsert(ctx workflow.Context, updates ...temporal.SearchAttributeUpdate) {
	if !s.SearchAttributes || len(updates) == 0 {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("Could not set the workflow's search attributes", "error", err)
	}
}

// syncRunURL is the run's page in Hightouch's web app ("" without AppURL).
func (s Settings) syncRunURL(syncID client.ID, runID client.RunID) string {
	if s.AppURL == "" || syncID == 0 || runID == "" {
		return ""
	}
	return s.AppURL + "/syncs/" + url.PathEscape(syncID.String()) + "/runs/" + url.PathEscape(string(runID))
}

// sequenceRunURL is the sequence run's page in Hightouch's web app.
func (s Settings) sequenceRunURL(sequenceID, runID string) string {
	if s.AppURL == "" || sequenceID == "" || runID == "" {
		return ""
	}
	return s.AppURL + "/sequences/" + url.PathEscape(sequenceID) + "/runs/" + url.PathEscape(runID)
}
