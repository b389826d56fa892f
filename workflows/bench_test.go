package workflows_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/waitbench"
)

// BenchmarkWait reports what waiting on a run costs, next to a fixed-3-second
// poller written as a workflow timer loop, on the emulator with a simulated
// clock (see internal/dev/waitbench). Run:
//
//	go test ./workflows -run '^$' -bench Wait -benchtime 1x
//
// Each length is run with its end shifted by several offsets against the
// poll schedule and the worst of each metric is reported: requests
// (Hightouch API requests, trigger included), events (history events),
// notice-s (seconds from the run's end to a poll seeing it), slot-s (seconds
// a poll activity held a worker slot), stale (the worst age of the progress
// query's snapshot as a share of the time since the trigger, after the first
// minute) and reports (progress signals).
func BenchmarkWait(b *testing.B) {
	for _, length := range []time.Duration{30 * time.Second, 5 * time.Minute, time.Hour, 24 * time.Hour} {
		for _, d := range []waitbench.Design{waitbench.HightouchSync, waitbench.Fixed3s} {
			if d == waitbench.Fixed3s && length > 5*time.Hour {
				continue // the timer loop would pass its 10,240-event soft limit long before
			}
			b.Run(fmt.Sprintf("%s/%s", d, length), func(b *testing.B) {
				var c waitbench.Cost
				for range b.N {
					var err error
					if c, err = waitbench.MeasureWorst(d, length); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(c.Requests), "requests")
				b.ReportMetric(float64(c.Events), "events")
				b.ReportMetric(c.Notice.Seconds(), "notice-s")
				b.ReportMetric(c.SlotHeld.Seconds(), "slot-s")
				if d == waitbench.HightouchSync {
					b.ReportMetric(c.Staleness, "stale")
					b.ReportMetric(float64(c.Reports), "reports")
				}
			})
		}
	}
}
