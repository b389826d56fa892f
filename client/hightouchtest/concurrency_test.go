package hightouchtest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

// TestConcurrentUse runs triggers, polls and fixture calls in parallel on
// the real clock; with -race it checks the locking.
func TestConcurrentUse(t *testing.T) {
	emu := hightouchtest.New(hightouchtest.WithSequenceQueueing(true))
	srv := httptest.NewServer(emu)
	defer srv.Close()
	fast := hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "processing", Duration: 5 * time.Millisecond}}}
	var syncIDs []int64
	for _, slug := range []string{"a", "b", "c", "d"} {
		syncIDs = append(syncIDs, emu.NewSync(slug, fast))
	}
	seqID := emu.NewSequence("seq", syncIDs[:2]...)
	emu.SetFaults(hightouchtest.Faults{ServerErrorRate: 0.1})

	do := func(method, path string) {
		req, _ := http.NewRequest(method, srv.URL+"/api/v1"+path, strings.NewReader(""))
		req.Header.Set("Authorization", "Bearer "+hightouchtest.DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := itoa(syncIDs[i%len(syncIDs)])
			for range 20 {
				do(http.MethodPost, "/syncs/"+id+"/trigger")
				do(http.MethodGet, "/syncs/"+id+"/runs?limit=5")
				do(http.MethodGet, "/syncs/"+id)
				do(http.MethodPost, "/sync-sequences/"+seqID+"/trigger")
				_ = emu.Runs(syncIDs[i%len(syncIDs)])
				_ = emu.Stats()
				_ = emu.SequenceRuns(seqID)
			}
		}()
	}
	wg.Wait()
	stats := emu.Stats()
	require.Equal(t, 8*20*4, stats.Requests)
	total := 0
	for _, id := range syncIDs {
		total += emu.Triggers(id)
	}
	require.Equal(t, stats.Triggers, total)
}
