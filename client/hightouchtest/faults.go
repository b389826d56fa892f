package hightouchtest

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/contract"
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

	// ClockOffset sets Hightouch's clock this far from the emulator's clock
	// (run timestamps, the Date header, time filters): a workspace whose
	// clock differs from the worker's.
	ClockOffset time.Duration
	// ListingLag hides each new run from ListSyncRuns for a random time up
	// to this long (on top of its scenario's ListDelay).
	ListingLag time.Duration
	// GatewayTimeoutRate is the share of sync triggers answered 504 by a
	// "gateway" while the backend goes on and creates the run between
	// LateCreationMin and LateCreationMax later.
	GatewayTimeoutRate               float64
	LateCreationMin, LateCreationMax time.Duration
	// SlowRate is the share of requests answered SlowLatency late (on top of
	// Latency), e.g. slower than a trigger's heartbeat timeout.
	SlowRate    float64
	SlowLatency time.Duration
	// ErrorIn200Rate is the share of create, update and TriggerRunCustom
	// calls answered 200 with an error body instead of the resource, as the
	// API's types allow; ErrorIn200 says which body (errorin200.go).
	ErrorIn200Rate float64
	ErrorIn200     ErrorIn200Body
	// FailTriggers: the next N triggers (of syncs or sequences) answer 500
	// without creating anything.
	FailTriggers int
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

// failTrigger uses up one of Faults.FailTriggers: the trigger answers 500
// before doing anything.
func (e *Emulator) failTrigger() bool {
	if e.faults.FailTriggers <= 0 {
		return false
	}
	e.faults.FailTriggers--
	e.stats.InjectedErrors++
	return true
}

// gatewayTimeout is drawn for a sync trigger before it is handled: when it
// hits, the run is created delay later and the caller gets a 504.
func (e *Emulator) gatewayTimeout() (delay time.Duration, hit bool) {
	f := e.faults
	if f.GatewayTimeoutRate <= 0 || e.faultRNG.Float64() >= f.GatewayTimeoutRate {
		return 0, false
	}
	e.stats.InjectedGatewayTimeouts++
	return f.LateCreationMin + randUpTo(e.faultRNG, f.LateCreationMax-f.LateCreationMin), true
}

// extraLatency draws the slow-response fault.
func (e *Emulator) extraLatency() time.Duration {
	if e.faults.SlowRate > 0 && e.faultRNG.Float64() < e.faults.SlowRate {
		return e.faults.SlowLatency
	}
	return 0
}

// randUpTo is a uniform duration in [0, d].
func randUpTo(rng *rand.Rand, d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rng.Int64N(int64(d) + 1))
}

func gatewayTimeoutResponse() response {
	return response{status: http.StatusGatewayTimeout, body: []byte(`"Gateway Timeout"`)}
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
	ServerErrorRate    float64           `json:"serverErrorRate"`
	RateLimitRate      float64           `json:"rateLimitRate"`
	RetryAfter         contract.Duration `json:"retryAfter"`
	Latency            contract.Duration `json:"latency"`
	TriggerThen500Rate float64           `json:"triggerThen500Rate"`
	RateLimitBurst     int               `json:"rateLimitBurst"`
	ClockOffset        contract.Duration `json:"clockOffset"`
	ListingLag         contract.Duration `json:"listingLag"`
	GatewayTimeoutRate float64           `json:"gatewayTimeoutRate"`
	LateCreationMin    contract.Duration `json:"lateCreationMin"`
	LateCreationMax    contract.Duration `json:"lateCreationMax"`
	SlowRate           float64           `json:"slowRate"`
	SlowLatency        contract.Duration `json:"slowLatency"`

	ErrorIn200Rate float64        `json:"errorIn200Rate"`
	ErrorIn200     ErrorIn200Body `json:"errorIn200,omitempty"`
	FailTriggers   int            `json:"failTriggers"`
}

func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{
		ServerErrorRate: f.ServerErrorRate, RateLimitRate: f.RateLimitRate,
		RetryAfter: contract.Duration(f.RetryAfter), Latency: contract.Duration(f.Latency),
		TriggerThen500Rate: f.TriggerThen500Rate, RateLimitBurst: f.RateLimitBurst,
		ClockOffset: contract.Duration(f.ClockOffset), ListingLag: contract.Duration(f.ListingLag),
		GatewayTimeoutRate: f.GatewayTimeoutRate, LateCreationMin: contract.Duration(f.LateCreationMin), LateCreationMax: contract.Duration(f.LateCreationMax),
		SlowRate: f.SlowRate, SlowLatency: contract.Duration(f.SlowLatency),
		ErrorIn200Rate: f.ErrorIn200Rate, ErrorIn200: f.ErrorIn200, FailTriggers: f.FailTriggers,
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
		ClockOffset: time.Duration(j.ClockOffset), ListingLag: time.Duration(j.ListingLag),
		GatewayTimeoutRate: j.GatewayTimeoutRate, LateCreationMin: time.Duration(j.LateCreationMin), LateCreationMax: time.Duration(j.LateCreationMax),
		SlowRate: j.SlowRate, SlowLatency: time.Duration(j.SlowLatency),
		ErrorIn200Rate: j.ErrorIn200Rate, ErrorIn200: j.ErrorIn200, FailTriggers: j.FailTriggers,
	}
	return nil
}
