package loadrun

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

// Config describes one load run. The zero value of every field takes the
// default of the full form (2,000 workflows, runs of up to 8
// minutes, a 200-run baseline); Short returns the CI form.
type Config struct {
	// Workflows is how many HightouchSync workflows the load starts at once,
	// one per sync, each waiting on one run.
	Workflows int
	// Longest is the length of the longest runs. The mix scales with it: at
	// 8m a third of the runs last 25-35 s, a third 2-3 min and a third 5-8
	// min; at 2m, 6-9 s, 30-45 s and 75-120 s.
	Longest time.Duration
	// Seed picks each run's length within its class.
	Seed uint64

	// BaselineRuns is how many short runs the CPU baseline runs, once through
	// Temporal and once with a plain Go loop; negative skips the baseline.
	BaselineRuns int
	// BaselineRunLength is the length of each baseline run.
	BaselineRunLength time.Duration
	// BaselineStartsPerSecond paces the baseline's starts so that neither
	// side ever waits for the rate limit: both then make the same requests.
	// A 20 s run makes about 15 requests, so 1 start a second asks for 15
	// of the worker's 18 requests a second.
	BaselineStartsPerSecond float64

	// EmulatorRateLimit is the workspace limit the emulator enforces with 429s.
	EmulatorRateLimit string
	// WorkerEnv is added to the worker's environment, e.g.
	// "HIGHTOUCH_MAX_CONCURRENT_ACTIVITIES=2000" or "HIGHTOUCH_RATE_LIMIT=15".
	WorkerEnv []string
	// DevServerArgs are added to `temporal server start-dev`, e.g.
	// "--dynamic-config-value", "limit.maxIDLength=1000".
	DevServerArgs []string
	// DevServerDB keeps the dev server's state in a sqlite file in the run's
	// directory instead of in memory.
	DevServerDB bool

	// SampleInterval is how often the worker's /metrics and the processes'
	// CPU are read; the emulator's request counter is read every second.
	SampleInterval time.Duration
	// WaitTimeout bounds the wait for the load's workflows; workflows still
	// open then are reported as unfinished (and end with the dev server).
	WaitTimeout time.Duration
	// StartConcurrency is how many workflow starts are in flight at once.
	StartConcurrency int

	// RunsCSV, when set, is a file to write one line per load run to: its
	// class, length, times, latency, requests and attempts.
	RunsCSV string

	// Progress receives progress lines; nil is silent.
	Progress io.Writer
	// KeepDir keeps the run's directory (binaries and the logs of the dev
	// server, emulator and worker). It is kept anyway when the run fails.
	KeepDir bool
}

// Defaults of the full form.
const (
	DefaultWorkflows               = 2000
	DefaultLongest                 = 8 * time.Minute
	DefaultBaselineRuns            = 200
	DefaultBaselineRunLength       = 20 * time.Second
	DefaultBaselineStartsPerSecond = 1.0
	DefaultEmulatorRateLimit       = "200/10s"
	DefaultSampleInterval          = 2 * time.Second
	DefaultStartConcurrency        = 32
)

// Short is the CI form: 100 workflows on runs of up to 90 s (5-7 s, 22-34 s
// and 56-90 s) and an 8-run baseline, under 3 minutes in all.
func Short() Config {
	return Config{
		Workflows:               100,
		Longest:                 90 * time.Second,
		BaselineRuns:            8,
		BaselineRunLength:       5 * time.Second,
		BaselineStartsPerSecond: 2,
		WaitTimeout:             4 * time.Minute,
	}
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.Workflows == 0 {
		c.Workflows = DefaultWorkflows
	}
	if c.Longest == 0 {
		c.Longest = DefaultLongest
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.BaselineRuns == 0 {
		c.BaselineRuns = DefaultBaselineRuns
	}
	if c.BaselineRunLength == 0 {
		c.BaselineRunLength = DefaultBaselineRunLength
	}
	if c.BaselineStartsPerSecond == 0 {
		c.BaselineStartsPerSecond = DefaultBaselineStartsPerSecond
	}
	if c.EmulatorRateLimit == "" {
		c.EmulatorRateLimit = DefaultEmulatorRateLimit
	}
	if c.SampleInterval == 0 {
		c.SampleInterval = DefaultSampleInterval
	}
	if c.WaitTimeout == 0 {
		// The longest run, plus time for the triggers to get through the
		// rate limit and for the last runs to be noticed, with room to spare.
		c.WaitTimeout = 2*c.Longest + 10*time.Minute
	}
	if c.StartConcurrency == 0 {
		c.StartConcurrency = DefaultStartConcurrency
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.Workflows < 1 {
		errs = append(errs, fmt.Errorf("workflows must be at least 1, got %d", c.Workflows))
	}
	if c.Longest < 10*time.Second {
		errs = append(errs, fmt.Errorf("the longest run must be at least 10s, got %s", c.Longest))
	}
	if c.BaselineRuns > 0 && (c.BaselineRunLength < 2*time.Second || c.BaselineStartsPerSecond <= 0) {
		errs = append(errs, errors.New("the baseline needs runs of at least 2s and a positive start rate"))
	}
	if c.SampleInterval < 100*time.Millisecond || c.WaitTimeout <= 0 || c.StartConcurrency < 1 {
		errs = append(errs, errors.New("sample interval, wait timeout and start concurrency must be positive"))
	}
	return errors.Join(errs...)
}

// runClass is one third of the mix: run lengths drawn uniformly from
// [lo, hi], given for the default Longest and scaled with it.
type runClass struct {
	name   string
	lo, hi time.Duration
}

var mix = []runClass{
	{"short", 25 * time.Second, 35 * time.Second},
	{"medium", 2 * time.Minute, 3 * time.Minute},
	{"long", 5 * time.Minute, 8 * time.Minute},
}

// scaled returns the class bounds for a run whose longest runs last longest.
func (rc runClass) scaled(longest time.Duration) (lo, hi time.Duration) {
	f := float64(longest) / float64(DefaultLongest)
	return time.Duration(float64(rc.lo) * f).Round(100 * time.Millisecond), time.Duration(float64(rc.hi) * f).Round(100 * time.Millisecond)
}

// plannedRun is one run of the load: its class and length.
type plannedRun struct {
	index  int
	class  int
	length time.Duration
}

// plan assigns classes round-robin and draws each length within its class.
func plan(n int, longest time.Duration, seed uint64) []plannedRun {
	rng := rand.New(rand.NewPCG(seed, 0x6c6f616472756e))
	out := make([]plannedRun, n)
	for i := range out {
		c := i % len(mix)
		lo, hi := mix[c].scaled(longest)
		length := lo
		if hi > lo {
			length += time.Duration(rng.Int64N(int64(hi - lo)))
		}
		out[i] = plannedRun{index: i, class: c, length: length.Round(100 * time.Millisecond)}
	}
	return out
}

// scenario is a successful run of the given length, shaped like a real one:
// queued 5%, querying 15%, processing 70%, reporting 10%.
func scenario(length time.Duration) hightouchtest.Scenario {
	part := func(pct int64) time.Duration { return time.Duration(int64(length) * pct / 100) }
	phases := []hightouchtest.Phase{
		{Status: "queued", Duration: part(5)},
		{Status: "querying", Duration: part(15)},
		{Status: "processing", Duration: part(70)},
	}
	used := phases[0].Duration + phases[1].Duration + phases[2].Duration
	phases = append(phases, hightouchtest.Phase{Status: "reporting", Duration: length - used})
	rows := hightouchtest.RowCounts{AddedCount: 120, ChangedCount: 30, RemovedCount: 5}
	return hightouchtest.Scenario{Phases: phases, QuerySize: 155, PlannedRows: rows, SuccessfulRows: rows}
}
