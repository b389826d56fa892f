package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
)

func TestClockOffsetMergesAndFollowsDrift(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := offsetFromDate(t0, t0.Add(100*time.Millisecond), t0.Add(2*time.Minute))
	require.True(t, a.Known)
	require.Equal(t, contract.Duration(2*time.Minute-100*time.Millisecond), a.Lo)
	require.Equal(t, contract.Duration(2*time.Minute+time.Second), a.Hi)
	b := offsetFromDate(t0.Add(time.Second), t0.Add(time.Second), t0.Add(time.Second+2*time.Minute+500*time.Millisecond))
	m := a.Merge(b)
	require.Equal(t, max(a.Lo, b.Lo), m.Lo, "two measures narrow the bounds")
	require.Equal(t, min(a.Hi, b.Hi), m.Hi)
	require.Equal(t, a, ClockOffset{}.Merge(a))
	require.Equal(t, a, a.Merge(ClockOffset{}))

	// An hour later Hightouch's clock has moved by a few seconds: the old
	// bounds give way instead of hiding the true offset.
	later := t0.Add(2 * time.Hour)
	c := offsetFromDate(later, later, later.Add(2*time.Minute+5*time.Second))
	require.Equal(t, c, m.Merge(c))
}

// The runs list's sort direction is undocumented: the newest runs are found
// whichever way it sorts.
func TestNewestRunsWhicheverWayTheListSorts(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var runs []client.SyncRun
	for i := range 60 {
		runs = append(runs, client.SyncRun{ID: client.ID(1000 + i), CreatedAt: t0.Add(time.Duration(i) * time.Minute), Status: client.RunSuccess})
	}
	for _, ascending := range []bool{true, false} {
		t.Run(fmt.Sprint("ascending=", ascending), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
				limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
				sorted := make([]client.SyncRun, len(runs))
				for i := range runs {
					if ascending {
						sorted[i] = runs[i]
					} else {
						sorted[i] = runs[len(runs)-1-i]
					}
				}
				end := min(offset+limit, len(sorted))
				_ = json.NewEncoder(w).Encode(map[string]any{"data": sorted[min(offset, end):end], "hasMore": end < len(sorted)})
			}))
			defer srv.Close()
			a := &Activities{Client: client.New(client.WithServerURL(srv.URL), client.WithSecurity("k"))}
			got, err := a.newestRuns(context.Background(), &serverClock{clock: realClock{}}, 1, 25)
			require.NoError(t, err)
			require.Len(t, got, 25)
			require.Equal(t, client.ID(1059), got[0].ID, "the newest first")
			require.Equal(t, client.ID(1035), got[24].ID)
		})
	}
}
