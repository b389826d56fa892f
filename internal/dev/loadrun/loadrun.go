// Package loadrun measures one worker process under load: N concurrent
// HightouchSync workflows waiting on runs of mixed lengths, against the
// Hightouch emulator enforcing the workspace limit of 200 requests per 10 s.
//
// Run starts a Temporal dev server, the emulator and one worker (the real
// binaries, as child processes on loopback), runs a CPU baseline (short runs
// through Temporal, then the same HTTP calls from a plain Go loop), starts
// the load, waits for every workflow, and reports the worker's CPU and
// memory, Hightouch requests per second, the 429s the emulator enforced and
// how long after a run finished its workflow completed. Every process is
// stopped before Run returns, on error and cancellation too.
//
// The command is cmd/loadrun; e2e/loadrun_test.go runs the short
// form in CI.
package loadrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

// Run performs one load run. It returns an error when the run could not be
// made (a process would not start or died, ctx ended); a run that was made
// returns its Report, whose Problems list failed expectations.
func Run(ctx context.Context, cfg Config) (rep Report, err error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return Report{}, err
	}
	out := cfg.Progress
	if out == nil {
		out = io.Discard
	}
	began := time.Now()
	logf := func(format string, a ...any) {
		fmt.Fprintf(out, "[%6s] %s\n", time.Since(began).Round(time.Second), fmt.Sprintf(format, a...))
	}
	rep.Config = ConfigSummary{
		Workflows: cfg.Workflows, EmulatorRateLimit: cfg.EmulatorRateLimit,
		WorkerEnv: cfg.WorkerEnv, DevServerArgs: cfg.DevServerArgs, CPUs: runtime.NumCPU(),
	}

	e, err := startEnv(ctx, cfg, logf)
	if err != nil {
		return rep, err
	}
	defer func() {
		logf("stopping the worker, the emulator and the dev server")
		e.close()
		stopped := errors.Is(err, context.Canceled) && ctx.Err() != nil
		if cfg.KeepDir || (!stopped && (err != nil || len(rep.Problems) > 0)) {
			rep.Dir = e.dir
		} else {
			_ = os.RemoveAll(e.dir)
		}
	}()

	if cfg.BaselineRuns > 0 {
		if err := runBaseline(ctx, cfg, e, &rep, logf); err != nil {
			return rep, fmt.Errorf("baseline: %w", err)
		}
	}
	if err := runLoad(ctx, cfg, e, &rep, logf); err != nil {
		return rep, fmt.Errorf("load: %w", err)
	}
	if err := e.died(); err != nil {
		return rep, err
	}
	rep.checkProblems()
	return rep, nil
}
