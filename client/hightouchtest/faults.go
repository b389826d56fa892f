package hightouchtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Faults configures injected failures. Rates are shares in [0,1] drawn from
// the seeded RNG (WithRandSeed).
type Faults struct {
	ServerErrorRate    float64       // answered 500 "Internal Server Error" before doing anything
	RateLimitRate      float64       // answered 429 {"error":"..."}
	RetryAfter         time.Duration // Retry-After on injected 429s (seconds, rounded up); 0 = no header
	Latency            time.Duration // real added latency per request
	TriggerThen500Rate float64       // triggers that create the run and then answer 500
	RateLimitBurst     int           // the next N requests answer 429
}

// SetFaults replaces the fault configuration.
func (e *Emulator) SetFaults(f Faults) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = f
}

// CurrentFaults returns the fault configuration, with RateLimitBurst as
// still remaining.
func (e *Emulator) CurrentFaults() Faults {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.faults
}

// injectFault decides whether this request is answered by a fault instead of
// being handled. Called with the lock held. The burst is used first; random
// draws happen only for knobs that are on, so turning one knob on does not
// shift another's sequence.
func (e *Emulator) injectFault() (response, bool) {
	f := &e.faults
	if f.RateLimitBurst > 0 {
		f.RateLimitBurst--
		return e.injectedRateLimit(), true
	}
	if f.ServerErrorRate > 0 && e.faultRNG.Float64() < f.ServerErrorRate {
		e.stats.InjectedErrors++
		return internalServerError(), true
	}
	if f.RateLimitRate > 0 && e.faultRNG.Float64() < f.RateLimitRate {
		return e.injectedRateLimit(), true
	}
	return response{}, false
}

func (e *Emulator) injectedRateLimit() response {
	e.stats.InjectedRateLimits++
	resp := jsonResponse(http.StatusTooManyRequests, map[string]string{"error": "Too many requests (injected by the emulator)"})
	if e.faults.RetryAfter > 0 {
		resp.header = http.Header{"Retry-After": {strconv.Itoa(retryAfterSeconds(e.faults.RetryAfter))}}
	}
	return resp
}

// triggerThen500 is drawn after a trigger created its run: the caller sees a
// 500 although the run exists (an ambiguous failure).
func (e *Emulator) triggerThen500() bool {
	rate := e.faults.TriggerThen500Rate
	if rate > 0 && e.faultRNG.Float64() < rate {
		e.stats.InjectedErrors++
		return true
	}
	return false
}

// JSON form (admin API): durations are Go duration strings.

type faultsJSON struct {
	ServerErrorRate    float64      `json:"serverErrorRate"`
	RateLimitRate      float64      `json:"rateLimitRate"`
	RetryAfter         jsonDuration `json:"retryAfter"`
	Latency            jsonDuration `json:"latency"`
	TriggerThen500Rate float64      `json:"triggerThen500Rate"`
	RateLimitBurst     int          `json:"rateLimitBurst"`
}

func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{
		ServerErrorRate: f.ServerErrorRate, RateLimitRate: f.RateLimitRate,
		RetryAfter: jsonDuration(f.RetryAfter), Latency: jsonDuration(f.Latency),
		TriggerThen500Rate: f.TriggerThen500Rate, RateLimitBurst: f.RateLimitBurst,
	})
}

func (f *Faults) UnmarshalJSON(b []byte) error {
	var j faultsJSON
	if err := strictUnmarshal(b, &j); err != nil {
		return err
	}
	*f = Faults{
		ServerErrorRate: j.ServerErrorRate, RateLimitRate: j.RateLimitRate,
		RetryAfter: time.Duration(j.RetryAfter), Latency: time.Duration(j.Latency),
		TriggerThen500Rate: j.TriggerThen500Rate, RateLimitBurst: j.RateLimitBurst,
	}
	return nil
}
