// Command chaos runs HightouchSync and HightouchSyncSequence workflows
// through API faults, worker SIGKILLs and a Temporal restart, and reports
// whether every workflow reached its scenario's outcome with no run lost and
// no sync triggered twice. It exits 1 when a check fails.
//
//	go run ./internal/cmd/chaos          # the long form, about ten minutes
//	go run ./internal/cmd/chaos -short   # the CI form, a few minutes
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hightouch-temporal/hightouch-temporal/internal/chaos"
	"github.com/hightouch-temporal/hightouch-temporal/internal/proc"
)

func main() {
	short := flag.Bool("short", false, "run the short CI form")
	syncs := flag.Int("syncs", 0, "sync workflows (0 keeps the form's number)")
	sequences := flag.Int("sequences", 0, "sequence workflows (0 keeps the form's number)")
	verbose := flag.Bool("v", false, "print chaos events as they happen")
	flag.Parse()
	cfg := chaos.Long()
	if *short {
		cfg = chaos.Short()
	}
	if *syncs > 0 {
		cfg.Syncs = *syncs
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
