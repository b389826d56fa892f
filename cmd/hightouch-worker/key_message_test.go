package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/hightouch-temporal/hightouch-temporal/client"
)

// Review 12: the layout commit (9b3daea, "staticcheck clean") reworded the
// error a worker stops with when Hightouch refuses its key, from "Hightouch
// rejected the API key (HTTP 401) at ..." (since a65c139) to "the API key
// was rejected by Hightouch ...". The refactor was to leave behaviour
// unchanged; operators' alerts and runbooks match this line (the activities
// kept their "Hightouch ..." messages with a lint:ignore, a6a6f14).
func TestReview12RejectedKeyMessageUnchanged(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"Authentication error"}`))
	}))
	defer srv.Close()
	ht := client.New(client.WithSecurity("wrong-key"), client.WithServerURL(srv.URL))
	err := checkKey(context.Background(), ht, zap.NewNop())
	require.Error(t, err)
	require.Contains(t, err.Error(), "Hightouch rejected the API key (HTTP 401) at "+srv.URL+"; check HIGHTOUCH_API_KEY or HIGHTOUCH_API_KEY_FILE")
}
