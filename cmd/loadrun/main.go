// Command loadrun measures one worker process under load: N concurrent
// HightouchSync workflows waiting on runs of mixed lengths against the
// Hightouch emulator enforcing 200 requests per 10 s (see package
// internal/dev/loadrun).
//
//	go run ./cmd/loadrun                      # 2,000 workflows, runs up to 8m: ~20 minutes
//	go run ./cmd/loadrun -short               # the CI form: 100 workflows, under 3 minutes
//	go run ./cmd/loadrun -workflows 500 -duration 4m -json
//
// It needs the temporal CLI (internal/dev/devserver.FindCLI). It exits 1 when
// the run could not be made and 3 when it was made but failed an
// expectation (a workflow that did not succeed, a 429, a run never noticed).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/loadrun"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadrun", flag.ContinueOnError)
	fs.SetOutput(stderr)
	short := fs.Bool("short", false, "the CI form: 100 workflows, runs up to 90s, an 8-run baseline (other flags override)")
	workflows := fs.Int("workflows", 0, fmt.Sprintf("concurrent HightouchSync workflows (default %d)", loadrun.DefaultWorkflows))
	duration := fs.Duration("duration", 0, fmt.Sprintf("length of the longest runs; the mix scales with it: at 8m a third last 25-35s, a third 2-3m, a third 5-8m (default %s)", loadrun.DefaultLongest))
	baseline := fs.Int("baseline-runs", 0, fmt.Sprintf("short runs in the CPU baseline, -1 to skip it (default %d)", loadrun.DefaultBaselineRuns))
	baselineLength := fs.Duration("baseline-run-length", 0, fmt.Sprintf("length of each baseline run (default %s)", loadrun.DefaultBaselineRunLength))
	baselinePace := fs.Float64("baseline-starts-per-second", 0, fmt.Sprintf("baseline start rate, low enough that no request waits for the rate limit (default %v)", loadrun.DefaultBaselineStartsPerSecond))
	rateLimit := fs.String("emulator-rate-limit", "", fmt.Sprintf("workspace limit the emulator enforces (default %s)", loadrun.DefaultEmulatorRateLimit))
	timeout := fs.Duration("timeout", 0, "how long to wait for the load's workflows (default 2×duration + 10m)")
	seed := fs.Uint64("seed", 0, "seed for the run lengths (default 1)")
	var workerEnv, devArgs listFlag
	fs.Var(&workerEnv, "worker-env", "KEY=VALUE added to the worker's environment, e.g. HIGHTOUCH_MAX_CONCURRENT_ACTIVITIES=2000 (repeatable)")
	fs.Var(&devArgs, "devserver-arg", "argument added to `temporal server start-dev`, e.g. --dynamic-config-value=KEY=VALUE (repeatable)")
	devDB := fs.Bool("devserver-db", false, "keep the dev server's state in a sqlite file instead of memory")
	keep := fs.Bool("keep", false, "keep the run directory (binaries, logs of the dev server, emulator and worker)")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of a table")
	save := fs.String("save", "", "also write the report as JSON to this file")
	runsCSV := fs.String("runs-csv", "", "write one line per load run (times, latency, requests, attempts) to this file")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loadrun: unexpected argument %q\n", fs.Arg(0))
		return 2
	}

	var cfg loadrun.Config
	if *short {
		cfg = loadrun.Short()
	}
	set := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	set(&cfg.Workflows, *workflows)
	set(&cfg.BaselineRuns, *baseline)
	if *duration != 0 {
		cfg.Longest = *duration
	}
	if *baselineLength != 0 {
		cfg.BaselineRunLength = *baselineLength
	}
	if *baselinePace != 0 {
		cfg.BaselineStartsPerSecond = *baselinePace
	}
	if *rateLimit != "" {
		cfg.EmulatorRateLimit = *rateLimit
	}
	if *timeout != 0 {
		cfg.WaitTimeout = *timeout
	}
	if *seed != 0 {
		cfg.Seed = *seed
	}
	cfg.WorkerEnv, cfg.DevServerArgs, cfg.DevServerDB, cfg.KeepDir, cfg.RunsCSV = workerEnv, devArgs, *devDB, *keep, *runsCSV
	if !*quiet {
		cfg.Progress = stderr
	}

	rep, err := loadrun.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "loadrun:", err)
		if rep.Dir != "" {
			fmt.Fprintln(stderr, "loadrun: logs kept in", rep.Dir)
		}
		return 1
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		fmt.Fprintln(stderr, "loadrun:", err)
		return 1
	}
	if *save != "" {
		if err := os.WriteFile(*save, append(js, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, "loadrun:", err)
			return 1
		}
	}
	if *asJSON {
		fmt.Fprintln(stdout, string(js))
	} else if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintln(stderr, "loadrun:", err)
		return 1
	}
	if len(rep.Problems) > 0 {
		return 3
	}
	return 0
}
