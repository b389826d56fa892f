package hightouchtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

// Drive a run to its end with a fake clock: no sleeping.
func Example() {
	var mu sync.Mutex // the server reads the clock from its own goroutines
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	emu := hightouchtest.New(hightouchtest.WithClock(clock))
	srv := httptest.NewServer(emu)
	defer srv.Close()
	syncID := emu.NewSync("orders", hightouchtest.Scenario{Status: "warning", Error: "3 rows rejected"})

	call := func(method, path string, out any) {
		req, _ := http.NewRequest(method, srv.URL+"/api/v1"+path, nil)
		req.Header.Set("Authorization", "Bearer "+hightouchtest.DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	var trigger struct{ ID string }
	call(http.MethodPost, fmt.Sprintf("/syncs/%d/trigger", syncID), &trigger)

	var runs struct {
		Data []struct {
			Status string
			Error  *string
		}
	}
	for _, d := range []time.Duration{0, 2 * time.Second, 7 * time.Second} {
		advance(d)
		call(http.MethodGet, fmt.Sprintf("/syncs/%d/runs?runId=%s", syncID, trigger.ID), &runs)
		fmt.Println(runs.Data[0].Status, runs.Data[0].Error != nil)
	}
	fmt.Println(emu.Runs(syncID)[0].Status)
	// Output:
	// queued false
	// querying false
	// warning true
	// warning
}
