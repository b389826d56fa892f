package e2e

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

// TestStarterWithoutTheKey runs the starter without the key the worker
// writes with (b): with no keys at all, and with only the old key a. A run
// that succeeded is a configuration error (exit 2) naming the key, not a
// lost workflow; a run that failed says its message needs key b, in `sync`
// and in `status` alike.
func TestStarterWithoutTheKey(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	stamp := time.Now().UnixNano()
	keyA, keyB := newKey(t), newKey(t)
	queue := fmt.Sprintf("e2e-keys-starter-%d", stamp)
	_, err := e.startWorker(ctx, queue, io.Discard, codec.EnvKeys+"=a="+keyA+",b="+keyB, codec.EnvKeyID+"=b")
	require.NoError(t, err)
	_, okSlug := newSync(t, e, quick)
	failing := quick
	failing.Status, failing.Error = "failed", "destination unreachable"
	_, failSlug := newSync(t, e, failing)

	starter := func(env []string, args ...string) result {
		return e.run(t, 2*time.Minute, e.bins["starter"], append([]string{"HIGHTOUCH_TASK_QUEUE=" + queue}, env...), args...)
	}
	onlyA := []string{codec.EnvKeys + "=a=" + keyA}

	t.Run("succeeded, starter has only key a", func(t *testing.T) {
		res := starter(onlyA, "sync", "--sync-slug", okSlug, "--progress", "none", "--workflow-id", fmt.Sprintf("e2e-keys-ok-a-%d", stamp))
		assert.Equal(t, 2, res.code, "a missing key is a configuration error, not a failed run\nstdout: %s\nstderr: %s", res.stdout, res.stderr)
		assert.Contains(t, res.stderr, `key "b"`)
		assert.NotContains(t, res.stderr, "lost track", "the starter did not lose track of anything")
	})
	t.Run("succeeded, starter has no keys", func(t *testing.T) {
		res := starter(nil, "sync", "--sync-slug", okSlug, "--progress", "none", "--workflow-id", fmt.Sprintf("e2e-keys-ok-none-%d", stamp))
		assert.Equal(t, 2, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
		assert.Contains(t, res.stderr, codec.EnvKeys, "says the result is encrypted and the keys are needed")
	})
	t.Run("failed, starter has only key a", func(t *testing.T) {
		wid := fmt.Sprintf("e2e-keys-fail-a-%d", stamp)
		res := starter(onlyA, "sync", "--sync-slug", failSlug, "--progress", "none", "--workflow-id", wid)
		assert.Equal(t, 1, res.code, "the run failed")
		assert.Contains(t, res.stdout+res.stderr, `key "b"`, "says the failure cannot be read without key b\nstdout: %s\nstderr: %s", res.stdout, res.stderr)
		st := starter(onlyA, "status", "--workflow-id", wid)
		assert.Contains(t, st.stdout+st.stderr, `key "b"`, "status says so too\nstdout: %s\nstderr: %s", st.stdout, st.stderr)
	})
}
