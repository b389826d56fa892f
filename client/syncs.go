package client

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// Sync sends a model's rows to a destination.
type Sync struct {
	ID                ID                `json:"id"`
	Slug              string            `json:"slug"`
	WorkspaceID       ID                `json:"workspaceId"`
	CreatedAt         time.Time         `json:"createdAt"`
	UpdatedAt         time.Time         `json:"updatedAt"`
	DestinationID     ID                `json:"destinationId"`
	ModelID           ID                `json:"modelId"`
	Configuration     map[string]any    `json:"configuration"`
	Schedule          *Schedule         `json:"schedule"` // nil: manual
	Status            SyncStatus        `json:"status"`
	Disabled          bool              `json:"disabled"`
	LastRunAt         *time.Time        `json:"lastRunAt"`
	ReferencedColumns []string          `json:"referencedColumns"`
	PrimaryKey        string            `json:"primaryKey"`
	ExternalSegment   *ExternalSegment  `json:"externalSegment,omitempty"`
	Tags              map[string]string `json:"tags,omitempty"`
}

// ExternalSegment identifies the segment a sync maintains in the destination.
type ExternalSegment struct {
	ID string `json:"id,omitempty"`
}

// Schedule is when Hightouch runs a sync on its own. A nil *Schedule means
// manual: the sync runs only when triggered.
type Schedule struct {
	Type     string          `json:"type"`
	Schedule ScheduleVariant `json:"schedule"`
}

// ScheduleVariant holds one of the four schedule kinds; the API tells them
// apart by which key is present.
type ScheduleVariant struct {
	Interval    *Interval              `json:"interval,omitempty"`
	Expression  string                 `json:"expression,omitempty"`
	Expressions []VisualCronExpression `json:"expressions,omitempty"`
	Account     *DBTRef                `json:"account,omitempty"`
	Job         *DBTRef                `json:"job,omitempty"`
}

// Interval runs a sync every Quantity units.
type Interval struct {
	Unit     IntervalUnit `json:"unit"`
	Quantity int64        `json:"quantity"`
}

// IntervalUnit is the unit of an interval schedule.
type IntervalUnit string

// Interval units.
const (
	IntervalMinute IntervalUnit = "minute"
	IntervalHour   IntervalUnit = "hour"
	IntervalDay    IntervalUnit = "day"
	IntervalWeek   IntervalUnit = "week"
)

// VisualCronExpression runs a sync at a time of day on chosen weekdays.
type VisualCronExpression struct {
	Days map[string]bool `json:"days"` // "monday" ... "sunday"
	Time string          `json:"time"` // "08:30"
}

// DBTRef names a dbt Cloud account or job.
type DBTRef struct {
	ID string `json:"id"`
}

// Schedule types. Only "interval" appears in the reference; the others are
// the names the Hightouch UI uses for the same kinds.
const (
	ScheduleTypeInterval   = "interval"
	ScheduleTypeCron       = "cron"
	ScheduleTypeVisualCron = "visual"
	ScheduleTypeDBT        = "dbt"
)

// IntervalSchedule runs a sync every quantity units.
func IntervalSchedule(unit IntervalUnit, quantity int64) *Schedule {
	return &Schedule{Type: ScheduleTypeInterval, Schedule: ScheduleVariant{Interval: &Interval{Unit: unit, Quantity: quantity}}}
}

// CronSchedule runs a sync on a cron expression evaluated in UTC.
func CronSchedule(expression string) *Schedule {
	return &Schedule{Type: ScheduleTypeCron, Schedule: ScheduleVariant{Expression: expression}}
}

// VisualCronSchedule runs a sync at times of day on chosen weekdays.
func VisualCronSchedule(expressions ...VisualCronExpression) *Schedule {
	return &Schedule{Type: ScheduleTypeVisualCron, Schedule: ScheduleVariant{Expressions: expressions}}
}

// DBTSchedule runs a sync after a dbt Cloud job.
func DBTSchedule(accountID, jobID string) *Schedule {
	return &Schedule{Type: ScheduleTypeDBT, Schedule: ScheduleVariant{Account: &DBTRef{ID: accountID}, Job: &DBTRef{ID: jobID}}}
}

// SyncCreate is the body of CreateSync. Schedule nil means manual.
type SyncCreate struct {
	Slug          string         `json:"slug"`
	DestinationID ID             `json:"destinationId"`
	ModelID       ID             `json:"modelId"`
	Configuration map[string]any `json:"configuration"`
	Schedule      *Schedule      `json:"schedule"`
	Disabled      bool           `json:"disabled"`
}

// SyncUpdate is the body of UpdateSync; only set fields are sent. Set
// Schedule to Null[Schedule]() to make the sync manual.
type SyncUpdate struct {
	Configuration map[string]any     `json:"configuration,omitempty"`
	Schedule      Nullable[Schedule] `json:"schedule,omitzero"`
	Disabled      *bool              `json:"disabled,omitempty"`
}

// ListSyncParams filters and pages ListSync.
type ListSyncParams struct {
	Slug    string     `json:"slug,omitempty"`
	ModelID ID         `json:"modelId,omitempty"`
	After   *time.Time `json:"after,omitempty"`  // syncs last run after
	Before  *time.Time `json:"before,omitempty"` // syncs last run before
	ListOptions
}

// CreateSync creates a sync.
func (c *Client) CreateSync(ctx context.Context, body SyncCreate) (*Sync, error) {
	return call[Sync](ctx, c, request{operation: "CreateSync", method: http.MethodPost, path: "/syncs", body: body})
}

// GetSync fetches a sync by id.
func (c *Client) GetSync(ctx context.Context, syncID ID) (*Sync, error) {
	return call[Sync](ctx, c, request{operation: "GetSync", method: http.MethodGet, path: pathf("/syncs/%s", syncID)})
}

// UpdateSync changes a sync's configuration, schedule or disabled flag.
func (c *Client) UpdateSync(ctx context.Context, syncID ID, body SyncUpdate) (*Sync, error) {
	return call[Sync](ctx, c, request{operation: "UpdateSync", method: http.MethodPatch, path: pathf("/syncs/%s", syncID), body: body})
}

// ListSync lists one page of syncs.
func (c *Client) ListSync(ctx context.Context, params ListSyncParams) (*Page[Sync], error) {
	q := params.ListOptions.values()
	setString(q, "slug", params.Slug)
	if params.ModelID != 0 {
		q.Set("modelId", params.ModelID.String())
	}
	setTime(q, "after", params.After)
	setTime(q, "before", params.Before)
	return call[Page[Sync]](ctx, c, request{operation: "ListSync", method: http.MethodGet, path: "/syncs", query: q})
}

func setTime(q map[string][]string, key string, t *time.Time) {
	if t != nil && !t.IsZero() {
		q[key] = []string{t.UTC().Format(time.RFC3339Nano)}
	}
}

func setInt(q map[string][]string, key string, v int64) {
	q[key] = []string{strconv.FormatInt(v, 10)}
}
