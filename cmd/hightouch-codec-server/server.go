package main

import (
	"crypto/subtle"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"github.com/hightouch-temporal/hightouch-temporal/codec"
)

// maxBody bounds a request: the UI sends the payloads of a page of events,
// each at most the server's blob limit (2 MiB by default).
const maxBody = 32 << 20

// healthPath answers probes without authentication; it tells nothing.
const healthPath = "/healthz"

// server guards the SDK's codec handler: CORS for the UI's origins only,
// authentication, a body limit and an access log that names who asked,
// never what was decoded.
type server struct {
	cfg      *config
	codec    http.Handler
	loopback bool // bound to loopback: refuse other Host names (DNS rebinding)
	log      *zap.Logger
}

func newServer(cfg *config, log *zap.Logger) *server {
	host, _, _ := net.SplitHostPort(cfg.addr)
	return &server{
		cfg:      cfg,
		codec:    converter.NewPayloadCodecHTTPHandler(codec.NewPayloadCodec(cfg.keys)),
		loopback: isLoopback(host),
		log:      log,
	}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	user := s.serve(rec, r)
	if r.URL.Path == healthPath {
		return
	}
	s.log.Info("Codec request",
		zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Int("status", rec.status),
		zap.String("namespace", r.Header.Get("X-Namespace")), zap.String("user", user), zap.String("origin", r.Header.Get("Origin")),
		zap.String("remote", r.RemoteAddr), zap.Duration("took", time.Since(start)))
}

// serve answers r and returns who asked, for the log.
func (s *server) serve(w http.ResponseWriter, r *http.Request) string {
	if s.loopback && !isLoopback(hostOnly(r.Host)) {
		http.Error(w, "this codec server answers only requests addressed to loopback", http.StatusForbidden)
		return ""
	}
	if r.URL.Path == healthPath && r.Method == http.MethodGet {
		_, _ = w.Write([]byte("ok\n"))
		return ""
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !slices.Contains(s.cfg.origins, origin) {
			http.Error(w, "origin not allowed", http.StatusForbidden)
			return ""
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Credentials", "true")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
			h.Set("Access-Control-Max-Age", "600")
			if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
				h.Set("Access-Control-Allow-Private-Network", "true")
			}
			w.WriteHeader(http.StatusNoContent)
			return ""
		}
	}
	if r.Method != http.MethodPost || !(strings.HasSuffix(r.URL.Path, "/encode") || strings.HasSuffix(r.URL.Path, "/decode")) {
		http.Error(w, "POST .../encode or .../decode", http.StatusNotFound)
		return ""
	}
	user, status := s.authenticate(r)
	if status != 0 {
		if status == http.StatusUnauthorized && s.cfg.auth == authToken {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hightouch-codec-server"`)
		}
		http.Error(w, http.StatusText(status), status)
		return user
	}
	if r.ContentLength > maxBody {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return user
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	s.codec.ServeHTTP(w, r)
	return user
}

// authenticate returns who is asking, or the status to refuse them with.
func (s *server) authenticate(r *http.Request) (string, int) {
	switch s.cfg.auth {
	case authNone:
		return "", 0
	case authToken:
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.cfg.token)) != 1 {
			return "", http.StatusUnauthorized
		}
		return "bearer token", 0
	case authHeader:
		user := strings.TrimSpace(r.Header.Get(s.cfg.authHeader))
		switch {
		case user == "":
			return "", http.StatusUnauthorized
		case s.cfg.allow != nil && !s.cfg.allow[user]:
			return user, http.StatusForbidden
		}
		return user, 0
	}
	return "", http.StatusInternalServerError
}

func hostOnly(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		return host
	}
	return strings.Trim(hostport, "[]")
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
