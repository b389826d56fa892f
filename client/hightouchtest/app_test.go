package hightouchtest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
)

func TestAppPageShowsRun(t *testing.T) {
	h := newHarness(t)
	syncID := h.emu.NewSync("s", hightouchtest.Scenario{})
	runID := h.trigger(syncID)
	srv := httptest.NewServer(h.emu)
	defer srv.Close()
	res, err := http.Get(fmt.Sprintf("%s%s/syncs/%d/runs/%d", srv.URL, hightouchtest.AppPath, syncID, runID))
	require.NoError(t, err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(body), fmt.Sprintf("Sync %d, run %d", syncID, runID))
	res2, err := http.Get(fmt.Sprintf("%s%s/syncs/%d/runs/999999", srv.URL, hightouchtest.AppPath, syncID))
	require.NoError(t, err)
	res2.Body.Close()
	require.Equal(t, http.StatusNotFound, res2.StatusCode)
}
