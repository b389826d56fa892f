package metrics

import (
	"io"
	"maps"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// rootTags records the tags the SDK's client puts on every metric.
type rootTags struct {
	client.MetricsHandler
	tags map[string]string
}

func (r *rootTags) WithTags(tags map[string]string) client.MetricsHandler {
	r.tags = maps.Clone(tags)
	return r.MetricsHandler.WithTags(tags)
}

// scrape returns the registry's metrics in the Prometheus text format.
func scrape(t *testing.T, r *Registry) string {
	t.Helper()
	require.NoError(t, r.Close()) // flushes
	rec := httptest.NewRecorder()
	r.HTTPHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	return string(body)
}

func TestProjectMetricsHaveNoEmptyLabels(t *testing.T) {
	r, err := New()
	require.NoError(t, err)

	// The SDK's client tags the handler it is given; a workflow's handler
	// then adds its task queue and type, as the worker does.
	spy := &rootTags{MetricsHandler: r.Handler}
	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", MetricsHandler: spy})
	require.NoError(t, err)
	c.Close()
	require.Equal(t, "none", spy.tags["activity_type"], "the SDK's root tags: %v", spy.tags)
	wf := r.Handler.WithTags(spy.tags).WithTags(map[string]string{"task_queue": "hightouch"}).
		WithTags(map[string]string{"workflow_type": workflows.SyncWorkflow})

	wf.WithTags(map[string]string{"status": "success"}).Counter(workflows.MetricRuns).Inc(1)
	wf.Timer(workflows.MetricWaitDuration).Record(time.Minute)
	wf.Counter("temporal_workflow_completed").Inc(1)
	out := scrape(t, r)

	runs := regexp.MustCompile(`(?m)^hightouch_runs_total\{(.*)\} 1$`).FindStringSubmatch(out)
	require.NotNil(t, runs, out)
	require.Equal(t, `client_name="temporal_go",namespace="default",status="success",task_queue="hightouch",workflow_type="HightouchSync"`, runs[1])
	wait := regexp.MustCompile(`(?m)^hightouch_wait_duration_seconds_count\{(.*)\} 1$`).FindStringSubmatch(out)
	require.NotNil(t, wait, out)
	require.NotContains(t, wait[1], "activity_type")
	require.NotContains(t, wait[1], "worker_type")

	// The SDK's own metrics keep every label they had.
	require.Regexp(t, `(?m)^temporal_workflow_completed_total\{activity_type="none",.*worker_type="none",workflow_type="HightouchSync"\} 1$`, out)
}
