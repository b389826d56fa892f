package client_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hightouch-temporal/hightouch-temporal/client"
)

// pagedServer serves n rows, honouring offset and limit, with or without
// hasMore in the envelope.
func pagedServer(t *testing.T, n int, withHasMore bool) (*client.Client, *[]string) {
	t.Helper()
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
		if err != nil {
			limit = 100
		}
		var rows []string
		for i := offset; i < offset+limit && i < n; i++ {
			rows = append(rows, fmt.Sprintf(`{"id":%d,"slug":"s%d"}`, i+1, i+1))
		}
		body := `{"data":[` + strings.Join(rows, ",") + `]`
		if withHasMore {
			body += fmt.Sprintf(`,"hasMore":%t`, offset+limit < n)
		}
		_, _ = fmt.Fprint(w, body+"}")
	}))
	t.Cleanup(srv.Close)
	return client.New(client.WithServerURL(srv.URL)), &queries
}

func TestAllSyncsFollowsHasMore(t *testing.T) {
	c, queries := pagedServer(t, 7, true)
	var ids []client.ID
	for s, err := range c.AllSyncs(context.Background(), client.ListSyncParams{ListOptions: client.ListOptions{Limit: 3, OrderBy: "id"}}) {
		require.NoError(t, err)
		ids = append(ids, s.ID)
	}
	require.Equal(t, []client.ID{1, 2, 3, 4, 5, 6, 7}, ids)
	require.Len(t, *queries, 3)
	require.Contains(t, (*queries)[2], "offset=6")
}

func TestAllSourcesWithoutHasMore(t *testing.T) {
	c, queries := pagedServer(t, 4, false)
	n := 0
	for _, err := range c.AllSources(context.Background(), client.ListSourceParams{ListOptions: client.ListOptions{Limit: 2}}) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 4, n)
	require.Len(t, *queries, 3, "a full page without hasMore means another page may follow")
}

func TestPaginationStopsEarlyAndOnError(t *testing.T) {
	c, queries := pagedServer(t, 10, true)
	for range c.AllModels(context.Background(), client.ListModelParams{ListOptions: client.ListOptions{Limit: 2}}) {
		break
	}
	require.Len(t, *queries, 1)

	bad := client.New(client.WithServerURL("http://127.0.0.1:1"))
	var errs int
	for _, err := range bad.AllDestinations(context.Background(), client.ListDestinationParams{}) {
		require.Error(t, err)
		errs++
	}
	require.Equal(t, 1, errs)
}
