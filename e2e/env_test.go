package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	temporalclient "go.temporal.io/sdk/client"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/devserver"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
)

// env is the shared end-to-end environment: one dev server, one emulator
// and one worker on the default task queue for all tests.
type env struct {
	dir          string
	bins         map[string]string
	temporalCLI  string
	temporalAddr string
	emuURL       string // .../api/v1
	admin        *hightouchtest.AdminClient
	tc           temporalclient.Client
	group        proc.Group
	workerLog    *syncBuffer
}

var (
	shared    *env
	setupErr  error
	setupOnce sync.Once
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.close()
	}
	os.Exit(code)
}

// setup returns the shared environment, starting it on first use. Without
// the temporal CLI the test is skipped, or fails when CI=true.
func setup(t *testing.T) *env {
	t.Helper()
	requireCLI(t, "end-to-end tests")
	setupOnce.Do(func() { shared, setupErr = start() })
	if setupErr != nil {
		t.Fatalf("starting the end-to-end environment: %v", setupErr)
	}
	return shared
}

// requireCLI skips the test when the temporal CLI is missing, or fails it
// when CI=true: under CI nothing that needs the CLI may skip.
func requireCLI(t *testing.T, what string) {
	t.Helper()
	if _, err := devserver.FindCLI(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s need the temporal CLI under CI: %v", what, err)
		}
		t.Skipf("%s skipped: %v", what, err)
	}
}

func start() (*env, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e := &env{workerLog: &syncBuffer{}}
	var err error
	if e.dir, err = os.MkdirTemp("", "hightouch-e2e-"); err != nil {
		return nil, err
	}
	root, err := proc.ModuleDir()
	if err != nil {
		return nil, err
	}
	if e.bins, err = proc.Build(ctx, root, filepath.Join(e.dir, "bin"), map[string]string{
		"worker": "./cmd/hightouch-worker", "starter": "./cmd/hightouch-starter", "emulator": "./cmd/hightouch-emulator",
		"codec-server": "./cmd/hightouch-codec-server",
	}); err != nil {
		return nil, err
	}
	if e.temporalCLI, err = devserver.FindCLI(); err != nil {
		return nil, err
	}
	ports, err := proc.FreePorts(2)
	if err != nil {
		return nil, err
	}
	e.temporalAddr = fmt.Sprintf("127.0.0.1:%d", ports[0])
	srv, err := e.group.Add(proc.Spec{Name: "temporal", Path: e.temporalCLI, Output: io.Discard, Args: append([]string{
		"server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", fmt.Sprint(ports[0]), "--log-level", "error",
		"--db-filename", filepath.Join(e.dir, "temporal.db"),
	}, devserver.SearchAttributeArgs()...)})
	if err != nil {
		return nil, err
	}
	if err := proc.WaitTCP(ctx, e.temporalAddr, srv.Done()); err != nil {
		return nil, err
	}
	emuAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
	e.emuURL = "http://" + emuAddr + "/api/v1"
	emu, err := e.group.Add(proc.Spec{Name: "emulator", Path: e.bins["emulator"], Output: io.Discard, Args: []string{"-addr", emuAddr, "-demo"}})
	if err != nil {
		return nil, err
	}
	if err := proc.WaitHTTP(ctx, "http://"+emuAddr+"/_emulator/healthz", emu.Done()); err != nil {
		return nil, err
	}
	e.admin = hightouchtest.NewAdminClient(e.emuURL)
	if _, err := e.startWorker(ctx, "hightouch", e.workerLog); err != nil {
		return nil, err
	}
	quiet := logging.Discard()
	if e.tc, err = temporalclient.DialContext(ctx, temporalclient.Options{HostPort: e.temporalAddr, Logger: quiet}); err != nil {
		return nil, err
	}
	return e, nil
}

// appURL is the Hightouch web app address the test workers link runs to.
const appURL = "https://app.hightouch.com/e2e"

// startWorker starts a worker process on taskQueue and waits until it polls.
func (e *env) startWorker(ctx context.Context, taskQueue string, out io.Writer, extraEnv ...string) (*proc.Proc, error) {
	port, err := proc.FreePort()
	if err != nil {
		return nil, err
	}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := e.group.Add(proc.Spec{Name: "worker-" + taskQueue, Path: e.bins["worker"], Output: out, Env: append(append(e.clientEnv(),
		"HIGHTOUCH_API_KEY="+hightouchtest.DefaultToken, "HIGHTOUCH_BASE_URL="+e.emuURL, "HIGHTOUCH_TASK_QUEUE="+taskQueue,
		"HIGHTOUCH_WORKER_HTTP_ADDR="+httpAddr, "HIGHTOUCH_WORKER_STOP_TIMEOUT=5s", "HIGHTOUCH_APP_URL="+appURL,
		// The emulator lists runs at once: no need to allow for minutes.
		"HIGHTOUCH_LISTING_LAG=5s"), extraEnv...)})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := proc.WaitHTTP(ctx, "http://"+httpAddr+"/readyz", p.Done()); err != nil {
		return nil, fmt.Errorf("worker on %s: %w", taskQueue, err)
	}
	return p, nil
}

// clientEnv points the binaries at the dev server, with no config file.
func (e *env) clientEnv() []string {
	return []string{"TEMPORAL_ADDRESS=" + e.temporalAddr, "TEMPORAL_NAMESPACE=default", "TEMPORAL_CONFIG_FILE=" + filepath.Join(e.dir, "none.toml")}
}

func (e *env) close() {
	if e.tc != nil {
		e.tc.Close()
	}
	e.group.StopAll(10 * time.Second)
	_ = os.RemoveAll(e.dir)
}

// result is what a command printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

// run runs one of the built binaries (or the temporal CLI) with env.
func (e *env) run(t *testing.T, timeout time.Duration, path string, extraEnv []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(append(os.Environ(), e.clientEnv()...), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running %s %v: %v", filepath.Base(path), args, err)
		}
		code = exitErr.ExitCode()
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not finish within %s\nstdout: %s\nstderr: %s", filepath.Base(path), args, timeout, stdout.String(), stderr.String())
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test reading.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// describe is the server's description of a workflow's latest run.
func describe(ctx context.Context, tc temporalclient.Client, workflowID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	d, err := tc.DescribeWorkflow(ctx, workflowID, "")
	if err != nil {
		return nil, err
	}
	return d.RawResponse, nil
}
