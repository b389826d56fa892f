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

func TestLongWaitsAreHandedBack(t *testing.T) {
	doer := ratelimit.New(http.DefaultClient, 0.1, 1, nil)
	c := client.New(client.WithServerURL("http://127.0.0.1:1"), client.WithClient(doer))
	_, _ = c.GetSync(context.Background(), 1) // takes the only token
	start := time.Now()
	_, err := c.GetSync(context.Background(), 1)
	var tooLong *ratelimit.WaitTooLongError
	require.ErrorAs(t, err, &tooLong)
	require.InDelta(t, 10, tooLong.RetryAfter().Seconds(), 1, "the next token comes in 1/0.1 s")
	require.Less(t, time.Since(start), time.Second, "it does not wait")

	// A cancelled reservation gives its turn back: the next request is not
	// pushed further back by the one that gave up.
	_, err = c.GetSync(context.Background(), 1)
	require.ErrorAs(t, err, &tooLong)
	require.InDelta(t, 10, tooLong.RetryAfter().Seconds(), 1)
}
