package client

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// Model query types. (The reference's enum spells "table" as "tabel", a typo
// its examples do not use.)
const (
	QueryTypeRawSQL   = "raw_sql"
	QueryTypeTable    = "table"
	QueryTypeDBT      = "dbt"
	QueryTypeDBTCloud = "dbt_cloud"
	QueryTypeVisual   = "visual"
	QueryTypeCustom   = "custom"
)

// Model is a query over a source whose rows syncs send to destinations.
type Model struct {
	ID          ID                `json:"id"`
	Name        string            `json:"name"`
	Slug        string            `json:"slug"`
	Description string            `json:"description"`
	WorkspaceID ID                `json:"workspaceId"`
	SourceID    ID                `json:"sourceId"`
	PrimaryKey  string            `json:"primaryKey"`
	CreatedAt   time.Time         `json:"createdAt"`
	UpdatedAt   time.Time         `json:"updatedAt"`
	QueryType   string            `json:"queryType"`
	Tags        map[string]string `json:"tags"`
	IsSchema    bool              `json:"isSchema"`
	Syncs       []ID              `json:"syncs"`
	LastRunSize *int64            `json:"lastRunSize"`
	FolderID    string            `json:"folderId,omitempty"`

	// Exactly one query definition is set, according to QueryType.
	Raw      *RawQuery      `json:"raw,omitempty"`
	Table    *TableQuery    `json:"table,omitempty"`
	Custom   *CustomQuery   `json:"custom,omitempty"`
	Visual   *VisualQuery   `json:"visual,omitempty"`
	DBT      *DBTModel      `json:"dbt,omitempty"`
	DBTCloud *DBTCloudModel `json:"dbt_cloud,omitempty"`
}

// RawQuery is a model defined by SQL.
type RawQuery struct {
	SQL string `json:"sql"`
}

// TableQuery is a model that reads a whole table.
type TableQuery struct {
	Name string `json:"name"`
}

// CustomQuery is a model over a non-SQL source (e.g. Airtable).
type CustomQuery struct {
	Query any `json:"query"`
}

// VisualQuery is a model built in the audience builder on a parent model.
type VisualQuery struct {
	Filter         any    `json:"filter"`
	ParentID       ID     `json:"parentId"`
	PrimaryLabel   string `json:"primaryLabel,omitempty"`
	SecondaryLabel string `json:"secondaryLabel,omitempty"`
}

// DBTModel is the dbt model a "dbt" model reads.
type DBTModel struct {
	ModelID     ID     `json:"modelId"`
	DBTUniqueID string `json:"dbtUniqueId,omitempty"`
	CompiledSQL string `json:"compiledSql,omitempty"`
	RawSQL      string `json:"rawSql,omitempty"`
	Database    string `json:"database,omitempty"`
	Schema      string `json:"schema,omitempty"`
	Name        string `json:"name,omitempty"`
}

// DBTCloudModel is the dbt Cloud model a "dbt_cloud" model reads.
type DBTCloudModel struct {
	ModelID     ID     `json:"modelId"`
	DBTUniqueID string `json:"dbtUniqueId,omitempty"`
	CompiledSQL string `json:"compiledSql,omitempty"`
	RawSQL      string `json:"rawSql,omitempty"`
	Name        string `json:"name,omitempty"`
}

// ModelRef points a created or updated model at a dbt or dbt Cloud model.
type ModelRef struct {
	ModelID ID `json:"modelId"`
}

// ModelCreate is the body of CreateModel. Set the query definition that
// matches QueryType: Raw, Table, DBT, DBTCloud, Visual or Custom.
type ModelCreate struct {
	Name       string       `json:"name"`
	Slug       string       `json:"slug"`
	QueryType  string       `json:"queryType"`
	SourceID   ID           `json:"sourceId"`
	IsSchema   bool         `json:"isSchema"`
	PrimaryKey string       `json:"primaryKey"`
	Raw        *RawQuery    `json:"raw,omitempty"`
	Table      *TableQuery  `json:"table,omitempty"`
	DBT        *ModelRef    `json:"dbt,omitempty"`
	DBTCloud   *ModelRef    `json:"dbt_cloud,omitempty"`
	Visual     *VisualQuery `json:"visual,omitempty"`
	Custom     *CustomQuery `json:"custom,omitempty"`
	FolderID   string       `json:"folderId,omitempty"`
}

// NewRawSQLModel returns the body for a model defined by SQL.
func NewRawSQLModel(name, slug string, sourceID ID, primaryKey, sql string) ModelCreate {
	return ModelCreate{Name: name, Slug: slug, QueryType: QueryTypeRawSQL, SourceID: sourceID, PrimaryKey: primaryKey, Raw: &RawQuery{SQL: sql}}
}

// NewTableModel returns the body for a model that reads a table.
func NewTableModel(name, slug string, sourceID ID, primaryKey, table string) ModelCreate {
	return ModelCreate{Name: name, Slug: slug, QueryType: QueryTypeTable, SourceID: sourceID, PrimaryKey: primaryKey, Table: &TableQuery{Name: table}}
}

// NewDBTModel returns the body for a model that reads a dbt model.
func NewDBTModel(name, slug string, sourceID ID, primaryKey string, dbtModelID ID) ModelCreate {
	return ModelCreate{Name: name, Slug: slug, QueryType: QueryTypeDBT, SourceID: sourceID, PrimaryKey: primaryKey, DBT: &ModelRef{ModelID: dbtModelID}}
}

// NewDBTCloudModel returns the body for a model that reads a dbt Cloud model.
func NewDBTCloudModel(name, slug string, sourceID ID, primaryKey string, dbtModelID ID) ModelCreate {
	return ModelCreate{Name: name, Slug: slug, QueryType: QueryTypeDBTCloud, SourceID: sourceID, PrimaryKey: primaryKey, DBTCloud: &ModelRef{ModelID: dbtModelID}}
}

// NewVisualModel returns the body for an audience built on a parent model.
func NewVisualModel(name, slug string, sourceID ID, primaryKey string, q VisualQuery) ModelCreate {
	return ModelCreate{Name: name, Slug: slug, QueryType: QueryTypeVisual, SourceID: sourceID, PrimaryKey: primaryKey, Visual: &q}
}

// NewCustomModel returns the body for a model over a non-SQL source.
func NewCustomModel(name, slug string, sourceID ID, primaryKey string, query any) ModelCreate {
	return ModelCreate{Name: name, Slug: slug, QueryType: QueryTypeCustom, SourceID: sourceID, PrimaryKey: primaryKey, Custom: &CustomQuery{Query: query}}
}

// ModelUpdate is the body of UpdateModel; only set fields are sent. Slug,
// query type and source cannot change.
type ModelUpdate struct {
	Name       *string      `json:"name,omitempty"`
	IsSchema   *bool        `json:"isSchema,omitempty"`
	PrimaryKey *string      `json:"primaryKey,omitempty"`
	Raw        *RawQuery    `json:"raw,omitempty"`
	Table      *TableQuery  `json:"table,omitempty"`
	DBT        *ModelRef    `json:"dbt,omitempty"`
	Visual     *VisualQuery `json:"visual,omitempty"`
	Custom     *CustomQuery `json:"custom,omitempty"`
	FolderID   *string      `json:"folderId,omitempty"`
}

// CreateModelParams are CreateModel's query parameters.
type CreateModelParams struct {
	// SkipColumnQuery skips asking the warehouse for the model's columns.
	SkipColumnQuery bool `json:"skipColumnQuery,omitempty"`
}

// ListModelParams filters and pages ListModel.
type ListModelParams struct {
	Name string `json:"name,omitempty"`
	Slug string `json:"slug,omitempty"`
	// Tags filters by "key:value" pairs; a model must carry all of them.
	Tags []string `json:"tags,omitempty"`
	ListOptions
}

// CreateModel creates a model.
func (c *Client) CreateModel(ctx context.Context, body ModelCreate, params ...CreateModelParams) (*Model, error) {
	r := request{operation: "CreateModel", method: http.MethodPost, path: "/models", body: body}
	if len(params) > 0 && params[0].SkipColumnQuery {
		r.query = map[string][]string{"skipColumnQuery": {strconv.FormatBool(true)}}
	}
	return call[Model](ctx, c, r)
}

// GetModel fetches a model by id.
func (c *Client) GetModel(ctx context.Context, modelID ID) (*Model, error) {
	return call[Model](ctx, c, request{operation: "GetModel", method: http.MethodGet, path: pathf("/models/%s", modelID)})
}

// UpdateModel changes a model.
func (c *Client) UpdateModel(ctx context.Context, modelID ID, body ModelUpdate) (*Model, error) {
	return call[Model](ctx, c, request{operation: "UpdateModel", method: http.MethodPatch, path: pathf("/models/%s", modelID), body: body})
}

// ListModel lists one page of models, including parent and related models.
func (c *Client) ListModel(ctx context.Context, params ListModelParams) (*Page[Model], error) {
	q := params.ListOptions.values()
	setString(q, "name", params.Name)
	setString(q, "slug", params.Slug)
	for _, t := range params.Tags {
		q.Add("tags", t)
	}
	return call[Page[Model]](ctx, c, request{operation: "ListModel", method: http.MethodGet, path: "/models", query: q})
}
