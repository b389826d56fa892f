package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hightouch-temporal/hightouch-temporal/activities"
	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/codec"
	"github.com/hightouch-temporal/hightouch-temporal/internal/daemon"
	"github.com/hightouch-temporal/hightouch-temporal/internal/ratelimit"
	"github.com/hightouch-temporal/hightouch-temporal/internal/workerconfig"
	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// config is the worker's configuration: flags override the environment,
// which overrides the defaults. The Temporal connection is configured
// separately, by envconfig (TEMPORAL_* variables and profiles).
type config struct {
	apiKey      string // never logged
	baseURL     string
	taskQueue   string
	rateLimit   float64
	rateBurst   int
	httpAddr    string
	stopTimeout time.Duration
	daemon.Logging
	maxActivities int
	queueRate     float64
	checkKey      bool
	listingLag    time.Duration
	lateCreation  time.Duration
	authGrace     time.Duration
	// deploymentName and buildID turn Worker Versioning on.
	deploymentName, buildID string
	// searchAttributes is auto, on or off; appURL links runs to Hightouch.
	searchAttributes string
	appURL           string
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := daemon.NewFlags("hightouch-worker", `Usage: hightouch-worker [flags]

Runs the Temporal worker that hosts the HightouchSync, HightouchSyncSequence and
wait workflows, the hightouch Nexus service and one activity per Hightouch API
operation.

The Hightouch key comes from HIGHTOUCH_API_KEY or the file named by
HIGHTOUCH_API_KEY_FILE (or --api-key-file). The Temporal connection comes from
the standard TEMPORAL_* variables and profiles (TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE, ...).

Flags (each defaults to the environment variable named):
`, getenv, stderr, &c.Logging)
	env := fs.Env
	keyFile := fs.String("api-key-file", env("HIGHTOUCH_API_KEY_FILE", ""), "file holding the Hightouch API key (HIGHTOUCH_API_KEY_FILE)")
	fs.StringVar(&c.baseURL, "hightouch-base-url", env("HIGHTOUCH_BASE_URL", client.DefaultServerURL), "Hightouch API base URL (HIGHTOUCH_BASE_URL)")
	fs.StringVar(&c.taskQueue, "task-queue", env("HIGHTOUCH_TASK_QUEUE", workflows.TaskQueue), "task queue to poll (HIGHTOUCH_TASK_QUEUE)")
	rate := fs.String("rate-limit", env("HIGHTOUCH_RATE_LIMIT", strconv.FormatFloat(workerconfig.RateLimit, 'f', -1, 64)), "Hightouch requests per second from this worker, 0 for no limit (HIGHTOUCH_RATE_LIMIT)")
	fs.StringVar(&c.httpAddr, "http-addr", env("HIGHTOUCH_WORKER_HTTP_ADDR", workerconfig.HTTPAddr), "address of /healthz, /readyz and /metrics, empty to disable (HIGHTOUCH_WORKER_HTTP_ADDR)")
	stop := fs.String("stop-timeout", env("HIGHTOUCH_WORKER_STOP_TIMEOUT", workerconfig.StopTimeout.String()), "how long a stopping worker lets running activities finish (HIGHTOUCH_WORKER_STOP_TIMEOUT)")
	maxAct := fs.String("max-concurrent-activities", env("HIGHTOUCH_MAX_CONCURRENT_ACTIVITIES", "0"), "activity slots, 0 for the SDK default (HIGHTOUCH_MAX_CONCURRENT_ACTIVITIES)")
	queueRate := fs.String("task-queue-activities-per-second", env("HIGHTOUCH_TASK_QUEUE_ACTIVITIES_PER_SECOND", "0"), "server-side limit on activities per second for the whole task queue, shared by all replicas; 0 for none")
	lag := fs.String("listing-lag", env("HIGHTOUCH_LISTING_LAG", activities.DefaultListingLag.String()),
		"how long a new run may take to appear in the sync's runs list; a trigger whose answer was lost looks for its run this long before sending again (HIGHTOUCH_LISTING_LAG)")
	late := fs.String("late-creation", env("HIGHTOUCH_LATE_CREATION", activities.DefaultLateCreation.String()),
		"how long after a trigger's failed answer (a gateway's 504, a timeout) Hightouch may still create its run (HIGHTOUCH_LATE_CREATION)")
	authGrace := fs.String("auth-grace", env("HIGHTOUCH_AUTH_GRACE", activities.DefaultAuthGrace.String()),
		"how long a wait retries when Hightouch refuses the API key (401, 403), as while the key is rotated; triggers fail at once (HIGHTOUCH_AUTH_GRACE)")
	fs.StringVar(&c.deploymentName, "deployment-name", env("HIGHTOUCH_DEPLOYMENT_NAME", ""),
		"Worker Versioning: the worker deployment's name; with --build-id, turns versioning on (HIGHTOUCH_DEPLOYMENT_NAME)")
	fs.StringVar(&c.buildID, "build-id", env("HIGHTOUCH_BUILD_ID", ""), "Worker Versioning: this build's id, e.g. the image tag (HIGHTOUCH_BUILD_ID)")
	checkKey := fs.String("check-api-key", env("HIGHTOUCH_CHECK_API_KEY", "true"), "check the Hightouch key at start and refuse to run with a rejected one (HIGHTOUCH_CHECK_API_KEY)")
	fs.StringVar(&c.searchAttributes, "search-attributes", env("HIGHTOUCH_SEARCH_ATTRIBUTES", searchAttributesAuto),
		"set the HightouchSyncId, HightouchRunId, ... search attributes: auto (when the namespace has them), on or off (HIGHTOUCH_SEARCH_ATTRIBUTES)")
	fs.StringVar(&c.appURL, "hightouch-app-url", env("HIGHTOUCH_APP_URL", ""),
		"the workspace's address in Hightouch's web app, e.g. https://app.hightouch.com/acme; results and failures then link to runs (HIGHTOUCH_APP_URL)")
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *version {
		fmt.Fprintln(stderr, "hightouch-worker", client.Version)
		return nil, flag.ErrHelp
	}
	if err := fs.NoArgs("the worker"); err != nil {
		return nil, err
	}

	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	var err error
	if c.rateLimit, err = strconv.ParseFloat(*rate, 64); err != nil || !(c.rateLimit >= 0) || math.IsInf(c.rateLimit, 0) {
		bad("--rate-limit / HIGHTOUCH_RATE_LIMIT: expected requests per second (a number, 0 for none), got %q", *rate)
	}
	c.rateBurst = min(ratelimit.DefaultBurst, max(1, int(c.rateLimit)))
	if c.stopTimeout, err = time.ParseDuration(*stop); err != nil || c.stopTimeout < 0 {
		bad("--stop-timeout / HIGHTOUCH_WORKER_STOP_TIMEOUT: expected a duration such as 30s, got %q", *stop)
	}
	if c.maxActivities, err = strconv.Atoi(*maxAct); err != nil || c.maxActivities < 0 {
		bad("--max-concurrent-activities: expected a whole number, got %q", *maxAct)
	}
	if c.queueRate, err = strconv.ParseFloat(*queueRate, 64); err != nil || !(c.queueRate >= 0) || math.IsInf(c.queueRate, 0) {
		bad("--task-queue-activities-per-second: expected a number, got %q", *queueRate)
	}
	if c.listingLag, err = time.ParseDuration(*lag); err != nil || c.listingLag <= 0 || c.listingLag > time.Hour {
		bad("--listing-lag / HIGHTOUCH_LISTING_LAG: expected a duration from 1s to 1h such as 10m, got %q", *lag)
	}
	// Zero would read as "the default" further down: ask for a real bound.
	if c.lateCreation, err = time.ParseDuration(*late); err != nil || c.lateCreation < time.Second || c.lateCreation > 30*time.Minute {
		bad("--late-creation / HIGHTOUCH_LATE_CREATION: expected a duration from 1s to 30m such as 2m, got %q", *late)
	}
	if c.authGrace, err = time.ParseDuration(*authGrace); err != nil || c.authGrace < time.Second {
		bad("--auth-grace / HIGHTOUCH_AUTH_GRACE: expected a duration of 1s or more such as 10m, got %q", *authGrace)
	}
	if (c.deploymentName == "") != (c.buildID == "") {
		bad("--deployment-name / HIGHTOUCH_DEPLOYMENT_NAME and --build-id / HIGHTOUCH_BUILD_ID: give both (Worker Versioning) or neither")
	}
	if c.checkKey, err = strconv.ParseBool(*checkKey); err != nil {
		bad("--check-api-key / HIGHTOUCH_CHECK_API_KEY: expected true or false, got %q", *checkKey)
	}
	if strings.TrimSpace(c.taskQueue) == "" {
		bad("--task-queue / HIGHTOUCH_TASK_QUEUE: must not be empty")
	}
	if u, err := url.Parse(c.baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("--hightouch-base-url / HIGHTOUCH_BASE_URL: expected an http(s) URL such as %s, got %q", client.DefaultServerURL, c.baseURL)
	}
	switch c.searchAttributes {
	case searchAttributesAuto, searchAttributesOn, searchAttributesOff:
	default:
		bad("--search-attributes / HIGHTOUCH_SEARCH_ATTRIBUTES: expected auto, on or off, got %q", c.searchAttributes)
	}
	if c.appURL != "" {
		if u, err := url.Parse(c.appURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			bad("--hightouch-app-url / HIGHTOUCH_APP_URL: expected the workspace's address such as https://app.hightouch.com/acme, got %q", c.appURL)
		}
	}
	// Checked here, though serve loads the keys with the Temporal
	// connection, so that a bad key list is a configuration error (exit 2).
	if _, err := codec.LoadKeys(getenv); err != nil {
		bad("payload encryption: %v", err)
	}
	if len(problems) == 0 {
		c.apiKey, err = loadKey(getenv("HIGHTOUCH_API_KEY"), *keyFile)
		if err != nil {
			bad("%v", err)
		}
	}
	if err := daemon.Problems(problems); err != nil {
		return nil, err
	}
	return c, nil
}

// loadKey reads the Hightouch key from the environment or a file. Errors
// name where the key was looked for, never the key.
func loadKey(fromEnv, file string) (string, error) {
	if key := strings.TrimSpace(fromEnv); key != "" {
		return key, nil
	}
	if file == "" {
		return "", errors.New("no Hightouch API key: set HIGHTOUCH_API_KEY or HIGHTOUCH_API_KEY_FILE (a file holding the key)")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading the Hightouch API key file %s: %w", file, errors.Unwrap(err))
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("the Hightouch API key file %s is empty", file)
	}
	return key, nil
}
