package loadrun

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
)

// requestLog is what the emulator's request log (-v: one JSON line per
// request with when it was received, method, URI, status and duration) says
// about a window.
type requestLog struct {
	total    int
	triggers int
	// polls are ListSyncRuns for one run (runId=, what GetSyncRun sends);
	// lookups are the other ListSyncRuns, which a retried trigger sends to
	// find a run an earlier attempt may have created.
	polls, lookups int
	other          int
	// peak10s is the most requests that arrived in any 10 s.
	peak10s int
}

func readRequestLog(path string, from, to time.Time) (requestLog, error) {
	f, err := os.Open(path)
	if err != nil {
		return requestLog{}, err
	}
	defer f.Close()
	return parseRequestLog(f, from, to)
}

func parseRequestLog(r io.Reader, from, to time.Time) (requestLog, error) {
	var out requestLog
	var times []time.Time
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		var line struct {
			Received string `json:"received"`
			Method   string `json:"method"`
			URI      string `json:"uri"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.URI == "" {
			continue // the first line, which says where the emulator listens
		}
		at, err := time.Parse(logging.TimeLayout, line.Received)
		if err != nil || at.Before(from) || at.After(to) {
			continue
		}
		method, uri := line.Method, line.URI
		path, query, _ := strings.Cut(uri, "?")
		if !strings.HasPrefix(path, "/api/") {
			continue // admin API and anything else
		}
		out.total++
		times = append(times, at)
		switch {
		case method == "POST" && strings.HasSuffix(path, "/trigger"):
			out.triggers++
		case method == "GET" && strings.HasSuffix(path, "/runs") && strings.Contains(query, "runId="):
			out.polls++
		case method == "GET" && strings.HasSuffix(path, "/runs"):
			out.lookups++
		default:
			out.other++
		}
	}
	out.peak10s = peakInWindow(times, 10*time.Second)
	return out, sc.Err()
}

// peakInWindow is the most times within any window (a half-open interval
// [t, t+window)).
func peakInWindow(times []time.Time, window time.Duration) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	peak, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= window {
			j++
		}
		peak = max(peak, i-j+1)
	}
	return peak
}
