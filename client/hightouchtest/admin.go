package hightouchtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The admin API (no auth) under /_emulator/ exposes the fixtures and
// counters over HTTP for the standalone server and for tests in other
// processes. Durations in its JSON are Go duration strings ("2s").

// AdminStats is the GET /_emulator/stats body: Stats plus per-sync counts.
type AdminStats struct {
	Stats
	Syncs map[string]SyncStats `json:"syncs"` // keyed by sync id
	// InFlight are the API requests being answered right now.
	InFlight []InFlightRequest `json:"inFlight"`
}

// SyncStats are the per-sync counters of AdminStats.
type SyncStats struct {
	Requests int `json:"requests"`
	Triggers int `json:"triggers"`
	Runs     int `json:"runs"`
}

func (e *Emulator) adminMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_emulator/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeAdmin(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /_emulator/stats", func(w http.ResponseWriter, _ *http.Request) {
		writeAdmin(w, http.StatusOK, e.AdminStats())
	})
	mux.HandleFunc("GET /_emulator/faults", func(w http.ResponseWriter, _ *http.Request) {
		writeAdmin(w, http.StatusOK, e.CurrentFaults())
	})
	mux.HandleFunc("PUT /_emulator/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Faults
		if !decodeAdmin(w, r, &f) {
			return
		}
		if err := f.Validate(); err != nil {
			writeAdminError(w, http.StatusBadRequest, err)
			return
		}
		e.SetFaults(f)
		writeAdmin(w, http.StatusOK, f)
	})
	mux.HandleFunc("POST /_emulator/syncs", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Slug     string   `json:"slug"`
			Scenario Scenario `json:"scenario"`
		}
		if !decodeAdmin(w, r, &in) {
			return
		}
		e.mu.Lock()
		id, err := e.newFixtureSync(in.Slug, in.Scenario)
		e.mu.Unlock()
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, err)
			return
		}
		writeAdmin(w, http.StatusOK, map[string]int64{"id": id})
	})
	mux.HandleFunc("PUT /_emulator/syncs/{id}/scenario", func(w http.ResponseWriter, r *http.Request) {
		id, ok := adminSyncID(w, r)
		if !ok {
			return
		}
		var sc Scenario
		if !decodeAdmin(w, r, &sc) {
			return
		}
		e.mu.Lock()
		err := e.setScenario(id, sc)
		e.mu.Unlock()
		if err != nil {
			writeAdminError(w, http.StatusNotFound, err)
			return
		}
		writeAdmin(w, http.StatusOK, sc)
	})
	mux.HandleFunc("GET /_emulator/syncs/{id}/runs", func(w http.ResponseWriter, r *http.Request) {
		id, ok := adminSyncID(w, r)
		if !ok {
			return
		}
		e.mu.Lock()
		known := e.syncs[id] != nil
		e.mu.Unlock()
		if !known {
			writeAdminError(w, http.StatusNotFound, fmt.Errorf("sync %d not found", id))
			return
		}
		writeAdmin(w, http.StatusOK, e.Runs(id))
	})
	mux.HandleFunc("POST /_emulator/sequences", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ID      string  `json:"id"`
			SyncIDs []int64 `json:"syncIds"`
		}
		if !decodeAdmin(w, r, &in) {
			return
		}
		e.mu.Lock()
		id, err := e.addSequence(in.ID, in.SyncIDs)
		e.mu.Unlock()
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, err)
			return
		}
		writeAdmin(w, http.StatusOK, map[string]string{"id": id})
	})
	mux.HandleFunc("GET /_emulator/sequences/{id}/runs", func(w http.ResponseWriter, r *http.Request) {
		runs := e.SequenceRuns(r.PathValue("id"))
		if runs == nil {
			writeAdminError(w, http.StatusNotFound, fmt.Errorf("sequence %q not found", r.PathValue("id")))
			return
		}
		writeAdmin(w, http.StatusOK, runs)
	})
	e.appRoutes(mux)
	mux.HandleFunc("POST /_emulator/id-graphs", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ID string `json:"id"`
		}
		if !decodeAdmin(w, r, &in) {
			return
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		if in.ID == "" || e.idGraphs[in.ID] != nil {
			writeAdminError(w, http.StatusBadRequest, fmt.Errorf("graph id %q is empty or already exists", in.ID))
			return
		}
		e.idGraphs[in.ID] = &idGraph{id: in.ID}
		writeAdmin(w, http.StatusOK, map[string]string{"id": in.ID})
	})
	mux.HandleFunc("/_emulator/", func(w http.ResponseWriter, r *http.Request) {
		writeAdminError(w, http.StatusNotFound, fmt.Errorf("no admin route for %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func (e *Emulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	e.adminOnce.Do(func() { e.admin = e.adminMux() })
	e.admin.ServeHTTP(w, r)
}

// AdminStats returns Stats plus per-sync counters.
func (e *Emulator) AdminStats() AdminStats {
	inFlight := e.InFlight()
	e.mu.Lock()
	defer e.mu.Unlock()
	out := AdminStats{Stats: e.stats.clone(), Syncs: map[string]SyncStats{}, InFlight: inFlight}
	for id := range e.syncs {
		out.Syncs[strconv.FormatInt(id, 10)] = SyncStats{}
	}
	for id, c := range e.perSync {
		key := strconv.FormatInt(id, 10)
		s := out.Syncs[key]
		s.Requests, s.Triggers = c.requests, c.triggers
		out.Syncs[key] = s
	}
	for id, runs := range e.syncRuns {
		key := strconv.FormatInt(id, 10)
		s := out.Syncs[key]
		s.Runs = len(runs)
		out.Syncs[key] = s
	}
	return out
}

// Validate reports the first setting out of range.
func (f Faults) Validate() error {
	for name, rate := range map[string]float64{"serverErrorRate": f.ServerErrorRate, "rateLimitRate": f.RateLimitRate,
		"triggerThen500Rate": f.TriggerThen500Rate, "gatewayTimeoutRate": f.GatewayTimeoutRate, "slowRate": f.SlowRate} {
		if rate < 0 || rate > 1 {
			return fmt.Errorf("%s must be between 0 and 1, got %v", name, rate)
		}
	}
	if f.RetryAfter < 0 || f.Latency < 0 || f.RateLimitBurst < 0 || f.FailTriggers < 0 || f.ListingLag < 0 || f.LateCreationMin < 0 || f.SlowLatency < 0 {
		return errors.New("retryAfter, latency, rateLimitBurst, listingLag, lateCreationMin and slowLatency must not be negative")
	}
	if f.LateCreationMax < f.LateCreationMin {
		return errors.New("lateCreationMax must not be shorter than lateCreationMin")
	}
	return f.validateErrorIn200()
}

func adminSyncID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeAdminError(w, http.StatusBadRequest, fmt.Errorf("sync id %q is not a number", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeAdminError(w, http.StatusBadRequest, fmt.Errorf("invalid JSON body: %w", err))
		return false
	}
	return true
}

func writeAdmin(w http.ResponseWriter, status int, v any) {
	jsonResponse(status, v).write(w)
}

func writeAdminError(w http.ResponseWriter, status int, err error) {
	writeAdmin(w, status, map[string]string{"error": strings.TrimSpace(err.Error())})
}
