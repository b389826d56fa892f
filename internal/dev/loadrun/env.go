package loadrun

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	temporalclient "go.temporal.io/sdk/client"

	"github.com/hightouch-temporal/hightouch-temporal/client/hightouchtest"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/devserver"
	"github.com/hightouch-temporal/hightouch-temporal/internal/dev/proc"
	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// env is what a load run starts: a dev server, the emulator and one worker,
// each a child process on loopback, and a Temporal client.
type env struct {
	dir   string
	group proc.Group
	files []*os.File

	temporalAddr string
	devServer    *proc.Proc
	emulator     *proc.Proc
	emuURL       string // .../api/v1
	emuLog       string // path of the emulator's request log
	admin        *hightouchtest.AdminClient
	worker       *proc.Proc
	workerHTTP   string // http://host:port
	workerLog    string // path
	tc           temporalclient.Client
	taskQueue    string
}

// startEnv builds the worker and the emulator and starts everything. On
// error, what was started is already stopped.
func startEnv(ctx context.Context, cfg Config, logf func(string, ...any)) (_ *env, err error) {
	e := &env{taskQueue: workflows.TaskQueue}
	if e.dir, err = os.MkdirTemp("", "hightouch-loadrun-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	root, err := proc.ModuleDir()
	if err != nil {
		return nil, err
	}
	cli, err := devserver.FindCLI()
	if err != nil {
		return nil, err
	}
	logf("building the worker and the emulator")
	bins, err := proc.Build(ctx, root, filepath.Join(e.dir, "bin"), map[string]string{
		"worker": "./cmd/hightouch-worker", "emulator": "./cmd/hightouch-emulator",
	})
	if err != nil {
		return nil, err
	}
	ports, err := proc.FreePorts(3)
	if err != nil {
		return nil, err
	}

	e.temporalAddr = fmt.Sprintf("127.0.0.1:%d", ports[0])
	args := []string{"server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", fmt.Sprint(ports[0]), "--log-level", "warn"}
	if cfg.DevServerDB {
		args = append(args, "--db-filename", filepath.Join(e.dir, "temporal.db"))
	}
	args = append(args, devserver.SearchAttributeArgs()...)
	args = append(args, cfg.DevServerArgs...)
	logf("starting the Temporal dev server on %s", e.temporalAddr)
	if e.devServer, err = e.add(proc.Spec{Name: "temporal dev server", Path: cli, Args: args}, "devserver.log"); err != nil {
		return nil, err
	}
	if err := waitUp(ctx, time.Minute, func(ctx context.Context) error { return proc.WaitTCP(ctx, e.temporalAddr, e.devServer.Done()) }); err != nil {
		return nil, fmt.Errorf("temporal dev server: %w (log: %s)", err, filepath.Join(e.dir, "devserver.log"))
	}

	emuAddr := fmt.Sprintf("127.0.0.1:%d", ports[1])
	e.emuURL = "http://" + emuAddr + "/api/v1"
	logf("starting the Hightouch emulator on %s, enforcing %s", emuAddr, cfg.EmulatorRateLimit)
	// -v logs every request (about 20 lines a second): the report reads it
	// to tell polls from a retried trigger's lookups.
	e.emuLog = filepath.Join(e.dir, "emulator.log")
	if e.emulator, err = e.add(proc.Spec{Name: "emulator", Path: bins["emulator"],
		Args: []string{"-addr", emuAddr, "-rate-limit", cfg.EmulatorRateLimit, "-seed", fmt.Sprint(cfg.Seed), "-v"}}, "emulator.log"); err != nil {
		return nil, err
	}
	if err := waitUp(ctx, 30*time.Second, func(ctx context.Context) error {
		return proc.WaitHTTP(ctx, "http://"+emuAddr+"/_emulator/healthz", e.emulator.Done())
	}); err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	e.admin = hightouchtest.NewAdminClient(e.emuURL)
	e.admin.HTTP.Timeout = 30 * time.Second

	httpAddr := fmt.Sprintf("127.0.0.1:%d", ports[2])
	e.workerHTTP = "http://" + httpAddr
	e.workerLog = filepath.Join(e.dir, "worker.log")
	env := append([]string{
		"TEMPORAL_ADDRESS=" + e.temporalAddr, "TEMPORAL_NAMESPACE=default", "TEMPORAL_CONFIG_FILE=" + filepath.Join(e.dir, "none.toml"),
		"HIGHTOUCH_API_KEY=" + hightouchtest.DefaultToken, "HIGHTOUCH_BASE_URL=" + e.emuURL, "HIGHTOUCH_TASK_QUEUE=" + e.taskQueue,
		"HIGHTOUCH_WORKER_HTTP_ADDR=" + httpAddr, "HIGHTOUCH_WORKER_STOP_TIMEOUT=5s",
	}, cfg.WorkerEnv...)
	logf("starting the worker (metrics on %s)", httpAddr)
	if e.worker, err = e.add(proc.Spec{Name: "worker", Path: bins["worker"], Env: env}, "worker.log"); err != nil {
		return nil, err
	}
	if err := waitUp(ctx, time.Minute, func(ctx context.Context) error {
		return proc.WaitHTTP(ctx, e.workerHTTP+"/readyz", e.worker.Done())
	}); err != nil {
		return nil, fmt.Errorf("worker: %w (log: %s)", err, e.workerLog)
	}

	quiet := logging.Discard()
	dialCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if e.tc, err = temporalclient.DialContext(dialCtx, temporalclient.Options{HostPort: e.temporalAddr, Namespace: "default", Logger: quiet}); err != nil {
		return nil, fmt.Errorf("connecting to the dev server: %w", err)
	}
	return e, nil
}

// add starts a process with its output in a log file of the run directory.
func (e *env) add(s proc.Spec, logName string) (*proc.Proc, error) {
	f, err := os.Create(filepath.Join(e.dir, logName))
	if err != nil {
		return nil, err
	}
	e.files = append(e.files, f)
	s.Output = f
	return e.group.Add(s)
}

// died reports a child process that exited while the run needs it.
func (e *env) died() error {
	for _, p := range []*proc.Proc{e.devServer, e.emulator, e.worker} {
		if p == nil {
			continue
		}
		select {
		case <-p.Done():
			return fmt.Errorf("the %s exited (code %d) during the run; its log is in %s", p.Name, p.ExitCode(), e.dir)
		default:
		}
	}
	return nil
}

// close stops every process, newest first.
func (e *env) close() {
	if e.tc != nil {
		e.tc.Close()
	}
	e.group.StopAll(15 * time.Second)
	for _, f := range e.files {
		_ = f.Close()
	}
}

func waitUp(ctx context.Context, timeout time.Duration, wait func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return wait(ctx)
}
