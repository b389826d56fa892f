package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
)

// app holds what every command needs: where to write and how to connect.
// Tests replace dial and the timings.
type app struct {
	stdout, stderr io.Writer
	// tty reports whether stdout is a terminal (progress bar by default).
	tty bool
	// dial connects to Temporal.
	dial func(ctx context.Context) (client.Client, error)
	// pollEvery is how often progress is fetched while waiting.
	pollEvery time.Duration
	// now is the clock used for elapsed times.
	now func() time.Time
	// getenv reads the environment (HIGHTOUCH_TASK_QUEUE, TEMPORAL_API_KEY).
	getenv func(string) string
}

func newApp(stdout, stderr io.Writer) *app {
	a := &app{
		stdout:    stdout,
		stderr:    stderr,
		tty:       isTerminal(stdout),
		pollEvery: 1500 * time.Millisecond,
		now:       time.Now,
		getenv:    os.Getenv,
	}
	a.dial = func(ctx context.Context) (client.Client, error) { return dial(ctx, a.stderr, dialTimeout) }
	return a
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// exitError ends a command with an exit code and, unless msg is empty, one
// line on stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageErrorf is a bad flag or argument: exit 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

// failuref is a failure after the command started its work: exit 1.
func failuref(format string, args ...any) error {
	return &exitError{code: exitFailure, msg: fmt.Sprintf(format, args...)}
}

// errReported is a failure already written out in full: exit 1, no more
// output.
var errReported = &exitError{code: exitFailure}

// errInterrupted ends a wait the user interrupted.
var errInterrupted = &exitError{code: exitInterrupted}

// exit turns a command's error into the exit code, writing its one line.
func (a *app) exit(err error) int {
	if err == nil {
		return exitOK
	}
	var e *exitError
	if errors.As(err, &e) {
		if e.msg != "" {
			fmt.Fprintln(a.stderr, a.redact(oneLine(e.msg)))
		}
		return e.code
	}
	fmt.Fprintln(a.stderr, "starter: "+a.redact(oneLine(err.Error())))
	return exitFailure
}

// redact removes the Temporal API key from text meant for output. The key
// is never printed on purpose; this guards against a server or library
// echoing it back in an error.
func (a *app) redact(s string) string {
	if key := strings.TrimSpace(a.getenv("TEMPORAL_API_KEY")); len(key) >= 4 {
		s = strings.ReplaceAll(s, key, "[redacted]")
	}
	return s
}

// oneLine folds whitespace runs, newlines included, into single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
