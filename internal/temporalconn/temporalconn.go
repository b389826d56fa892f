// Package temporalconn connects the worker and the starter to Temporal the
// way the `temporal` CLI does: TEMPORAL_* environment variables and
// profiles from the Temporal config file, read by envconfig.
package temporalconn

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
)

// DialTimeout bounds how long Dial waits for an unreachable server.
const DialTimeout = 10 * time.Second

// Options loads the client options from the environment and config file.
func Options() (client.Options, error) {
	opts, err := envconfig.LoadClientOptions(envconfig.LoadClientOptionsRequest{})
	if err != nil {
		return opts, fmt.Errorf("reading the Temporal configuration (TEMPORAL_* variables, profile): %w", err)
	}
	if opts.HostPort == "" {
		opts.HostPort = client.DefaultHostPort
	}
	if opts.Namespace == "" {
		opts.Namespace = client.DefaultNamespace
	}
	return opts, nil
}

// Dial connects and checks the server, failing within DialTimeout with an
// error that names the address and namespace, never credentials.
func Dial(ctx context.Context, opts client.Options) (client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		msg := err.Error()
		if ctx.Err() != nil || strings.Contains(msg, "context deadline exceeded") {
			msg = fmt.Sprintf("no answer within %s", DialTimeout)
		}
		return nil, fmt.Errorf("cannot connect to Temporal at %s (namespace %s): %s", opts.HostPort, opts.Namespace, msg)
	}
	return c, nil
}
