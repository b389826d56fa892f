// Package logging builds the zap loggers of the project's binaries and hands
// them to the Temporal SDK through its slog support (log.NewStructuredLogger)
// and zap's slog bridge (zapslog), so that the SDK's, the workflows', the
// activities' and the binary's own lines share one stream and one format.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"go.temporal.io/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"go.uber.org/zap/zapcore"
)

// TimeLayout is how JSON lines write their time ("ts"), to the millisecond.
const TimeLayout = "2006-01-02T15:04:05.000Z0700"

// New returns a logger writing to w at level ("debug", "info", "warn",
// "error") in format "json" or "console".
func New(w io.Writer, level, format string) (*zap.Logger, error) {
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(strings.ToLower(level))); err != nil {
		return nil, fmt.Errorf("log level %q: expected debug, info, warn or error", level)
	}
	var enc zapcore.Encoder
	switch strings.ToLower(format) {
	case "json", "":
		cfg := zap.NewProductionEncoderConfig()
		cfg.EncodeTime = zapcore.TimeEncoderOfLayout(TimeLayout)
		enc = zapcore.NewJSONEncoder(cfg)
	case "console", "text":
		cfg := zap.NewDevelopmentEncoderConfig()
		cfg.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		enc = zapcore.NewConsoleEncoder(cfg)
	default:
		return nil, fmt.Errorf("log format %q: expected json or console", format)
	}
	core := zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl)
	return zap.New(core, zap.AddCaller()), nil
}

// noStacktraces is above every level the SDK logs at: its error lines
// (a failed activity attempt, say) are expected and need no stack.
const noStacktraces = slog.LevelError + 1

// Temporal returns zl as the Temporal SDK's logger. Each line shows the
// SDK's caller, not this adapter.
func Temporal(zl *zap.Logger) log.Logger {
	h := zapslog.NewHandler(zl.Core(), zapslog.WithCaller(true), zapslog.AddStacktraceAt(noStacktraces))
	return log.NewStructuredLogger(slog.New(h))
}

// Quiet is the SDK logger of the command-line tools: warnings and errors
// only, as console lines on w, so that the SDK's info lines do not mix with
// what the tool prints.
func Quiet(w io.Writer) log.Logger {
	zl, _ := New(w, "warn", "console") // a valid level and format
	return Temporal(zl)
}

// Discard is an SDK logger that drops every line, for tools and tests that
// report on their own.
func Discard() log.Logger { return Temporal(zap.NewNop()) }
