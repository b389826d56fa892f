package hightouchtest

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// DefaultToken is the bearer token accepted unless WithToken says otherwise.
const DefaultToken = "test-token"

// workspaceID is the id of the single emulated workspace.
const workspaceID int64 = 1

// firstRunID starts run ids far from resource ids so that a client mixing up
// a sync id and a run id fails loudly in tests.
const firstRunID int64 = 1001

// Emulator is an in-process Hightouch API. It implements http.Handler and is
// safe for concurrent use: one mutex guards all state, and run progress is
// derived from the clock on each access instead of by goroutines.
type Emulator struct {
	mu sync.Mutex

	// configuration (set by options, fixed after New)
	token            string
	clock            func() time.Time
	seed             int64
	demo             bool
	sequenceQueueing bool
	rateLimit        rateLimiter

	faults   Faults
	faultRNG *rand.Rand // fault draws only, so ids do not shift the fault sequence
	idRNG    *rand.Rand // UUIDs

	nextRunID int64

	sources      store[*connection]
	destinations store[*connection]
	models       store[*model]
	syncs        store[*syncRecord]
	runs         map[int64]*run
	syncRuns     map[int64][]*run // per sync, creation order
	sequences    map[string]*sequence
	seqRuns      map[string]*sequenceRun
	// activeSeqRuns are the unfinished sequence runs, creation order; only
	// they can have events to process.
	activeSeqRuns []*sequenceRun
	idGraphs      map[string]*idGraph
	// lateRuns are runs of triggers answered 504, created when their time
	// comes (Faults.GatewayTimeoutRate).
	lateRuns []lateRun
	// requestsOut are the API requests being answered (InFlight).
	requestsOut  map[int64]InFlightRequest
	nextInFlight int64

	fixture fixtureIDs // shared source/model/destination behind NewSync

	stats   Stats
	perSync map[int64]*syncCounters

	adminOnce sync.Once
	admin     http.Handler
}

// Option configures an Emulator.
type Option func(*Emulator)

// New returns an emulator with an empty workspace (or the demo workspace with
// WithDemoData).
func New(opts ...Option) *Emulator {
	e := &Emulator{
		token:        DefaultToken,
		clock:        time.Now,
		seed:         1,
		nextRunID:    firstRunID,
		sources:      store[*connection]{},
		destinations: store[*connection]{},
		models:       store[*model]{},
		syncs:        store[*syncRecord]{},
		runs:         map[int64]*run{},
		syncRuns:     map[int64][]*run{},
		sequences:    map[string]*sequence{},
		seqRuns:      map[string]*sequenceRun{},
		idGraphs:     map[string]*idGraph{},
		stats:        newStats(),
		perSync:      map[int64]*syncCounters{},
	}
	for _, opt := range opts {
		opt(e)
	}
	e.faultRNG = rand.New(rand.NewPCG(uint64(e.seed), 0x6661756c7473))
	e.idRNG = rand.New(rand.NewPCG(uint64(e.seed), 0x696473))
	if e.demo {
		e.seedDemo()
	}
	return e
}

// WithToken sets the accepted bearer token.
func WithToken(token string) Option { return func(e *Emulator) { e.token = token } }

// SetToken changes the accepted bearer token, as when the workspace's API
// key is rotated: requests with the old one are answered 401.
func (e *Emulator) SetToken(token string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.token = token
}

// WithClock injects the clock read by everything time-dependent: run
// lifecycle, timestamps and the rate-limit window.
func WithClock(now func() time.Time) Option { return func(e *Emulator) { e.clock = now } }

// WithRandSeed makes fault injection and generated UUIDs deterministic
// (default seed 1).
func WithRandSeed(seed int64) Option { return func(e *Emulator) { e.seed = seed } }

// WithDemoData seeds the demo workspace (demo.go).
func WithDemoData() Option { return func(e *Emulator) { e.demo = true } }

// WithSequenceQueueing turns on the workspace setting under which a sequence
// triggered while running queues exactly one follow-up run.
func WithSequenceQueueing(on bool) Option { return func(e *Emulator) { e.sequenceQueueing = on } }

// WithWorkspaceRateLimit enforces the workspace limit (e.g. 200 per 10s):
// excess requests get 429 with Retry-After. requests <= 0 turns it off.
func WithWorkspaceRateLimit(requests int, per time.Duration) Option {
	return func(e *Emulator) { e.rateLimit = rateLimiter{requests: requests, per: per} }
}

// now is Hightouch's clock: the emulator's clock plus the injected offset.
// Called with the lock held.
func (e *Emulator) now() time.Time { return e.clock().Add(e.faults.ClockOffset) }
