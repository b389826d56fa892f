package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Version is this module's release, sent in the User-Agent header.
const Version = "0.2.0"

// ServerList holds the API servers selectable with WithServerIndex.
var ServerList = []string{
	"https://api.hightouch.com/api/v1",
}

// DefaultServerURL is the production Hightouch API.
const DefaultServerURL = "https://api.hightouch.com/api/v1"

// userAgent names this project so Hightouch can tell its traffic apart.
var userAgent = "hightouch-temporal/" + Version + " (+https://github.com/hightouch-temporal/hightouch-temporal)"

// HTTPClient is what the client needs to send requests; *http.Client fits, and
// so does any wrapper (rate limiter, tracing, test double).
type HTTPClient interface {
	Do(req *http.Request) (*http.Response, error)
}

// Client calls the Hightouch API. It is safe for concurrent use.
type Client struct {
	serverURL string
	token     string
	http      HTTPClient
	userAgent string
}

// Option configures a Client.
type Option func(*Client)

// WithSecurity sets the workspace API key sent as a bearer token.
func WithSecurity(token string) Option {
	return func(c *Client) { c.token = token }
}

// WithServerURL sets the API base URL, e.g. an emulator's
// "http://127.0.0.1:8787/api/v1". A trailing slash is ignored.
func WithServerURL(serverURL string) Option {
	return func(c *Client) { c.serverURL = strings.TrimRight(serverURL, "/") }
}

// WithServerIndex selects a server from ServerList. An index out of range
// leaves the current server in place.
func WithServerIndex(i int) Option {
	return func(c *Client) {
		if i >= 0 && i < len(ServerList) {
			c.serverURL = ServerList[i]
		}
	}
}

// WithClient sets the HTTP client used for every request.
func WithClient(h HTTPClient) Option {
	return func(c *Client) {
		if h != nil {
			c.http = h
		}
	}
}

// WithUserAgent appends a product token to the User-Agent header, e.g. the
// name and version of the program embedding this client.
func WithUserAgent(product string) Option {
	return func(c *Client) {
		if product != "" {
			c.userAgent = product + " " + userAgent
		}
	}
}

// New returns a client for the Hightouch API.
func New(opts ...Option) *Client {
	c := &Client{
		serverURL: DefaultServerURL,
		http:      &http.Client{Timeout: 60 * time.Second},
		userAgent: userAgent,
	}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// ServerURL reports the base URL requests go to.
func (c *Client) ServerURL() string { return c.serverURL }

// request describes one API call.
type request struct {
	operation string // the API operation, for errors
	method    string
	path      string // below the server URL, already escaped
	query     url.Values
	body      any // JSON-encoded when non-nil
}

// do sends the request and decodes a 200 answer into out. It returns a typed
// error for any other status, for an error body in a 200 and for a 200
// without the id of what it answers, and never returns a partial result.
func (c *Client) do(ctx context.Context, r request, out any) error {
	var body io.Reader
	if r.body != nil {
		buf, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("%s: encoding request body: %w", r.operation, err)
		}
		body = bytes.NewReader(buf)
	}
	u := c.serverURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, operationKey{}, r.operation), r.method, u, body)
	if err != nil {
		return fmt.Errorf("%s: building request: %w", r.operation, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}

	res, err := c.http.Do(req)
	if err != nil {
		return &TransportError{Operation: r.operation, Method: r.method, Path: r.path, Err: scrub(err, c.token)}
	}
	defer res.Body.Close()
	if observe, ok := ctx.Value(responseObserverKey{}).(func(*http.Response)); ok {
		observe(res)
	}
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxBodyBytes))
	if err != nil {
		return &TransportError{Operation: r.operation, Method: r.method, Path: r.path, Err: scrub(err, c.token)}
	}
	if res.StatusCode != http.StatusOK {
		return newResponseError(r.operation, res, redact(raw, c.token))
	}
	if out == nil {
		return nil
	}
	if err := errorIn200(r.operation, res, redact(raw, c.token)); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &DecodeError{Operation: r.operation, StatusCode: res.StatusCode, Body: truncate(redact(raw, c.token)), Err: err}
	}
	if v, ok := out.(identified); ok && !v.hasID() {
		return &DecodeError{Operation: r.operation, StatusCode: res.StatusCode, Body: truncate(redact(raw, c.token)), Err: errNoID}
	}
	return nil
}

// call sends r and decodes a 200 answer into a new T.
func call[T any](ctx context.Context, c *Client, r request) (*T, error) {
	out := new(T)
	if err := c.do(ctx, r, out); err != nil {
		return nil, err
	}
	return out, nil
}

// maxBodyBytes bounds what a response may make us buffer.
const maxBodyBytes = 64 << 20

// redact blanks the token wherever a server echoes it in a body.
func redact(raw []byte, token string) []byte {
	if token == "" {
		return raw
	}
	return bytes.ReplaceAll(raw, []byte(token), []byte("[REDACTED]"))
}

// scrub removes the token from an error's text; transports sometimes echo
// request details, and the key must never reach logs or workflow history.
func scrub(err error, token string) error {
	if token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return scrubbedError{msg: strings.ReplaceAll(err.Error(), token, "[REDACTED]"), err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e scrubbedError) Error() string { return e.msg }

// Is keeps errors.Is(err, context.Canceled) and the like working without
// exposing the unscrubbed error through Unwrap.
func (e scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }

// pathf builds a request path, escaping each argument as one path segment.
func pathf(format string, args ...any) string {
	escaped := make([]any, len(args))
	for i, a := range args {
		escaped[i] = url.PathEscape(fmt.Sprint(a))
	}
	return fmt.Sprintf(format, escaped...)
}

type operationKey struct{}

type responseObserverKey struct{}

// WithResponseObserver returns a context under which every response to an
// API call made with it is passed to observe (status and headers; the body
// is not to be read) before it is decoded. The trigger activities use it to
// read Hightouch's clock from the Date header.
func WithResponseObserver(ctx context.Context, observe func(*http.Response)) context.Context {
	return context.WithValue(ctx, responseObserverKey{}, observe)
}

// ServerDate is the time a response's Date header gives, if it has a valid
// one. It has a resolution of one second.
func ServerDate(h http.Header) (time.Time, bool) {
	v := h.Get("Date")
	if v == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(v)
	return t, err == nil
}

// OperationFromContext returns the API operation (e.g. "ListSyncRuns") of a
// request's context, so that an HTTPClient middleware can label metrics and
// logs without parsing paths.
func OperationFromContext(ctx context.Context) string {
	op, _ := ctx.Value(operationKey{}).(string)
	return op
}
