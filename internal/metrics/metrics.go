// Package metrics exposes the worker's Prometheus metrics: the Temporal
// SDK's own, the project's workflow metrics (emitted through the SDK's
// handler, without the SDK's "none" labels), Hightouch API requests by
// operation and status, and the Go runtime and process collectors.
package metrics

import (
	"net/http"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// Registry holds every metric the worker exports.
type Registry struct {
	// Handler is the SDK metrics handler to set in client.Options.
	Handler client.MetricsHandler
	scope   tally.Scope
	closer  interface{ Close() error }
	http    http.Handler
}

// New builds a registry that reports through its own Prometheus registry
// (never the global one, so tests can build several).
func New() (*Registry, error) {
	reg := prom.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:       reg,
		DefaultTimerType: tallyprom.HistogramTimerType,
		OnRegisterError:  func(error) {}, // a re-registered series keeps its first registration
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, time.Second)
	scope = sdktally.NewPrometheusNamingScope(scope)
	sdk := sdktally.NewMetricsHandler(scope)
	return &Registry{Handler: &handler{untagged: sdk, tagged: sdk}, scope: scope, closer: closer, http: reporter.HTTPHandler()}, nil
}

// HTTPHandler serves the metrics in the Prometheus text format.
func (r *Registry) HTTPHandler() http.Handler { return r.http }

// Close flushes and stops the reporting loop.
func (r *Registry) Close() error { return r.closer.Close() }

// APIRequest records one Hightouch API request: its operation, the HTTP
// status ("error" when no answer came) and how long it took.
func (r *Registry) APIRequest(operation, status string, took time.Duration) {
	s := r.scope.Tagged(map[string]string{"operation": operation, "status": status})
	s.Counter(MetricAPIRequests).Inc(1)
	s.Timer(MetricAPILatency).Record(took)
}

// RateLimitWait records time spent waiting for the client-side rate limit.
func (r *Registry) RateLimitWait(d time.Duration) {
	r.scope.Timer(MetricRateLimitWait).Record(d)
}

// Prefix begins the name of every metric the project emits itself.
const Prefix = "hightouch_"

// Names of the project's HTTP-level metrics.
const (
	MetricAPIRequests   = "hightouch_api_requests"
	MetricAPILatency    = "hightouch_api_latency"
	MetricRateLimitWait = "hightouch_rate_limit_wait"
)
