package loadrun

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
)

// LogSummary counts the worker's log lines by level over the whole run and
// names the most frequent warnings and errors.
type LogSummary struct {
	Lines    int      `json:"lines"`
	Warnings int      `json:"warnings"`
	Errors   int      `json:"errors"`
	Top      []string `json:"top,omitempty"` // "count × level: message"
}

func summarizeLogFile(path string) (LogSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return LogSummary{}, err
	}
	defer f.Close()
	return summarizeLog(f)
}

// summarizeLog reads the worker's JSON log (one object per line; lines that
// are not JSON, such as a panic, count as errors).
func summarizeLog(r io.Reader) (LogSummary, error) {
	var s LogSummary
	counts := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		s.Lines++
		var entry struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if err := json.Unmarshal(sc.Bytes(), &entry); err != nil {
			entry.Level, entry.Msg = "error", "(not JSON) "+truncate(sc.Text(), 120)
		}
		switch entry.Level {
		case "warn":
			s.Warnings++
		case "error", "dpanic", "panic", "fatal":
			s.Errors++
		default:
			continue
		}
		counts[entry.Level+": "+entry.Msg]++
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b string) int {
		return cmp.Or(counts[b]-counts[a], cmp.Compare(a, b))
	})
	for _, k := range keys[:min(len(keys), 5)] {
		s.Top = append(s.Top, fmt.Sprintf("%d × %s", counts[k], k))
	}
	return s, sc.Err()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
