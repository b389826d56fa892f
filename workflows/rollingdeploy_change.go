//go:build hightouch_rolling_deploy_test

package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// This file is compiled only into the worker the rolling-deploy test starts
// as the next release, while waits of the current release are in flight.
// The change adds a step (a timer) after the trigger, versioned as every
// change to code that runs in flight must be: a wait that passed this point
// on the previous release replays without it.
func init() {
	afterTrigger = func(ctx workflow.Context) {
		if workflow.GetVersion(ctx, RollingDeployChangeID, workflow.DefaultVersion, 1) == 1 {
			_ = workflow.Sleep(ctx, time.Millisecond)
		}
	}
}
