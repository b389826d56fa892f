package main

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	temporalclient "go.temporal.io/sdk/client"

	"github.com/hightouch-temporal/hightouch-temporal/internal/workerconfig"
)

// health answers the probes: liveness while the process runs, readiness
// while the worker polls and Temporal answers a health check. Liveness does
// not depend on Temporal, so an outage does not become a restart storm.
type health struct {
	tc      temporalclient.Client
	polling atomic.Bool
}

func newHealth(tc temporalclient.Client) *health { return &health{tc: tc} }

func (h *health) setPolling(on bool) { h.polling.Store(on) }

func (h *health) mux(metrics http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+workerconfig.HealthPath, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET "+workerconfig.ReadyPath, h.ready)
	mux.Handle("GET "+workerconfig.MetricsPath, metrics)
	return mux
}

func (h *health) ready(w http.ResponseWriter, r *http.Request) {
	if !h.polling.Load() {
		http.Error(w, "not polling", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if _, err := h.tc.CheckHealth(ctx, &temporalclient.CheckHealthRequest{}); err != nil {
		http.Error(w, "temporal unreachable", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
