// Command hightouch-emulator serves the Hightouch API emulator
// (package hightouchtest) over HTTP for local development and end-to-end
// tests:
//
//	go run ./cmd/hightouch-emulator -addr 127.0.0.1:8787 -token test-token -demo
//
// The API is under /api/v1 (bearer token), the admin API under /_emulator/
// (no auth): GET stats, GET/PUT faults, POST syncs, PUT syncs/{id}/scenario,
// GET syncs/{id}/runs, POST sequences, GET sequences/{id}/runs,
// POST id-graphs, GET healthz.
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

	"github.com/hightouch-temporal/hightouch-temporal/internal/logging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hightouch-emulator:", err)
		var usage usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts down gracefully. It prints the
// API base URL as its first line on stdout.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	if cfg.helpShown {
		return nil
	}
	emu := cfg.emulator()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "hightouch-emulator listening on http://%s/api/v1\n", ln.Addr())

	var handler http.Handler = emu
	if cfg.verbose {
		zl, _ := logging.New(stdout, "info", "json") // a valid level and format
		handler = logRequests(zl, handler)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
