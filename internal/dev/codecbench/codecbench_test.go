package codecbench_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/codecbench"
)

func load(t testing.TB) *codecbench.Workload {
	t.Helper()
	path, err := codecbench.LatestHistory(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	w, err := codecbench.Load(path)
	require.NoError(t, err)
	return w
}

func TestMeasure(t *testing.T) {
	w := load(t)
	r, err := w.Measure(1)
	require.NoError(t, err)
	require.Greater(t, r.Payloads, 10, "a sync's inputs, results and snapshots")
	require.True(t, r.Faithful, "encrypted payloads decrypt to their values and hide their bytes")
	require.Greater(t, r.EncPayloadBytes, r.PlainPayloadBytes)
	// Only the payloads grow (and, by a byte here and there, the length
	// prefixes of the messages holding them).
	grown, payloadsGrown := r.EncHistoryBytes-r.PlainHistoryBytes, r.EncPayloadBytes-r.PlainPayloadBytes
	require.GreaterOrEqual(t, grown, payloadsGrown)
	require.LessOrEqual(t, grown, payloadsGrown+3*r.Payloads)
	require.Positive(t, r.PlainNs)
	require.Positive(t, r.EncNs)
}

// BenchmarkWorkflowPayloads writes and reads every payload of a recorded
// HightouchSync once, with and without encryption:
//
//	go test ./internal/dev/codecbench -run '^$' -bench WorkflowPayloads
func BenchmarkWorkflowPayloads(b *testing.B) {
	w := load(b)
	r, err := w.Sizes()
	require.NoError(b, err)
	for _, c := range []struct {
		name  string
		dc    func(*codecbench.Workload) error
		bytes int
	}{
		{"plain", func(w *codecbench.Workload) error { return w.RoundTrip(w.Plain()) }, r.PlainPayloadBytes},
		{"encrypted", func(w *codecbench.Workload) error { return w.RoundTrip(w.Encrypted()) }, r.EncPayloadBytes},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.dc(w); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.bytes), "payload-bytes/workflow")
		})
	}
}
