package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Review 12: before the layout move (9b3daea), .ci/run's race-detector pass
// (`go test -race ... ./client/... ./codec/... ...`) covered the codec
// server (codec/cmd/hightouch-codec-server, under ./codec/...) and the
// emulator's command (client/hightouchtest/cmd/hightouch-emulator, under
// ./client/...). The move put both under cmd/ and rewrote the line for the
// worker and the starter only, so CI no longer runs those two packages'
// tests (an HTTP server, a process group) with -race.
func TestReview12CIRaceRunStillCoversMovedPrograms(t *testing.T) {
	script, err := os.ReadFile(filepath.Join(repoRoot, ".ci", "run"))
	require.NoError(t, err)
	var patterns []string
	for _, line := range strings.Split(string(script), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 3 || fields[0] != "go" || fields[1] != "test" || !strings.Contains(line, " -race ") {
			continue
		}
		for _, f := range fields {
			if strings.HasPrefix(f, "./") {
				patterns = append(patterns, f)
			}
		}
	}
	require.NotEmpty(t, patterns, ".ci/run has no go test -race line")
	cmd := exec.Command("go", append([]string{"list"}, patterns...)...)
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	require.NoError(t, err, "go list %v", patterns)
	listed := strings.Fields(string(out))
	const module = "github.com/hightouch-temporal/hightouch-temporal/"
	for _, pkg := range []string{"cmd/hightouch-codec-server", "cmd/hightouch-emulator", "cmd/hightouch-worker", "cmd/hightouch-starter"} {
		require.Contains(t, listed, module+pkg, "the race run of .ci/run (%s) left out %s, which it covered before the move", strings.Join(patterns, " "), pkg)
	}
}
