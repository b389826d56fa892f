package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// Progress display modes.
const (
	progressBar  = "bar"  // one line redrawn in place with \r (terminals)
	progressLine = "line" // one line per change of phase or 10% step (logs)
	progressNone = "none"
)

// progressView is what a progress display shows of either workflow.
type progressView struct {
	Kind  string // kindSync or kindSequence
	Phase string // e.g. "triggering", "processing", "running"
	State string // workflows.StateRunning, ...
	// Ratio is the sync run's completion ratio (0-1).
	Ratio                   float64
	Synced, Failed, Planned int64
	// Members and Finished count a sequence's member runs; Current is the
	// member run still going, e.g. "sync 2 querying".
	Members, Finished int
	Current           string
	Elapsed           time.Duration
}

// syncView is the view of HightouchSync's progress.
func syncView(p workflows.SyncProgress, elapsed time.Duration) progressView {
	return progressView{
		Kind: kindSync, Phase: p.Phase, State: p.State, Ratio: p.CompletionRatio,
		Synced: p.SuccessfulRows.Total(), Failed: p.FailedRows.Total(), Planned: p.PlannedRows.Total(),
		Elapsed: elapsed,
	}
}

// sequenceView is the view of HightouchSyncSequence's progress.
func sequenceView(p workflows.SequenceProgress, elapsed time.Duration) progressView {
	v := progressView{Kind: kindSequence, Phase: p.Phase, State: p.State, Members: len(p.SyncRuns), Elapsed: elapsed}
	for _, m := range p.SyncRuns {
		if m.FinishedAt != nil || m.Status.Terminal() {
			v.Finished++
		} else {
			status := string(m.Status)
			if status == "" {
				status = "pending"
			}
			v.Current = fmt.Sprintf("sync %s %s", m.SyncID, status)
		}
		v.Synced += m.SuccessfulRows.Total()
		v.Failed += m.FailedRows.Total()
		v.Planned += m.PlannedRows.Total()
	}
	return v
}

const barWidth = 20

// barText is the one-line bar, without the \r that redraws it:
//
//	processing [#########-----------]  45% | 450/1,000 rows synced, 0 failed | 1m05s
func barText(v progressView) string {
	var b strings.Builder
	b.WriteString(phaseText(v))
	if v.Kind == kindSync {
		pct := percentOf(v.Ratio)
		filled := pct * barWidth / 100
		fmt.Fprintf(&b, " [%s%s] %3d%%", strings.Repeat("#", filled), strings.Repeat("-", barWidth-filled), pct)
		fmt.Fprintf(&b, " | %s/%s rows synced, %s failed", fmtCount(v.Synced), fmtCount(v.Planned), fmtCount(v.Failed))
	} else {
		fmt.Fprintf(&b, " | %s", membersText(v))
	}
	fmt.Fprintf(&b, " | %s", fmtElapsed(v.Elapsed))
	return b.String()
}

// lineText is one progress line for logs:
//
//	[1m05s] processing 45% - rows 450 synced, 0 failed, 1,000 planned
func lineText(v progressView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s", fmtElapsed(v.Elapsed), phaseText(v))
	if v.Kind == kindSync {
		fmt.Fprintf(&b, " %d%% - rows %s synced, %s failed, %s planned", percentOf(v.Ratio), fmtCount(v.Synced), fmtCount(v.Failed), fmtCount(v.Planned))
	} else {
		fmt.Fprintf(&b, " - %s", membersText(v))
	}
	return b.String()
}

// membersText tells how far a sequence is: member runs finished, the one
// going, and row counts once Hightouch reports them (when members end).
func membersText(v progressView) string {
	if v.Members == 0 {
		return "no member runs yet"
	}
	text := fmt.Sprintf("%d/%d member runs finished", v.Finished, v.Members)
	if v.Current != "" {
		text += ", now " + v.Current
	}
	if v.Synced+v.Failed+v.Planned > 0 {
		text += fmt.Sprintf(", rows %s synced, %s failed", fmtCount(v.Synced), fmtCount(v.Failed))
	}
	return text
}

// phaseText is the phase, with the state when the workflow is no longer
// running.
func phaseText(v progressView) string {
	phase := v.Phase
	if phase == "" {
		phase = "starting"
	}
	if v.State != "" && v.State != workflows.StateRunning {
		phase += " (" + v.State + ")"
	}
	return phase
}

// lineKey changes when a line is worth printing: a new phase or state, a
// new 10% step, or a sequence member starting or finishing.
func lineKey(v progressView) string {
	if v.Kind == kindSync {
		return fmt.Sprintf("%s|%s|%d", v.Phase, v.State, percentOf(v.Ratio)/10)
	}
	return fmt.Sprintf("%s|%s|%d|%d|%s", v.Phase, v.State, v.Members, v.Finished, v.Current)
}

// progressWriter draws progress in one of the modes.
type progressWriter struct {
	w       io.Writer
	mode    string
	width   int // terminal columns; the bar must fit on one line for \r to redraw it
	lastKey string
	drawn   bool // a bar is on screen and needs clearing
}

// show draws v: the bar is redrawn every time, a line only on change.
func (p *progressWriter) show(v progressView) {
	switch p.mode {
	case progressBar:
		text := barText(v)
		if width := max(p.width, 20); len(text) >= width {
			text = text[:width-4] + "..."
		}
		fmt.Fprintf(p.w, "\r%s\x1b[K", text)
		p.drawn = true
	case progressLine:
		if key := lineKey(v); key != p.lastKey {
			p.lastKey = key
			fmt.Fprintln(p.w, lineText(v))
		}
	}
}

// clear removes the bar so that what follows starts on a clean line.
func (p *progressWriter) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
