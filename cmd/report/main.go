// Command report runs the reliability and performance suite and prints one
// table: the cost of waiting on a run next to a fixed-3-second poller, the
// cost of payload encryption next to none, the chaos run, the load run next
// to a plain Go loop, and the bad-input, secrets and fuzz checks, each with
// its numbers and PASS or FAIL.
//
//	go run ./cmd/report           # the long forms (about 40 minutes)
//	go run ./cmd/report -short    # the CI-sized forms (about 10 minutes)
//
// It needs the temporal CLI for everything but the wait measurement. It
// exits 1 when any check fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/chaos"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/codecbench"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/loadrun"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/waitbench"
)

func main() {
	short := flag.Bool("short", false, "run the CI-sized forms of the chaos and load runs")
	only := flag.String("only", "", "comma-separated sections to run: wait, codec, chaos, load, checks (default all)")
	verbose := flag.Bool("v", false, "print progress of the long runs to stderr")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := proc.ModuleDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(2)
	}
	var log io.Writer
	if *verbose {
		log = os.Stderr
	}
	t := &table{}
	want := func(s string) bool { return *only == "" || strings.Contains(","+*only+",", ","+s+",") }
	if want("wait") {
		waitSection(t)
	}
	if want("codec") {
		codecSection(t, root)
	}
	if want("chaos") {
		chaosSection(ctx, t, root, *short, log)
	}
	if want("load") {
		loadSection(ctx, t, *short, log)
	}
	if want("checks") {
		checksSection(ctx, t, root)
	}
	t.print(os.Stdout)
	if t.failed > 0 {
		fmt.Printf("\n%d check(s) FAILED\n", t.failed)
		os.Exit(1)
	}
	fmt.Println("\nall checks PASS")
}

// table collects rows: what was measured, its value, the target or the
// comparison, and PASS/FAIL (or "" for a plain number).
type table struct {
	rows   [][4]string
	failed int
}

func (t *table) section(name string) {
	t.rows = append(t.rows, [4]string{"", "", "", ""}, [4]string{"## " + name, "", "", ""})
}

func (t *table) row(what, value, target string, ok *bool) {
	verdict := ""
	if ok != nil {
		verdict = "PASS"
		if !*ok {
			verdict = "FAIL"
			t.failed++
		}
	}
	t.rows = append(t.rows, [4]string{what, value, target, verdict})
}

func (t *table) print(w io.Writer) {
	rows := append([][4]string{{"check", "measured", "target / comparison", "result"}, {"-----", "--------", "-------------------", "------"}}, t.rows...)
	// Section titles span the whole line, so only the other rows set the
	// column widths.
	var width [3]int
	for _, r := range rows {
		if !isSection(r) {
			for i := range width {
				width[i] = max(width[i], len(r[i]))
			}
		}
	}
	for _, r := range rows {
		if isSection(r) {
			fmt.Fprintln(w, r[0])
			continue
		}
		line := fmt.Sprintf("%-*s  %-*s  %-*s  %s", width[0], r[0], width[1], r[1], width[2], r[2], r[3])
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

func isSection(r [4]string) bool { return strings.HasPrefix(r[0], "## ") || r == [4]string{} }

func is(ok bool) *bool { return &ok }

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// waitSection measures the wait on simulated runs of several lengths.
func waitSection(t *table) {
	t.section("Waiting on a run (emulator, simulated clock; worst of 10 end offsets)")
	lengths := []time.Duration{30 * time.Second, 5 * time.Minute, time.Hour, 24 * time.Hour}
	ours := map[time.Duration]waitbench.Cost{}
	fixed := map[time.Duration]waitbench.Cost{}
	for _, l := range lengths {
		c, err := waitbench.MeasureWorst(waitbench.HightouchSync, l)
		if err != nil {
			t.row("HightouchSync "+l.String(), err.Error(), "", is(false))
			return
		}
		ours[l] = c
		if l <= time.Hour {
			if fixed[l], err = waitbench.MeasureWorst(waitbench.Fixed3s, l); err != nil {
				t.row("fixed 3 s poller "+l.String(), err.Error(), "", is(false))
				return
			}
		}
	}
	hour, day := ours[time.Hour], ours[24*time.Hour]
	t.row("Hightouch requests, 1 h run", fmt.Sprint(hour.Requests),
		fmt.Sprintf("<= 170; fixed 3 s poller %d (%.1fx more)", fixed[time.Hour].Requests, float64(fixed[time.Hour].Requests)/float64(hour.Requests)), is(hour.Requests <= 170))
	linear := hour.Requests + int((23*time.Hour)/(30*time.Second)) + 1
	t.row("Hightouch requests, 24 h run", fmt.Sprint(day.Requests), fmt.Sprintf("<= %d (linear at 30 s after 1 h)", linear), is(day.Requests <= linear))
	var events, stale, reports []string
	worstStale := 0.0
	for _, l := range lengths {
		events = append(events, fmt.Sprint(ours[l].Events))
		stale = append(stale, fmt.Sprintf("%.2f", ours[l].Staleness))
		reports = append(reports, fmt.Sprint(ours[l].Reports))
		worstStale = max(worstStale, ours[l].Staleness)
	}
	t.row("history events, runs of 30 s / 5 m / 1 h / 24 h", strings.Join(events, " / "),
		"<= 100 for 24 h, one-writer step (8) and progress reports included", is(day.Events <= 100))
	t.row("progress reports (signals), 30 s / 5 m / 1 h / 24 h", strings.Join(reports, " / "),
		"at each phase change and each doubling of the time since the trigger (4 events each)", nil)
	t.row("progress snapshot age / run age, worst", strings.Join(stale, " / "), "<= 0.5 (sampled each minute after the first)", is(worstStale <= 0.5))
	t.row("history events, fixed 3 s timer loop, 30 s / 5 m / 1 h", fmt.Sprintf("%d / %d / %d", fixed[30*time.Second].Events, fixed[5*time.Minute].Events, fixed[time.Hour].Events),
		"the naive design: hits the 10,240-event warning after about 1 h", nil)
	short := ours[30*time.Second]
	t.row("end noticed, run within its first minute", secs(short.Notice), fmt.Sprintf("<= 2 s; fixed 3 s poller %s", secs(fixed[30*time.Second].Notice)), is(short.Notice <= 2*time.Second))
	for _, l := range lengths[1:] {
		limit := min(l/10, 30*time.Second)
		t.row("end noticed, "+l.String()+" run", secs(ours[l].Notice), "<= "+secs(limit)+" (10% of the run, capped at 30 s)", is(ours[l].Notice <= limit))
	}
	t.row("worker slot held per run, 5 m / 1 h / 24 h", fmt.Sprintf("%s / %s / %s", secs(ours[5*time.Minute].SlotHeld), secs(hour.SlotHeld), secs(day.SlotHeld)),
		"<= 2 min hold window, whatever the length", is(day.SlotHeld <= 2*time.Minute && day.SlotHeld == hour.SlotHeld))
}

// codecSection measures payload encryption on the payloads of a recorded
// HightouchSync: bytes exactly, CPU as a ratio (the machine is shared).
func codecSection(t *table, root string) {
	path, err := codecbench.LatestHistory(root)
	if err != nil {
		t.section("Payload encryption")
		t.row("finding the recorded workflow", err.Error(), "", is(false))
		return
	}
	t.section(fmt.Sprintf("Payload encryption (AES-256-GCM; every payload of HightouchSync %s, as recorded for %s, written and read once)",
		strings.TrimSuffix(codecbench.History, ".json"), filepath.Base(filepath.Dir(path))))
	w, err := codecbench.Load(path)
	if err != nil {
		t.row("loading the recorded workflow", err.Error(), "", is(false))
		return
	}
	r, err := w.Measure(5)
	if err != nil {
		t.row("measuring", err.Error(), "", is(false))
		return
	}
	pct := func(enc, plain int) string { return fmt.Sprintf("%+.0f%%", 100*float64(enc-plain)/float64(plain)) }
	perPayload := (r.EncPayloadBytes - r.PlainPayloadBytes) / r.Payloads
	t.row("payloads per workflow", fmt.Sprint(r.Payloads), "inputs, results, signals and details in its own history (its trigger writer's are extra)", nil)
	t.row("payload bytes per workflow, encrypted vs plain", fmt.Sprintf("%d vs %d B (%s)", r.EncPayloadBytes, r.PlainPayloadBytes, pct(r.EncPayloadBytes, r.PlainPayloadBytes)),
		fmt.Sprintf("<= 100 B a payload (nonce and tag 28 B, encoding and key id): %d B", perPayload), is(perPayload <= 100))
	t.row("history bytes per workflow, encrypted vs plain", fmt.Sprintf("%d vs %d B (%s)", r.EncHistoryBytes, r.PlainHistoryBytes, pct(r.EncHistoryBytes, r.PlainHistoryBytes)), "", nil)
	t.row("CPU to write and read the payloads, encrypted vs plain", fmt.Sprintf("%.0f vs %.0f µs: %.2fx", r.EncNs/1e3, r.PlainNs/1e3, r.CPURatio()),
		fmt.Sprintf("JSON plus encryption vs JSON alone; fastest of 5 runs each; +%.0f µs a workflow", (r.EncNs-r.PlainNs)/1e3), nil)
	t.row("encrypted payloads decrypt to their values and hide their bytes", fmt.Sprint(r.Faithful), "true", is(r.Faithful))
}

func chaosSection(ctx context.Context, t *table, root string, short bool, log io.Writer) {
	cfg, form := chaos.Long(), "long"
	if short {
		cfg, form = chaos.Short(), "short"
	}
	cfg.Log = log
	t.section(fmt.Sprintf("Chaos run (%s form: %d replicas; %d workflows at once on each of %d syncs, by id and slug, some fullResync; %d sequences; "+
		"500s before and after acting, 504s with late creation, listing lag, Hightouch's clock %s off, slow answers, 429 bursts, "+
		"a replica killed mid-trigger, %d SIGKILLs, a Temporal restart)",
		form, cfg.Replicas, cfg.WorkflowsPerSync, cfg.Syncs, cfg.Sequences, cfg.ClockOffset, cfg.WorkerKills))
	rep, err := chaos.Run(ctx, root, cfg)
	if err != nil {
		t.row("chaos run", err.Error(), "", is(false))
		return
	}
	t.row("workflows reaching their scenario's outcome", fmt.Sprintf("%d / %d", rep.Workflows-len(rep.Mismatches), rep.Workflows), "all", is(len(rep.Mismatches) == 0))
	t.row("sync runs created at Hightouch", fmt.Sprint(rep.RunsCreated), fmt.Sprintf("= %d (one per sync workflow or member)", rep.RunsExpected), is(rep.RunsCreated == rep.RunsExpected))
	t.row("double triggers / lost or foreign runs", fmt.Sprintf("%d / %d", len(rep.DoubleTriggers), len(rep.LostRuns)), "0 / 0", is(len(rep.DoubleTriggers)+len(rep.LostRuns) == 0))
	t.row("runs reported by two workflows / created before theirs / with another's options",
		fmt.Sprintf("%d / %d / %d", len(rep.SharedRuns), len(rep.EarlyRuns), len(rep.ForeignOptions)), "0 / 0 / 0",
		is(len(rep.SharedRuns)+len(rep.EarlyRuns)+len(rep.ForeignOptions) == 0))
	t.row("runs found after a lost answer", fmt.Sprint(rep.Adopted), "reported as adopted", nil)
	t.row("faults survived", fmt.Sprintf("%d SIGKILLs (%d mid-trigger), %d Temporal restart, %d 500s, %d 504s, %d 429s, clock %s off",
		rep.WorkerKills, rep.KillsMidSend, rep.TemporalRestarts, rep.Faults.InjectedErrors, rep.Faults.InjectedGatewayTimeouts,
		rep.Faults.InjectedRateLimits, rep.ClockOffset), "", nil)
	t.row("wall time", rep.Duration.Round(time.Second).String(), "", nil)
}

func loadSection(ctx context.Context, t *table, short bool, log io.Writer) {
	cfg, form := loadrun.Config{}, "full"
	if short {
		cfg, form = loadrun.Short(), "short"
	}
	cfg.Progress = log
	rep, err := loadrun.Run(ctx, cfg)
	l := rep.Load
	t.section(fmt.Sprintf("Load run (%s form: %d concurrent HightouchSync workflows, runs of mixed lengths, one worker; the emulator enforces 200 requests / 10 s)", form, l.Workflows))
	if err != nil {
		t.row("load run", err.Error(), "", is(false))
		return
	}
	h, n, w := l.Hightouch, l.Notice, l.Worker
	t.row("workflows succeeded", fmt.Sprintf("%d / %d in %s", l.Succeeded, l.Workflows, l.Took), "all", is(l.Succeeded == l.Workflows))
	t.row("429s the emulator had to enforce", fmt.Sprint(h.Enforced429), "0: the worker stays under the limit on its own", is(h.Enforced429 == 0))
	t.row("Hightouch requests per second", fmt.Sprintf("%.1f average; busiest 10 s: %d requests", h.AvgPerSecond, h.Peak10sCount), "<= 200 per 10 s", is(h.Peak10sCount <= 200))
	t.row("runs created / never noticed", fmt.Sprintf("%d / %d", h.RunsCreated, n.NeverNoticed), fmt.Sprintf("%d / 0", l.Workflows), is(h.RunsCreated == l.Workflows && n.NeverNoticed == 0))
	t.row("run end to workflow completion", fmt.Sprintf("median %s, p99 %s, max %s", n.Latency.Median, n.Latency.P99, n.Latency.Max),
		fmt.Sprintf("polls shared fairly: %d requests for %d runs", h.Polls, l.Workflows), nil)
	t.row("worker CPU", fmt.Sprintf("%.2f cores average, %.2f peak (10 s)", w.AvgCores, w.PeakCores), fmt.Sprintf("of %d cores", rep.Config.CPUs), nil)
	t.row("worker resident memory", fmt.Sprintf("%.0f MiB peak", w.PeakRSSBytes/(1<<20)), "", nil)
	if b := rep.Baseline; b != nil {
		t.row("worker CPU per short run vs a plain Go loop", fmt.Sprintf("%s vs %s: %.1fx", b.Temporal.CPUPerRun, b.Plain.CPUPerRun, b.Ratio),
			fmt.Sprintf("%d runs each, same requests (%.1f vs %.1f per run)", b.Runs, b.Temporal.RequestsPerRun, b.Plain.RequestsPerRun), nil)
	}
	for _, p := range rep.Problems {
		t.row("problem", p, "", is(false))
	}
}

// checksSection runs the bad-input, secrets and fuzz checks as go test runs.
func checksSection(ctx context.Context, t *table, root string) {
	t.section("Bad input, secrets and fuzzing (go test)")
	checks := []struct {
		what, target string
		args         []string
	}{
		{"wrong type for every field of every activity input", "InvalidInput naming the field, one attempt",
			[]string{"-run", "TestEveryFieldOfEveryActivityRejectsWrongTypes|TestBadInputsFailOnceAndClearly|TestOversizedInputIsHandled", "./activities"}},
		{"bad workflow inputs (unit)", "InvalidInput naming the field", []string{"-run", "InvalidInput", "./workflows"}},
		{"bad input via temporal CLI, starter and activity calls", "clear error in one attempt; worker keeps serving",
			[]string{"-run", "TestBadWorkflowInputThroughCLI|TestBadStarterFlags|TestBadActivityInputFailsOnce", "./e2e"}},
		{"secrets in histories, logs and starter output", "Hightouch and Temporal keys never appear", []string{"-run", "TestSecretsNeverLeak", "./e2e"}},
		{"a planted password, encryption on / off", "absent from history and database / present in both",
			[]string{"-run", "TestPayloadEncryption", "./e2e"}},
		{"fuzz: response decoding (30 s)", "no panic, result xor error", []string{"-run", "^$", "-fuzz", "^FuzzDecodeResponses$", "-fuzztime", "30s", "./client"}},
		{"fuzz: workflow inputs (30 s)", "decoding never fails; InvalidInput or a valid wait", []string{"-run", "^$", "-fuzz", "^FuzzInputs$", "-fuzztime", "30s", "./workflows"}},
		{"fuzz: encrypted payload decoding (30 s)", "no panic; the sealed payload or a key error", []string{"-run", "^$", "-fuzz", "^FuzzDecode$", "-fuzztime", "30s", "./codec"}},
	}
	for _, c := range checks {
		start := time.Now()
		cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-count=1"}, c.args...)...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		value := "ok in " + time.Since(start).Round(time.Second).String()
		if err != nil {
			value = "failed: " + lastLine(string(out))
		}
		t.row(c.what, value, c.target, is(err == nil))
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
