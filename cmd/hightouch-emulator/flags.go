package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

// usageError is a bad command line: main exits 2 for it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

type config struct {
	addr, token      string
	demo, verbose    bool
	seed             int64
	sequenceQueueing bool
	rateRequests     int
	ratePer          time.Duration
	faults           hightouchtest.Faults
	helpShown        bool
}

func parseFlags(args []string, stdout io.Writer) (config, error) {
	var cfg config
	var rateLimit string
	fs := flag.NewFlagSet("hightouch-emulator", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported as one line by main
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8787", "listen address (host:port; port 0 picks a free one)")
	fs.StringVar(&cfg.token, "token", hightouchtest.DefaultToken, "bearer token the API accepts")
	fs.BoolVar(&cfg.demo, "demo", false, "seed the demo workspace")
	fs.BoolVar(&cfg.verbose, "v", false, "log one JSON line per request (time, method, URI, status, duration)")
	fs.Int64Var(&cfg.seed, "seed", 1, "seed for fault injection and generated ids")
	fs.BoolVar(&cfg.sequenceQueueing, "sequence-queueing", false, "queue one follow-up run when a running sequence is triggered")
	fs.StringVar(&rateLimit, "rate-limit", "", "enforce a workspace rate limit such as 200/10s (default off)")
	fs.Float64Var(&cfg.faults.ServerErrorRate, "fault-5xx", 0, "share of requests answered 500 (0..1)")
	fs.Float64Var(&cfg.faults.RateLimitRate, "fault-429", 0, "share of requests answered 429 (0..1)")
	fs.DurationVar(&cfg.faults.RetryAfter, "retry-after", 0, "Retry-After on injected 429s (0 = no header)")
	fs.DurationVar(&cfg.faults.Latency, "latency", 0, "latency added to every request")
	fs.Float64Var(&cfg.faults.TriggerThen500Rate, "trigger-then-500", 0, "share of triggers that create the run and then answer 500 (0..1)")
	fs.Float64Var(&cfg.faults.GatewayTimeoutRate, "fault-504", 0, "share of sync triggers answered 504 while the run is created later (0..1)")
	fs.DurationVar(&cfg.faults.LateCreationMin, "late-creation-min", 5*time.Second, "earliest creation of a run after its trigger's 504")
	fs.DurationVar(&cfg.faults.LateCreationMax, "late-creation-max", 15*time.Second, "latest creation of a run after its trigger's 504")
	fs.DurationVar(&cfg.faults.ListingLag, "listing-lag", 0, "hide each new run from the runs list for a random time up to this")
	fs.DurationVar(&cfg.faults.ClockOffset, "clock-offset", 0, "Hightouch's clock this far from the real one (e.g. -2m)")
	fs.Float64Var(&cfg.faults.SlowRate, "slow-rate", 0, "share of requests answered -slow-latency late (0..1)")
	fs.DurationVar(&cfg.faults.SlowLatency, "slow-latency", 12*time.Second, "extra latency of slow answers")
	fs.Float64Var(&cfg.faults.ErrorIn200Rate, "fault-200-error", 0, "share of create, update and TriggerRunCustom calls answered 200 with an error body (0..1)")
	fs.Func("fault-200-error-body", fmt.Sprintf("the body of -fault-200-error: one of %q (default validation)", hightouchtest.ErrorIn200Bodies), func(v string) error {
		if !slices.Contains(hightouchtest.ErrorIn200Bodies, hightouchtest.ErrorIn200Body(v)) {
			return fmt.Errorf("must be one of %q", hightouchtest.ErrorIn200Bodies)
		}
		cfg.faults.ErrorIn200 = hightouchtest.ErrorIn200Body(v)
		return nil
	})

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: hightouch-emulator [flags]")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return config{helpShown: true}, nil
		}
		return cfg, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return cfg, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := cfg.faults.Validate(); err != nil {
		return cfg, usageError{flagNames.Replace(err.Error())}
	}
	if rateLimit != "" {
		n, per, err := parseRateLimit(rateLimit)
		if err != nil {
			return cfg, usageError{err.Error()}
		}
		cfg.rateRequests, cfg.ratePer = n, per
	}
	return cfg, nil
}

// flagNames renames the fault settings in Validate's errors to their flags.
var flagNames = strings.NewReplacer("serverErrorRate", "-fault-5xx", "rateLimitRate", "-fault-429", "triggerThen500Rate", "-trigger-then-500",
	"gatewayTimeoutRate", "-fault-504", "slowRate", "-slow-rate", "retryAfter", "-retry-after", "latency,", "-latency,",
	"listingLag", "-listing-lag", "lateCreationMin", "-late-creation-min", "lateCreationMax", "-late-creation-max", "slowLatency", "-slow-latency",
	"errorIn200Rate", "-fault-200-error")

// parseRateLimit reads "N/duration", e.g. "200/10s".
func parseRateLimit(s string) (int, time.Duration, error) {
	count, window, found := strings.Cut(s, "/")
	n, err := strconv.Atoi(count)
	if !found || err != nil || n <= 0 {
		return 0, 0, fmt.Errorf("-rate-limit must look like 200/10s, got %q", s)
	}
	per, err := time.ParseDuration(window)
	if err != nil || per <= 0 {
		return 0, 0, fmt.Errorf("-rate-limit must look like 200/10s, got %q", s)
	}
	return n, per, nil
}

func (cfg config) emulator() *hightouchtest.Emulator {
	opts := []hightouchtest.Option{
		hightouchtest.WithToken(cfg.token),
		hightouchtest.WithRandSeed(cfg.seed),
		hightouchtest.WithSequenceQueueing(cfg.sequenceQueueing),
	}
	if cfg.demo {
		opts = append(opts, hightouchtest.WithDemoData())
	}
	if cfg.rateRequests > 0 {
		opts = append(opts, hightouchtest.WithWorkspaceRateLimit(cfg.rateRequests, cfg.ratePer))
	}
	emu := hightouchtest.New(opts...)
	emu.SetFaults(cfg.faults)
	return emu
}
