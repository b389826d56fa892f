// Command starter starts the HightouchSync and HightouchSyncSequence
// workflows with the right input, shows their progress until they end, and
// creates Temporal Schedules that start them. The temporal CLI does the rest
// (temporal workflow ..., temporal schedule ...).
//
//	go run ./cmd/hightouch-starter sync --sync-id 42 --timeout 6h
//	go run ./cmd/hightouch-starter sequence --sequence-id 7b1c... --detach
//	go run ./cmd/hightouch-starter status --workflow-id hightouch-sync-42
//	go run ./cmd/hightouch-starter schedule create --schedule-id nightly-users --cron "0 3 * * *" --sync-slug users
//
// It connects to Temporal with the standard TEMPORAL_* environment variables
// and profiles (go.temporal.io/sdk/contrib/envconfig).
//
// Exit codes: 0 success, 1 the workflow (or a server call) failed, 2 a usage
// or configuration error (bad flag, unreachable server), 130 interrupted.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1   // the workflow failed, or a server call did
	exitUsage       = 2   // bad flags or configuration, server unreachable
	exitInterrupted = 130 // Ctrl-C while waiting; the workflow goes on
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program: it parses args, runs the command and returns
// the exit code. Errors are one line on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return newApp(stdout, stderr).run(ctx, args)
}

func (a *app) run(ctx context.Context, args []string) int {
	root := a.newRoot()
	root.SetArgs(args)
	return a.exit(root.ExecuteContext(ctx))
}
