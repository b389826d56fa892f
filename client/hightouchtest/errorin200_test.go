package hightouchtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

func TestErrorIn200Fault(t *testing.T) {
	sourceBody := map[string]any{"name": "S", "slug": "s", "type": "postgres", "configuration": map[string]any{}}

	t.Run("validation answers before acting", func(t *testing.T) {
		h := newHarness(t)
		h.emu.SetFaults(hightouchtest.Faults{ErrorIn200Rate: 1})
		out := h.call(http.MethodPost, "/sources", sourceBody, http.StatusOK)
		require.Equal(t, "Validation failed", out["message"])
		require.Contains(t, out["details"], "body")
		require.NotContains(t, out, "id")
		h.emu.SetFaults(hightouchtest.Faults{})
		require.Empty(t, h.list("/sources"), "nothing was created")
		require.Equal(t, 1, h.emu.Stats().InjectedErrors)
	})

	t.Run("validation with text details", func(t *testing.T) {
		h := newHarness(t)
		syncID := h.emu.NewSync("s", hightouchtest.Scenario{})
		h.emu.SetFaults(hightouchtest.Faults{ErrorIn200Rate: 1, ErrorIn200: hightouchtest.ValidationTextIn200})
		out := h.call(http.MethodPatch, "/syncs/"+itoa(syncID), map[string]any{"disabled": true}, http.StatusOK)
		require.Equal(t, "Validation failed", out["message"])
		require.IsType(t, "", out["details"])
		h.emu.SetFaults(hightouchtest.Faults{})
		require.Equal(t, false, h.get("/syncs/" + itoa(syncID))["disabled"], "the update was not applied")
	})

	t.Run("internal error answers after acting", func(t *testing.T) {
		h := newHarness(t)
		syncID := h.emu.NewSync("s", hightouchtest.Scenario{})
		h.emu.SetFaults(hightouchtest.Faults{ErrorIn200Rate: 1, ErrorIn200: hightouchtest.InternalErrorIn200})
		status, _, body := h.send(http.MethodPost, "/syncs/trigger", map[string]any{"syncSlug": "s"})
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, `"Internal Server Error"`, string(body))
		require.Len(t, h.emu.Runs(syncID), 1, "the run exists although the answer is an error")

		// TriggerRun's 200 is only the run id in the API's types: untouched.
		h.trigger(syncID)
		// A call refused on its own keeps its own answer.
		h.call(http.MethodPost, "/sources", map[string]any{"name": "S"}, http.StatusUnprocessableEntity)
		require.Equal(t, 1, h.emu.Stats().InjectedErrors)
	})

	t.Run("no id answers after acting", func(t *testing.T) {
		h := newHarness(t)
		h.emu.SetFaults(hightouchtest.Faults{ErrorIn200Rate: 1, ErrorIn200: hightouchtest.NoIDIn200})
		out := h.call(http.MethodPost, "/destinations", sourceBody, http.StatusOK)
		require.Empty(t, out)
		h.emu.SetFaults(hightouchtest.Faults{})
		require.Len(t, h.list("/destinations"), 1, "the destination was created")
	})

	t.Run("reads are not affected", func(t *testing.T) {
		h := newHarness(t)
		h.emu.SetFaults(hightouchtest.Faults{ErrorIn200Rate: 1})
		h.list("/sources")
		require.Zero(t, h.emu.Stats().InjectedErrors)
	})
}

func TestErrorIn200ThroughAdminAPI(t *testing.T) {
	h := newHarness(t)
	var faults map[string]any
	h.admin(http.MethodPut, "/_emulator/faults", map[string]any{"errorIn200Rate": 1, "errorIn200": "internal"}, http.StatusOK, &faults)
	require.Equal(t, map[string]any{"errorIn200Rate": float64(1), "errorIn200": "internal"}, pick(faults, "errorIn200Rate", "errorIn200"))
	require.Equal(t, hightouchtest.Faults{ErrorIn200Rate: 1, ErrorIn200: hightouchtest.InternalErrorIn200}, h.emu.CurrentFaults())
	status, _, body := h.send(http.MethodPost, "/sources", map[string]any{"name": "S", "slug": "s", "type": "x", "configuration": map[string]any{}})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, `"Internal Server Error"`, string(body))

	h.admin(http.MethodPut, "/_emulator/faults", map[string]any{"errorIn200Rate": 1.5}, http.StatusBadRequest, nil)
	h.admin(http.MethodPut, "/_emulator/faults", map[string]any{"errorIn200": "teapot"}, http.StatusBadRequest, nil)

	admin := hightouchtest.NewAdminClient(h.srv.URL)
	want := hightouchtest.Faults{ErrorIn200Rate: 0.5, ErrorIn200: hightouchtest.ValidationTextIn200}
	require.NoError(t, admin.SetFaults(context.Background(), want))
	require.Equal(t, want, h.emu.CurrentFaults())
	b, err := json.Marshal(hightouchtest.Faults{})
	require.NoError(t, err)
	require.NotContains(t, string(b), `"errorIn200"`, "no body named while the knob is off")
}

func pick(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}
