// Command chaos runs many HightouchSync and HightouchSyncSequence workflows
// at once, several on each sync, on several worker replicas, through API
// faults, SIGKILLs and a Temporal restart, and reports whether every
// workflow reached its scenario's outcome with its own run, no run lost and
// no sync triggered twice. It exits 1 when a check fails.
//
//	go run ./cmd/chaos          # the long form, about ten minutes
//	go run ./cmd/chaos -short   # the CI form, a few minutes
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/chaos"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
)

func main() {
	short := flag.Bool("short", false, "run the short CI form")
	replicas := flag.Int("replicas", 0, "worker replicas (0 keeps the form's number)")
	perSync := flag.Int("per-sync", 0, "workflows at once on each sync (0 keeps the form's number)")
	sequences := flag.Int("sequences", 0, "sequence workflows (0 keeps the form's number)")
	verbose := flag.Bool("v", false, "print chaos events as they happen")
	flag.Parse()
	cfg := chaos.Long()
	if *short {
		cfg = chaos.Short()
	}
	if *replicas > 0 {
		cfg.Replicas = *replicas
	}
	if *perSync > 0 {
		cfg.WorkflowsPerSync = *perSync
	}
	if *sequences > 0 {
		cfg.Sequences = *sequences
	}
	if *verbose {
		cfg.Log = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := proc.ModuleDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	rep, err := chaos.Run(ctx, root, cfg)
	fmt.Print(rep.Format())
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	if !rep.OK() {
		os.Exit(1)
	}
}
