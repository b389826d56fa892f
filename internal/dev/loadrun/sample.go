package loadrun

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
)

// clockTicks is USER_HZ, the unit of CPU times in /proc (100 on every Linux
// platform Go supports).
const clockTicks = 100

// procUsage is a process's CPU time and resident memory from /proc.
type procUsage struct {
	cpu float64 // seconds, user + system
	rss float64 // bytes
}

// readProc reads /proc/<pid>/stat.
func readProc(pid int) (procUsage, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procUsage{}, err
	}
	return parseProcStat(string(b))
}

// parseProcStat reads utime, stime and rss from a /proc/<pid>/stat line.
// The command name may hold spaces and parentheses, so fields are counted
// from the last ')'.
func parseProcStat(s string) (procUsage, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procUsage{}, fmt.Errorf("unexpected /proc stat line %q", s)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): utime is field 14, stime 15, rss 24.
	if len(f) < 22 {
		return procUsage{}, fmt.Errorf("unexpected /proc stat line %q", s)
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	rss, err3 := strconv.ParseFloat(f[21], 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procUsage{}, fmt.Errorf("unexpected /proc stat line %q", s)
	}
	return procUsage{cpu: (utime + stime) / clockTicks, rss: rss * float64(os.Getpagesize())}, nil
}

// peakRSS is the process's high-water mark of resident memory (VmHWM).
func peakRSS(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseFloat(f[0], 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// selfCPU is this process's CPU time in seconds (user + system).
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// machineCPU returns the machine's busy and total CPU time in seconds from
// the first line of /proc/stat (busy excludes idle and iowait).
func machineCPU() (busy, total float64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("unexpected /proc/stat line %q", line)
	}
	for i, s := range f[1:] {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, 0, err
		}
		if i >= 8 { // guest time is already counted in user
			break
		}
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy / clockTicks, total / clockTicks, nil
}

// workerMetrics are the values read from the worker's /metrics.
type workerMetrics struct {
	cpu, rss, goroutines           float64
	activitySlotsUsed, wfSlotsUsed float64
	stickyCache                    float64
	apiRequests                    float64
	// Sums and counts of the SDK's schedule-to-start histograms, all types:
	// the counts are tasks started.
	activityS2SSum, activityS2SCount float64
	wfTaskS2SSum, wfTaskS2SCount     float64
}

// scrapeWorker reads the worker's Prometheus metrics.
func scrapeWorker(ctx context.Context, hc *http.Client, base string) (workerMetrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return workerMetrics{}, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return workerMetrics{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return workerMetrics{}, fmt.Errorf("worker /metrics: HTTP %d", res.StatusCode)
	}
	return parseWorkerMetrics(res.Body)
}

// parseWorkerMetrics picks the few series the report uses out of the
// Prometheus text format.
func parseWorkerMetrics(r io.Reader) (workerMetrics, error) {
	var m workerMetrics
	seenCPU := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		series := line[:sp]
		name, labels, _ := strings.Cut(series, "{")
		switch name {
		case "process_cpu_seconds_total":
			m.cpu, seenCPU = v, true
		case "process_resident_memory_bytes":
			m.rss = v
		case "go_goroutines":
			m.goroutines = v
		case "temporal_worker_task_slots_used":
			switch {
			case strings.Contains(labels, `worker_type="ActivityWorker"`):
				m.activitySlotsUsed = v
			case strings.Contains(labels, `worker_type="WorkflowWorker"`):
				m.wfSlotsUsed = v
			}
		case "temporal_sticky_cache_size":
			m.stickyCache += v
		case "hightouch_api_requests_total":
			m.apiRequests += v
		case "temporal_activity_schedule_to_start_latency_seconds_sum":
			m.activityS2SSum += v
		case "temporal_activity_schedule_to_start_latency_seconds_count":
			m.activityS2SCount += v
		case "temporal_workflow_task_schedule_to_start_latency_seconds_sum":
			m.wfTaskS2SSum += v
		case "temporal_workflow_task_schedule_to_start_latency_seconds_count":
			m.wfTaskS2SCount += v
		}
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if !seenCPU {
		return m, fmt.Errorf("the worker's /metrics has no process_cpu_seconds_total")
	}
	return m, nil
}

// sampler reads the worker's metrics, the processes' CPU and memory and the
// emulator's request counters in the background.
type sampler struct {
	e  *env
	hc *http.Client

	mu sync.Mutex
	// worker (from its /metrics)
	workerCPU, workerRSS, goroutines, activitySlots, workflowSlots, stickyCache series
	actS2SSum, actS2SCount, wftS2SSum, wftS2SCount                              series
	// the activity task queue at the dev server (DescribeTaskQueue stats)
	backlog, backlogAge series
	// other processes and the machine (from /proc)
	devCPU, devRSS, emuCPU, emuRSS, selfCPUs, machBusy, machTotal series
	// emulator counters
	requests, enforced, got429 series
	errs                       []string
}

func newSampler(e *env) *sampler {
	return &sampler{e: e, hc: &http.Client{Timeout: 10 * time.Second}}
}

// run samples until ctx ends: the emulator every second, the rest every
// interval.
func (s *sampler) run(ctx context.Context, interval time.Duration) {
	var wg sync.WaitGroup
	wg.Go(func() { s.loop(ctx, time.Second, s.sampleEmulator) })
	wg.Go(func() { s.loop(ctx, interval, s.sampleProcesses) })
	wg.Wait()
}

func (s *sampler) loop(ctx context.Context, every time.Duration, sample func(context.Context)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		sample(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *sampler) fail(format string, a ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) < 20 {
		s.errs = append(s.errs, fmt.Sprintf(format, a...))
	}
}

func (s *sampler) sampleEmulator(ctx context.Context) {
	st, err := s.e.admin.Stats(ctx)
	now := time.Now()
	if err != nil {
		if ctx.Err() == nil {
			s.fail("emulator stats: %v", err)
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests.add(now, float64(st.Requests))
	s.enforced.add(now, float64(st.EnforcedRateLimits))
	s.got429.add(now, float64(st.ByStatus[http.StatusTooManyRequests]))
}

func (s *sampler) sampleProcesses(ctx context.Context) {
	m, err := scrapeWorker(ctx, s.hc, s.e.workerHTTP)
	now := time.Now()
	if err != nil {
		if ctx.Err() == nil {
			s.fail("worker metrics: %v", err)
		}
	}
	tq, errTQ := s.e.tc.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace: "default", TaskQueue: &taskqueuepb.TaskQueue{Name: s.e.taskQueue},
		TaskQueueType: enums.TASK_QUEUE_TYPE_ACTIVITY, ReportStats: true,
	})
	dev, errDev := readProc(s.e.devServer.Pid())
	emu, errEmu := readProc(s.e.emulator.Pid())
	busy, total, errMach := machineCPU()
	self := selfCPU()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.workerCPU.add(now, m.cpu)
		s.workerRSS.add(now, m.rss)
		s.goroutines.add(now, m.goroutines)
		s.activitySlots.add(now, m.activitySlotsUsed)
		s.workflowSlots.add(now, m.wfSlotsUsed)
		s.stickyCache.add(now, m.stickyCache)
		s.actS2SSum.add(now, m.activityS2SSum)
		s.actS2SCount.add(now, m.activityS2SCount)
		s.wftS2SSum.add(now, m.wfTaskS2SSum)
		s.wftS2SCount.add(now, m.wfTaskS2SCount)
	}
	if errTQ == nil && tq.GetStats() != nil {
		s.backlog.add(now, float64(tq.GetStats().GetApproximateBacklogCount()))
		s.backlogAge.add(now, tq.GetStats().GetApproximateBacklogAge().AsDuration().Seconds())
	} else if errTQ != nil && ctx.Err() == nil {
		s.fail("task queue stats: %v", errTQ)
	}
	if errDev == nil {
		s.devCPU.add(now, dev.cpu)
		s.devRSS.add(now, dev.rss)
	}
	if errEmu == nil {
		s.emuCPU.add(now, emu.cpu)
		s.emuRSS.add(now, emu.rss)
	}
	if errMach == nil {
		s.machBusy.add(now, busy)
		s.machTotal.add(now, total)
	}
	s.selfCPUs.add(now, self)
}

// snapshot of all processes' CPU, for phases measured from end to end.
type cpuSnapshot struct {
	at                time.Time
	worker, dev, emu  float64
	self              float64
	requests          int
	enforced          int
	workerAPIRequests float64
}

func (e *env) cpuSnapshot(ctx context.Context) (cpuSnapshot, error) {
	m, err := scrapeWorker(ctx, &http.Client{Timeout: 10 * time.Second}, e.workerHTTP)
	if err != nil {
		return cpuSnapshot{}, err
	}
	dev, err := readProc(e.devServer.Pid())
	if err != nil {
		return cpuSnapshot{}, err
	}
	emu, err := readProc(e.emulator.Pid())
	if err != nil {
		return cpuSnapshot{}, err
	}
	st, err := e.admin.Stats(ctx)
	if err != nil {
		return cpuSnapshot{}, err
	}
	return cpuSnapshot{at: time.Now(), worker: m.cpu, dev: dev.cpu, emu: emu.cpu, self: selfCPU(),
		requests: st.Requests, enforced: st.EnforcedRateLimits, workerAPIRequests: m.apiRequests}, nil
}
