// Package workerconfig holds the worker's defaults and the paths it serves.
// The worker is a main package; keeping these here lets the deployment
// checks (deploy/) read the worker's own values instead of copies.
package workerconfig

import (
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/internal/ratelimit"
)

// Defaults used when neither a flag nor its environment variable is set.
const (
	// HTTPAddr serves HealthPath, ReadyPath and MetricsPath.
	HTTPAddr = ":9090"
	// StopTimeout is how long a stopping worker lets running activities finish.
	StopTimeout = 30 * time.Second
	// RateLimit is Hightouch requests per second from one worker. It is
	// sized for the whole workspace, so replicas must share it.
	RateLimit = ratelimit.DefaultRate
)

// Paths served on HTTPAddr.
const (
	HealthPath  = "/healthz" // liveness: the process runs
	ReadyPath   = "/readyz"  // readiness: polling, and Temporal answers
	MetricsPath = "/metrics"
)
