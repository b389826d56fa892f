// Command starter starts the HightouchSync and HightouchSyncSequence
// workflows, shows their progress until they end, and manages Temporal
// Schedules that start them.
//
//	go run ./starter sync --sync-id 42 --timeout 6h
//	go run ./starter sequence --sequence-id 7b1c... --detach
//	go run ./starter status --workflow-id hightouch-sync-42
//	go run ./starter schedule create --schedule-id nightly-users --cron "0 3 * * *" --sync-slug users
//
// It connects to Temporal with the standard TEMPORAL_* environment variables
// and profiles (go.temporal.io/sdk/contrib/envconfig).
//
// Exit codes: 0 success, 1 the workflow (or a server call) failed, 2 a usage
// or configuration error (bad flag, unreachable server), 130 interrupted.
package main

import (
	"context"
	"fmt"
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
	a := newApp(stdout, stderr)
	return a.run(ctx, args)
}

// command is one subcommand of the starter.
type command struct {
	name    string
	summary string
	run     func(a *app, ctx context.Context, args []string) error
}

// commands lists the subcommands in the order help shows them.
func commands() []command {
	return []command{
		{"sync", "start HightouchSync: trigger one sync and wait for its run", (*app).runSync},
		{"sequence", "start HightouchSyncSequence: trigger a sync sequence and wait for its run", (*app).runSequence},
		{"status", "show a workflow's status, progress or result", (*app).runStatus},
		{"schedule", "create, list, describe, trigger, pause, unpause or delete schedules", (*app).runSchedule},
		{"help", "show this list, or a command's help (help <command>)", nil},
	}
}

func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		writeTopUsage(a.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if name == "help" && len(rest) > 0 {
			// "help sync" is "sync --help".
			return a.run(ctx, []string{rest[0], "--help"})
		}
		writeTopUsage(a.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return a.exit(c.run(a, ctx, rest))
		}
	}
	fmt.Fprintf(a.stderr, "starter: unknown command %q; run 'starter help' for the list of commands\n", name)
	return exitUsage
}

func writeTopUsage(w io.Writer) {
	fmt.Fprint(w, `starter starts Hightouch syncs and sync sequences as Temporal workflows and
shows their progress.

Usage:
  starter <command> [flags]        (or: go run ./starter <command> [flags])

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'starter <command> --help' for a command's flags and examples.

Temporal connection: TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE
(default "default"), TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and the
TOML config file (TEMPORAL_CONFIG_FILE). Task queue: HIGHTOUCH_TASK_QUEUE
(default "hightouch").

Exit codes: 0 success; 1 the workflow failed (or a server call did); 2 usage or
configuration error, or Temporal unreachable; 130 interrupted (the workflow goes on).
`)
}
