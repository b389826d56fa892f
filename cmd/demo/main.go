// Command demo runs the whole product on this machine: a Temporal dev server
// with its web UI, the Hightouch emulator with a demo workspace, the worker,
// and the starter triggering a sync and a sequence with live progress,
// waiting for a run started elsewhere, and finding workflows by sync.
//
//	go run ./cmd/demo            # run, print the results, stop everything
//	go run ./cmd/demo -keep      # leave it all running to explore
//	go run ./cmd/demo -encrypt   # with payload encryption and a codec server for the UI
//
// It installs the temporal CLI with `go install` when none is found (about
// seven minutes on two cores, once).
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/codec"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/devserver"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
)

func main() {
	keep := flag.Bool("keep", false, "keep the servers and the worker running until Ctrl-C")
	uiPort := flag.Int("ui-port", 8233, "port of the Temporal web UI (0 picks a free one)")
	encrypt := flag.Bool("encrypt", false, "encrypt payloads with a key made for the demo, and decode them in the UI through a codec server on loopback")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *keep, *uiPort, *encrypt); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// say prints a step of the demo.
func say(format string, a ...any) { fmt.Printf("\n==> "+format+"\n", a...) }

func run(ctx context.Context, keep bool, uiPort int, encrypt bool) error {
	root, err := proc.ModuleDir()
	if err != nil {
		return err
	}
	workDir := filepath.Join(root, ".demo")
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return err
	}

	temporalCLI, err := ensureCLI(ctx)
	if err != nil {
		return err
	}
	say("Building the worker, the starter and the Hightouch emulator")
	commands := map[string]string{
		"hightouch-worker": "./cmd/hightouch-worker", "hightouch-starter": "./cmd/hightouch-starter", "hightouch-emulator": "./cmd/hightouch-emulator",
	}
	if encrypt {
		commands["hightouch-codec-server"] = "./cmd/hightouch-codec-server"
	}
	bins, err := proc.Build(ctx, root, filepath.Join(workDir, "bin"), commands)
	if err != nil {
		return err
	}

	var group proc.Group
	defer func() {
		say("Stopping the worker, the emulator and the Temporal dev server")
		group.StopAll(40 * time.Second)
	}()
	ports, err := proc.FreePorts(5)
	if err != nil {
		return err
	}
	temporalPort, emuPort, workerPort, codecPort := ports[0], ports[1], ports[2], ports[4]
	if uiPort == 0 || !portFree(uiPort) {
		uiPort = ports[3]
	}
	temporalAddr := fmt.Sprintf("127.0.0.1:%d", temporalPort)
	uiURL := fmt.Sprintf("http://127.0.0.1:%d", uiPort)
	codecURL := fmt.Sprintf("http://127.0.0.1:%d", codecPort)

	var encEnv []string // the key file for the worker, the starter and the codec server
	if encrypt {
		keyFile, err := demoKey(workDir)
		if err != nil {
			return err
		}
		encEnv = []string{codec.EnvKeysFile + "=" + keyFile}
		say("Starting the codec server on %s (key in .demo/codec-keys; no authentication, loopback only)", codecURL)
		cs, err := group.Add(proc.Spec{Name: "codec-server", Path: bins["hightouch-codec-server"], Output: logFile(workDir, "codec-server.log"), Env: encEnv,
			Args: []string{"--addr", fmt.Sprintf("127.0.0.1:%d", codecPort), "--auth", "none", "--log-format", "console",
				"--ui-origin", fmt.Sprintf("%s,http://localhost:%d", uiURL, uiPort)}})
		if err != nil {
			return err
		}
		if err := waitFor(ctx, 30*time.Second, func(ctx context.Context) error { return proc.WaitHTTP(ctx, codecURL+"/healthz", cs.Done()) }); err != nil {
			return fmt.Errorf("the codec server did not start (see .demo/codec-server.log): %w", err)
		}
	}

	say("Starting the Temporal dev server on %s (web UI %s)", temporalAddr, uiURL)
	serverArgs := []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", fmt.Sprint(temporalPort), "--ui-port", fmt.Sprint(uiPort), "--log-level", "error"}
	serverArgs = append(serverArgs, devserver.SearchAttributeArgs()...)
	if encrypt {
		serverArgs = append(serverArgs, "--ui-codec-endpoint", codecURL)
	}
	srv, err := group.Add(proc.Spec{Name: "temporal", Path: temporalCLI, Output: logFile(workDir, "temporal.log"), Args: serverArgs})
	if err != nil {
		return err
	}
	if err := waitFor(ctx, 60*time.Second, func(ctx context.Context) error { return proc.WaitTCP(ctx, temporalAddr, srv.Done()) }); err != nil {
		return fmt.Errorf("the Temporal dev server did not start (see .demo/temporal.log): %w", err)
	}

	emuURL := fmt.Sprintf("http://127.0.0.1:%d/api/v1", emuPort)
	say("Starting the Hightouch emulator with a demo workspace on %s", emuURL)
	emu, err := group.Add(proc.Spec{Name: "emulator", Path: bins["hightouch-emulator"], Output: logFile(workDir, "emulator.log"),
		Args: []string{"-addr", fmt.Sprintf("127.0.0.1:%d", emuPort), "-demo"}})
	if err != nil {
		return err
	}
	if err := waitFor(ctx, 30*time.Second, func(ctx context.Context) error {
		return proc.WaitHTTP(ctx, fmt.Sprintf("http://127.0.0.1:%d/_emulator/healthz", emuPort), emu.Done())
	}); err != nil {
		return err
	}

	// The emulator stands in for Hightouch's web app too, so run links work.
	appURL := fmt.Sprintf("http://127.0.0.1:%d%s", emuPort, hightouchtest.AppPath)
	env := append([]string{
		"TEMPORAL_ADDRESS=" + temporalAddr, "TEMPORAL_NAMESPACE=default",
		"HIGHTOUCH_API_KEY=" + hightouchtest.DefaultToken, "HIGHTOUCH_BASE_URL=" + emuURL, "HIGHTOUCH_APP_URL=" + appURL,
	}, encEnv...)
	workerHTTP := fmt.Sprintf("127.0.0.1:%d", workerPort)
	say("Starting the worker (logs in .demo/worker.log; health and metrics on http://%s)", workerHTTP)
	wk, err := group.Add(proc.Spec{Name: "worker", Path: bins["hightouch-worker"], Output: logFile(workDir, "worker.log"),
		Env: append(env, "HIGHTOUCH_LOG_FORMAT=console", "HIGHTOUCH_WORKER_HTTP_ADDR="+workerHTTP)})
	if err != nil {
		return err
	}
	if err := waitFor(ctx, 30*time.Second, func(ctx context.Context) error {
		return proc.WaitHTTP(ctx, "http://"+workerHTTP+"/readyz", wk.Done())
	}); err != nil {
		return fmt.Errorf("the worker did not become ready (see .demo/worker.log): %w", err)
	}

	starter := func(args ...string) error {
		cmd := exec.CommandContext(ctx, bins["hightouch-starter"], args...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		fmt.Printf("$ hightouch-starter %s\n", strings.Join(args, " "))
		return cmd.Run()
	}
	suffix := time.Now().Format("150405")
	syncID := "demo-sync-" + suffix
	say("Triggering the sync %q and waiting for its run", hightouchtest.DemoSyncSlug)
	if err := starter("sync", "--sync-slug", hightouchtest.DemoSyncSlug, "--workflow-id", syncID, "--progress", "line"); err != nil {
		return fmt.Errorf("the demo sync did not succeed: %w", err)
	}
	seqID := "demo-sequence-" + suffix
	say("Triggering the sequence %q (two syncs in order; the second ends with warnings)", hightouchtest.DemoSequenceID)
	if err := starter("sequence", "--sequence-id", hightouchtest.DemoSequenceID, "--workflow-id", seqID, "--progress", "line"); err != nil {
		return fmt.Errorf("the demo sequence did not succeed: %w", err)
	}
	failID := "demo-failing-sync-" + suffix
	say("Triggering %q, which fails at Hightouch, to show how a failure reads", hightouchtest.DemoFailingSyncSlug)
	var exitErr *exec.ExitError
	if err := starter("sync", "--sync-slug", hightouchtest.DemoFailingSyncSlug, "--workflow-id", failID, "--progress", "none"); err == nil {
		return errors.New("the failing demo sync unexpectedly succeeded")
	} else if !errors.As(err, &exitErr) {
		return err
	}
	fmt.Println("(exit code 1, as expected)")

	say("Waiting for a run started elsewhere (as by Hightouch's own schedule), without its run id")
	waitID := "demo-wait-" + suffix
	waited := make(chan error, 1)
	go func() {
		waited <- starter("wait-sync", "--sync-slug", hightouchtest.DemoSyncSlug, "--workflow-id", waitID, "--progress", "line", "--timeout", "5m")
	}()
	time.Sleep(3 * time.Second)
	fmt.Printf("(someone else triggers %s at Hightouch now)\n", hightouchtest.DemoSyncSlug)
	if err := triggerElsewhere(ctx, emuURL); err != nil {
		return err
	}
	if err := <-waited; err != nil {
		return fmt.Errorf("the wait for a run started elsewhere did not succeed: %w", err)
	}

	say("Finding the workflows of a sync by search attribute")
	list := exec.CommandContext(ctx, temporalCLI, "workflow", "list", "--address", temporalAddr,
		"--query", fmt.Sprintf(`HightouchSyncSlug=%q`, hightouchtest.DemoSyncSlug))
	list.Stdout, list.Stderr = os.Stdout, os.Stderr
	fmt.Printf("$ temporal workflow list --query 'HightouchSyncSlug=%q'\n", hightouchtest.DemoSyncSlug)
	time.Sleep(time.Second) // visibility lags the workflows a moment
	if err := list.Run(); err != nil {
		return fmt.Errorf("listing workflows by search attribute: %w", err)
	}

	say("Where to look")
	fmt.Printf("  Temporal web UI: %s/namespaces/default/workflows\n", uiURL)
	for _, id := range []string{syncID, seqID, failID, waitID} {
		fmt.Printf("    %s/namespaces/default/workflows/%s\n", uiURL, id)
	}
	if encrypt {
		fmt.Printf("  Payloads are encrypted: the server holds ciphertext, and the UI shows them decoded\n")
		fmt.Printf("  through the codec server at %s. From the CLI:\n", codecURL)
		fmt.Printf("    %s workflow show --address %s -w %s --codec-endpoint %s\n", temporalCLI, temporalAddr, syncID, codecURL)
	}
	fmt.Printf("  Runs in the (emulated) Hightouch app: the \"Run URL\" lines above, e.g. %s/syncs/%d/runs/...\n", appURL, hightouchtest.DemoSyncID)
	fmt.Printf("  Workflows of a sync, in the UI's filter or the CLI: HightouchSyncId=\"%d\", HightouchStatus=\"failed\", ...\n", hightouchtest.DemoSyncID)
	fmt.Printf("  Worker metrics:  http://%s/metrics\n", workerHTTP)
	time.Sleep(1500 * time.Millisecond) // metrics reach the exporter once a second
	printProjectMetrics(workerHTTP)

	if keep {
		say("Everything keeps running. In another shell:")
		fmt.Printf("  export TEMPORAL_ADDRESS=%s HIGHTOUCH_API_KEY=%s HIGHTOUCH_BASE_URL=%s\n", temporalAddr, hightouchtest.DefaultToken, emuURL)
		if encrypt {
			fmt.Printf("  export %s\n", encEnv[0])
		}
		fmt.Printf("  %s sync --sync-slug %s\n", bins["hightouch-starter"], hightouchtest.DemoWarningSyncSlug)
		fmt.Printf("  %s --address %s workflow start --type HightouchSync --task-queue hightouch --input '{\"syncId\":1}'\n", temporalCLI, temporalAddr)
		fmt.Println("Press Ctrl-C to stop everything.")
		<-ctx.Done()
	}
	return nil
}

// demoKey writes a fresh key for this run of the demo, readable only by its
// owner, and returns the file's path.
func demoKey(dir string) (string, error) {
	key := make([]byte, codec.KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "codec-keys")
	_ = os.Remove(path) // WriteFile keeps an old file's mode
	return path, os.WriteFile(path, []byte("demo="+base64.StdEncoding.EncodeToString(key)+"\n"), 0o600)
}

// ensureCLI finds the temporal CLI, installing it when it is missing.
func ensureCLI(ctx context.Context) (string, error) {
	if path, err := devserver.FindCLI(); err == nil {
		return path, nil
	}
	say("Installing the temporal CLI (%s); this takes a few minutes, once", devserver.InstallHint)
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/temporalio/cli/cmd/temporal@v1.5.1")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("installing the temporal CLI: %w", err)
	}
	return devserver.FindCLI()
}

func printProjectMetrics(workerHTTP string) {
	res, err := http.Get("http://" + workerHTTP + "/metrics")
	if err != nil {
		return
	}
	defer res.Body.Close()
	fmt.Println("  Project metrics after the demo:")
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "hightouch_runs_total") || strings.HasPrefix(line, "hightouch_rows_synced_total") ||
			strings.HasPrefix(line, "hightouch_api_requests_total") || strings.HasPrefix(line, "hightouch_wait_duration_seconds_count") {
			fmt.Println("    " + line)
		}
	}
}

func waitFor(ctx context.Context, d time.Duration, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return f(ctx)
}

func portFree(port int) bool {
	c, err := (&net.Dialer{Timeout: 200 * time.Millisecond}).Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return true
	}
	c.Close()
	return false
}

func logFile(dir, name string) io.Writer {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return io.Discard
	}
	return f
}

// triggerElsewhere starts a run of the demo sync straight through the
// Hightouch API, as Hightouch's own schedule would.
func triggerElsewhere(ctx context.Context, emuURL string) error {
	ht := client.New(client.WithSecurity(hightouchtest.DefaultToken), client.WithServerURL(emuURL))
	_, err := ht.TriggerRun(ctx, client.ID(hightouchtest.DemoSyncID), client.TriggerRunBody{})
	return err
}
