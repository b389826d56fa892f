// Package chaos runs HightouchSync and HightouchSyncSequence workflows
// through faults and checks that every one reaches the outcome its scenario
// dictates, that no run is lost and that no sync is triggered twice.
//
// The faults: a share of Hightouch requests answered 500, bursts of 429 with
// Retry-After, added latency, triggers that create their run and then answer
// 500; the worker killed with SIGKILL and restarted several times; and the
// Temporal dev server (with a database file) restarted once.
package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/enums/v1"
	temporalclient "go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/devserver"
	"github.com/hightouch-temporal/hightouch-temporal/internal/proc"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Config sizes a chaos run.
type Config struct {
	Syncs, Sequences int           // workflows of each kind
	RunLength        time.Duration // typical run length at Hightouch; runs vary around it
	WorkerKills      int           // SIGKILL and restart the worker this many times
	KillEvery        time.Duration // time between kills
	RestartTemporal  bool          // restart the dev server once, mid-run
	Deadline         time.Duration // give up after this long
	// Faults at the emulator.
	ServerErrorRate, TriggerThen500Rate float64
	Latency                             time.Duration
	BurstLength                         time.Duration // every request is answered 429 for this long
	RetryAfter                          time.Duration // on the 429s
	BurstEvery                          time.Duration
	// Log receives a line per event; nil discards.
	Log io.Writer
}

// Short is the CI form: a couple of minutes.
func Short() Config {
	return Config{
		Syncs: 8, Sequences: 4, RunLength: 20 * time.Second, WorkerKills: 2, KillEvery: 15 * time.Second, RestartTemporal: true,
		Deadline: 6 * time.Minute, ServerErrorRate: 0.1, TriggerThen500Rate: 0.3, Latency: 20 * time.Millisecond,
		BurstLength: 3 * time.Second, RetryAfter: 2 * time.Second, BurstEvery: 15 * time.Second,
	}
}

// Long is the documented long form: about ten minutes.
func Long() Config {
	c := Short()
	c.Syncs, c.Sequences, c.RunLength, c.WorkerKills, c.KillEvery, c.Deadline = 60, 20, time.Minute, 6, 30*time.Second, 20*time.Minute
	return c
}

// Report is what a chaos run found.
type Report struct {
	Workflows         int
	Outcomes          map[string]int // by outcome: "completed" or the failure type
	Mismatches        []string       // workflows whose outcome differs from their scenario
	RunsExpected      int            // sync runs the scenarios need (members included)
	RunsCreated       int            // sync runs the emulator created
	SequenceRuns      int            // sequence runs the emulator created
	LostRuns          []string       // workflows whose reported run is not the emulator's
	DoubleTriggers    []string       // syncs with more runs than their scenario needs
	WorkerKills       int
	TemporalRestarts  int
	InjectedErrors    int
	InjectedRateLimit int
	Duration          time.Duration
}

// OK reports whether every check passed.
func (r Report) OK() bool {
	return len(r.Mismatches) == 0 && len(r.LostRuns) == 0 && len(r.DoubleTriggers) == 0 && r.RunsCreated == r.RunsExpected
}

// scenario is one workflow with the outcome it must reach.
type scenario struct {
	id       string
	workflow string
	input    any
	want     string  // "completed" or an errortypes value
	syncs    []int64 // the syncs it runs, each exactly once
	sequence string
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
	ctx, cancel := context.WithTimeout(ctx, cfg.Deadline)
	defer cancel()
	dir, err := os.MkdirTemp("", "hightouch-chaos-")
	if err != nil {
		return Report{}, err
	}
	defer os.RemoveAll(dir)
	bins, err := proc.Build(ctx, moduleDir, filepath.Join(dir, "bin"), map[string]string{
		"worker": "./worker", "emulator": "./client/hightouchtest/cmd/hightouch-emulator",
	})
	if err != nil {
		return Report{}, err
	}
	cli, err := devserver.FindCLI()
	if err != nil {
		return Report{}, err
	}
	var group proc.Group
	defer group.StopAll(10 * time.Second)

	ports, err := proc.FreePorts(3)
	if err != nil {
		return Report{}, err
	}
	temporalAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	startTemporal := func() (*proc.Proc, error) {
		p, err := group.Add(proc.Spec{Name: "temporal", Path: cli, Args: []string{"server", "start-dev", "--headless", "--ip", "127.0.0.1",
			"--port", fmt.Sprint(ports[0]), "--log-level", "error", "--db-filename", filepath.Join(dir, "temporal.db")}})
		if err != nil {
			return nil, err
		}
		return p, proc.WaitTCP(ctx, temporalAddr, p.Done())
	}
	temporal, err := startTemporal()
	if err != nil {
		return Report{}, err
	}

	emuAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
	emu, err := group.Add(proc.Spec{Name: "emulator", Path: bins["emulator"], Args: []string{"-addr", emuAddr, "-seed", fmt.Sprint(start.UnixNano() % 1000)}})
	if err != nil {
		return Report{}, err
	}
	if err := proc.WaitHTTP(ctx, "http://"+emuAddr+"/_emulator/healthz", emu.Done()); err != nil {
		return Report{}, err
	}
	admin := hightouchtest.NewAdminClient("http://" + emuAddr)

	workerHTTP := fmt.Sprintf("127.0.0.1:%d", ports[2])
	startWorker := func() (*proc.Proc, error) {
		p, err := group.Add(proc.Spec{Name: "worker", Path: bins["worker"], Output: cfg.Log, Env: []string{
			"TEMPORAL_ADDRESS=" + temporalAddr, "TEMPORAL_CONFIG_FILE=" + filepath.Join(dir, "none.toml"),
			"HIGHTOUCH_API_KEY=" + hightouchtest.DefaultToken, "HIGHTOUCH_BASE_URL=http://" + emuAddr + "/api/v1",
			"HIGHTOUCH_WORKER_HTTP_ADDR=" + workerHTTP, "HIGHTOUCH_LOG_LEVEL=error", "HIGHTOUCH_WORKER_STOP_TIMEOUT=2s",
		}})
		if err != nil {
			return nil, err
		}
		wctx, wcancel := context.WithTimeout(ctx, time.Minute)
		defer wcancel()
		return p, proc.WaitHTTP(wctx, "http://"+workerHTTP+"/readyz", p.Done())
	}
	worker, err := startWorker()
	if err != nil {
		return Report{}, err
	}

	quiet := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	tc, err := temporalclient.DialContext(ctx, temporalclient.Options{HostPort: temporalAddr, Logger: quiet})
	if err != nil {
		return Report{}, err
	}
	defer tc.Close()

	scenarios, err := makeScenarios(ctx, admin, cfg, start)
	if err != nil {
		return Report{}, err
	}
	faults := hightouchtest.Faults{ServerErrorRate: cfg.ServerErrorRate, TriggerThen500Rate: cfg.TriggerThen500Rate, Latency: cfg.Latency, RetryAfter: cfg.RetryAfter}
	if err := admin.SetFaults(ctx, faults); err != nil {
		return Report{}, err
	}
	for _, s := range scenarios {
		opts := temporalclient.StartWorkflowOptions{ID: s.id, TaskQueue: workflows.TaskQueue, WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_FAIL}
		if _, err := tc.ExecuteWorkflow(ctx, opts, s.workflow, s.input); err != nil {
			return Report{}, fmt.Errorf("starting %s: %w", s.id, err)
		}
	}
	logf("started %d workflows", len(scenarios))

	rep := Report{Workflows: len(scenarios), Outcomes: map[string]int{}}
	outcomes := collect(ctx, tc, scenarios)

	// The chaos: worker kills, a Temporal restart, 429 bursts.
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
		case <-kills.C:
			if rep.WorkerKills >= cfg.WorkerKills {
				continue
			}
			worker.Kill()
			rep.WorkerKills++
			logf("worker killed with SIGKILL (%d of %d)", rep.WorkerKills, cfg.WorkerKills)
			time.Sleep(time.Second)
			if worker, err = startWorker(); err != nil {
				return rep, fmt.Errorf("restarting the worker: %w", err)
			}
		case <-restartAt:
			if !cfg.RestartTemporal {
				continue
			}
			if err := temporal.Stop(30 * time.Second); err != nil {
				return rep, err
			}
			logf("Temporal dev server stopped")
			time.Sleep(2 * time.Second)
			if temporal, err = startTemporal(); err != nil {
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
	return rep, check(ctx, admin, scenarios, results, &rep)
}

// makeScenarios creates the syncs and sequences and the workflows to run them.
func makeScenarios(ctx context.Context, admin *hightouchtest.AdminClient, cfg Config, start time.Time) ([]scenario, error) {
	tag := fmt.Sprint(start.Unix() % 100000)
	newSync := func(name string, i int, status string) (int64, error) {
		length := cfg.RunLength/2 + time.Duration(i%5)*cfg.RunLength/4
		sc := hightouchtest.Scenario{
			Phases: []hightouchtest.Phase{{Status: "queued", Duration: time.Second}, {Status: "querying", Duration: length / 4},
				{Status: "processing", Duration: length / 2}, {Status: "reporting", Duration: length / 4}},
			Status: status, QuerySize: 100, PlannedRows: hightouchtest.RowCounts{AddedCount: 100},
			SuccessfulRows: hightouchtest.RowCounts{AddedCount: 95}, FailedRows: hightouchtest.RowCounts{AddedCount: 5},
			ListDelay: time.Duration(i%3) * time.Second,
		}
		if status == "failed" {
			sc.Error = "destination rejected the batch"
		}
		return admin.NewSync(ctx, fmt.Sprintf("chaos-%s-%s-%d", tag, name, i), sc)
	}
	var out []scenario
	for i := range cfg.Syncs {
		var status, want string
		failOnWarning := false
		switch i % 4 {
		case 0, 1:
			status, want = "success", "completed"
		case 2:
			status, want, failOnWarning = "warning", errortypes.SyncRunWarning, true
		case 3:
			status, want = "failed", errortypes.SyncRunFailed
		}
		id, err := newSync("sync", i, status)
		if err != nil {
			return nil, err
		}
		out = append(out, scenario{
			id: fmt.Sprintf("chaos-%s-sync-%d", tag, i), workflow: workflows.SyncWorkflow, want: want, syncs: []int64{id},
			input: workflows.SyncInput{SyncID: clientID(id), FailOnWarning: failOnWarning},
		})
	}
	for i := range cfg.Sequences {
		second, want := "warning", "completed"
		if i%2 == 1 {
			second, want = "failed", errortypes.SequenceRunFailed
		}
		a, err := newSync("member-a", i, "success")
		if err != nil {
			return nil, err
		}
		b, err := newSync("member-b", i, second)
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

// outcome is how a workflow ended and the run it reported.
type outcome struct {
	kind  string // "completed" or the failure type
	runID string // sync run id, or sequence run id
}

// runRef picks the run id out of a sync or sequence result.
type runRef struct {
	RunID         string `json:"runId"`
	SequenceRunID string `json:"sequenceRunId"`
}

func (r runRef) id() string { return r.RunID + r.SequenceRunID }

// waitOutcome waits for a workflow to close, asking again while the server
// restarts.
func waitOutcome(ctx context.Context, tc temporalclient.Client, id string) outcome {
	for ctx.Err() == nil {
		var ref runRef
		err := tc.GetWorkflow(ctx, id, "").Get(ctx, &ref)
		if err == nil {
			return outcome{kind: "completed", runID: ref.id()}
		}
		var execErr *temporal.WorkflowExecutionError
		if errors.As(err, &execErr) {
			o := outcome{kind: errortypes.Of(err)}
			if o.kind == "" {
				o.kind = "failed: " + err.Error()
			}
			var appErr *temporal.ApplicationError
			if errors.As(err, &appErr) && appErr.HasDetails() && appErr.Details(&ref) == nil {
				o.runID = ref.id()
			}
			return o
		}
		time.Sleep(time.Second) // the server is restarting: ask again
	}
	return outcome{kind: "unknown"}
}

// check compares outcomes and the emulator's runs with the scenarios.
func check(ctx context.Context, admin *hightouchtest.AdminClient, scenarios []scenario, results map[string]outcome, rep *Report) error {
	stats, err := admin.Stats(ctx)
	if err != nil {
		return err
	}
	rep.RunsCreated, rep.SequenceRuns = 0, stats.SequenceRunsCreated
	rep.InjectedErrors, rep.InjectedRateLimit = stats.InjectedErrors, stats.InjectedRateLimits
	for _, s := range scenarios {
		got := results[s.id]
		rep.Outcomes[got.kind]++
		if got.kind != s.want {
			rep.Mismatches = append(rep.Mismatches, fmt.Sprintf("%s: want %s, got %s", s.id, s.want, got.kind))
		}
		rep.RunsExpected += len(s.syncs)
		for _, id := range s.syncs {
			runs, err := admin.Runs(ctx, id)
			if err != nil {
				return err
			}
			rep.RunsCreated += len(runs)
			if len(runs) != 1 {
				rep.DoubleTriggers = append(rep.DoubleTriggers, fmt.Sprintf("%s: sync %d has %d runs", s.id, id, len(runs)))
			}
			if len(runs) == 0 {
				rep.LostRuns = append(rep.LostRuns, fmt.Sprintf("%s: sync %d never ran", s.id, id))
			}
			if s.sequence == "" && len(runs) > 0 && fmt.Sprint(runs[0].ID) != got.runID {
				rep.LostRuns = append(rep.LostRuns, fmt.Sprintf("%s: reported run %q, but the emulator ran %d", s.id, got.runID, runs[0].ID))
			}
		}
		if s.sequence != "" {
			runs, err := admin.SequenceRuns(ctx, s.sequence)
			if err != nil {
				return err
			}
			if len(runs) != 1 {
				rep.DoubleTriggers = append(rep.DoubleTriggers, fmt.Sprintf("%s: sequence %s has %d runs", s.id, s.sequence, len(runs)))
			} else if runs[0].ID != got.runID {
				rep.LostRuns = append(rep.LostRuns, fmt.Sprintf("%s: reported sequence run %q, but the emulator ran %s", s.id, got.runID, runs[0].ID))
			}
		}
	}
	return nil
}

// Format renders the report as a table.
func (r Report) Format() string {
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "  %-34s %s\n", k, v) }
	row("workflows", fmt.Sprint(r.Workflows))
	for k, v := range r.Outcomes {
		row("  outcome "+k, fmt.Sprint(v))
	}
	row("outcomes as the scenarios dictate", passFail(len(r.Mismatches) == 0, fmt.Sprintf("%d mismatches", len(r.Mismatches))))
	row("sync runs created / expected", passFail(r.RunsCreated == r.RunsExpected, fmt.Sprintf("%d / %d", r.RunsCreated, r.RunsExpected)))
	row("double triggers", passFail(len(r.DoubleTriggers) == 0, fmt.Sprint(len(r.DoubleTriggers))))
	row("lost runs", passFail(len(r.LostRuns) == 0, fmt.Sprint(len(r.LostRuns))))
	row("sequence runs created", fmt.Sprint(r.SequenceRuns))
	row("worker SIGKILLs / Temporal restarts", fmt.Sprintf("%d / %d", r.WorkerKills, r.TemporalRestarts))
	row("injected 500s / 429s", fmt.Sprintf("%d / %d", r.InjectedErrors, r.InjectedRateLimit))
	row("wall time", r.Duration.Round(time.Second).String())
	for _, m := range append(append(r.Mismatches, r.DoubleTriggers...), r.LostRuns...) {
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

func clientID(id int64) client.ID { return client.ID(id) }
