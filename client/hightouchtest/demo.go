package hightouchtest

import "time"

// The demo workspace (WithDemoData), for local development and examples.
// Ids are fixed because it is seeded first, into an empty emulator.
const (
	DemoSourceSlug      = "demo-snowflake"
	DemoSyncSlug        = "users-to-salesforce" // ends success after ~15 s
	DemoWarningSyncSlug = "accounts-to-hubspot" // ends warning, some rows rejected
	DemoFailingSyncSlug = "events-to-webhook"   // ends failed with an error

	DemoSyncID        int64 = 1
	DemoWarningSyncID int64 = 2
	DemoFailingSyncID int64 = 3

	DemoSequenceID = "demo-sequence" // runs DemoSyncID then DemoWarningSyncID
	DemoIDGraphID  = "demo-graph"
)

// DemoScenarios returns the scenarios of the three demo syncs by slug.
func DemoScenarios() map[string]Scenario {
	return map[string]Scenario{
		DemoSyncSlug: {
			Phases: []Phase{
				{Status: "queued", Duration: time.Second},
				{Status: "querying", Duration: 3 * time.Second},
				{Status: "processing", Duration: 10 * time.Second},
				{Status: "reporting", Duration: time.Second},
			},
			Status:         "success",
			QuerySize:      1250,
			PlannedRows:    RowCounts{AddedCount: 1000, ChangedCount: 200, RemovedCount: 50},
			SuccessfulRows: RowCounts{AddedCount: 1000, ChangedCount: 200, RemovedCount: 50},
		},
		DemoWarningSyncSlug: {
			Phases: []Phase{
				{Status: "queued", Duration: time.Second},
				{Status: "querying", Duration: 2 * time.Second},
				{Status: "processing", Duration: 6 * time.Second},
				{Status: "reporting", Duration: time.Second},
			},
			Status:         "warning",
			Error:          "15 rows were rejected by HubSpot: INVALID_EMAIL",
			QuerySize:      420,
			PlannedRows:    RowCounts{AddedCount: 300, ChangedCount: 100, RemovedCount: 20},
			SuccessfulRows: RowCounts{AddedCount: 288, ChangedCount: 97, RemovedCount: 20},
			FailedRows:     RowCounts{AddedCount: 12, ChangedCount: 3},
		},
		DemoFailingSyncSlug: {
			Phases: []Phase{
				{Status: "queued", Duration: time.Second},
				{Status: "querying", Duration: 2 * time.Second},
				{Status: "processing", Duration: 3 * time.Second},
			},
			Status:         "failed",
			Error:          "Webhook endpoint returned HTTP 503 Service Unavailable after 3 attempts",
			QuerySize:      5000,
			PlannedRows:    RowCounts{AddedCount: 5000},
			SuccessfulRows: RowCounts{AddedCount: 1800},
			FailedRows:     RowCounts{AddedCount: 3200},
		},
	}
}

func (e *Emulator) seedDemo() {
	now := e.now()
	must := func(err error) {
		if err != nil {
			panic("hightouchtest: seeding demo data: " + err.Error())
		}
	}
	src := newConnection("Snowflake warehouse", DemoSourceSlug, "snowflake",
		map[string]any{"account": "demo-account", "database": "ANALYTICS", "warehouse": "COMPUTE_WH"})
	must(e.sources.add(src, now))

	newModel := func(name, slug, sql, team string) *model {
		m := &model{
			record: record{name: name, slug: slug}, queryType: "raw_sql", primaryKey: "id", sourceID: src.id,
			tags: map[string]string{"team": team}, raw: map[string]any{"sql": sql},
		}
		must(e.models.add(m, now))
		return m
	}
	users := newModel("Users", "demo-users", "select id, email, first_name, last_name from analytics.users", "growth")
	accounts := newModel("Accounts", "demo-accounts", "select id, domain, name, owner_email from analytics.accounts", "sales")
	events := newModel("Events", "demo-events", "select id, user_id, event_name, occurred_at from analytics.events", "product")

	newDestination := func(name, slug, typ string, cfg map[string]any) *connection {
		d := newConnection(name, slug, typ, cfg)
		must(e.destinations.add(d, now))
		return d
	}
	salesforce := newDestination("Salesforce", "demo-salesforce", "salesforce", map[string]any{"instanceUrl": "https://demo.my.salesforce.com"})
	hubspot := newDestination("HubSpot", "demo-hubspot", "hubspot", map[string]any{"portalId": "12345678"})
	webhook := newDestination("Events webhook", "demo-webhook", "webhook", map[string]any{"url": "https://example.invalid/events"})

	scenarios := DemoScenarios()
	newSync := func(slug string, m *model, d *connection, cfg map[string]any, schedule any) {
		must(e.syncs.add(&syncRecord{
			record: record{slug: slug}, modelID: m.id, destinationID: d.id, configuration: cfg, schedule: schedule,
			scenario: scenarios[slug],
		}, now))
	}
	newSync(DemoSyncSlug, users, salesforce, map[string]any{
		"object": "Contact", "mode": "upsert",
		"mappings": []any{
			map[string]any{"from": "email", "to": "Email"},
			map[string]any{"from": "first_name", "to": "FirstName"},
			map[string]any{"from": "last_name", "to": "LastName"},
		},
	}, map[string]any{"type": "interval", "schedule": map[string]any{"interval": map[string]any{"unit": "hour", "quantity": 1}}})
	newSync(DemoWarningSyncSlug, accounts, hubspot, map[string]any{
		"object": "companies", "mode": "upsert",
		"mappings": []any{map[string]any{"from": "domain", "to": "domain"}, map[string]any{"from": "name", "to": "name"}},
	}, map[string]any{"type": "cron", "schedule": map[string]any{"expression": "0 6 * * *"}})
	newSync(DemoFailingSyncSlug, events, webhook, map[string]any{"mode": "insert"}, nil)

	_, err := e.addSequence(DemoSequenceID, []int64{DemoSyncID, DemoWarningSyncID})
	must(err)
	e.idGraphs[DemoIDGraphID] = &idGraph{id: DemoIDGraphID}
}
