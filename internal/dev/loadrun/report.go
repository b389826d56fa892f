package loadrun

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/contract"
)

// measured is a measured duration as the report keeps it, to three
// significant figures or so (roundDuration).
func measured(d time.Duration) contract.Duration { return contract.Duration(roundDuration(d)) }

// roundDuration keeps three significant figures or so.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}

// Report is what a load run measured. Problems lists every expectation the
// run failed; an empty list is a pass.
type Report struct {
	Config   ConfigSummary   `json:"config"`
	Load     LoadReport      `json:"load"`
	Baseline *BaselineReport `json:"baseline,omitempty"`
	// Problems are failed expectations: a workflow that did not succeed, a
	// 429 from the emulator, a run never noticed, a sync triggered other
	// than once.
	Problems []string `json:"problems"`
	// Notes are things that went wrong with the measuring itself (a missed
	// sample), not with the product.
	Notes []string `json:"notes,omitempty"`
	// Dir holds the logs of the dev server, emulator and worker when kept.
	Dir string `json:"dir,omitempty"`
}

// ConfigSummary says what was run.
type ConfigSummary struct {
	Workflows         int         `json:"workflows"`
	Classes           []ClassSpec `json:"classes"`
	EmulatorRateLimit string      `json:"emulatorRateLimit"`
	WorkerEnv         []string    `json:"workerEnv,omitempty"`
	DevServerArgs     []string    `json:"devServerArgs,omitempty"`
	CPUs              int         `json:"cpus"`
}

// ClassSpec is one third of the mix of run lengths.
type ClassSpec struct {
	Name string            `json:"name"`
	Min  contract.Duration `json:"min"`
	Max  contract.Duration `json:"max"`
	Runs int               `json:"runs"`
}

// LoadReport is the main measurement: N workflows started at once.
type LoadReport struct {
	Workflows  int `json:"workflows"`
	Started    int `json:"started"`
	Succeeded  int `json:"succeeded"`
	Failed     int `json:"failed"`     // closed other than completed
	Unfinished int `json:"unfinished"` // still open at the wait timeout
	// Failures are the first few failure messages.
	Failures []string `json:"failures,omitempty"`
	// StartTook is how long starting every workflow took.
	StartTook contract.Duration `json:"startTook"`
	// Took is from the first start to the last workflow closing.
	Took contract.Duration `json:"took"`

	Worker    WorkerUsage  `json:"worker"`
	DevServer ProcessUsage `json:"devServer"`
	Emulator  ProcessUsage `json:"emulator"`
	// MachineBusyCores is the average number of cores busy on the whole
	// machine (every process, other users' included) during the load.
	MachineBusyCores float64 `json:"machineBusyCores"`

	TaskQueue TaskQueueReport `json:"taskQueue"`
	Hightouch RequestReport   `json:"hightouch"`
	Notice    NoticeReport    `json:"notice"`
	Classes   []ClassReport   `json:"classes"`
	Temporal  TemporalReport  `json:"temporal"`
	// WorkerLog summarises the worker's log over the whole run.
	WorkerLog LogSummary `json:"workerLog"`
}

// WorkerUsage is the worker process's cost during the load, from its
// /metrics (process_cpu_seconds_total, process_resident_memory_bytes and the
// SDK's gauges) and /proc.
type WorkerUsage struct {
	CPUSeconds float64 `json:"cpuSeconds"`
	// AvgCores is CPU seconds per second of the load; PeakCores the highest
	// such average over any 10 s.
	AvgCores  float64 `json:"avgCores"`
	PeakCores float64 `json:"peakCores"`
	// PeakRSSBytes is the highest sampled resident memory during the load;
	// HighWaterRSSBytes the kernel's high-water mark over the worker's life.
	PeakRSSBytes          float64 `json:"peakRssBytes"`
	HighWaterRSSBytes     float64 `json:"highWaterRssBytes"`
	EndRSSBytes           float64 `json:"endRssBytes"`
	PeakGoroutines        float64 `json:"peakGoroutines"`
	PeakActivitySlotsUsed float64 `json:"peakActivitySlotsUsed"`
	PeakWorkflowSlotsUsed float64 `json:"peakWorkflowSlotsUsed"`
	PeakStickyCache       float64 `json:"peakStickyCache"`
}

// TaskQueueReport is how tasks flowed to the worker, from the SDK's
// schedule-to-start histograms (one observation per task started) and the
// dev server's stats of the activity task queue.
type TaskQueueReport struct {
	// ActivityTasksPerSecond counts activity attempts started at the worker,
	// each a poll, a trigger, or one turned away by the rate limit.
	ActivityTasksPerSecond     float64 `json:"activityTasksPerSecond"`
	PeakActivityTasksPerSecond float64 `json:"peakActivityTasksPerSecond"`
	// ActivityScheduleToStart is the mean time an activity task waited in
	// the task queue (after any retry delay); Peak the highest 10 s mean.
	ActivityScheduleToStart         contract.Duration `json:"activityScheduleToStart"`
	PeakActivityScheduleToStart     contract.Duration `json:"peakActivityScheduleToStart"`
	WorkflowTaskScheduleToStart     contract.Duration `json:"workflowTaskScheduleToStart"`
	PeakWorkflowTaskScheduleToStart contract.Duration `json:"peakWorkflowTaskScheduleToStart"`
	// PeakBacklog and PeakBacklogAge are the activity task queue's highest
	// approximate backlog and oldest waiting task, sampled.
	PeakBacklog    int               `json:"peakBacklog"`
	PeakBacklogAge contract.Duration `json:"peakBacklogAge"`
}

// ProcessUsage is another process's cost during the load, from /proc.
type ProcessUsage struct {
	CPUSeconds   float64 `json:"cpuSeconds"`
	AvgCores     float64 `json:"avgCores"`
	PeakRSSBytes float64 `json:"peakRssBytes"`
}

// RequestReport is what the emulator saw during the load.
type RequestReport struct {
	// Requests is every Hightouch API request the emulator answered.
	Requests     int     `json:"requests"`
	AvgPerSecond float64 `json:"avgPerSecond"`
	// Peak10sPerSecond is the highest average rate over any 10 s between two
	// samples of the emulator's counter (taken every second);
	// Peak10sCount the most requests that arrived in any 10 s, from the
	// emulator's request log (to compare with the limit of 200).
	Peak10sPerSecond float64 `json:"peak10sPerSecond"`
	Peak10sCount     int     `json:"peak10sCount"`
	// Polls (ListSyncRuns for one run id) and TriggerLookups (ListSyncRuns a
	// retried trigger sends to find a run an earlier attempt may have
	// created) split ListSyncRuns, from the request log.
	Polls          int `json:"polls"`
	TriggerLookups int `json:"triggerLookups"`
	// Enforced429 counts requests the emulator refused with 429 because the
	// workspace limit was reached; it must be 0.
	Enforced429 int            `json:"enforced429"`
	ByOperation map[string]int `json:"byOperation"`
	ByStatus    map[string]int `json:"byStatus"`
	// RunsCreated counts the runs of the load's syncs; it must equal the
	// number of workflows, one run per sync.
	RunsCreated          int `json:"runsCreated"`
	SyncsWithoutRun      int `json:"syncsWithoutRun"`
	SyncsWithSeveralRuns int `json:"syncsWithSeveralRuns"`
}

// NoticeReport is how long after a run finished at the emulator its
// workflow completed. Both times come from the same machine clock: the
// run's finishedAt at the emulator and the close event of the workflow's
// history at the dev server.
type NoticeReport struct {
	// TriggerDelay is the run's createdAt at the emulator minus the
	// workflow's start: how long the trigger waited for its turn. Run
	// lengths count from the trigger, so it is not part of Latency.
	TriggerDelay Distribution `json:"triggerDelay"`
	// Latency is workflow close minus run finish.
	Latency Distribution `json:"latency"`
	// PollDelay is the first API answer showing the run finished minus the
	// finish: how late the polling was.
	PollDelay Distribution `json:"pollDelay"`
	// CloseDelay is workflow close minus that first answer: the Temporal
	// part (activity completion, workflow task, close).
	CloseDelay Distribution `json:"closeDelay"`
	// NeverNoticed counts runs that finished at the emulator but whose
	// workflow did not complete; it must be 0.
	NeverNoticed     int      `json:"neverNoticed"`
	NeverNoticedRuns []string `json:"neverNoticedRuns,omitempty"`
}

// ClassReport breaks the notice latency and request count down by run length.
type ClassReport struct {
	ClassSpec
	// RequestsPerRun counts the emulator's requests for the run's sync:
	// trigger, polls and any lookups of an earlier attempt's run.
	RequestsPerRun meanMax      `json:"requestsPerRun"`
	Latency        Distribution `json:"latency"`
}

// TemporalReport is read from the workflows' histories.
type TemporalReport struct {
	// TriggerAttempts is the attempt that triggered (1 = first try).
	TriggerAttempts meanMax `json:"triggerAttempts"`
	// PollActivities counts poll activities scheduled per workflow (each
	// returns on a phase change, a bounded number of times); PollAttempts
	// counts their attempts, each one activity task at the worker.
	PollActivities meanMax `json:"pollActivities"`
	PollAttempts   meanMax `json:"pollAttempts"`
	HistoryEvents  meanMax `json:"historyEvents"`
}

// BaselineReport compares the worker's CPU per completed short run with a
// plain Go loop making the same HTTP calls without Temporal.
type BaselineReport struct {
	Runs            int               `json:"runs"`
	RunLength       contract.Duration `json:"runLength"`
	StartsPerSecond float64           `json:"startsPerSecond"`
	// Temporal is the worker process (HightouchSync workflows); Plain is this
	// process running trigger-then-poll goroutines.
	Temporal BaselineSide `json:"temporal"`
	Plain    BaselineSide `json:"plain"`
	// Ratio is Temporal.CPUPerRun / Plain.CPUPerRun (worker only).
	Ratio float64 `json:"ratio"`
	// RatioPerRequest divides each side's CPU by its HTTP requests instead.
	RatioPerRequest float64 `json:"ratioPerRequest"`
	// DevServerCPUPerRun is the dev server's CPU per run on the Temporal
	// side, left out of Ratio; RatioWithDevServer adds it.
	DevServerCPUPerRun contract.Duration `json:"devServerCpuPerRun"`
	RatioWithDevServer float64           `json:"ratioWithDevServer"`
	// WorkerIdleCores and DevServerIdleCores are measured for 10 s before
	// the baseline with nothing running; RatioNetOfIdle takes the worker's
	// idle CPU out of the Temporal side.
	WorkerIdleCores    float64 `json:"workerIdleCores"`
	DevServerIdleCores float64 `json:"devServerIdleCores"`
	RatioNetOfIdle     float64 `json:"ratioNetOfIdle"`
}

// BaselineSide is one side of the baseline.
type BaselineSide struct {
	Completed  int               `json:"completed"`
	Failed     int               `json:"failed"`
	Took       contract.Duration `json:"took"`
	CPUSeconds float64           `json:"cpuSeconds"`
	CPUPerRun  contract.Duration `json:"cpuPerRun"`
	// Requests and RequestsPerRun are counted by the emulator.
	Requests       int     `json:"requests"`
	RequestsPerRun float64 `json:"requestsPerRun"`
	// EmulatorCPUPerRun is the emulator's CPU per run: about equal on both
	// sides when both made the same calls.
	EmulatorCPUPerRun contract.Duration `json:"emulatorCpuPerRun"`
	Enforced429       int               `json:"enforced429"`
	// took and cpuPerRun are Took and CPUPerRun as measured.
	took, cpuPerRun time.Duration
}

// checkProblems lists every failed expectation.
func (r *Report) checkProblems() {
	l := &r.Load
	add := func(format string, a ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, a...)) }
	if l.Succeeded != l.Workflows {
		add("%d of %d workflows succeeded (%d failed, %d unfinished, %d not started)", l.Succeeded, l.Workflows, l.Failed, l.Unfinished, l.Workflows-l.Started)
	}
	if l.Hightouch.Enforced429 > 0 {
		add("the emulator refused %d requests with 429: the worker went over the workspace limit", l.Hightouch.Enforced429)
	}
	if l.Notice.NeverNoticed > 0 {
		add("%d runs finished at the emulator but their workflows never completed", l.Notice.NeverNoticed)
	}
	if l.Hightouch.RunsCreated != l.Workflows || l.Hightouch.SyncsWithoutRun > 0 || l.Hightouch.SyncsWithSeveralRuns > 0 {
		add("%d runs created for %d workflows (%d syncs never triggered, %d triggered more than once)",
			l.Hightouch.RunsCreated, l.Workflows, l.Hightouch.SyncsWithoutRun, l.Hightouch.SyncsWithSeveralRuns)
	}
	if b := r.Baseline; b != nil {
		if b.Temporal.Completed != b.Runs || b.Plain.Completed != b.Runs {
			add("baseline: %d (Temporal) and %d (plain loop) of %d runs completed", b.Temporal.Completed, b.Plain.Completed, b.Runs)
		}
		if b.Temporal.Enforced429+b.Plain.Enforced429 > 0 {
			add("baseline: the emulator refused %d requests with 429", b.Temporal.Enforced429+b.Plain.Enforced429)
		}
	}
}

// WriteTable prints the report for people.
func (r *Report) WriteTable(w io.Writer) error {
	var t table
	l := r.Load
	row, head := t.row, t.line
	line := func(format string, a ...any) { t.line(fmt.Sprintf(format, a...)) }

	var classes []string
	for _, c := range r.Config.Classes {
		classes = append(classes, fmt.Sprintf("%d %s %s-%s", c.Runs, c.Name, c.Min, c.Max))
	}
	line("LOAD RUN: %d concurrent HightouchSync workflows (%s), one worker process, emulator enforcing %s, %d CPUs",
		r.Config.Workflows, strings.Join(classes, ", "), r.Config.EmulatorRateLimit, r.Config.CPUs)
	if len(r.Config.WorkerEnv) > 0 || len(r.Config.DevServerArgs) > 0 {
		line("  worker env %v, dev server args %v", r.Config.WorkerEnv, r.Config.DevServerArgs)
	}
	head("Outcome")
	row("workflows succeeded", fmt.Sprintf("%d / %d", l.Succeeded, l.Workflows), fmt.Sprintf("failed %d, unfinished %d, not started %d", l.Failed, l.Unfinished, l.Workflows-l.Started))
	row("took", l.Took.String(), fmt.Sprintf("first start to last workflow closed (starting all took %s)", l.StartTook))
	head("Worker process (one, from its /metrics)")
	row("CPU, average", fmt.Sprintf("%.2f cores", l.Worker.AvgCores), fmt.Sprintf("process_cpu_seconds_total increase / wall time (%.0f CPU s)", l.Worker.CPUSeconds))
	row("CPU, peak 10 s", fmt.Sprintf("%.2f cores", l.Worker.PeakCores), "highest average over any 10 s")
	row("resident memory, peak", mib(l.Worker.PeakRSSBytes), fmt.Sprintf("highest sampled process_resident_memory_bytes (kernel high-water mark %s, at the end %s)", mib(l.Worker.HighWaterRSSBytes), mib(l.Worker.EndRSSBytes)))
	row("activity slots used, peak", fmt.Sprintf("%.0f", l.Worker.PeakActivitySlotsUsed), fmt.Sprintf("of the SDK's default 1000 unless set; workflow task slots %.0f, sticky cache %.0f, goroutines %.0f",
		l.Worker.PeakWorkflowSlotsUsed, l.Worker.PeakStickyCache, l.Worker.PeakGoroutines))
	q := l.TaskQueue
	head("Task flow (worker's SDK metrics, dev server's task queue stats)")
	row("activity tasks per second", fmt.Sprintf("%.1f", q.ActivityTasksPerSecond), fmt.Sprintf("attempts started at the worker, average (peak 10 s %.1f): polls, triggers and rate-limit hand-backs", q.PeakActivityTasksPerSecond))
	row("activity schedule-to-start", q.ActivityScheduleToStart.String(), fmt.Sprintf("mean wait in the task queue (peak 10 s mean %s); backlog peak %d tasks, oldest %s", q.PeakActivityScheduleToStart, q.PeakBacklog, q.PeakBacklogAge))
	row("workflow task schedule-to-start", q.WorkflowTaskScheduleToStart.String(), fmt.Sprintf("mean (peak 10 s mean %s)", q.PeakWorkflowTaskScheduleToStart))
	head("Other processes on the same 2 cores (from /proc)")
	row("dev server CPU", fmt.Sprintf("%.2f cores", l.DevServer.AvgCores), fmt.Sprintf("average; peak RSS %s", mib(l.DevServer.PeakRSSBytes)))
	row("emulator CPU", fmt.Sprintf("%.2f cores", l.Emulator.AvgCores), fmt.Sprintf("average; peak RSS %s", mib(l.Emulator.PeakRSSBytes)))
	row("machine busy", fmt.Sprintf("%.2f cores", l.MachineBusyCores), "every process on the machine, other users' included")
	h := l.Hightouch
	head("Hightouch requests (counted by the emulator)")
	row("requests per second, average", fmt.Sprintf("%.1f", h.AvgPerSecond), fmt.Sprintf("%d requests over the load", h.Requests))
	row("requests per second, peak 10 s", fmt.Sprintf("%.1f", h.Peak10sPerSecond), fmt.Sprintf("highest average over 10 s; most arriving in any 10 s: %d (limit %s; the worker's bucket releases at most 190)", h.Peak10sCount, r.Config.EmulatorRateLimit))
	row("429s enforced by the emulator", fmt.Sprint(h.Enforced429), "requests over the workspace limit; must be 0")
	row("by operation", formatCounts(h.ByOperation), fmt.Sprintf("ListSyncRuns = %d polls of a run + %d lookups by retried triggers", h.Polls, h.TriggerLookups))
	row("by status", formatCounts(h.ByStatus), "")
	row("runs created", fmt.Sprintf("%d for %d workflows", h.RunsCreated, l.Workflows), fmt.Sprintf("syncs never triggered %d, triggered twice or more %d", h.SyncsWithoutRun, h.SyncsWithSeveralRuns))
	n := l.Notice
	head("Notice latency: workflow closed minus run finished at the emulator")
	row("median / p99 / max", distString(n.Latency), fmt.Sprintf("%d runs", n.Latency.Count))
	row("  polling part", distString(n.PollDelay), "first answer showing the run finished, minus the finish")
	row("  Temporal part", distString(n.CloseDelay), "workflow closed, minus that first answer")
	row("trigger delay", distString(n.TriggerDelay), "run created at the emulator minus workflow start (not in the latency above)")
	row("never noticed", fmt.Sprint(n.NeverNoticed), "runs that finished but whose workflow did not complete; must be 0")
	for _, c := range l.Classes {
		row(fmt.Sprintf("%s runs (%s-%s)", c.Name, c.Min, c.Max), distString(c.Latency), fmt.Sprintf("median / p99 / max; %.1f requests per run (max %d)", c.RequestsPerRun.Mean, c.RequestsPerRun.Max))
	}
	tr := l.Temporal
	head("Temporal (from the histories)")
	row("trigger attempt", fmt.Sprintf("%.2f mean, %d max", tr.TriggerAttempts.Mean, tr.TriggerAttempts.Max), "1 = the first attempt triggered; later attempts follow a rate-limit hand-back")
	row("poll activities", fmt.Sprintf("%.2f mean, %d max", tr.PollActivities.Mean, tr.PollActivities.Max), fmt.Sprintf("per workflow; their attempts: %.1f mean, %d max (one activity task each)", tr.PollAttempts.Mean, tr.PollAttempts.Max))
	row("history events", fmt.Sprintf("%.1f mean, %d max", tr.HistoryEvents.Mean, tr.HistoryEvents.Max), "per workflow")
	row("worker log", fmt.Sprintf("%d warnings, %d errors", l.WorkerLog.Warnings, l.WorkerLog.Errors), fmt.Sprintf("in %d lines over the whole run", l.WorkerLog.Lines))
	for _, top := range l.WorkerLog.Top {
		row("", "", top)
	}
	if b := r.Baseline; b != nil {
		head(fmt.Sprintf("BASELINE: %d short runs of %s, started %.2f/s so neither side waits for the rate limit", b.Runs, b.RunLength, b.StartsPerSecond))
		row("worker CPU per run (Temporal)", b.Temporal.CPUPerRun.String(), fmt.Sprintf("worker process_cpu_seconds_total increase / %d completed runs; %.1f requests per run", b.Temporal.Completed, b.Temporal.RequestsPerRun))
		row("plain Go loop CPU per run", b.Plain.CPUPerRun.String(), fmt.Sprintf("getrusage of this process / %d runs: client.Client trigger, then GetSyncRun on the product's schedule; %.1f requests per run", b.Plain.Completed, b.Plain.RequestsPerRun))
		row("ratio", fmt.Sprintf("%.1fx", b.Ratio), fmt.Sprintf("Temporal worker / plain loop, per run (per request: %.1fx)", b.RatioPerRequest))
		row("ratio net of idle", fmt.Sprintf("%.1fx", b.RatioNetOfIdle), fmt.Sprintf("the same without the worker's idle CPU (%.3f cores idle; dev server %.3f)", b.WorkerIdleCores, b.DevServerIdleCores))
		row("dev server CPU per run", b.DevServerCPUPerRun.String(), fmt.Sprintf("not in the ratio; worker + dev server / plain loop = %.1fx", b.RatioWithDevServer))
		row("emulator CPU per run", fmt.Sprintf("%s / %s", b.Temporal.EmulatorCPUPerRun, b.Plain.EmulatorCPUPerRun), "Temporal side / plain side: the same HTTP work on both")
	}
	if len(r.Problems) == 0 {
		line("RESULT: pass")
	} else {
		line("RESULT: FAIL")
		for _, p := range r.Problems {
			line("  - %s", p)
		}
	}
	for _, f := range l.Failures {
		line("  failure: %s", f)
	}
	for _, nr := range n.NeverNoticedRuns {
		line("  never noticed: %s", nr)
	}
	for _, note := range r.Notes {
		line("  note: %s", note)
	}
	if r.Dir != "" {
		line("  logs: %s", r.Dir)
	}
	return t.write(w)
}

// table aligns rows of name, value and meaning across the whole report;
// lines in between span the width.
type table struct {
	items [][]string // one element: a line; three: a row
}

func (t *table) line(s string) { t.items = append(t.items, []string{s}) }
func (t *table) row(name, value, meaning string) {
	t.items = append(t.items, []string{name, value, meaning})
}

func (t *table) write(w io.Writer) error {
	var nameW, valueW int
	for _, it := range t.items {
		if len(it) == 3 {
			nameW, valueW = max(nameW, len(it[0])), max(valueW, len(it[1]))
		}
	}
	var b strings.Builder
	for _, it := range t.items {
		if len(it) == 1 {
			b.WriteString(it[0] + "\n")
			continue
		}
		b.WriteString(strings.TrimRight(fmt.Sprintf("  %-*s  %-*s  %s", nameW, it[0], valueW, it[1], it[2]), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mib(b float64) string { return fmt.Sprintf("%.0f MiB", b/(1<<20)) }

func distString(d Distribution) string {
	if d.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("%s / %s / %s", d.Median, d.P99, d.Max)
}

func formatCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] != 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
	}
	return strings.Join(parts, ", ")
}
