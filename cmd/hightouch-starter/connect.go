package main

import (
	"context"
	"io"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
	"github.com/hightouch-temporal/hightouch-temporal/internal/temporalconn"
)

// dialTimeout bounds the connection attempt, so that a wrong address fails
// fast instead of hanging. A variable for tests.
var dialTimeout = temporalconn.DialTimeout

// rawPayloads decodes what the SDK hands back undecoded (heartbeat details of
// pending activities) with the client's converter, so that encrypted
// payloads read too. dial sets it.
var rawPayloads = converter.GetDefaultDataConverter()

// dial connects to Temporal as configured by the TEMPORAL_* variables, the
// profile and the TOML config file. Every error is a usage/config error
// (exit 2) that says what to check; none carries the API key.
func dial(ctx context.Context, logTo io.Writer, timeout time.Duration) (client.Client, error) {
	opts, err := temporalconn.Options()
	if err != nil {
		return nil, usageErrorf("starter: %v", err)
	}
	opts.Logger = logging.Quiet(logTo) // the SDK's warnings and errors only
	if opts.DataConverter != nil {
		rawPayloads = opts.DataConverter
	}
	c, err := temporalconn.Dial(ctx, opts, timeout)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errInterrupted
		}
		return nil, usageErrorf("starter: %v", err)
	}
	return c, nil
}

// connectError explains a failed dial in one line.
func connectError(ctx context.Context, address, namespace string, timeout time.Duration, err error) error {
	if ctx.Err() != nil {
		return errInterrupted
	}
	return usageErrorf("starter: %s", temporalconn.DescribeDialError(address, namespace, timeout, err))
}

// configProblem is the usage error for a server answer that means the
// configuration is wrong (an unknown namespace, refused credentials), or nil.
func configProblem(err error) error {
	if msg := temporalconn.ConfigProblem(err); msg != "" {
		return usageErrorf("starter: %s", msg)
	}
	return nil
}
