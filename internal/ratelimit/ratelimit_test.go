package ratelimit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
	"github.com/hightouch-temporal/hightouch-temporal/internal/ratelimit"
)

type recorder struct {
	mu       sync.Mutex
	requests map[string]int
	waited   time.Duration
}

func (r *recorder) APIRequest(op, status string, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[op+" "+status]++
}

func (r *recorder) RateLimitWait(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waited += d
}

func TestLimitsAndObserves(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":1}`))
	}))
	defer srv.Close()
	rec := &recorder{requests: map[string]int{}}
	doer := ratelimit.New(http.DefaultClient, 50, 5, rec)
	c := client.New(client.WithServerURL(srv.URL), client.WithClient(doer))

	start := time.Now()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.GetSync(context.Background(), 1)
			require.NoError(t, err)
		}()
	}
	wg.Wait()
	// 20 requests at 50/s with a burst of 5 need at least 15/50 s.
	require.GreaterOrEqual(t, time.Since(start), 280*time.Millisecond)
	require.Equal(t, 20, rec.requests["GetSync 200"])
	require.Positive(t, rec.waited)
}

func TestCancelledWhileWaiting(t *testing.T) {
	doer := ratelimit.New(http.DefaultClient, 0.001, 1, nil)
	c := client.New(client.WithServerURL("http://127.0.0.1:1"), client.WithClient(doer))
	_, _ = c.GetSync(context.Background(), 1) // takes the only token
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.GetSync(ctx, 1)
	require.Error(t, err)
}
