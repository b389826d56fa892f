// Package daemon runs the project's long-lived binaries (the worker and the
// codec server) one way: settings from flags over environment variables
// over defaults, one zap logger for all their output, and the exit codes 0
// (stopped cleanly), 1 (could not serve) and 2 (bad configuration).
package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"go.uber.org/zap"

	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
)

// ErrUsage marks configuration errors (exit code 2).
var ErrUsage = errors.New("usage")

// Usage is a configuration error: one line naming what is wrong.
func Usage(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, a...))
}

// Problems is the configuration error listing problems, or nil.
func Problems(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return Usage("%s", strings.Join(problems, "; "))
}

// Logging are the logging settings every binary takes.
type Logging struct {
	Level, Format string
}

// LogSettings returns the settings, for Run.
func (l Logging) LogSettings() Logging { return l }

// Flags is a binary's flag set, whose defaults come from the environment.
type Flags struct {
	*flag.FlagSet
	getenv func(string) string
}

// NewFlags starts the flag set of the named binary; help prints usage, then
// the flags. The logging flags are defined on it, into log.
func NewFlags(name, usage string, getenv func(string) string, stderr io.Writer, log *Logging) *Flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	f := &Flags{FlagSet: fs, getenv: getenv}
	fs.StringVar(&log.Level, "log-level", f.Env("HIGHTOUCH_LOG_LEVEL", "info"), "debug, info, warn or error (HIGHTOUCH_LOG_LEVEL)")
	fs.StringVar(&log.Format, "log-format", f.Env("HIGHTOUCH_LOG_FORMAT", "json"), "json or console (HIGHTOUCH_LOG_FORMAT)")
	return f
}

// Env is the environment variable key, trimmed, or def when it is unset or
// blank.
func (f *Flags) Env(key, def string) string {
	if v := strings.TrimSpace(f.getenv(key)); v != "" {
		return v
	}
	return def
}

// Parse parses args; it returns flag.ErrHelp for -h.
func (f *Flags) Parse(args []string) error {
	if err := f.FlagSet.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return Usage("%v", err)
	}
	return nil
}

// NoArgs refuses arguments after the flags; what names the binary.
func (f *Flags) NoArgs(what string) error {
	if f.NArg() > 0 {
		return Usage("unexpected argument %q (%s takes flags only)", f.Arg(0), what)
	}
	return nil
}

// Config is a binary's parsed configuration.
type Config interface {
	LogSettings() Logging
}

// Run parses the configuration, builds the logger and serves until serve
// returns; it returns the exit code. Errors go to stderr as one line,
// prefixed with the binary's name; logs go to stdout.
func Run[C Config](ctx context.Context, name string, args []string, getenv func(string) string, stdout, stderr io.Writer,
	parse func(args []string, getenv func(string) string, stderr io.Writer) (C, error),
	serve func(ctx context.Context, cfg C, zl *zap.Logger) error,
) int {
	cfg, err := parse(args, getenv, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintln(stderr, name+":", strings.TrimPrefix(err.Error(), ErrUsage.Error()+": "))
		return 2
	}
	log := cfg.LogSettings()
	zl, err := logging.New(stdout, log.Level, log.Format)
	if err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 2
	}
	defer func() { _ = zl.Sync() }()
	if err := serve(ctx, cfg, zl); err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 1
	}
	return 0
}
