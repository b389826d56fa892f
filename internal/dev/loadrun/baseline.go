package loadrun

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
	"github.com/hightouch-temporal/hightouch-temporal/internal/ratelimit"
)

// The baseline runs the same short runs twice, started at the same pace:
// once as HightouchSync workflows on the worker, once as goroutines of this
// process that make the same HTTP calls with the same client and no
// Temporal. The pace keeps both under the worker's rate limit, so neither
// side waits or is turned away and both make the same requests.

const (
	baseTemporalPrefix = "loadrun-base-"
	basePlainSlug      = "plain"
	idleWindow         = 10 * time.Second
)

// runBaseline fills r.Baseline.
func runBaseline(ctx context.Context, cfg Config, e *env, r *Report, logf func(string, ...any)) error {
	b := &BaselineReport{Runs: cfg.BaselineRuns, RunLength: measured(cfg.BaselineRunLength), StartsPerSecond: cfg.BaselineStartsPerSecond}
	scenarios := make([]hightouchtest.Scenario, cfg.BaselineRuns)
	for i := range scenarios {
		scenarios[i] = scenario(cfg.BaselineRunLength)
	}
	timeout := time.Duration(float64(cfg.BaselineRuns)/cfg.BaselineStartsPerSecond*float64(time.Second)) + 4*cfg.BaselineRunLength + 2*time.Minute

	// Temporal side.
	syncIDs, err := e.createSyncs(ctx, "baseline", scenarios)
	if err != nil {
		return err
	}
	ids := make([]string, len(syncIDs))
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%04d", baseTemporalPrefix, i)
	}
	// The idle rate (pollers, metrics, the dev server's own housekeeping)
	// is part of each run's cost; it is measured so the reader can tell.
	logf("baseline: measuring idle CPU for %s", idleWindow)
	idleFrom, err := e.cpuSnapshot(ctx)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(idleWindow):
	}
	before, err := e.cpuSnapshot(ctx)
	if err != nil {
		return err
	}
	idle := before.at.Sub(idleFrom.at).Seconds()
	b.WorkerIdleCores = (before.worker - idleFrom.worker) / idle
	b.DevServerIdleCores = (before.dev - idleFrom.dev) / idle

	logf("baseline: %d runs of %s through Temporal, %.2f starts/s", cfg.BaselineRuns, cfg.BaselineRunLength, cfg.BaselineStartsPerSecond)
	var startErr atomic.Pointer[error]
	paced(ctx, len(ids), cfg.BaselineStartsPerSecond, func(i int) {
		if err := e.startSync(ctx, ids[i], syncIDs[i]); err != nil {
			startErr.CompareAndSwap(nil, &err)
		}
	})
	if p := startErr.Load(); p != nil {
		return fmt.Errorf("baseline: starting a workflow: %w", *p)
	}
	if _, err := e.waitClosed(ctx, baseTemporalPrefix, ids, timeout, nil); err != nil {
		return err
	}
	after, err := e.cpuSnapshot(ctx)
	if err != nil {
		return err
	}
	outs, err := e.outcomes(ctx, ids)
	if err != nil {
		return err
	}
	for _, o := range outs {
		if o.succeeded() {
			b.Temporal.Completed++
		} else {
			b.Temporal.Failed++
		}
	}
	b.Temporal.fill(after.worker-before.worker, before, after)
	devPerRun := (after.dev - before.dev) / float64(max(b.Temporal.Completed, 1))
	b.DevServerCPUPerRun = secondsDuration(devPerRun)

	// Plain side.
	plainIDs, err := e.createSyncs(ctx, basePlainSlug, scenarios)
	if err != nil {
		return err
	}
	logf("baseline: the same %d runs with a plain Go loop in this process", cfg.BaselineRuns)
	hc := client.New(
		client.WithSecurity(hightouchtest.DefaultToken),
		client.WithServerURL(e.emuURL),
		client.WithClient(ratelimit.New(&http.Client{Timeout: time.Minute}, ratelimit.DefaultRate, ratelimit.DefaultBurst, nil)),
		client.WithUserAgent("loadrun-plain"),
	)
	before, err = e.cpuSnapshot(ctx)
	if err != nil {
		return err
	}
	var (
		wg        sync.WaitGroup
		completed atomic.Int64
		failed    atomic.Int64
		firstErr  atomic.Pointer[error]
	)
	cpuBefore := selfCPU()
	paced(ctx, len(plainIDs), cfg.BaselineStartsPerSecond, func(i int) {
		wg.Go(func() {
			if err := plainRun(ctx, hc, client.ID(plainIDs[i])); err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, &err)
				return
			}
			completed.Add(1)
		})
	})
	wg.Wait()
	cpuAfter := selfCPU()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	after, err = e.cpuSnapshot(ctx)
	if err != nil {
		return err
	}
	b.Plain.Completed, b.Plain.Failed = int(completed.Load()), int(failed.Load())
	if p := firstErr.Load(); p != nil {
		r.Notes = append(r.Notes, fmt.Sprintf("baseline: a plain-loop run failed: %v", *p))
	}
	b.Plain.fill(cpuAfter-cpuBefore, before, after)

	// The ratios divide the measures, not the report's rounded figures.
	if plain := b.Plain.cpuPerRun; plain > 0 {
		b.Ratio = float64(b.Temporal.cpuPerRun) / float64(plain)
		busy := b.Temporal.CPUSeconds - b.WorkerIdleCores*b.Temporal.took.Seconds()
		b.RatioNetOfIdle = busy / float64(max(b.Temporal.Completed, 1)) / plain.Seconds()
		b.RatioWithDevServer = float64(b.Temporal.cpuPerRun+seconds(devPerRun)) / float64(plain)
	}
	if b.Plain.CPUSeconds > 0 && b.Temporal.Requests > 0 && b.Plain.Requests > 0 {
		b.RatioPerRequest = (b.Temporal.CPUSeconds / float64(b.Temporal.Requests)) / (b.Plain.CPUSeconds / float64(b.Plain.Requests))
	}
	r.Baseline = b
	return nil
}

// fill sets the CPU and request figures of one side from its CPU seconds
// and the snapshots around it.
func (s *BaselineSide) fill(cpu float64, before, after cpuSnapshot) {
	s.took = after.at.Sub(before.at)
	s.Took = measured(s.took)
	s.CPUSeconds = cpu
	runs := float64(max(s.Completed, 1))
	s.cpuPerRun = seconds(cpu / runs)
	s.CPUPerRun = measured(s.cpuPerRun)
	s.Requests = after.requests - before.requests
	s.RequestsPerRun = float64(s.Requests) / runs
	s.EmulatorCPUPerRun = secondsDuration((after.emu - before.emu) / runs)
	s.Enforced429 = after.enforced - before.enforced
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func secondsDuration(s float64) contract.Duration { return measured(seconds(s)) }

// paced calls f(0..n-1) at perSecond, each in turn, and returns after the
// last call (or when ctx ends).
func paced(ctx context.Context, n int, perSecond float64, f func(i int)) {
	interval := time.Duration(float64(time.Second) / perSecond)
	t := time.NewTicker(interval)
	defer t.Stop()
	for i := range n {
		f(i)
		if i == n-1 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// plainRun is the product's wait without Temporal: trigger once, then poll
// the run on the product's schedule (activities.PollPolicy: every 2 s in
// the first minute, then a tenth of the run's age up to 30 s) until it
// ends. Like the product, whose poll activity returns on each of the first
// five status changes and whose next activity polls at once, it polls again
// at once after those changes.
func plainRun(ctx context.Context, hc *client.Client, syncID client.ID) error {
	var trig *client.TriggerRunOutput
	err := retryLocal(ctx, func() (err error) {
		trig, err = hc.TriggerRun(ctx, syncID, client.TriggerRunBody{})
		return err
	})
	if err != nil {
		return fmt.Errorf("triggering sync %d: %w", syncID, err)
	}
	triggeredAt := time.Now()
	policy := activities.PollPolicy{}.WithDefaults()
	var last client.SyncRunStatus
	changes := 0
	for {
		var run *client.SyncRun
		if err := retryLocal(ctx, func() (err error) {
			run, err = hc.GetSyncRun(ctx, syncID, trig.ID)
			return err
		}); err != nil {
			return fmt.Errorf("polling run %s of sync %d: %w", trig.ID, syncID, err)
		}
		var status client.SyncRunStatus
		if run != nil {
			status = run.Status
			if status.Terminal() || (!status.Known() && run.FinishedAt != nil) {
				return nil
			}
		}
		if status != last && changes < 5 {
			last = status
			changes++
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(policy.Interval(time.Since(triggeredAt))):
		}
	}
}

// retryLocal retries a call turned away by the client-side rate limit
// after the wait it names; the paced baseline should never need it.
func retryLocal(ctx context.Context, call func() error) error {
	for {
		err := call()
		var tooLong *ratelimit.WaitTooLongError
		if !errors.As(err, &tooLong) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(tooLong.RetryAfter()):
		}
	}
}
