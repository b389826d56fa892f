package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// Metric names of the project's own workflow metrics (the SDK's metrics
// handler is replay-safe, so they count each run once).
const (
	MetricRuns         = "hightouch_runs"          // runs by final status
	MetricRowsSynced   = "hightouch_rows_synced"   // rows successfully synced
	MetricWaitDuration = "hightouch_wait_duration" // trigger to end of run
)

func recordRunMetrics(ctx workflow.Context, status string, rows int64, waited time.Duration) {
	m := workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"status": status})
	m.Counter(MetricRuns).Inc(1)
	if rows > 0 {
		m.Counter(MetricRowsSynced).Inc(rows)
	}
	m.Timer(MetricWaitDuration).Record(waited)
}
