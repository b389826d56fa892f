package activities

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
)

// Issue 10, point 8: a poll's request cannot outlive the poll's heartbeat
// timeout (30 s) unnoticed: each has a deadline under it, and a request
// that hangs fails retryably instead of holding the attempt.
func TestPollRequestsHaveADeadline(t *testing.T) {
	require.Less(t, pollCallTimeout, 30*time.Second, "under the poll's heartbeat timeout")
	old := pollCallTimeout
	pollCallTimeout = 200 * time.Millisecond
	defer func() { pollCallTimeout = old }()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&Activities{Client: client.New(client.WithServerURL(srv.URL), client.WithSecurity("k"))})
	start := time.Now()
	_, err := env.ExecuteActivity("PollSyncRun", PollSyncRunInput{SyncID: 1, RunID: "1", TriggeredAt: start})
	require.Error(t, err)
	require.Equal(t, errortypes.HightouchServerError, errortypes.Of(err), "retried like any network failure: %v", err)
	require.Less(t, time.Since(start), 5*time.Second, "the hanging request was cut off at its deadline")
}

// Issue 10, point 9: a worker without a request budget still forgets the
// runs it no longer waits on.
func TestWaitsAreForgottenWithoutABudget(t *testing.T) {
	a := &Activities{}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10000 {
		a.waits.touch(fmt.Sprintf("sync-run/%d", i), now) // runs whose end this worker never sees
		_ = a.fairShare()
	}
	now = now.Add(30 * 24 * time.Hour)
	a.waits.touch("sync-run/new", now)
	require.Len(t, a.waits.seen, 1, "stale entries are pruned")
}
