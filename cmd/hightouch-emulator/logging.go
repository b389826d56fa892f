package main

import (
	"net/http"
	"time"

	"go.uber.org/zap"
)

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// logRequests logs one line per request once answered: when it arrived,
// method, URI, status and how long it took. Headers (and so the token) are
// never logged.
func logRequests(zl *zap.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		zl.Info("request", zap.Time("received", start), zap.String("method", r.Method), zap.String("uri", r.URL.RequestURI()),
			zap.Int("status", rec.status), zap.Duration("took", time.Since(start)))
	})
}
