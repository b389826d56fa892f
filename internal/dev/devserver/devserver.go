// Package devserver starts a local Temporal dev server (the `temporal` CLI's
// `server start-dev`) for end-to-end tests, history recording and the demo.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/hightouch-temporal/hightouch-temporal/workflows"
)

// InstallHint says how to get the CLI on a machine that lacks it.
const InstallHint = "go install github.com/temporalio/cli/cmd/temporal@v1.5.1"

// FindCLI returns the path of the temporal CLI: $TEMPORAL_CLI_PATH, then
// PATH, then $(go env GOPATH)/bin.
func FindCLI() (string, error) {
	if p := os.Getenv("TEMPORAL_CLI_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("TEMPORAL_CLI_PATH=%s: %w", p, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = string(out[:len(out)-1])
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "temporal")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("the temporal CLI was not found (set TEMPORAL_CLI_PATH or run: " + InstallHint + ")")
}

// Options configure Start.
type Options struct {
	// DBFilename persists the server's state; "" keeps it in memory.
	DBFilename string
	// UI starts the web UI too.
	UI bool
	// Port and UIPort pin the ports; 0 picks free ones.
	Port, UIPort int
	// ClientOptions are used for the client the server hands back.
	ClientOptions *client.Options
	// WithoutSearchAttributes leaves the workflows' search attributes
	// unregistered, as on a namespace nobody has set up for them.
	WithoutSearchAttributes bool
}

// Start starts a dev server on loopback with the workflows' search
// attributes registered (unless told not to).
func Start(ctx context.Context, o Options) (*testsuite.DevServer, error) {
	path, err := FindCLI()
	if err != nil {
		return nil, err
	}
	opts := testsuite.DevServerOptions{
		ExistingPath:  path,
		DBFilename:    o.DBFilename,
		EnableUI:      o.UI,
		LogLevel:      "error",
		ClientOptions: o.ClientOptions,
	}
	if !o.WithoutSearchAttributes {
		opts.ExtraArgs = SearchAttributeArgs()
	}
	if o.Port != 0 {
		opts.ClientOptions = withHostPort(o.ClientOptions, fmt.Sprintf("127.0.0.1:%d", o.Port))
	}
	if o.UIPort != 0 {
		opts.UIPort = fmt.Sprint(o.UIPort)
	}
	return testsuite.StartDevServer(ctx, opts)
}

func withHostPort(o *client.Options, hostPort string) *client.Options {
	out := client.Options{}
	if o != nil {
		out = *o
	}
	out.HostPort = hostPort
	return &out
}

// SearchAttributeArgs are the `temporal server start-dev` arguments that
// register the workflows' search attributes.
func SearchAttributeArgs() []string {
	var args []string
	for _, name := range workflows.SearchAttributeNames {
		args = append(args, "--search-attribute", name+"=Keyword")
	}
	return args
}
