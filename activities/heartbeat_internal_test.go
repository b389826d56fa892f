package activities

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Review path 6: a trigger's heartbeats go on while a call is out (here a
// slow call of 25 intervals), so no call outlives the heartbeat timeout
// unnoticed; and set never races with the heartbeat goroutine (-race).
func TestHeartbeatsGoOnWhileACallIsOut(t *testing.T) {
	var mu sync.Mutex
	var beats []time.Time
	var details []any
	old := recordHeartbeat
	recordHeartbeat = func(_ context.Context, d ...any) {
		mu.Lock()
		defer mu.Unlock()
		beats = append(beats, time.Now())
		details = append(details, d...)
	}
	defer func() { recordHeartbeat = old }()

	const every = 20 * time.Millisecond
	start := time.Now()
	h := heartbeatEach(context.Background(), every, "checking")
	for i := range 25 {
		time.Sleep(every)
		h.set(i) // the attempt's bookkeeping, concurrent with the ticker
	}
	h.stop()
	mu.Lock()
	defer mu.Unlock()
	prev := start
	for _, b := range beats {
		require.Less(t, b.Sub(prev), 10*every, "a gap in the heartbeats")
		prev = b
	}
	require.Equal(t, "checking", details[0], "the first heartbeat is recorded before anything else")
	require.Equal(t, 24, details[len(details)-1])
}
