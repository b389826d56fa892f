package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/log"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// dialTimeout bounds the connection attempt, so that a wrong address fails
// fast instead of hanging. A variable for tests.
var dialTimeout = 10 * time.Second

// dial connects to Temporal as configured by the TEMPORAL_* variables, the
// profile and the TOML config file. Every error is a usage/config error
// (exit 2) that says what to check; none carries the API key.
func dial(ctx context.Context, logTo io.Writer, timeout time.Duration) (client.Client, error) {
	opts, err := envconfig.LoadClientOptions(envconfig.LoadClientOptionsRequest{})
	if err != nil {
		return nil, usageErrorf("starter: cannot load the Temporal client configuration: %v (check TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE and the TEMPORAL_* variables)", err)
	}
	opts.Logger = quietLogger(logTo)
	address, namespace := opts.HostPort, opts.Namespace
	if address == "" {
		address = client.DefaultHostPort
	}
	if namespace == "" {
		namespace = client.DefaultNamespace
	}
	dialCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := client.DialContext(dialCtx, opts)
	if err != nil {
		return nil, connectError(ctx, address, namespace, timeout, err)
	}
	return c, nil
}

// quietLogger keeps the SDK's info lines out of the output: warnings and
// errors only, on stderr.
func quietLogger(w io.Writer) log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// connectError explains a failed dial in one line.
func connectError(ctx context.Context, address, namespace string, timeout time.Duration, err error) error {
	if ctx.Err() != nil {
		return errInterrupted
	}
	if e := configProblem(err); e != nil {
		return e
	}
	reason := shortReason(err)
	hint := "is the server running? Set TEMPORAL_ADDRESS or TEMPORAL_PROFILE to point elsewhere"
	switch {
	case strings.Contains(reason, "deadline exceeded"):
		reason = fmt.Sprintf("no answer within %s", timeout)
	case strings.Contains(reason, "tls") || strings.Contains(reason, "certificate"):
		hint = "check TEMPORAL_TLS and TEMPORAL_TLS_* (an API key turns TLS on; TEMPORAL_TLS=false for a plain local server)"
	}
	return usageErrorf("starter: cannot connect to Temporal at %s (namespace %q): %s; %s", address, namespace, reason, hint)
}

// configProblem is the usage error for a server answer that means the
// configuration is wrong (an unknown namespace, refused credentials), or
// nil. The SDK's dial does not check the namespace, so the first call
// finds out.
func configProblem(err error) error {
	var nsErr *serviceerror.NamespaceNotFound
	var permErr *serviceerror.PermissionDenied
	switch {
	case errors.As(err, &nsErr):
		return usageErrorf("starter: namespace %q not found on the Temporal server; set TEMPORAL_NAMESPACE or the profile's namespace", nsErr.Namespace)
	case errors.As(err, &permErr), status.Code(err) == codes.Unauthenticated:
		return usageErrorf("starter: the Temporal server refused the request (%s); check TEMPORAL_API_KEY, TEMPORAL_TLS_* and TEMPORAL_NAMESPACE", shortReason(err))
	}
	return nil
}

// shortReason is the most telling part of a gRPC dial error, e.g.
// "connection refused" rather than a paragraph of transport detail.
func shortReason(err error) string {
	msg := oneLine(err.Error())
	for _, known := range []string{"connection refused", "no such host", "i/o timeout", "certificate", "tls:", "context deadline exceeded", "network is unreachable"} {
		if i := strings.Index(msg, known); i >= 0 {
			end := i + len(known)
			if known == "certificate" || known == "tls:" {
				end = len(msg)
			}
			return strings.Trim(msg[i:end], `"\ `)
		}
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return msg
}
