// Package chaos runs many HightouchSync and HightouchSyncSequence workflows,
// several at once on each sync, on several worker replicas of one task
// queue, through the ways Hightouch and the infrastructure misbehave, and
// checks from the emulator's records that every sync ran exactly once per
// workflow, that every workflow reported its own run (none reported by two
// workflows, none created before the workflow started, each with the
// workflow's own options), and that every workflow reached the outcome its
// scenario dictates.
//
// The faults: 500s before Hightouch acts and after it created the run, 504s
// from a gateway while the run is created seconds later, runs listed late,
// Hightouch's clock minutes off the worker's, answers slower than the
// trigger's heartbeat timeout, bursts of 429; a replica SIGKILLed while its
// trigger is out, more SIGKILLs, and a Temporal restart.
package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/enums/v1"
	temporalclient "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/devserver"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Config sizes a chaos run.
type Config struct {
	Replicas         int           // worker processes on the task queue
	Syncs            int           // syncs, each with WorkflowsPerSync workflows at once
	WorkflowsPerSync int           //
	Sequences        int           // sequence workflows, one per sequence
	RunLength        time.Duration // typical run length at Hightouch
	WorkerKills      int           // SIGKILL a replica (and restart it) this many times
	KillEvery        time.Duration // between kills; the first waits for a trigger in flight
	RestartTemporal  bool          // restart the dev server once, mid-run
	Deadline         time.Duration // give up after this long
	// Faults at the emulator.
	ServerErrorRate    float64       // 500 before Hightouch acts, on any request
	TriggerThen500Rate float64       // 500 after the trigger created its run
	GatewayTimeoutRate float64       // 504 on a trigger, run created LateCreation later
	LateCreation       time.Duration // the latest; the earliest is a third of it
	ListingLag         time.Duration // runs listed up to this late
	ClockOffset        time.Duration // Hightouch's clock off the worker's (sign drawn per run)
	SlowRate           float64       // answers SlowLatency late
	SlowLatency        time.Duration
	Latency            time.Duration
	BurstLength        time.Duration // every request is answered 429 for this long
	RetryAfter         time.Duration // on the 429s
	BurstEvery         time.Duration
	// The worker's settings that match the faults: how long a run may take
	// to be listed and to be created after a failed answer.
	WorkerListingLag, WorkerLateCreation time.Duration
	// Log receives a line per event; nil discards.
	Log io.Writer
}

// Short is the CI form: a few minutes.
func Short() Config {
	return Config{
		Replicas: 2, Syncs: 3, WorkflowsPerSync: 6, Sequences: 2, RunLength: 12 * time.Second,
		WorkerKills: 2, KillEvery: 20 * time.Second, RestartTemporal: true, Deadline: 10 * time.Minute,
		ServerErrorRate: 0.05, TriggerThen500Rate: 0.2, GatewayTimeoutRate: 0.1, LateCreation: 15 * time.Second,
		ListingLag: 20 * time.Second, ClockOffset: 2 * time.Minute, SlowRate: 0.04, SlowLatency: 12 * time.Second,
		Latency: 20 * time.Millisecond, BurstLength: 3 * time.Second, RetryAfter: 2 * time.Second, BurstEvery: 25 * time.Second,
		WorkerListingLag: 30 * time.Second, WorkerLateCreation: 20 * time.Second,
	}
}

// Long is the documented long form: three replicas, twelve workflows on
// each sync.
func Long() Config {
	c := Short()
	c.Replicas, c.WorkflowsPerSync, c.Sequences, c.WorkerKills, c.Deadline = 3, 12, 6, 5, 25*time.Minute
	return c
}

// Report is what a chaos run found.
type Report struct {
	Workflows        int
	Outcomes         map[string]int // by outcome: "completed" or the failure type
	Mismatches       []string       // workflows whose outcome differs from their scenario
	RunsExpected     int            // sync runs the scenarios need (members included)
	RunsCreated      int            // sync runs the emulator created
	SequenceRuns     int            // sequence runs the emulator created
	LostRuns         []string       // workflows whose reported run is not theirs, or missing
	DoubleTriggers   []string       // syncs with more runs than workflows
	SharedRuns       []string       // runs reported by two workflows
	EarlyRuns        []string       // runs reported by a workflow that started after them
	ForeignOptions   []string       // runs created with another workflow's options
	Adopted          int            // workflows whose trigger's answer was lost and whose run was found
	ClockOffset      time.Duration
	Replicas         int
	WorkerKills      int
	KillsMidSend     int
	TemporalRestarts int
	Faults           hightouchtest.Stats
	Duration         time.Duration
}

// OK reports whether every check passed.
func (r Report) OK() bool {
	return len(r.Mismatches)+len(r.LostRuns)+len(r.DoubleTriggers)+len(r.SharedRuns)+len(r.EarlyRuns)+len(r.ForeignOptions) == 0 &&
		r.RunsCreated == r.RunsExpected
}

// scenario is one workflow with the outcome it must reach.
type scenario struct {
	id         string
	workflow   string
	input      any
	want       string // "completed" or an errortypes value
	syncs      []int64
	sequence   string
	fullResync bool
}

// Run performs a chaos run. It builds the binaries from the module at
// moduleDir and cleans up every process it starts.
func Run(ctx context.Context, moduleDir string, cfg Config) (Report, error) {
	start := time.Now()
	logf := func(format string, a ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "%s chaos: %s\n", time.Since(start).Truncate(time.Second), fmt.Sprintf(format, a...))
		}
	}
	rep := Report{Outcomes: map[string]int{}, Replicas: cfg.Replicas, ClockOffset: cfg.ClockOffset}
	if start.UnixNano()%2 == 1 {
		rep.ClockOffset = -cfg.ClockOffset
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Deadline)
	defer cancel()
	dir, err := os.MkdirTemp("", "hightouch-chaos-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	bins, err := proc.Build(ctx, moduleDir, filepath.Join(dir, "bin"), map[string]string{
		"worker": "./cmd/hightouch-worker", "emulator": "./cmd/hightouch-emulator",
	})
	if err != nil {
		return rep, err
	}
	cli, err := devserver.FindCLI()
	if err != nil {
		return rep, err
	}
	var group proc.Group
	defer group.StopAll(10 * time.Second)

	ports, err := proc.FreePorts(2 + cfg.Replicas)
	if err != nil {
		return rep, err
	}
	temporalAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	startTemporal := func() (*proc.Proc, error) {
		p, err := group.Add(proc.Spec{Name: "temporal", Path: cli, Args: append([]string{"server", "start-dev", "--headless", "--ip", "127.0.0.1",
			"--port", fmt.Sprint(ports[0]), "--log-level", "error", "--db-filename", filepath.Join(dir, "temporal.db")}, devserver.SearchAttributeArgs()...)})
		if err != nil {
			return nil, err
		}
		return p, proc.WaitTCP(ctx, temporalAddr, p.Done())
	}
	temporalProc, err := startTemporal()
	if err != nil {
		return rep, err
	}

	emuAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
	emu, err := group.Add(proc.Spec{Name: "emulator", Path: bins["emulator"], Args: []string{"-addr", emuAddr, "-seed", fmt.Sprint(start.UnixNano() % 1000)}})
	if err != nil {
		return rep, err
	}
	if err := proc.WaitHTTP(ctx, "http://"+emuAddr+"/_emulator/healthz", emu.Done()); err != nil {
		return rep, err
	}
	admin := hightouchtest.NewAdminClient("http://" + emuAddr)

	// The replicas share the workspace's request budget.
	rate := strconv.FormatFloat(18/float64(cfg.Replicas), 'f', 1, 64)
	replicas := make([]*proc.Proc, cfg.Replicas)
	startReplica := func(i int) error {
		httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[2+i])
		p, err := group.Add(proc.Spec{Name: fmt.Sprintf("worker-%d", i), Path: bins["worker"], Output: cfg.Log, Env: []string{
			"TEMPORAL_ADDRESS=" + temporalAddr, "TEMPORAL_CONFIG_FILE=" + filepath.Join(dir, "none.toml"),
			"HIGHTOUCH_API_KEY=" + hightouchtest.DefaultToken, "HIGHTOUCH_BASE_URL=http://" + emuAddr + "/api/v1",
			"HIGHTOUCH_WORKER_HTTP_ADDR=" + httpAddr, "HIGHTOUCH_LOG_LEVEL=error", "HIGHTOUCH_WORKER_STOP_TIMEOUT=2s",
			"HIGHTOUCH_RATE_LIMIT=" + rate, "HIGHTOUCH_LISTING_LAG=" + cfg.WorkerListingLag.String(),
			"HIGHTOUCH_LATE_CREATION=" + cfg.WorkerLateCreation.String(),
		}})
		if err != nil {
			return err
		}
		wctx, wcancel := context.WithTimeout(ctx, time.Minute)
		defer wcancel()
		replicas[i] = p
		return proc.WaitHTTP(wctx, "http://"+httpAddr+"/readyz", p.Done())
	}
	for i := range replicas {
		if err := startReplica(i); err != nil {
			return rep, err
		}
	}

	quiet := logging.Discard()
	tc, err := temporalclient.DialContext(ctx, temporalclient.Options{HostPort: temporalAddr, Logger: quiet})
	if err != nil {
		return rep, err
	}
	defer tc.Close()

	scenarios, err := makeScenarios(ctx, admin, cfg, start)
	if err != nil {
		return rep, err
	}
	faults := hightouchtest.Faults{
		ServerErrorRate: cfg.ServerErrorRate, TriggerThen500Rate: cfg.TriggerThen500Rate, GatewayTimeoutRate: cfg.GatewayTimeoutRate,
		LateCreationMin: cfg.LateCreation / 3, LateCreationMax: cfg.LateCreation, ListingLag: cfg.ListingLag, ClockOffset: rep.ClockOffset,
		SlowRate: cfg.SlowRate, SlowLatency: cfg.SlowLatency, Latency: cfg.Latency, RetryAfter: cfg.RetryAfter,
	}
	if err := admin.SetFaults(ctx, faults); err != nil {
		return rep, err
	}
	// Several workflows on each sync start together, as a schedule and a
	// pipeline finishing at once would start them.
	var wg sync.WaitGroup
	startErrs := make(chan error, len(scenarios))
	for _, s := range scenarios {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := temporalclient.StartWorkflowOptions{ID: s.id, TaskQueue: workflows.TaskQueue, WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL}
			if _, err := tc.ExecuteWorkflow(ctx, opts, s.workflow, s.input); err != nil {
				startErrs <- fmt.Errorf("starting %s: %w", s.id, err)
			}
		}()
	}
	wg.Wait()
	close(startErrs)
	if err := <-startErrs; err != nil {
		return rep, err
	}
	logf("started %d workflows on %d replicas; Hightouch's clock %s off", len(scenarios), cfg.Replicas, rep.ClockOffset)

	outcomes := collect(ctx, tc, scenarios)
	kill := func(i int, why string) error {
		replicas[i].Kill()
		rep.WorkerKills++
		logf("replica %d killed with SIGKILL %s (%d of %d)", i, why, rep.WorkerKills, cfg.WorkerKills)
		time.Sleep(time.Second)
		if err := startReplica(i); err != nil {
			return fmt.Errorf("restarting replica %d: %w", i, err)
		}
		return nil
	}
	// The first kill hits the replica whose trigger is out at Hightouch.
	midSend := watchForSend(ctx, admin, replicas)
	kills := time.NewTicker(cfg.KillEvery)
	defer kills.Stop()
	bursts := time.NewTicker(cfg.BurstEvery)
	defer bursts.Stop()
	restartAt := time.After(cfg.KillEvery * 3 / 2)
	var burstEnd <-chan time.Time
	var results map[string]outcome
	for results == nil {
		select {
		case results = <-outcomes:
		case i := <-midSend:
			midSend = nil
			if rep.WorkerKills < cfg.WorkerKills {
				if err := kill(i, "while its trigger was out at Hightouch"); err != nil {
					return rep, err
				}
				rep.KillsMidSend++
			}
		case <-kills.C:
			if rep.WorkerKills >= cfg.WorkerKills || midSend != nil {
				continue
			}
			if err := kill(rep.WorkerKills%cfg.Replicas, ""); err != nil {
				return rep, err
			}
		case <-restartAt:
			if !cfg.RestartTemporal {
				continue
			}
			if err := temporalProc.Stop(30 * time.Second); err != nil {
				return rep, err
			}
			logf("Temporal dev server stopped")
			time.Sleep(2 * time.Second)
			if temporalProc, err = startTemporal(); err != nil {
				return rep, fmt.Errorf("restarting Temporal: %w", err)
			}
			rep.TemporalRestarts++
			logf("Temporal dev server restarted")
		case <-bursts.C:
			f := faults
			f.RateLimitRate = 1
			if err := admin.SetFaults(ctx, f); err == nil {
				logf("429 burst for %s with Retry-After %s", cfg.BurstLength, cfg.RetryAfter)
				burstEnd = time.After(cfg.BurstLength)
			}
		case <-burstEnd:
			_ = admin.SetFaults(ctx, faults)
		case <-ctx.Done():
			return rep, fmt.Errorf("the workflows did not all end within %s", cfg.Deadline)
		}
	}
	rep.Duration = time.Since(start)
	return rep, check(ctx, admin, tc, scenarios, results, &rep)
}

// pidInUserAgent finds the worker's pid in its User-Agent.
var pidInUserAgent = regexp.MustCompile(`\(pid (\d+)\)`)

// watchForSend reports the replica whose sync trigger is out at Hightouch,
// once.
func watchForSend(ctx context.Context, admin *hightouchtest.AdminClient, replicas []*proc.Proc) <-chan int {
	ch := make(chan int, 1)
	go func() {
		for ctx.Err() == nil {
			stats, err := admin.Stats(ctx)
			if err == nil {
				for _, r := range stats.InFlight {
					if r.Operation != "TriggerRun" {
						continue
					}
					m := pidInUserAgent.FindStringSubmatch(r.UserAgent)
					for i, p := range replicas {
						if m != nil && m[1] == strconv.Itoa(p.Pid()) {
							ch <- i
							return
						}
					}
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return ch
}

// makeScenarios creates the syncs and sequences and the workflows to run
// them: on each sync, WorkflowsPerSync workflows at once, by id and by slug,
// some with fullResync; the sync's runs end success, warning or failed.
func makeScenarios(ctx context.Context, admin *hightouchtest.AdminClient, cfg Config, start time.Time) ([]scenario, error) {
	tag := fmt.Sprint(start.Unix() % 100000)
	newSync := func(slug, status string, length time.Duration) (int64, error) {
		sc := hightouchtest.Scenario{
			Phases: []hightouchtest.Phase{{Status: "queued", Duration: time.Second}, {Status: "querying", Duration: length / 4},
				{Status: "processing", Duration: length / 2}, {Status: "reporting", Duration: length / 4}},
			Status: status, QuerySize: 100, PlannedRows: hightouchtest.RowCounts{AddedCount: 100},
			SuccessfulRows: hightouchtest.RowCounts{AddedCount: 95}, FailedRows: hightouchtest.RowCounts{AddedCount: 5},
		}
		if status == "failed" {
			sc.Error = "destination rejected the batch"
		}
		return admin.NewSync(ctx, slug, sc)
	}
	var out []scenario
	for i := range cfg.Syncs {
		status := []string{"success", "warning", "failed"}[i%3]
		slug := fmt.Sprintf("chaos-%s-sync-%d", tag, i)
		id, err := newSync(slug, status, cfg.RunLength)
		if err != nil {
			return nil, err
		}
		for j := range cfg.WorkflowsPerSync {
			in := workflows.SyncInput{FullResync: j%3 == 0, FailOnWarning: j%2 == 1}
			if j%2 == 0 {
				in.SyncID = client.ID(id)
			} else {
				in.SyncSlug = slug
			}
			want := "completed"
			switch {
			case status == "failed":
				want = errortypes.SyncRunFailed
			case status == "warning" && in.FailOnWarning:
				want = errortypes.SyncRunWarning
			}
			out = append(out, scenario{id: fmt.Sprintf("chaos-%s-sync-%d-%d", tag, i, j), workflow: workflows.SyncWorkflow,
				want: want, syncs: []int64{id}, input: in, fullResync: in.FullResync})
		}
	}
	for i := range cfg.Sequences {
		second, want := "warning", "completed"
		if i%2 == 1 {
			second, want = "failed", errortypes.SequenceRunFailed
		}
		// A sequence trigger whose answer was lost is sent again, and
		// Hightouch answers with the lost send's run only while that run is
		// in progress (the API lists no sequence runs; the README says so).
		// A send lost with its killed replica is sent again after its
		// heartbeat timeout, later still across a Temporal restart: the
		// members run long enough to be in progress then.
		a, err := newSync(fmt.Sprintf("chaos-%s-member-a-%d", tag, i), "success", 2*cfg.RunLength)
		if err != nil {
			return nil, err
		}
		b, err := newSync(fmt.Sprintf("chaos-%s-member-b-%d", tag, i), second, 2*cfg.RunLength)
		if err != nil {
			return nil, err
		}
		seq, err := admin.NewSequence(ctx, fmt.Sprintf("chaos-%s-seq-%d", tag, i), a, b)
		if err != nil {
			return nil, err
		}
		out = append(out, scenario{
			id: fmt.Sprintf("chaos-%s-sequence-%d", tag, i), workflow: workflows.SequenceWorkflow, want: want, syncs: []int64{a, b}, sequence: seq,
			input: workflows.SequenceInput{SequenceID: seq},
		})
	}
	return out, nil
}

// collect waits for every workflow's outcome, riding out server restarts,
// and sends them all at once.
func collect(ctx context.Context, tc temporalclient.Client, scenarios []scenario) <-chan map[string]outcome {
	ch := make(chan map[string]outcome, 1)
	go func() {
		var mu sync.Mutex
		var wg sync.WaitGroup
		results := map[string]outcome{}
		for _, s := range scenarios {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := waitOutcome(ctx, tc, s.id)
				mu.Lock()
				results[s.id] = o
				mu.Unlock()
			}()
		}
		wg.Wait()
		if ctx.Err() == nil {
			ch <- results
		}
	}()
	return ch
}

// outcome is how a workflow ended, the run it reported, and when it began.
type outcome struct {
	kind    string // "completed" or the failure type
	runID   string // sync run id, or sequence run id
	adopted bool
	note    string // the result's note (how a lost answer was resolved)
	started time.Time
}

// runRef picks the run id out of a sync or sequence result.
type runRef struct {
	RunID         string `json:"runId"`
	SequenceRunID string `json:"sequenceRunId"`
	Adopted       bool   `json:"adopted"`
	Note          string `json:"note"`
}

func (r runRef) id() string { return r.RunID + r.SequenceRunID }

// waitOutcome waits for a workflow to close, asking again while the server
// restarts.
func waitOutcome(ctx context.Context, tc temporalclient.Client, id string) outcome {
	for ctx.Err() == nil {
		var ref runRef
		o := outcome{}
		err := tc.GetWorkflow(ctx, id, "").Get(ctx, &ref)
		var execErr *temporal.WorkflowExecutionError
		switch {
		case err == nil:
			o.kind = "completed"
		case errors.As(err, &execErr):
			if o.kind = errortypes.Of(err); o.kind == "" {
				o.kind = "failed: " + err.Error()
			}
			var appErr *temporal.ApplicationError
			if errors.As(err, &appErr) && appErr.HasDetails() {
				_ = appErr.Details(&ref)
			}
		default:
			time.Sleep(time.Second) // the server is restarting: ask again
			continue
		}
		o.runID, o.adopted, o.note = ref.id(), ref.Adopted, ref.Note
		if d, err := tc.DescribeWorkflow(ctx, id, ""); err == nil {
			o.started = d.RawResponse.GetWorkflowExecutionInfo().GetStartTime().AsTime()
		}
		return o
	}
	return outcome{kind: "unknown"}
}

// check compares the outcomes and the emulator's runs with the scenarios.
func check(ctx context.Context, admin *hightouchtest.AdminClient, tc temporalclient.Client, scenarios []scenario, results map[string]outcome, rep *Report) error {
	stats, err := admin.Stats(ctx)
	if err != nil {
		return err
	}
	rep.Workflows, rep.SequenceRuns, rep.Faults = len(scenarios), stats.SequenceRunsCreated, stats.Stats
	runs := map[int64][]hightouchtest.RunInfo{}
	runOf := map[string]hightouchtest.RunInfo{}
	for _, s := range scenarios {
		for _, id := range s.syncs {
			if _, ok := runs[id]; ok {
				continue
			}
			rs, err := admin.Runs(ctx, id)
			if err != nil {
				return err
			}
			runs[id] = rs
			for _, r := range rs {
				runOf[strconv.FormatInt(r.ID, 10)] = r
			}
		}
	}
	wanted := map[int64]int{} // runs each sync should have
	reportedBy := map[string]string{}
	for _, s := range scenarios {
		got := results[s.id]
		rep.Outcomes[got.kind]++
		if got.adopted {
			rep.Adopted++
		}
		if got.kind != s.want {
			rep.Mismatches = append(rep.Mismatches, fmt.Sprintf("%s: want %s, got %s", s.id, s.want, got.kind))
		}
		for _, id := range s.syncs {
			wanted[id]++
		}
		if s.sequence != "" {
			seqRuns, err := admin.SequenceRuns(ctx, s.sequence)
			if err != nil {
				return err
			}
			if len(seqRuns) != 1 {
				// Say when each ran and what the workflow was told, to
				// tell a lost run that had ended before the resend (which
				// the API cannot tell apart) from a writer's mistake.
				var times []string
				for _, r := range seqRuns {
					t := r.ID + " created " + r.CreatedAt.Format("15:04:05.000")
					if r.FinishedAt != nil {
						t += " finished " + r.FinishedAt.Format("15:04:05.000")
					}
					times = append(times, t)
				}
				rep.DoubleTriggers = append(rep.DoubleTriggers, fmt.Sprintf("%s: sequence %s has %d runs (%s); the workflow reported %s, note %q",
					s.id, s.sequence, len(seqRuns), strings.Join(times, "; "), got.runID, got.note))
			} else if seqRuns[0].ID != got.runID {
				rep.LostRuns = append(rep.LostRuns, fmt.Sprintf("%s: reported sequence run %q, but the emulator ran %s", s.id, got.runID, seqRuns[0].ID))
			}
			continue
		}
		r, ok := runOf[got.runID]
		switch {
		case got.runID == "":
			rep.LostRuns = append(rep.LostRuns, fmt.Sprintf("%s: reported no run", s.id))
			continue
		case !ok || r.SyncID != s.syncs[0]:
			rep.LostRuns = append(rep.LostRuns, fmt.Sprintf("%s: reported run %s, which is not a run of sync %d", s.id, got.runID, s.syncs[0]))
			continue
		}
		if other, dup := reportedBy[got.runID]; dup {
			rep.SharedRuns = append(rep.SharedRuns, fmt.Sprintf("run %s reported by %s and %s", got.runID, other, s.id))
		}
		reportedBy[got.runID] = s.id
		// The emulator stamps runs on Hightouch's clock.
		if created := r.CreatedAt.Add(-rep.ClockOffset); !got.started.IsZero() && created.Before(got.started) {
			rep.EarlyRuns = append(rep.EarlyRuns, fmt.Sprintf("%s: started %s, reported run %s created %s before", s.id,
				got.started.Format(time.RFC3339Nano), got.runID, got.started.Sub(created)))
		}
		if r.FullResync != s.fullResync {
			rep.ForeignOptions = append(rep.ForeignOptions, fmt.Sprintf("%s: fullResync %v, reported run %s has %v", s.id, s.fullResync, got.runID, r.FullResync))
		}
	}
	for _, id := range slices.Sorted(func(yield func(int64) bool) {
		for id := range wanted {
			if !yield(id) {
				return
			}
		}
	}) {
		rep.RunsExpected += wanted[id]
		rep.RunsCreated += len(runs[id])
		if n := len(runs[id]); n > wanted[id] {
			rep.DoubleTriggers = append(rep.DoubleTriggers, fmt.Sprintf("sync %d has %d runs for %d workflows", id, n, wanted[id]))
		} else if n < wanted[id] {
			rep.LostRuns = append(rep.LostRuns, fmt.Sprintf("sync %d has %d runs for %d workflows", id, n, wanted[id]))
		}
	}
	return nil
}

// Format renders the report as a table.
func (r Report) Format() string {
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "  %-40s %s\n", k, v) }
	row("workflows", fmt.Sprintf("%d on %d replicas", r.Workflows, r.Replicas))
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range r.Outcomes {
			if !yield(k) {
				return
			}
		}
	}) {
		row("  outcome "+k, fmt.Sprint(r.Outcomes[k]))
	}
	row("outcomes as the scenarios dictate", passFail(len(r.Mismatches) == 0, fmt.Sprintf("%d mismatches", len(r.Mismatches))))
	row("sync runs created / expected", passFail(r.RunsCreated == r.RunsExpected, fmt.Sprintf("%d / %d", r.RunsCreated, r.RunsExpected)))
	row("double triggers", passFail(len(r.DoubleTriggers) == 0, fmt.Sprint(len(r.DoubleTriggers))))
	row("lost or foreign runs", passFail(len(r.LostRuns) == 0, fmt.Sprint(len(r.LostRuns))))
	row("runs reported by two workflows", passFail(len(r.SharedRuns) == 0, fmt.Sprint(len(r.SharedRuns))))
	row("runs created before their workflow", passFail(len(r.EarlyRuns) == 0, fmt.Sprint(len(r.EarlyRuns))))
	row("runs with another workflow's options", passFail(len(r.ForeignOptions) == 0, fmt.Sprint(len(r.ForeignOptions))))
	row("runs found after a lost answer", fmt.Sprint(r.Adopted))
	row("sequence runs created", fmt.Sprint(r.SequenceRuns))
	row("Hightouch's clock off the worker's", r.ClockOffset.String())
	row("SIGKILLs (mid-send) / Temporal restarts", fmt.Sprintf("%d (%d) / %d", r.WorkerKills, r.KillsMidSend, r.TemporalRestarts))
	row("injected 500s / 504s / 429s", fmt.Sprintf("%d / %d / %d", r.Faults.InjectedErrors, r.Faults.InjectedGatewayTimeouts, r.Faults.InjectedRateLimits))
	row("wall time", r.Duration.Round(time.Second).String())
	for _, m := range slices.Concat(r.Mismatches, r.DoubleTriggers, r.LostRuns, r.SharedRuns, r.EarlyRuns, r.ForeignOptions) {
		fmt.Fprintf(&b, "  ! %s\n", m)
	}
	return b.String()
}

func passFail(ok bool, detail string) string {
	if ok {
		return "PASS (" + detail + ")"
	}
	return "FAIL (" + detail + ")"
}
