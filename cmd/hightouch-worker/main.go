// Command hightouch-worker runs the Temporal worker that hosts the
// HightouchSync, HightouchSyncSequence and wait workflows, the hightouch
// Nexus service that runs them for other namespaces, and one activity per
// Hightouch API operation. See --help for configuration.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/internal/daemon"
	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
	"github.com/hightouch-temporal/hightouch-temporal/internal/metrics"
	"github.com/hightouch-temporal/hightouch-temporal/internal/ratelimit"
	"github.com/hightouch-temporal/hightouch-temporal/internal/temporalconn"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is the whole worker; it returns the process exit code: 0 after a clean
// stop, 1 when it cannot run, 2 for a configuration error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return daemon.Run(ctx, "hightouch-worker", args, getenv, stdout, stderr, parseConfig, serve)
}

func serve(ctx context.Context, cfg *config, zl *zap.Logger) error {
	reg, err := metrics.New()
	if err != nil {
		return fmt.Errorf("setting up metrics: %w", err)
	}
	defer reg.Close()

	// Bind the HTTP port first: a port clash should stop us before we poll.
	var ln net.Listener
	if cfg.httpAddr != "" {
		if ln, err = net.Listen("tcp", cfg.httpAddr); err != nil {
			return fmt.Errorf("listening on %s for health and metrics: %w", cfg.httpAddr, err)
		}
	}

	topts, keys, err := temporalconn.Load()
	if err != nil {
		return err
	}
	topts = temporalconn.WithWorkerEncryption(topts, keys)
	topts.Logger = logging.Temporal(zl)
	topts.MetricsHandler = reg.Handler
	tc, err := temporalconn.Dial(ctx, topts, 0)
	if err != nil {
		return err
	}
	defer tc.Close()

	ht := client.New(
		client.WithSecurity(cfg.apiKey),
		client.WithServerURL(cfg.baseURL),
		client.WithClient(ratelimit.New(&http.Client{Timeout: time.Minute}, cfg.rateLimit, cfg.rateBurst, reg)),
		// The pid tells replicas apart in Hightouch's (and the emulator's)
		// request logs.
		client.WithUserAgent(fmt.Sprintf("hightouch-worker/%s (pid %d)", client.Version, os.Getpid())),
	)
	if cfg.checkKey {
		if err := checkKey(ctx, ht, zl); err != nil {
			return err
		}
	}

	fatal := make(chan error, 1)
	w := worker.New(tc, cfg.taskQueue, worker.Options{
		WorkerStopTimeout:                  cfg.stopTimeout,
		MaxConcurrentActivityExecutionSize: cfg.maxActivities,
		TaskQueueActivitiesPerSecond:       cfg.queueRate,
		// Poll loops heartbeat their latest snapshot; sending it every 10 s
		// (rather than every 24 s) keeps `describe` and the starter fresh.
		MaxHeartbeatThrottleInterval: 10 * time.Second,
		OnFatalError:                 func(err error) { fatal <- err },
		DeploymentOptions:            deploymentOptions(cfg),
	})
	settings := workflows.Settings{
		SearchAttributes: useSearchAttributes(ctx, cfg.searchAttributes, tc, topts.Namespace, zl),
		AppURL:           cfg.appURL,
	}
	workflows.Configure(settings)
	workflows.Register(w)
	// Callers in other namespaces reach the workflows through a Nexus
	// endpoint that targets this task queue.
	w.RegisterNexusService(workflows.NewNexusService())
	w.RegisterActivity(&activities.Activities{
		Client: ht, RequestsPerSecond: cfg.rateLimit, ListingLag: cfg.listingLag, LateCreation: cfg.lateCreation,
		Temporal: tc, AuthGrace: cfg.authGrace,
	})

	health := newHealth(tc)
	var httpSrv *http.Server
	if ln != nil {
		httpSrv = &http.Server{Handler: health.mux(reg.HTTPHandler()), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				fatal <- fmt.Errorf("health and metrics server: %w", err)
			}
		}()
	}

	if err := w.Start(); err != nil {
		return fmt.Errorf("starting the worker: %w", err)
	}
	health.setPolling(true)
	zl.Info("Worker started",
		zap.String("taskQueue", cfg.taskQueue), zap.String("temporal", topts.HostPort), zap.String("namespace", topts.Namespace),
		zap.String("hightouch", cfg.baseURL), zap.Float64("rateLimitPerSecond", cfg.rateLimit), zap.String("httpAddr", addrOf(ln)),
		zap.Duration("stopTimeout", cfg.stopTimeout), zap.Stringer("payloadEncryption", keys), zap.String("version", client.Version),
		zap.Bool("searchAttributes", settings.SearchAttributes), zap.String("hightouchAppUrl", settings.AppURL))

	var runErr error
	select {
	case <-ctx.Done():
		zl.Info("Stopping: letting running activities finish", zap.Duration("stopTimeout", cfg.stopTimeout))
	case runErr = <-fatal:
	}
	health.setPolling(false)
	w.Stop()
	if httpSrv != nil {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = httpSrv.Shutdown(shutdownCtx)
	}
	if runErr == nil {
		zl.Info("Worker stopped")
	}
	return runErr
}

// deploymentOptions turn Worker Versioning on when the configuration names
// a deployment and a build. Workflows then move to the deployment's current
// version on their next task (AutoUpgrade): waits last longer than a
// release, and every change to their code is versioned with GetVersion and
// checked by the replay tests, so they may.
func deploymentOptions(cfg *config) worker.DeploymentOptions {
	if cfg.deploymentName == "" {
		return worker.DeploymentOptions{}
	}
	return worker.DeploymentOptions{
		UseVersioning:             true,
		Version:                   worker.WorkerDeploymentVersion{DeploymentName: cfg.deploymentName, BuildID: cfg.buildID},
		DefaultVersioningBehavior: workflow.VersioningBehaviorAutoUpgrade,
	}
}

// checkKey asks Hightouch for one source so that a wrong key stops the
// worker at once instead of failing every activity. Other errors (an outage,
// a network problem) only warn: the activities retry those.
func checkKey(ctx context.Context, ht *client.Client, zl *zap.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, err := ht.ListSource(ctx, client.ListSourceParams{ListOptions: client.ListOptions{Limit: 1}})
	switch code := client.StatusCode(err); {
	case err == nil:
		return nil
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		//lint:ignore ST1005 the message begins with a name, as operators' alerts expect
		return fmt.Errorf("Hightouch rejected the API key (HTTP %d) at %s; check HIGHTOUCH_API_KEY or HIGHTOUCH_API_KEY_FILE", code, ht.ServerURL())
	default:
		zl.Warn("Could not check the Hightouch API key; starting anyway", zap.Error(err))
		return nil
	}
}

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}
