// Package temporalconn connects the worker and the starter to Temporal the
// way the `temporal` CLI does: TEMPORAL_* environment variables and
// profiles from the Temporal config file, read by envconfig. Its errors are
// one line that says what to check, and never carry credentials.
package temporalconn

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

// DialTimeout bounds how long Dial waits for an unreachable server.
const DialTimeout = 10 * time.Second

// Options loads the client options from the environment and config file,
// with the address and namespace defaults filled in, and payload encryption
// when keys are configured (see Load).
func Options() (client.Options, error) {
	opts, _, err := Load()
	return opts, err
}

// Load is Options, also returning the payload encryption keys: nil when
// HIGHTOUCH_CODEC_KEYS and HIGHTOUCH_CODEC_KEYS_FILE are both unset, which
// leaves payloads in plain text.
func Load() (client.Options, *codec.Keys, error) {
	opts, err := envconfig.LoadClientOptions(envconfig.LoadClientOptionsRequest{})
	if err != nil {
		return opts, nil, fmt.Errorf("cannot load the Temporal client configuration: %v (check TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE and the TEMPORAL_* variables)", err)
	}
	if opts.HostPort == "" {
		opts.HostPort = client.DefaultHostPort
	}
	if opts.Namespace == "" {
		opts.Namespace = client.DefaultNamespace
	}
	keys, err := codec.LoadKeys(os.Getenv)
	if err != nil {
		return opts, nil, fmt.Errorf("payload encryption: %v", err)
	}
	return WithEncryption(opts, keys), keys, nil
}

// WithEncryption makes opts encrypt every payload with keys: inputs,
// results, heartbeat and failure details, memos and query answers through
// the data converter, and failure messages and stack traces through the
// failure converter. Failure types stay readable, so callers without the
// keys can still tell one failure from another. With nil keys payloads stay
// plain, and an encrypted one met is reported as needing its key.
func WithEncryption(opts client.Options, keys *codec.Keys) client.Options {
	return withConverter(opts, keys, codec.NewDataConverter(keys))
}

// WithWorkerEncryption is WithEncryption for a worker: a payload it cannot
// decrypt fails the workflow task or activity attempt that reads it, retried
// until a worker has the key, rather than being misread (see
// codec.NewWorkerDataConverter).
func WithWorkerEncryption(opts client.Options, keys *codec.Keys) client.Options {
	return withConverter(opts, keys, codec.NewWorkerDataConverter(keys))
}

func withConverter(opts client.Options, keys *codec.Keys, dc converter.DataConverter) client.Options {
	opts.DataConverter = dc
	// Failure details go through dc even without keys, so that encrypted
	// ones are recognised.
	opts.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          dc,
		EncodeCommonAttributes: keys != nil,
	})
	return opts
}

// Dial connects and checks the server within timeout (DialTimeout if zero).
func Dial(ctx context.Context, opts client.Options, timeout time.Duration) (client.Client, error) {
	if timeout <= 0 {
		timeout = DialTimeout
	}
	dialCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := client.DialContext(dialCtx, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errors.New(DescribeDialError(opts.HostPort, opts.Namespace, timeout, err))
	}
	return c, nil
}

// DescribeDialError explains a failed connection in one line.
func DescribeDialError(address, namespace string, timeout time.Duration, err error) string {
	if msg := ConfigProblem(err); msg != "" {
		return msg
	}
	reason := shortReason(err)
	hint := "is the server running? Set TEMPORAL_ADDRESS or TEMPORAL_PROFILE to point elsewhere"
	switch {
	case strings.Contains(reason, "deadline exceeded"):
		reason = fmt.Sprintf("no answer within %s", timeout)
	case strings.Contains(reason, "tls") || strings.Contains(reason, "certificate"):
		hint = "check TEMPORAL_TLS and TEMPORAL_TLS_* (an API key turns TLS on; TEMPORAL_TLS=false for a plain local server)"
	}
	return fmt.Sprintf("cannot connect to Temporal at %s (namespace %q): %s; %s", address, namespace, reason, hint)
}

// ConfigProblem explains a server answer that means the configuration is
// wrong (an unknown namespace, refused credentials), or returns "". Dial
// does not check the namespace, so the first call finds out.
func ConfigProblem(err error) string {
	var nsErr *serviceerror.NamespaceNotFound
	var permErr *serviceerror.PermissionDenied
	switch {
	case errors.As(err, &nsErr):
		return fmt.Sprintf("namespace %q not found on the Temporal server; set TEMPORAL_NAMESPACE or the profile's namespace", nsErr.Namespace)
	case errors.As(err, &permErr), status.Code(err) == codes.Unauthenticated:
		return fmt.Sprintf("the Temporal server refused the request (%s); check TEMPORAL_API_KEY, TEMPORAL_TLS_* and TEMPORAL_NAMESPACE", shortReason(err))
	}
	return ""
}

// shortReason is the most telling part of a gRPC dial error, e.g.
// "connection refused" rather than a paragraph of transport detail.
func shortReason(err error) string {
	msg := strings.Join(strings.Fields(err.Error()), " ")
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
