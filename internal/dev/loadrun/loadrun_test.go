package loadrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
)

func TestDistribution(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Second)
	}
	d := distributionOf(ds)
	require.Equal(t, 100, d.Count)
	require.Equal(t, contract.Duration(time.Second), d.Min)
	require.Equal(t, contract.Duration(50*time.Second), d.Median)
	require.Equal(t, contract.Duration(90*time.Second), d.P90)
	require.Equal(t, contract.Duration(99*time.Second), d.P99)
	require.Equal(t, contract.Duration(100*time.Second), d.Max)
	require.Equal(t, contract.Duration(50500*time.Millisecond), d.Mean)

	one := distributionOf([]time.Duration{3 * time.Second})
	require.Equal(t, contract.Duration(3*time.Second), one.Median)
	require.Equal(t, contract.Duration(3*time.Second), one.P99)
	require.Equal(t, Distribution{}, distributionOf(nil))
}

func TestSeriesRates(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var s series
	// 1 request per second for 20 s, then 30 per second for 5 s, then 1 again.
	v := 0.0
	for i := 0; i <= 40; i++ {
		switch {
		case i > 20 && i <= 25:
			v += 30
		case i > 0:
			v++
		}
		s.add(t0.Add(time.Duration(i)*time.Second), v)
	}
	require.InDelta(t, (5*30+35)/40.0, s.rate(), 1e-9)
	// The busiest 10 s hold the 5 busy seconds and 5 quiet ones.
	require.InDelta(t, (5*30+5)/10.0, s.peakRate(10*time.Second), 1e-9)
	require.InDelta(t, 5*30+5, s.peakCount(10*time.Second), 1e-9)
	require.Equal(t, v, s.max())
	require.Equal(t, v, s.last())

	short := s.between(t0, t0.Add(5*time.Second))
	require.Equal(t, 6, short.len())
	require.InDelta(t, 1, short.peakRate(10*time.Second), 1e-9, "a series shorter than the window gives its overall rate")

	var empty series
	require.Zero(t, empty.rate())
	require.Zero(t, empty.peakRate(10*time.Second))
	require.Zero(t, empty.peakCount(10*time.Second))
	require.Zero(t, empty.max())
}

func TestParseProcStat(t *testing.T) {
	line := "4242 (temporal (dev) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 130 0 0 20 0 12 0 1234 1900000000 5000 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
	u, err := parseProcStat(line)
	require.NoError(t, err)
	require.InDelta(t, 3.8, u.cpu, 1e-9)
	require.InDelta(t, 5000*float64(pageSize()), u.rss, 1e-9)

	_, err = parseProcStat("garbage")
	require.Error(t, err)
}

func TestReadOwnProc(t *testing.T) {
	u, err := readProc(pidSelf())
	require.NoError(t, err)
	require.Positive(t, u.rss)
	hwm, err := peakRSS(pidSelf())
	require.NoError(t, err)
	require.GreaterOrEqual(t, hwm, u.rss/2)
	busy, total, err := machineCPU()
	require.NoError(t, err)
	require.Positive(t, total)
	require.LessOrEqual(t, busy, total)
}

func TestParseWorkerMetrics(t *testing.T) {
	text := `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
process_resident_memory_bytes 1.2e+08
go_goroutines 321
temporal_worker_task_slots_used{activity_type="none",worker_type="ActivityWorker"} 17
temporal_worker_task_slots_used{activity_type="none",worker_type="LocalActivityWorker"} 99
temporal_worker_task_slots_used{activity_type="none",worker_type="WorkflowWorker"} 2
temporal_sticky_cache_size{workflow_type="HightouchSync"} 40
temporal_sticky_cache_size{workflow_type="HightouchSyncSequence"} 2
hightouch_api_requests_total{operation="TriggerRun",status="200"} 5
hightouch_api_requests_total{operation="ListSyncRuns",status="200"} 45
`
	m, err := parseWorkerMetrics(strings.NewReader(text))
	require.NoError(t, err)
	require.Equal(t, workerMetrics{cpu: 12.5, rss: 1.2e8, goroutines: 321, activitySlotsUsed: 17, wfSlotsUsed: 2, stickyCache: 42, apiRequests: 50}, m)

	_, err = parseWorkerMetrics(strings.NewReader("go_goroutines 3\n"))
	require.Error(t, err, "a scrape without the CPU counter is not the worker's")
}

func TestPlanAndScenario(t *testing.T) {
	runs := plan(2000, DefaultLongest, 1)
	perClass := make([]int, len(mix))
	for _, p := range runs {
		perClass[p.class]++
		lo, hi := mix[p.class].scaled(DefaultLongest)
		require.GreaterOrEqual(t, p.length, lo)
		require.LessOrEqual(t, p.length, hi)
	}
	require.Equal(t, []int{667, 667, 666}, perClass)
	require.Equal(t, runs, plan(2000, DefaultLongest, 1), "the same seed gives the same lengths")

	lo, hi := mix[2].scaled(2 * time.Minute)
	require.Equal(t, 75*time.Second, lo)
	require.Equal(t, 2*time.Minute, hi)

	sc := scenario(31 * time.Second)
	var total time.Duration
	for _, p := range sc.Phases {
		require.Positive(t, p.Duration)
		total += p.Duration
	}
	require.Equal(t, 31*time.Second, total)
	require.Equal(t, "queued", sc.Phases[0].Status)
}

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	require.NoError(t, c.validate())
	require.Equal(t, DefaultWorkflows, c.Workflows)
	require.Equal(t, 26*time.Minute, c.WaitTimeout)

	s := Short().withDefaults()
	require.NoError(t, s.validate())
	require.Equal(t, 100, s.Workflows)

	bad := Config{Workflows: -1, Longest: time.Second}.withDefaults()
	require.Error(t, bad.validate())
}

func TestSummarizeLog(t *testing.T) {
	log := `{"level":"info","msg":"Triggered sync run"}
{"level":"warn","msg":"slow"}
{"level":"warn","msg":"slow"}
{"level":"error","msg":"broken"}
panic: oh no
`
	s, err := summarizeLog(strings.NewReader(log))
	require.NoError(t, err)
	require.Equal(t, 5, s.Lines)
	require.Equal(t, 2, s.Warnings)
	require.Equal(t, 2, s.Errors)
	require.Equal(t, "2 × warn: slow", s.Top[0])
}

func TestProblems(t *testing.T) {
	good := func() Report {
		r := Report{Config: ConfigSummary{Workflows: 3, EmulatorRateLimit: "200/10s", CPUs: 2}}
		r.Load = LoadReport{Workflows: 3, Started: 3, Succeeded: 3}
		r.Load.Hightouch.RunsCreated = 3
		return r
	}
	r := good()
	r.checkProblems()
	require.Empty(t, r.Problems)

	for name, spoil := range map[string]func(*Report){
		"a workflow failed":   func(r *Report) { r.Load.Succeeded, r.Load.Failed = 2, 1 },
		"a 429":               func(r *Report) { r.Load.Hightouch.Enforced429 = 1 },
		"a run never noticed": func(r *Report) { r.Load.Notice.NeverNoticed = 1 },
		"a run lost":          func(r *Report) { r.Load.Hightouch.RunsCreated, r.Load.Hightouch.SyncsWithoutRun = 2, 1 },
		"a double trigger":    func(r *Report) { r.Load.Hightouch.RunsCreated, r.Load.Hightouch.SyncsWithSeveralRuns = 4, 1 },
		"baseline incomplete": func(r *Report) {
			r.Baseline = &BaselineReport{Runs: 2, Temporal: BaselineSide{Completed: 1}, Plain: BaselineSide{Completed: 2}}
		},
	} {
		r := good()
		spoil(&r)
		r.checkProblems()
		require.Len(t, r.Problems, 1, name)
	}
}

func TestReportRendering(t *testing.T) {
	r := Report{Config: ConfigSummary{Workflows: 3, EmulatorRateLimit: "200/10s", CPUs: 2,
		Classes: []ClassSpec{{Name: "short", Min: contract.Duration(25 * time.Second), Max: contract.Duration(35 * time.Second), Runs: 3}}}}
	r.Load = LoadReport{Workflows: 3, Started: 3, Succeeded: 3}
	r.Load.Notice.Latency = distributionOf([]time.Duration{time.Second, 2 * time.Second, 30 * time.Second})
	r.Load.Hightouch.ByOperation = map[string]int{"TriggerRun": 3, "ListSyncRuns": 40}
	r.Load.Hightouch.RunsCreated = 3
	r.Baseline = &BaselineReport{Runs: 3, Ratio: 7.5, Temporal: BaselineSide{Completed: 3}, Plain: BaselineSide{Completed: 3}}
	r.checkProblems()

	var buf bytes.Buffer
	require.NoError(t, r.WriteTable(&buf))
	out := buf.String()
	require.Contains(t, out, "3 / 3")
	require.Contains(t, out, "2s / 30s / 30s")
	require.Contains(t, out, "ListSyncRuns 40, TriggerRun 3")
	require.Contains(t, out, "7.5x")
	require.Contains(t, out, "RESULT: pass")

	b, err := json.Marshal(r)
	require.NoError(t, err)
	require.Contains(t, string(b), `"median":"2s"`)
	var back Report
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, r.Load.Notice.Latency, back.Load.Notice.Latency)
}

func pageSize() int { return os.Getpagesize() }

func pidSelf() int { return os.Getpid() }

func TestRequestLog(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	var b strings.Builder
	add := func(d time.Duration, method, uri string) {
		at := t0.Add(d).Format(logging.TimeLayout)
		fmt.Fprintf(&b, `{"level":"info","ts":%q,"msg":"request","received":%q,"method":%q,"uri":%q,"status":200,"took":0.001}`+"\n",
			at, at, method, uri)
	}
	add(-time.Second, "GET", "/api/v1/syncs/1/runs?runId=9") // before the window
	add(0, "POST", "/api/v1/syncs/1/trigger")
	add(time.Second, "GET", "/api/v1/syncs/1/runs?runId=9")
	add(2*time.Second, "GET", "/api/v1/syncs/1/runs?limit=50&orderBy=createdAt")
	add(3*time.Second, "GET", "/_emulator/stats")
	add(11*time.Second, "GET", "/api/v1/sources?limit=1")
	add(12*time.Second, "GET", "/api/v1/syncs/2/runs?runId=10")
	add(30*time.Second, "GET", "/api/v1/syncs/2/runs?runId=10") // after the window
	b.WriteString("hightouch-emulator listening on http://127.0.0.1:1/api/v1\n")

	rl, err := parseRequestLog(strings.NewReader(b.String()), t0, t0.Add(20*time.Second))
	require.NoError(t, err)
	require.Equal(t, requestLog{total: 5, triggers: 1, polls: 2, lookups: 1, other: 1, peak10s: 3}, rl)
}

func TestHistogramMeans(t *testing.T) {
	t0 := time.Unix(0, 0)
	var sum, count series
	// 10 tasks a second waiting 0.1 s each, then 5 s of tasks waiting 2 s.
	s, c := 0.0, 0.0
	for i := 0; i <= 30; i++ {
		if i > 0 {
			c += 10
			if i > 20 && i <= 25 {
				s += 20
			} else {
				s += 1
			}
		}
		sum.add(t0.Add(time.Duration(i)*time.Second), s)
		count.add(t0.Add(time.Duration(i)*time.Second), c)
	}
	require.InDelta(t, (25+100)/300.0, meanOf(&sum, &count), 1e-9)
	require.InDelta(t, (5+100)/100.0, peakMean(&sum, &count, 10*time.Second), 1e-9)
	require.InDelta(t, 10, count.rate(), 1e-9)
}
