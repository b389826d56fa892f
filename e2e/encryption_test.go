package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	temporalclient "go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/codec"
	"github.com/hightouch-temporal/hightouch-temporal/errortypes"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// createSource is a caller's workflow that runs the CreateSource activity
// by name on another task queue, as other Go code (or another SDK) would.
func createSource(ctx workflow.Context, queue string, input map[string]any) (map[string]any, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue: queue, StartToCloseTimeout: time.Minute, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var out map[string]any
	err := workflow.ExecuteActivity(ctx, "CreateSource", input).Get(ctx, &out)
	return out, err
}

// syncChild runs HightouchSync as a child on queue.
func syncChild(ctx workflow.Context, queue string, syncID int64) (workflows.SyncResult, error) {
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{TaskQueue: queue, ParentClosePolicy: enums.PARENT_CLOSE_POLICY_REQUEST_CANCEL})
	var res workflows.SyncResult
	err := workflow.ExecuteChildWorkflow(ctx, workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(syncID)}).Get(ctx, &res)
	return res, err
}

func newKey(t *testing.T) string {
	b := make([]byte, codec.KeySize)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}

// TestPayloadEncryption plants a warehouse password in a CreateSource input
// and looks for it where the Temporal server keeps it: the history as
// `temporal workflow show` prints it without a codec, and the server's
// database file. With encryption on it is in neither; with it off it is in
// both, so the search itself is known to work. The codec server shows it
// to the CLI, after a key rotation too; a workflow started with plain JSON
// runs on the encrypting worker; a Go caller with codec.NewDataConverter
// reads and writes the same payloads.
func TestPayloadEncryption(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	stamp := time.Now().UnixNano()
	keyA, keyB := newKey(t), newKey(t)

	// The worker reads key a from a file, as in Kubernetes.
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "codec-keys")
	require.NoError(t, os.WriteFile(keyFile, []byte("# current\na="+keyA+"\n"), 0o600))
	const queue = "e2e-codec"
	workerLog := &syncBuffer{}
	worker1, err := e.startWorker(ctx, queue, workerLog, codec.EnvKeysFile+"="+keyFile)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return strings.Contains(workerLog.String(), `"payloadEncryption":"AES-256-GCM, current key \"a\", readable keys a"`)
	}, 10*time.Second, 50*time.Millisecond, "the worker logs that it encrypts: %s", workerLog)

	// A Go caller with the same key: the one constructor, and the failure
	// converter over it.
	keys, err := codec.ParseKeys("a="+keyA, "")
	require.NoError(t, err)
	dc := codec.NewDataConverter(keys)
	quiet := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	enc, err := temporalclient.DialContext(ctx, temporalclient.Options{
		HostPort: e.temporalAddr, Logger: quiet, DataConverter: dc,
		FailureConverter: temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true}),
	})
	require.NoError(t, err)
	defer enc.Close()
	startCaller := func(c temporalclient.Client, callerQueue string) {
		w := worker.New(c, callerQueue, worker.Options{})
		w.RegisterWorkflow(createSource)
		w.RegisterWorkflow(syncChild)
		require.NoError(t, w.Start())
		t.Cleanup(w.Stop)
	}
	startCaller(enc, "e2e-codec-caller")
	startCaller(e.tc, "e2e-plain-caller")

	create := func(c temporalclient.Client, callerQueue, activityQueue, name, slug, password string) (string, map[string]any, error) {
		wid := fmt.Sprintf("e2e-codec-%s-%d", name, stamp)
		run, err := c.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: wid, TaskQueue: callerQueue}, createSource, activityQueue, map[string]any{
			"name": "Warehouse " + name, "slug": slug, "type": "postgres",
			"configuration": map[string]any{"host": "db.internal", "user": "hightouch", "password": password},
		})
		require.NoError(t, err)
		var out map[string]any
		err = run.Get(ctx, &out)
		return wid, out, err
	}
	cli := func(args ...string) result {
		return e.run(t, time.Minute, e.temporalCLI, nil, append([]string{"--address", e.temporalAddr, "--output", "json"}, args...)...)
	}
	// history is what anyone who can read the namespace sees.
	history := func(wid string, codecArgs ...string) string {
		show := cli(append([]string{"workflow", "show", "-w", wid}, codecArgs...)...)
		require.Equal(t, 0, show.code, show.stderr)
		desc := cli(append([]string{"workflow", "describe", "-w", wid}, codecArgs...)...)
		require.Equal(t, 0, desc.code, desc.stderr)
		return searchable(t, show.stdout) + searchable(t, desc.stdout)
	}

	// Encryption on: the activity input and its result hold the password.
	passwordOn := fmt.Sprintf("pw-on-%d-correct-horse", stamp)
	slugOn := fmt.Sprintf("wh-on-%d", stamp)
	encID, out, err := create(enc, "e2e-codec-caller", queue, "on", slugOn, passwordOn)
	require.NoError(t, err)
	require.Equal(t, passwordOn, out["configuration"].(map[string]any)["password"], "the caller reads the result")
	raw := history(encID)
	require.Contains(t, raw, "EVENT_TYPE_ACTIVITY_TASK_COMPLETED", "the history was read")
	require.Contains(t, raw, codec.EncodingEncrypted)
	absent(t, raw, passwordOn, "the history holds the password in plain text")
	absent(t, raw, "db.internal", "the history holds the host in plain text")

	// A failure whose message quotes the input (the slug, taken): the
	// message is encrypted as well, the type is not.
	dupID, _, err := create(enc, "e2e-codec-caller", queue, "dup", slugOn, passwordOn)
	require.Equal(t, errortypes.HightouchValidation, errortypes.Of(err), "%v", err)
	require.Contains(t, err.Error(), slugOn, "the caller reads the message")
	rawDup := history(dupID)
	require.Contains(t, rawDup, errortypes.HightouchValidation)
	require.Contains(t, rawDup, "Encoded failure")
	absent(t, rawDup, slugOn, "the failure message is in plain text")
	absent(t, rawDup, passwordOn, "the history holds the password in plain text")

	// Encryption off: the same searches find the password.
	passwordOff := fmt.Sprintf("pw-off-%d-correct-horse", stamp)
	plainID, _, err := create(e.tc, "e2e-plain-caller", workflows.TaskQueue, "off", fmt.Sprintf("wh-off-%d", stamp), passwordOff)
	require.NoError(t, err)
	require.Contains(t, history(plainID), passwordOff, "the search finds a plain password")
	db := readDB(t, e)
	require.True(t, bytes.Contains(db, []byte(passwordOff)), "the unencrypted run's password is in the database file")
	require.False(t, bytes.Contains(db, []byte(passwordOn)), "the encrypted run's password is in the database file")
	require.False(t, bytes.Contains(db, []byte(slugOn)), "the encrypted failure message is in the database file")

	// The codec server shows it to the CLI, after a rotation: b is current
	// and a still readable.
	token := fmt.Sprintf("token-%d-0123456789", stamp)
	codecURL := e.startCodecServer(t, ctx, "b", "a="+keyA+",b="+keyB, token)
	decoded := history(encID, "--codec-endpoint", codecURL, "--codec-auth", "Bearer "+token)
	require.Contains(t, decoded, passwordOn, "the CLI shows the decoded input")
	require.Contains(t, history(dupID, "--codec-endpoint", codecURL, "--codec-auth", "Bearer "+token), slugOn, "and the failure message")

	// Without the token, or with the wrong key: no password, and no crash.
	for name, args := range map[string][]string{
		"no token":  {"--codec-endpoint", codecURL},
		"wrong key": {"--codec-endpoint", e.startCodecServer(t, ctx, "", "c="+newKey(t), token), "--codec-auth", "Bearer " + token},
	} {
		// The CLI retries a refused decode until its timeout, then fails.
		res := cli(append([]string{"workflow", "show", "--command-timeout", "3s", "-w", encID}, args...)...)
		require.NotEqual(t, 0, res.code, name)
		out := res.stdout + res.stderr
		if json.Valid([]byte(res.stdout)) {
			out += searchable(t, res.stdout)
		}
		absent(t, out, passwordOn, name)
		absent(t, out, "panic", name)
	}

	// A workflow started with plain JSON by the temporal CLI runs on the
	// encrypting worker; its result is encrypted.
	syncID, _ := newSync(t, e, quick)
	cliID := fmt.Sprintf("e2e-codec-cli-%d", stamp)
	start := cli("workflow", "start", "--type", workflows.SyncWorkflow, "--task-queue", queue, "-w", cliID, "--input", fmt.Sprintf(`{"syncId":%d}`, syncID))
	require.Equal(t, 0, start.code, start.stderr)
	var res workflows.SyncResult
	require.NoError(t, enc.GetWorkflow(ctx, cliID, "").Get(ctx, &res))
	require.Equal(t, client.RunSuccess, res.Status)
	rawCLI := history(cliID)
	require.Contains(t, rawCLI, fmt.Sprintf(`{"syncId":%d}`, syncID), "the plain input stays as it came")
	absent(t, rawCLI, "successfulRows", "the result is encrypted")

	// A Go parent with codec.NewDataConverter runs HightouchSync as a child.
	childSync, _ := newSync(t, e, quick)
	run, err := enc.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: fmt.Sprintf("e2e-codec-parent-%d", stamp), TaskQueue: "e2e-codec-caller"}, syncChild, queue, childSync)
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, client.RunSuccess, res.Status)
	require.Equal(t, client.ID(childSync), res.SyncID)
	absent(t, history(run.GetID()), "successfulRows", "the child's result is in plain text")

	// Rotation done wrong: a client makes key b current before the worker
	// has it. The workflow does not fail; its workflow task does, saying
	// which key is missing, until a worker with b picks it up.
	bothKeys := "a=" + keyA + ",b=" + keyB
	early, err := codec.ParseKeys(bothKeys, "b")
	require.NoError(t, err)
	encB := dialWith(t, e, early, false)
	earlySync, _ := newSync(t, e, quick)
	earlyRun, err := encB.ExecuteWorkflow(ctx, temporalclient.StartWorkflowOptions{ID: fmt.Sprintf("e2e-codec-early-%d", stamp), TaskQueue: queue},
		workflows.SyncWorkflow, workflows.SyncInput{SyncID: client.ID(earlySync)})
	require.NoError(t, err)
	// The failure's message is encrypted with a, so it reads through the codec server.
	require.Eventually(t, func() bool {
		show := cli("workflow", "show", "-w", earlyRun.GetID(), "--codec-endpoint", codecURL, "--codec-auth", "Bearer "+token)
		text, ok := searchableText(show.stdout)
		return show.code == 0 && ok && strings.Contains(text, `payload encrypted with key \"b\", which this process does not have (it has a)`)
	}, time.Minute, time.Second, "the workflow task fails and says which key is missing")

	// Step 1 of a rotation: every reader gets b while a stays current. The
	// stalled workflow then completes.
	require.NoError(t, worker1.Stop(10*time.Second))
	keysFile2 := filepath.Join(dir, "codec-keys-2")
	require.NoError(t, os.WriteFile(keysFile2, []byte(strings.ReplaceAll(bothKeys, ",", "\n")), 0o600))
	_, err = e.startWorker(ctx, queue, io.Discard, codec.EnvKeysFile+"="+keysFile2, codec.EnvKeyID+"=a")
	require.NoError(t, err)
	require.NoError(t, earlyRun.Get(ctx, &res))
	require.Equal(t, client.RunSuccess, res.Status)

	// Step 2: b becomes current. The starter, with the keys in its
	// environment, writes with b and reads the result.
	starterSync, slug := newSync(t, e, quick)
	st := e.run(t, 2*time.Minute, e.bins["starter"], []string{codec.EnvKeys + "=" + bothKeys, codec.EnvKeyID + "=b", "HIGHTOUCH_TASK_QUEUE=" + queue},
		"sync", "--sync-slug", slug, "--json", "--workflow-id", fmt.Sprintf("e2e-codec-starter-%d", stamp))
	require.Equal(t, 0, st.code, "stdout: %s\nstderr: %s", st.stdout, st.stderr)
	require.NoError(t, json.Unmarshal([]byte(st.stdout), &res), st.stdout)
	require.Equal(t, client.ID(starterSync), res.SyncID)
	require.Equal(t, client.RunSuccess, res.Status)
	require.Contains(t, history(fmt.Sprintf("e2e-codec-starter-%d", stamp)), `encryption-key-id`+"\n"+`Yg==`, "written with key b")
}

// startCodecServer runs the codec server on a free loopback port and
// returns its URL.
func (e *env) startCodecServer(t *testing.T, ctx context.Context, current, keys, token string) string {
	t.Helper()
	port, err := proc.FreePort()
	require.NoError(t, err)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := e.group.Add(proc.Spec{Name: "codec-server", Path: e.bins["codec-server"], Output: io.Discard, Args: []string{"--addr", addr},
		Env: []string{codec.EnvKeys + "=" + keys, codec.EnvKeyID + "=" + current, "HIGHTOUCH_CODEC_SERVER_TOKEN=" + token}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Stop(5 * time.Second) })
	require.NoError(t, proc.WaitHTTP(ctx, "http://"+addr+"/healthz", p.Done()))
	return "http://" + addr
}

// absent fails when needle is in haystack, without printing the haystack
// (a history is long, and mostly ciphertext).
func absent(t *testing.T, haystack, needle, msg string) {
	t.Helper()
	if i := strings.Index(haystack, needle); i >= 0 {
		t.Fatalf("%s: %q found in %q", msg, needle, haystack[max(0, i-300):min(len(haystack), i+len(needle)+100)])
	}
}

// searchable is `temporal workflow show --output json` with every base64
// string decoded next to it, since payload data prints as base64.
func searchable(t *testing.T, out string) string {
	t.Helper()
	text, ok := searchableText(out)
	require.True(t, ok, "not JSON: %s", out)
	return text
}

func searchableText(out string) (string, bool) {
	var doc any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		return "", false
	}
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				b.WriteString(k + "\n")
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			b.WriteString(v + "\n")
			if d, err := base64.StdEncoding.DecodeString(v); err == nil {
				b.Write(d)
				b.WriteString("\n")
			}
		}
	}
	walk(doc)
	return b.String(), true
}

// readDB reads the dev server's database files.
func readDB(t *testing.T, e *env) []byte {
	t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal", "-journal"} {
		b, err := os.ReadFile(filepath.Join(e.dir, "temporal.db"+suffix))
		if err == nil {
			all = append(all, b...)
		}
	}
	require.NotEmpty(t, all)
	return all
}
