package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"go.temporal.io/api/serviceerror"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the one line on stderr
	}{
		{"unknown command", []string{"synk"}, `unknown command "synk"; run 'starter help'`},
		{"unknown flag", []string{"sync", "--sync-id", "1", "--bogus"}, "flag provided but not defined: --bogus; see 'starter sync --help'"},
		{"flag without value", []string{"sync", "--sync-id"}, "flag needs an argument: --sync-id"},
		{"stray argument", []string{"sync", "--sync-id", "1", "extra"}, `unexpected argument "extra"`},
		{"no sync", []string{"sync"}, "give --sync-id or --sync-slug; see 'starter sync --help'"},
		{"both ids", []string{"sync", "--sync-id", "1", "--sync-slug", "users"}, "give --sync-id or --sync-slug, not both"},
		{"bad sync id", []string{"sync", "--sync-id", "abc"}, `--sync-id: expected a positive number, got "abc"`},
		{"zero sync id", []string{"sync", "--sync-id", "0"}, `--sync-id: expected a positive number, got "0"`},
		{"empty slug", []string{"sync", "--sync-slug", " "}, "--sync-slug: expected a sync slug"},
		{"slug with slash", []string{"sync", "--sync-slug", "a/b"}, `--sync-slug: expected a sync slug such as users-to-salesforce, got "a/b"`},
		{"bad timeout", []string{"sync", "--sync-id", "1", "--timeout", "soon"}, `invalid value "soon" for flag --timeout: expected a duration such as "90s", "15m", "6h" or "2d"`},
		{"negative timeout", []string{"sync", "--sync-id", "1", "--timeout", "-5m"}, "expected a positive duration"},
		{"timeout too long", []string{"sync", "--sync-id", "1", "--timeout", "400d"}, `--timeout: expected a duration from 1s to 365d, got "400d"`},
		{"poll too short", []string{"sync", "--sync-id", "1", "--min-poll-interval", "500ms"}, `--min-poll-interval: expected a duration from 1s to 1h, got "500ms"`},
		{"poll too long", []string{"sync", "--sync-id", "1", "--max-poll-interval", "2h"}, `--max-poll-interval: expected a duration from 1s to 1h, got "2h"`},
		{"max under min", []string{"sync", "--sync-id", "1", "--min-poll-interval", "1m", "--max-poll-interval", "10s"}, "--max-poll-interval (10s) must not be shorter than --min-poll-interval (1m0s)"},
		{"max under default min", []string{"sync", "--sync-id", "1", "--max-poll-interval", "1s"}, "--max-poll-interval (1s) must not be shorter than --min-poll-interval (2s)"},
		{"bad progress", []string{"sync", "--sync-id", "1", "--progress", "fancy"}, `invalid value "fancy" for flag --progress: expected one of bar, line, none`},
		{"blank workflow id", []string{"sync", "--sync-id", "1", "--workflow-id", ""}, "--workflow-id: expected a workflow id"},
		{"blank task queue", []string{"sync", "--sync-id", "1", "--task-queue", " q"}, "--task-queue: expected a task queue name"},
		{"no sequence", []string{"sequence"}, "give --sequence-id, the id of a sync sequence; see 'starter sequence --help'"},
		{"bad sequence id", []string{"sequence", "--sequence-id", "a b"}, `--sequence-id: expected a sequence id, got "a b"`},
		{"sequence bad timeout", []string{"sequence", "--sequence-id", "s1", "--timeout", "0s"}, "--timeout: expected a positive duration"},
		{"sequence sync flag", []string{"sequence", "--sequence-id", "s1", "--sync-id", "1"}, "flag provided but not defined: --sync-id"},
		{"status without id", []string{"status"}, "give --workflow-id"},
		{"schedule without sub", []string{"schedule", "frobnicate"}, `unknown subcommand "frobnicate"; expected create`},
		{"schedule create no id", []string{"schedule", "create", "--cron", "0 * * * *", "--sync-id", "1"}, "starter schedule create: give --schedule-id"},
		{"schedule create no spec", []string{"schedule", "create", "--schedule-id", "s", "--sync-id", "1"}, `give when to start: --cron "0 * * * *" or --every 1h`},
		{"schedule create both specs", []string{"schedule", "create", "--schedule-id", "s", "--cron", "0 * * * *", "--every", "1h", "--sync-id", "1"}, "give --cron or --every, not both"},
		{"schedule create bad cron", []string{"schedule", "create", "--schedule-id", "s", "--cron", "0 *", "--sync-id", "1"}, `--cron: expected 5 fields`},
		{"schedule create bad every", []string{"schedule", "create", "--schedule-id", "s", "--every", "often", "--sync-id", "1"}, `invalid value "often" for flag --every`},
		{"schedule create unknown overlap", []string{"schedule", "create", "--schedule-id", "s", "--every", "1h", "--sync-id", "1", "--overlap", "queue"}, `invalid value "queue" for flag --overlap: expected one of skip, buffer-one, buffer-all, cancel-other, terminate-other, allow-all`},
		{"schedule create short catchup", []string{"schedule", "create", "--schedule-id", "s", "--every", "1h", "--sync-id", "1", "--catchup-window", "5s"}, "--catchup-window: expected at least 10s"},
		{"schedule create no target", []string{"schedule", "create", "--schedule-id", "s", "--every", "1h"}, "give what to start: --sync-id or --sync-slug for a sync, or --sequence-id for a sequence"},
		{"schedule create both targets", []string{"schedule", "create", "--schedule-id", "s", "--every", "1h", "--sync-id", "1", "--sequence-id", "q"}, "--sync-id is for syncs; give --sequence-id or the sync flags, not both"},
		{"schedule create sync ids", []string{"schedule", "create", "--schedule-id", "s", "--every", "1h", "--sync-id", "1", "--sync-slug", "x"}, "give --sync-id or --sync-slug, not both"},
		{"schedule create bad timeout", []string{"schedule", "create", "--schedule-id", "s", "--every", "1h", "--sync-id", "1", "--timeout", "0.5s"}, "--timeout: expected a duration from 1s to 365d"},
		{"schedule create extra", []string{"schedule", "create", "--schedule-id", "s", "--every", "1h", "--sync-id", "1", "all"}, `unexpected argument "all"`},
		{"single dash", []string{"sync", "-sync-id", "1"}, "flag provided but not defined: -sync-id (flags are written --name)"},
		{"help of nothing", []string{"help", "synk"}, `unknown command "synk"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runTest(t, tt.args...)
			require.Equal(t, exitUsage, code, stderr)
			require.Empty(t, stdout)
			require.Contains(t, stderr, tt.want)
			require.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, stdout, stderr := runTest(t, args...)
		require.Equal(t, exitOK, code)
		require.Empty(t, stderr)
		for _, cmd := range []string{"sync", "sequence", "status", "schedule", "help", "TEMPORAL_ADDRESS", "Exit codes"} {
			require.Contains(t, stdout, cmd)
		}
	}

	code, stdout, stderr := runTest(t)
	require.Equal(t, exitUsage, code)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "Commands:")

	commandFlags := map[string][]string{
		"sync":            {"--sync-id id", "--sync-slug slug", "--full-resync", "--reset-cdc", "--clear-and-fill", "--fail-on-warning", "--timeout duration", "--min-poll-interval duration", "--max-poll-interval duration", "--workflow-id id", "--task-queue queue", "--detach", "--json", "--progress bar|line|none", "-h, --help", "Examples:", "starter sync --sync-id 42"},
		"sequence":        {"--sequence-id id", "--fail-on-warning", "--timeout duration", "--detach", "--json", "--progress", "Examples:", "default hightouch-sequence-<id>"},
		"status":          {"--workflow-id id", "--json", "Examples:"},
		"schedule create": {"--schedule-id id", "--cron expression", "--every interval", "--overlap skip|buffer-one|buffer-all|cancel-other|terminate-other|allow-all (default skip)", "--catchup-window duration", "--paused", "--note", "--sync-id", "--sequence-id", "Examples:"},
	}
	for cmd, want := range commandFlags {
		for _, h := range []string{"--help", "-h"} {
			code, stdout, stderr := runTest(t, append(strings.Fields(cmd), h)...)
			require.Equal(t, exitOK, code, cmd)
			require.Empty(t, stderr)
			require.Contains(t, stdout, "Usage: starter "+cmd)
			for _, w := range want {
				require.Contains(t, stdout, w, cmd)
			}
		}
		// Flags keep the order they are defined in.
		_, stdout, _ := runTest(t, append(strings.Fields(cmd), "--help")...)
		flags := stdout[strings.Index(stdout, "Flags:"):]
		require.Less(t, strings.Index(flags, want[0]), strings.Index(flags, want[1]), cmd)
	}

	// help <command> and the schedule help, which points at the temporal CLI.
	code, stdout, _ = runTest(t, "help", "sync")
	require.Equal(t, exitOK, code)
	require.Contains(t, stdout, "Usage: starter sync")
	code, stdout, _ = runTest(t, "help", "schedule", "create")
	require.Equal(t, exitOK, code)
	require.Contains(t, stdout, "Usage: starter schedule create")
	for _, args := range [][]string{{"schedule", "--help"}, {"schedule", "help"}, {"help", "schedule"}} {
		code, stdout, _ = runTest(t, args...)
		require.Equal(t, exitOK, code)
		require.Contains(t, stdout, "  create ")
		for _, sub := range []string{"list", "describe", "trigger", "toggle --schedule-id ID --pause", "toggle --schedule-id ID --unpause", "delete"} {
			require.Contains(t, stdout, "  temporal schedule "+sub)
		}
	}
	code, _, stderr = runTest(t, "schedule")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "Subcommands:")
}

// The schedule subcommands the temporal CLI does say so, in one line.
func TestRemovedScheduleCommands(t *testing.T) {
	for sub, want := range map[string]string{
		"list":     "temporal schedule list",
		"describe": "temporal schedule describe --schedule-id ID",
		"trigger":  "temporal schedule trigger --schedule-id ID",
		"pause":    "temporal schedule toggle --schedule-id ID --pause",
		"unpause":  "temporal schedule toggle --schedule-id ID --unpause",
		"delete":   "temporal schedule delete --schedule-id ID",
	} {
		code, stdout, stderr := runTest(t, "schedule", sub, "--schedule-id", "s1", "--json")
		require.Equal(t, exitUsage, code, sub)
		require.Empty(t, stdout)
		require.Contains(t, stderr, "starter schedule "+sub+": the starter no longer does this; the temporal CLI does")
		require.Contains(t, stderr, want)
		require.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
	}
}

// parsed is a flag set with bind's flags, parsed from args as cobra does.
func parsed(t *testing.T, bind func(*pflag.FlagSet), args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	bind(fs)
	require.NoError(t, fs.Parse(args))
	return fs
}

func parseSync(t *testing.T, a *app, args ...string) (*syncCommand, error) {
	var o syncOptions
	return o.parse(a, parsed(t, o.bind, args...))
}

func TestParseSync(t *testing.T) {
	a, _, _ := testApp(t)
	cmd, err := parseSync(t, a, "--sync-id", "42", "--full-resync", "--reset-cdc", "--clear-and-fill", "--fail-on-warning",
		"--timeout", "6h", "--min-poll-interval", "5s", "--max-poll-interval=2m")
	require.NoError(t, err)
	require.Equal(t, workflows.SyncInput{
		SyncID: 42, FullResync: true, ResetCDC: true, ClearAndFill: true, FailOnWarning: true,
		WaitOptions: workflows.WaitOptions{Timeout: "6h", MinPollInterval: "5s", MaxPollInterval: "2m"},
	}, cmd.input)
	require.Equal(t, runOptions{workflowID: "hightouch-sync-42", taskQueue: "hightouch", progress: progressLine}, cmd.run)

	// Slug, JSON without progress, env task queue, days.
	a.getenv = func(k string) string { return map[string]string{"HIGHTOUCH_TASK_QUEUE": "ht-prod"}[k] }
	cmd, err = parseSync(t, a, "--sync-slug", "users-to-sf", "--json", "--detach", "--timeout", "2d")
	require.NoError(t, err)
	require.Equal(t, workflows.SyncInput{SyncSlug: "users-to-sf", WaitOptions: workflows.WaitOptions{Timeout: "2d"}}, cmd.input)
	require.Equal(t, runOptions{workflowID: "hightouch-sync-users-to-sf", taskQueue: "ht-prod", detach: true, json: true, progress: progressNone}, cmd.run)

	// Explicit flags win; a terminal gets the bar by default.
	a.tty = true
	cmd, err = parseSync(t, a, "--sync-id", "7", "--workflow-id", "mine", "--task-queue", "q2")
	require.NoError(t, err)
	require.Equal(t, runOptions{workflowID: "mine", taskQueue: "q2", progress: progressBar}, cmd.run)
	cmd, err = parseSync(t, a, "--sync-id", "7", "--json", "--progress", "line")
	require.NoError(t, err)
	require.Equal(t, progressLine, cmd.run.progress)

	// A longer minimum raises the default maximum, as the workflow does.
	_, err = parseSync(t, a, "--sync-id", "7", "--min-poll-interval", "45s")
	require.NoError(t, err)
}

func TestParseSequence(t *testing.T) {
	a, _, _ := testApp(t)
	var o sequenceOptions
	cmd, err := o.parse(a, parsed(t, o.bind, "--sequence-id", "seq-1", "--fail-on-warning", "--timeout", "90m", "--detach"))
	require.NoError(t, err)
	require.Equal(t, workflows.SequenceInput{SequenceID: "seq-1", FailOnWarning: true, WaitOptions: workflows.WaitOptions{Timeout: "90m"}}, cmd.input)
	require.Equal(t, runOptions{workflowID: "hightouch-sequence-seq-1", taskQueue: "hightouch", detach: true, progress: progressLine}, cmd.run)
}

func TestUnreachableServer(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
	t.Setenv("TEMPORAL_NAMESPACE", "")
	t.Setenv("TEMPORAL_API_KEY", "")
	t.Setenv("TEMPORAL_PROFILE", "")
	t.Setenv("TEMPORAL_CONFIG_FILE", t.TempDir()+"/none.toml")
	for _, args := range [][]string{
		{"sync", "--sync-id", "1"},
		{"sequence", "--sequence-id", "s"},
		{"status", "--workflow-id", "w"},
		{"schedule", "create", "--schedule-id", "s", "--every", "1h", "--sync-id", "1"},
	} {
		start := time.Now()
		var stdout, stderr strings.Builder
		code := run(context.Background(), args, &stdout, &stderr)
		require.Less(t, time.Since(start), 5*time.Second)
		require.Equal(t, exitUsage, code)
		require.Empty(t, stdout.String())
		require.Equal(t, 1, strings.Count(stderr.String(), "\n"), stderr.String())
		require.Contains(t, stderr.String(), "cannot connect to Temporal at 127.0.0.1:1")
		require.Contains(t, stderr.String(), "TEMPORAL_ADDRESS")
		require.NotContains(t, stderr.String(), "goroutine")
	}
}

func TestRedactsAPIKey(t *testing.T) {
	a, _, stderr := testApp(t)
	a.getenv = func(k string) string { return map[string]string{"TEMPORAL_API_KEY": "sekret-key-123"}[k] }
	code := a.exit(failuref("server said: bad key sekret-key-123\nmore"))
	require.Equal(t, exitFailure, code)
	require.Equal(t, "server said: bad key [redacted] more\n", stderr.String())
}

func TestSyncName(t *testing.T) {
	require.Equal(t, "42", syncName(workflows.SyncInput{SyncID: client.ID(42)}))
	require.Equal(t, "users", syncName(workflows.SyncInput{SyncSlug: "users"}))
	require.Equal(t, "Hightouch sync 42 (full resync, fail on warning)", syncSummary(workflows.SyncInput{SyncID: 42, FullResync: true, FailOnWarning: true}))
}

func TestConfigProblems(t *testing.T) {
	err := configProblem(serviceerror.NewNamespaceNotFound("nons"))
	require.EqualError(t, err, `starter: namespace "nons" not found on the Temporal server; set TEMPORAL_NAMESPACE or the profile's namespace`)
	require.Equal(t, exitUsage, err.(*exitError).code)
	err = configProblem(serviceerror.NewPermissionDenied("bad key", ""))
	require.Contains(t, err.Error(), "check TEMPORAL_API_KEY")
	require.NoError(t, configProblem(errors.New("other")))

	ctx := context.Background()
	err = connectError(ctx, "h:7233", "ns", time.Second, errors.New(`connection error: desc = "transport: authentication handshake failed: tls: first record does not look like a TLS handshake"`))
	require.EqualError(t, err, `starter: cannot connect to Temporal at h:7233 (namespace "ns"): tls: first record does not look like a TLS handshake; check TEMPORAL_TLS and TEMPORAL_TLS_* (an API key turns TLS on; TEMPORAL_TLS=false for a plain local server)`)
	err = connectError(ctx, "h:7233", "ns", 10*time.Second, context.DeadlineExceeded)
	require.Contains(t, err.Error(), "no answer within 10s; is the server running?")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	require.Equal(t, errInterrupted, connectError(cancelled, "h", "ns", time.Second, errors.New("x")))
}
