package metrics

import (
	"maps"
	"strings"

	"go.temporal.io/sdk/client"
)

// noneValue is the value the SDK gives a label that does not apply: its
// client sets worker_type, workflow_type, activity_type and task_queue to
// "none" on every metric, and only some are set again later (a workflow's
// metrics never get an activity_type or a worker_type).
const noneValue = "none"

// handler is the SDK's metrics handler, except that the project's own
// metrics (named Prefix...) leave out the labels whose value is "none". The
// SDK's metrics keep theirs: Prometheus wants one label set per name, and
// the SDK's dashboards expect them.
type handler struct {
	untagged client.MetricsHandler
	tagged   client.MetricsHandler // untagged with tags
	tags     map[string]string
}

// WithTags adds tags to every metric of the returned handler.
func (h *handler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(h.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, tags)
	return &handler{untagged: h.untagged, tagged: h.tagged.WithTags(tags), tags: merged}
}

func (h *handler) Counter(name string) client.MetricsCounter { return h.handlerOf(name).Counter(name) }
func (h *handler) Gauge(name string) client.MetricsGauge     { return h.handlerOf(name).Gauge(name) }
func (h *handler) Timer(name string) client.MetricsTimer     { return h.handlerOf(name).Timer(name) }

// Unwrap lets sdktally.ScopeFromHandler find the tally scope.
func (h *handler) Unwrap() client.MetricsHandler { return h.tagged }

// handlerOf is the handler a metric named name is created from.
func (h *handler) handlerOf(name string) client.MetricsHandler {
	if !strings.HasPrefix(name, Prefix) {
		return h.tagged
	}
	tags := maps.Clone(h.tags)
	maps.DeleteFunc(tags, func(_, v string) bool { return v == noneValue })
	return h.untagged.WithTags(tags)
}
