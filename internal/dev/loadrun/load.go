package loadrun

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

// loadPrefix starts the ids of the load's workflows.
const loadPrefix = "loadrun-load-"

// runLoad starts cfg.Workflows workflows at once, waits for them and fills
// r.Load.
func runLoad(ctx context.Context, cfg Config, e *env, r *Report, logf func(string, ...any)) error {
	n := cfg.Workflows
	runs := plan(n, cfg.Longest, cfg.Seed)
	scenarios := make([]hightouchtest.Scenario, n)
	for i, p := range runs {
		scenarios[i] = scenario(p.length)
	}
	for c, rc := range mix {
		lo, hi := rc.scaled(cfg.Longest)
		count := 0
		for _, p := range runs {
			if p.class == c {
				count++
			}
		}
		r.Config.Classes = append(r.Config.Classes, ClassSpec{Name: rc.name, Min: measured(lo), Max: measured(hi), Runs: count})
	}
	logf("load: creating %d syncs at the emulator", n)
	syncIDs, err := e.createSyncs(ctx, "load", scenarios)
	if err != nil {
		return err
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%04d", loadPrefix, i)
	}

	statsBefore, err := e.admin.Stats(ctx)
	if err != nil {
		return err
	}
	before, err := e.cpuSnapshot(ctx)
	if err != nil {
		return err
	}
	smp := newSampler(e)
	sctx, stopSampling := context.WithCancel(ctx)
	var sampling sync.WaitGroup
	sampling.Go(func() { smp.run(sctx, cfg.SampleInterval) })
	defer func() {
		stopSampling()
		sampling.Wait()
	}()

	logf("load: starting %d HightouchSync workflows", n)
	start := time.Now()
	startedOK := make([]bool, n)
	var startErrs []string
	var mu sync.Mutex
	_ = forEach(ctx, n, cfg.StartConcurrency, func(ctx context.Context, i int) error {
		err := e.startSync(ctx, ids[i], syncIDs[i])
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if len(startErrs) < 5 {
				startErrs = append(startErrs, fmt.Sprintf("starting %s: %v", ids[i], err))
			}
			return err
		}
		startedOK[i] = true
		return nil
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var startedIDs []string
	for i, ok := range startedOK {
		if ok {
			startedIDs = append(startedIDs, ids[i])
		}
	}
	l := &r.Load
	l.Workflows, l.Started, l.StartTook = n, len(startedIDs), measured(time.Since(start))
	l.Failures = append(l.Failures, startErrs...)
	logf("load: started %d workflows in %s; waiting (at most %s)", l.Started, l.StartTook, cfg.WaitTimeout)

	lastLog := time.Now()
	allClosed, err := e.waitClosed(ctx, loadPrefix, startedIDs, cfg.WaitTimeout, func(closed int) {
		if time.Since(lastLog) < 30*time.Second && closed < len(startedIDs) {
			return
		}
		lastLog = time.Now()
		logf("load: %s: %d/%d closed; %s", time.Since(start).Round(time.Second), closed, n, smp.recent())
	})
	if err != nil {
		return err
	}
	after, err := e.cpuSnapshot(ctx)
	if err != nil {
		return err
	}
	stopSampling()
	sampling.Wait()
	if !allClosed {
		logf("load: %s passed with workflows still open; reporting them as unfinished", cfg.WaitTimeout)
	}
	if hwm, err := peakRSS(e.worker.Pid()); err == nil {
		l.Worker.HighWaterRSSBytes = hwm
	}

	logf("load: reading %d histories and the emulator's runs", n)
	startedOuts, err := e.outcomes(ctx, startedIDs)
	if err != nil {
		return err
	}
	outs := make([]outcome, n) // zero for a workflow that never started
	for i, j := 0, 0; i < n; i++ {
		if startedOK[i] {
			outs[i], j = startedOuts[j], j+1
		}
	}
	runInfos, err := e.runsOf(ctx, syncIDs)
	if err != nil {
		return err
	}
	statsAfter, err := e.admin.Stats(ctx)
	if err != nil {
		return err
	}

	// Outcomes, notice latency, requests per run, histories.
	var (
		latency, pollDelay, closeDelay []time.Duration
		triggerDelay                   []time.Duration
		classLatency                   = make([][]time.Duration, len(mix))
		classRequests                  = make([][]int, len(mix))
		triggerAttempts, pollActs      []int
		pollAttempts, events           []int
		lastClose                      = start
	)
	for i, o := range outs {
		switch {
		case !startedOK[i]:
		case o.succeeded():
			l.Succeeded++
		case o.closed:
			l.Failed++
		default:
			l.Unfinished++
		}
		if o.failure != "" && len(l.Failures) < 10 {
			l.Failures = append(l.Failures, o.failure)
		}
		if o.closed {
			if o.closedAt.After(lastClose) {
				lastClose = o.closedAt
			}
			triggerAttempts = append(triggerAttempts, o.triggerAttempts)
			pollActs = append(pollActs, o.pollActivities)
			pollAttempts = append(pollAttempts, o.pollAttempts)
			events = append(events, o.events)
		}
		class := runs[i].class
		classRequests[class] = append(classRequests[class], statsAfter.Syncs[strconv.FormatInt(syncIDs[i], 10)].Requests)

		rs := runInfos[i]
		l.Hightouch.RunsCreated += len(rs)
		switch {
		case len(rs) == 0:
			l.Hightouch.SyncsWithoutRun++
			continue
		case len(rs) > 1:
			l.Hightouch.SyncsWithSeveralRuns++
		}
		run := rs[0]
		if !o.startedAt.IsZero() {
			triggerDelay = append(triggerDelay, run.CreatedAt.Sub(o.startedAt))
		}
		if run.FinishedAt == nil {
			continue // not finished: an unfinished workflow, counted above
		}
		if !o.succeeded() || run.FirstSeenTerminalAt == nil {
			l.Notice.NeverNoticed++
			if len(l.Notice.NeverNoticedRuns) < 10 {
				l.Notice.NeverNoticedRuns = append(l.Notice.NeverNoticedRuns,
					fmt.Sprintf("run %d of sync %d (workflow %s) finished at %s", run.ID, run.SyncID, ids[i], run.FinishedAt.Format(time.RFC3339)))
			}
			continue
		}
		d := o.closedAt.Sub(*run.FinishedAt)
		latency = append(latency, d)
		classLatency[class] = append(classLatency[class], d)
		pollDelay = append(pollDelay, run.FirstSeenTerminalAt.Sub(*run.FinishedAt))
		closeDelay = append(closeDelay, o.closedAt.Sub(*run.FirstSeenTerminalAt))
	}
	l.Took = measured(lastClose.Sub(start))
	l.Notice.Latency, l.Notice.PollDelay, l.Notice.CloseDelay = distributionOf(latency), distributionOf(pollDelay), distributionOf(closeDelay)
	l.Notice.TriggerDelay = distributionOf(triggerDelay)
	for c := range mix {
		cr := ClassReport{ClassSpec: r.Config.Classes[c], RequestsPerRun: meanMaxOf(classRequests[c]), Latency: distributionOf(classLatency[c])}
		l.Classes = append(l.Classes, cr)
	}
	l.Temporal = TemporalReport{TriggerAttempts: meanMaxOf(triggerAttempts), PollActivities: meanMaxOf(pollActs),
		PollAttempts: meanMaxOf(pollAttempts), HistoryEvents: meanMaxOf(events)}

	// Resource use over the load: from the snapshot before the first start
	// to the one after the last close was seen.
	wall := after.at.Sub(before.at).Seconds()
	smp.mu.Lock()
	defer smp.mu.Unlock()
	l.Worker.CPUSeconds = after.worker - before.worker
	l.Worker.AvgCores = l.Worker.CPUSeconds / wall
	l.Worker.PeakCores = smp.workerCPU.peakRate(10 * time.Second)
	l.Worker.PeakRSSBytes = smp.workerRSS.max()
	l.Worker.EndRSSBytes = smp.workerRSS.last()
	l.Worker.PeakGoroutines = smp.goroutines.max()
	l.Worker.PeakActivitySlotsUsed = smp.activitySlots.max()
	l.Worker.PeakWorkflowSlotsUsed = smp.workflowSlots.max()
	l.Worker.PeakStickyCache = smp.stickyCache.max()
	q := &l.TaskQueue
	actSum, actCount := smp.actS2SSum.between(before.at, after.at), smp.actS2SCount.between(before.at, after.at)
	wftSum, wftCount := smp.wftS2SSum.between(before.at, after.at), smp.wftS2SCount.between(before.at, after.at)
	q.ActivityTasksPerSecond = actCount.rate()
	q.PeakActivityTasksPerSecond = actCount.peakRate(10 * time.Second)
	q.ActivityScheduleToStart = secondsDuration(meanOf(&actSum, &actCount))
	q.PeakActivityScheduleToStart = secondsDuration(peakMean(&actSum, &actCount, 10*time.Second))
	q.WorkflowTaskScheduleToStart = secondsDuration(meanOf(&wftSum, &wftCount))
	q.PeakWorkflowTaskScheduleToStart = secondsDuration(peakMean(&wftSum, &wftCount, 10*time.Second))
	q.PeakBacklog = int(smp.backlog.max())
	q.PeakBacklogAge = secondsDuration(smp.backlogAge.max())
	l.DevServer = ProcessUsage{CPUSeconds: after.dev - before.dev, AvgCores: (after.dev - before.dev) / wall, PeakRSSBytes: smp.devRSS.max()}
	l.Emulator = ProcessUsage{CPUSeconds: after.emu - before.emu, AvgCores: (after.emu - before.emu) / wall, PeakRSSBytes: smp.emuRSS.max()}
	if smp.machTotal.len() >= 2 {
		// total counts every CPU: busy share times the number of CPUs.
		cpus := float64(r.Config.CPUs)
		l.MachineBusyCores = (smp.machBusy.last() - smp.machBusy.v[0]) / (smp.machTotal.last() - smp.machTotal.v[0]) * cpus
	}

	h := &l.Hightouch
	h.Requests = after.requests - before.requests
	h.AvgPerSecond = float64(h.Requests) / wall
	h.Peak10sPerSecond = smp.requests.peakRate(10 * time.Second)
	h.Peak10sCount = int(smp.requests.peakCount(10 * time.Second))
	if rl, err := readRequestLog(e.emuLog, before.at, after.at); err != nil {
		r.Notes = append(r.Notes, fmt.Sprintf("reading the emulator's request log: %v", err))
	} else {
		h.Peak10sCount, h.Polls, h.TriggerLookups = rl.peak10s, rl.polls, rl.lookups
		if rl.total != h.Requests {
			r.Notes = append(r.Notes, fmt.Sprintf("the emulator's log shows %d requests in the load window, its counter %d", rl.total, h.Requests))
		}
	}
	h.Enforced429 = statsAfter.EnforcedRateLimits - statsBefore.EnforcedRateLimits
	h.ByOperation = map[string]int{}
	for op, c := range statsAfter.ByOperation {
		h.ByOperation[op] = c - statsBefore.ByOperation[op]
	}
	h.ByStatus = map[string]int{}
	for code, c := range statsAfter.ByStatus {
		h.ByStatus[strconv.Itoa(code)] = c - statsBefore.ByStatus[code]
	}
	if got := h.ByStatus[strconv.Itoa(http.StatusTooManyRequests)]; got > h.Enforced429 {
		r.Notes = append(r.Notes, fmt.Sprintf("the emulator answered %d 429s, %d of them enforced", got, h.Enforced429))
	}
	r.Notes = append(r.Notes, smp.errs...)
	if cfg.RunsCSV != "" {
		if err := writeRunsCSV(cfg.RunsCSV, runs, ids, syncIDs, outs, runInfos, statsAfter); err != nil {
			r.Notes = append(r.Notes, fmt.Sprintf("writing %s: %v", cfg.RunsCSV, err))
		}
	}
	if l.WorkerLog, err = summarizeLogFile(e.workerLog); err != nil {
		r.Notes = append(r.Notes, fmt.Sprintf("reading the worker's log: %v", err))
	}
	return nil
}

// recent describes the last 10 s for progress lines.
func (s *sampler) recent() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	req := s.requests.between(now.Add(-11*time.Second), now)
	cpu := s.workerCPU.between(now.Add(-11*time.Second), now)
	return fmt.Sprintf("last 10 s: %.1f Hightouch req/s, worker %.2f cores, RSS %s, activity slots used %.0f; 429s so far %.0f",
		req.rate(), cpu.rate(), mib(s.workerRSS.last()), s.activitySlots.last(), s.enforced.last())
}

// writeRunsCSV writes one line per run of the load, for a closer look at
// the tails.
func writeRunsCSV(path string, runs []plannedRun, ids []string, syncIDs []int64, outs []outcome, infos [][]hightouchtest.RunInfo, stats hightouchtest.AdminStats) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	ts := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	secs := func(a, b *time.Time) string {
		if a == nil || b == nil || a.IsZero() || b.IsZero() {
			return ""
		}
		return strconv.FormatFloat(a.Sub(*b).Seconds(), 'f', 3, 64)
	}
	_ = w.Write([]string{"workflow", "sync", "class", "length_s", "started", "triggered", "finished", "first_seen_finished", "closed",
		"trigger_delay_s", "latency_s", "poll_delay_s", "requests", "trigger_attempts", "poll_activities", "poll_attempts", "events", "close_event"})
	for i, p := range runs {
		o := outs[i]
		var created, finished, seen *time.Time
		if len(infos[i]) > 0 {
			ri := infos[i][0]
			created, finished, seen = &ri.CreatedAt, ri.FinishedAt, ri.FirstSeenTerminalAt
		}
		started, closed := &o.startedAt, &o.closedAt
		_ = w.Write([]string{ids[i], strconv.FormatInt(syncIDs[i], 10), mix[p.class].name, strconv.FormatFloat(p.length.Seconds(), 'f', 1, 64),
			ts(started), ts(created), ts(finished), ts(seen), ts(closed),
			secs(created, started), secs(closed, finished), secs(seen, finished),
			strconv.Itoa(stats.Syncs[strconv.FormatInt(syncIDs[i], 10)].Requests),
			strconv.Itoa(o.triggerAttempts), strconv.Itoa(o.pollActivities), strconv.Itoa(o.pollAttempts), strconv.Itoa(o.events), o.status.String()})
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}
