package activities

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
)

// heartbeatEvery keeps a trigger's heartbeats well inside the 10 s heartbeat
// timeout the writer gives it, whatever call is out.
const heartbeatEvery = 2 * time.Second

// heartbeater records an activity's heartbeat from its start to its end,
// whatever call is out, so that a stuck or dead attempt is noticed within
// the heartbeat timeout. Its details can be changed while it runs.
type heartbeater struct {
	ctx  context.Context
	mu   sync.Mutex
	last []any
	done chan struct{}
	wg   sync.WaitGroup
}

// recordHeartbeat is activity.RecordHeartbeat; tests count its calls.
var recordHeartbeat = activity.RecordHeartbeat

// startHeartbeats records details at once (the SDK sends an activity's first
// heartbeat before returning) and then every heartbeatEvery until stop.
func startHeartbeats(ctx context.Context, details ...any) *heartbeater {
	return heartbeatEach(ctx, heartbeatEvery, details...)
}

func heartbeatEach(ctx context.Context, every time.Duration, details ...any) *heartbeater {
	h := &heartbeater{ctx: ctx, last: details, done: make(chan struct{})}
	recordHeartbeat(ctx, details...)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				h.mu.Lock()
				d := h.last
				h.mu.Unlock()
				recordHeartbeat(ctx, d...)
			case <-h.done:
				return
			}
		}
	}()
	return h
}

// set replaces the details and records them.
func (h *heartbeater) set(details ...any) {
	h.mu.Lock()
	h.last = details
	h.mu.Unlock()
	recordHeartbeat(h.ctx, details...)
}

// stop ends the heartbeats; the last details stay recorded.
func (h *heartbeater) stop() {
	close(h.done)
	h.wg.Wait()
}
