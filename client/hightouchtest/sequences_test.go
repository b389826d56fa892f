package hightouchtest_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// oneStep is a run that queues 1s then processes 2s, ending with status.
func oneStep(status string) hightouchtest.Scenario {
	return hightouchtest.Scenario{
		Phases: []hightouchtest.Phase{{Status: "queued", Duration: time.Second}, {Status: "processing", Duration: 2 * time.Second}},
		Status: status,
	}
}

func (h *harness) triggerSequence(id string) string {
	h.t.Helper()
	out := h.call(http.MethodPost, "/sync-sequences/"+id+"/trigger", nil, http.StatusOK)
	runID, ok := out["id"].(string)
	require.True(h.t, ok)
	require.Regexp(h.t, uuidPattern, runID)
	return runID
}

func (h *harness) sequenceRun(runID string) (string, []map[string]any) {
	h.t.Helper()
	out := h.get("/sync-sequences/runs/" + runID)
	require.Equal(h.t, runID, out["id"])
	members, ok := out["syncRuns"].([]any)
	require.True(h.t, ok, "syncRuns must be an array: %v", out)
	res := make([]map[string]any, len(members))
	for i, m := range members {
		res[i] = m.(map[string]any)
	}
	return out["status"].(string), res
}

func TestSequenceRuns(t *testing.T) {
	for _, tc := range []struct {
		name        string
		statuses    []string // terminal status of each member
		want        string
		wantMembers int // members that ran
	}{
		{"done with success and warning", []string{"success", "warning", "success"}, "done", 3},
		{"failed stops later members", []string{"success", "failed", "success"}, "failed", 2},
		{"interrupted fails", []string{"interrupted", "success"}, "failed", 1},
		{"cancelled", []string{"success", "cancelled", "success"}, "cancelled", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var syncIDs []int64
			for i, st := range tc.statuses {
				syncIDs = append(syncIDs, h.emu.NewSync("member-"+string(rune('a'+i)), oneStep(st)))
			}
			seqID := h.emu.NewSequence("seq", syncIDs...)
			require.Equal(t, "seq", seqID)
			runID := h.triggerSequence(seqID)

			status, members := h.sequenceRun(runID)
			require.Equal(t, "pending", status, "first member still queued")
			require.Empty(t, members)

			h.clock.Advance(time.Second)
			status, members = h.sequenceRun(runID)
			require.Equal(t, "running", status)
			require.Len(t, members, 1)
			require.Equal(t, float64(syncIDs[0]), members[0]["syncId"])
			require.Equal(t, "processing", members[0]["status"])
			require.Contains(t, members[0], "finishedAt")
			require.Nil(t, members[0]["finishedAt"])

			h.clock.Advance(time.Duration(3*len(tc.statuses)) * time.Second)
			status, members = h.sequenceRun(runID)
			require.Equal(t, tc.want, status)
			require.Len(t, members, tc.wantMembers)
			for i, m := range members {
				require.Equal(t, float64(syncIDs[i]), m["syncId"])
				require.Equal(t, tc.statuses[i], m["status"])
				require.Regexp(t, `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$`, m["finishedAt"])
				// the member run is an ordinary run of its sync
				rn := h.run(syncIDs[i], num(m["syncRunId"]))
				require.Equal(t, tc.statuses[i], rn["status"])
			}
			// each member started the moment its predecessor ended
			require.Equal(t, "2024-05-01T12:00:03.000+00:00", members[0]["finishedAt"])
			if tc.wantMembers > 1 {
				require.Equal(t, "2024-05-01T12:00:06.000+00:00", members[1]["finishedAt"])
			}
			for i := tc.wantMembers; i < len(syncIDs); i++ {
				require.Empty(t, h.emu.Runs(syncIDs[i]), "member %d must not run", i)
			}

			infos := h.emu.SequenceRuns(seqID)
			require.Len(t, infos, 1)
			require.Equal(t, tc.want, infos[0].Status)
			require.Len(t, infos[0].SyncRunIDs, tc.wantMembers)
			require.NotNil(t, infos[0].FirstSeenTerminalAt)
			stats := h.emu.Stats()
			require.Equal(t, 1, stats.SequenceRunsCreated)
			require.Equal(t, 1, stats.SequenceTriggers)
			require.Equal(t, tc.wantMembers, stats.RunsCreated)
			require.Equal(t, 0, stats.Triggers, "member runs are not sync trigger calls")
		})
	}
}

func TestSequenceTriggerWhileRunningReturnsSameRun(t *testing.T) {
	h := newHarness(t)
	a := h.emu.NewSync("a", oneStep("success"))
	b := h.emu.NewSync("b", oneStep("success"))
	seqID := h.emu.NewSequence("", a, b)
	require.Regexp(t, uuidPattern, seqID)

	first := h.triggerSequence(seqID)
	h.clock.Advance(4 * time.Second)
	require.Equal(t, first, h.triggerSequence(seqID))
	require.Equal(t, first, h.triggerSequence(seqID))
	h.clock.Advance(3 * time.Second) // done at 6s
	status, _ := h.sequenceRun(first)
	require.Equal(t, "done", status)

	second := h.triggerSequence(seqID)
	require.NotEqual(t, first, second)
	stats := h.emu.Stats()
	require.Equal(t, 2, stats.SequenceRunsCreated)
	require.Equal(t, 4, stats.SequenceTriggers)
}

func TestSequenceQueueing(t *testing.T) {
	h := newHarness(t, hightouchtest.WithSequenceQueueing(true))
	a := h.emu.NewSync("a", oneStep("success"))
	b := h.emu.NewSync("b", oneStep("warning"))
	seqID := h.emu.NewSequence("q", a, b)

	first := h.triggerSequence(seqID)
	h.clock.Advance(2 * time.Second)
	queued := h.triggerSequence(seqID)
	require.NotEqual(t, first, queued)
	require.Equal(t, queued, h.triggerSequence(seqID), "exactly one follow-up is queued")
	require.Equal(t, queued, h.triggerSequence(seqID))

	status, members := h.sequenceRun(queued)
	require.Equal(t, "pending", status)
	require.Empty(t, members)
	require.Len(t, h.emu.Runs(a), 1, "the queued sequence run has not started a member")

	h.clock.Advance(5 * time.Second) // first ends at 6s; queued begins then, its first member starts at 7s
	status, _ = h.sequenceRun(first)
	require.Equal(t, "done", status)
	status, members = h.sequenceRun(queued)
	require.Equal(t, "running", status)
	require.Len(t, members, 1)
	runsOfA := h.emu.Runs(a)
	require.Len(t, runsOfA, 2)
	require.Equal(t, epoch.Add(6*time.Second), runsOfA[1].CreatedAt)

	h.clock.Advance(time.Minute)
	status, members = h.sequenceRun(queued)
	require.Equal(t, "done", status)
	require.Len(t, members, 2)
	require.Equal(t, 2, h.emu.Stats().SequenceRunsCreated)
	infos := h.emu.SequenceRuns(seqID)
	require.Len(t, infos, 2)
	require.Equal(t, epoch.Add(6*time.Second), *infos[1].BeganAt)
}

func TestSequenceMemberQueuesBehindManualRun(t *testing.T) {
	h := newHarness(t)
	a := h.emu.NewSync("a", oneStep("success"))
	seqID := h.emu.NewSequence("s", a)
	manual := h.trigger(a)
	runID := h.triggerSequence(seqID)
	h.clock.Advance(2 * time.Second)
	status, members := h.sequenceRun(runID)
	require.Equal(t, "pending", status, "the member waits for the manual run")
	require.Empty(t, members)
	h.clock.Advance(2 * time.Second) // manual ends at 3s, member queued 3s-4s
	status, members = h.sequenceRun(runID)
	require.Equal(t, "running", status)
	require.NotEqual(t, float64(manual), members[0]["syncRunId"])
}
