// Package logging builds the zap logger of the worker and starter, and
// adapts it to the Temporal SDK's logger interface so that SDK, workflow and
// activity logs share one structured stream.
package logging

import (
	"fmt"
	"io"
	"strings"

	"go.temporal.io/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

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
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
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

// Temporal adapts a zap logger to the Temporal SDK's log.Logger.
type Temporal struct {
	zl *zap.Logger
}

var (
	_ log.Logger          = (*Temporal)(nil)
	_ log.WithLogger      = (*Temporal)(nil)
	_ log.WithSkipCallers = (*Temporal)(nil)
)

// NewTemporal wraps zl for the SDK; the caller shown is the SDK's caller.
func NewTemporal(zl *zap.Logger) *Temporal {
	return &Temporal{zl: zl.WithOptions(zap.AddCallerSkip(1))}
}

func (t *Temporal) Debug(msg string, keyvals ...any) { t.zl.Debug(msg, fields(keyvals)...) }
func (t *Temporal) Info(msg string, keyvals ...any)  { t.zl.Info(msg, fields(keyvals)...) }
func (t *Temporal) Warn(msg string, keyvals ...any)  { t.zl.Warn(msg, fields(keyvals)...) }
func (t *Temporal) Error(msg string, keyvals ...any) { t.zl.Error(msg, fields(keyvals)...) }

// With returns a logger that adds keyvals to every line.
func (t *Temporal) With(keyvals ...any) log.Logger {
	return &Temporal{zl: t.zl.With(fields(keyvals)...)}
}

// WithCallerSkip returns a logger that skips depth more callers.
func (t *Temporal) WithCallerSkip(depth int) log.Logger {
	return &Temporal{zl: t.zl.WithOptions(zap.AddCallerSkip(depth))}
}

// fields turns the SDK's alternating keys and values into zap fields; a
// dangling key is kept rather than dropped.
func fields(keyvals []any) []zap.Field {
	out := make([]zap.Field, 0, (len(keyvals)+1)/2)
	for i := 0; i < len(keyvals); i += 2 {
		key, ok := keyvals[i].(string)
		if !ok {
			key = fmt.Sprint(keyvals[i])
		}
		if i+1 == len(keyvals) {
			out = append(out, zap.String("_missing_value_for", key))
			break
		}
		if err, ok := keyvals[i+1].(error); ok {
			out = append(out, zap.NamedError(key, err))
			continue
		}
		out = append(out, zap.Any(key, keyvals[i+1]))
	}
	return out
}
