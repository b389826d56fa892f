package activities

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/contract"
)

// Review 2 (issue 10, point 8): the README says "Each request has a 20 s
// deadline", but poll gives the deadline to a whole check (activities/poll.go,
// poll: callCtx around w.check), and a sequence's check that sees the run
// ended reads every member's run in it (PollSequenceRun: fillMemberRuns
// under the same ctx). A sequence of many members, each read well within
// the deadline, never fits: every attempt fails "context deadline
// exceeded" and is retried the same way, the wait never sees the end and
// times out (the last look is the same check) although the sequence is
// done. Scaled down here: 200 ms for 20 s, 12 members read in 40 ms each.
func TestSequenceEndIsReadWhateverTheNumberOfMembers(t *testing.T) {
	old := pollCallTimeout
	pollCallTimeout = 200 * time.Millisecond
	defer func() { pollCallTimeout = old }()
	emu := hightouchtest.New()
	srv := httptest.NewServer(emu)
	defer srv.Close()
	var members []int64
	for i := range 12 {
		members = append(members, emu.NewSync(fmt.Sprintf("member-%d", i), hightouchtest.Scenario{Phases: []hightouchtest.Phase{{Status: "processing", Duration: time.Millisecond}}}))
	}
	seq := emu.NewSequence("", members...)
	c := client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL(srv.URL+"/api/v1"))
	run, err := c.TriggerSequenceRun(context.Background(), seq)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		r, err := c.GetSyncSequenceRun(context.Background(), run.ID)
		return err == nil && r.Status == client.SequenceDone
	}, 10*time.Second, 10*time.Millisecond)
	emu.SetFaults(hightouchtest.Faults{Latency: 40 * time.Millisecond})

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(&Activities{Client: c})
	v, err := env.ExecuteActivity("PollSequenceRun", PollSequenceRunInput{SequenceRunID: run.ID, TriggeredAt: time.Now().Add(-time.Hour), progressOptions: progressOptions{LookOnce: true}})
	require.NoError(t, err, "each request took 40 ms, under its 200 ms deadline")
	var snap contract.SequenceRunSnapshot
	require.NoError(t, v.Get(&snap))
	require.True(t, snap.Ended())
}
