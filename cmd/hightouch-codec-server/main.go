// Command hightouch-codec-server decodes the payloads the worker encrypts
// for the people allowed to read them: the Temporal web UI and
// `temporal workflow show --codec-endpoint` send it payloads, and it answers
// with them decrypted (Temporal's codec server protocol). See --help.
//
// It is its own command rather than part of the worker's HTTP server: that
// server listens on every interface for the kubelet and Prometheus, and
// anyone who can reach it must not be able to decrypt; this one serves
// people, binds to loopback by default, authenticates every request, and
// runs where they are (a laptop, behind the SSO proxy) with a copy of the
// keys, however many workers there are.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/hightouch-temporal/hightouch-temporal/internal/daemon"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is the whole server; it returns the exit code: 0 after a clean stop,
// 1 when it cannot serve, 2 for a configuration error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return daemon.Run(ctx, "hightouch-codec-server", args, getenv, stdout, stderr, parseConfig, serve)
}

func serve(ctx context.Context, cfg *config, zl *zap.Logger) error {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.addr, err)
	}
	srv := &http.Server{
		Handler:           newServer(cfg, zl),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	zl.Info("Codec server listening",
		zap.String("url", "http://"+ln.Addr().String()), zap.String("auth", cfg.auth), zap.Strings("uiOrigins", cfg.origins),
		zap.Stringer("keys", cfg.keys))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	zl.Info("Codec server stopped")
	return nil
}
