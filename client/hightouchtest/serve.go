package hightouchtest

import (
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	apiPrefix    = "/api/v1"
	adminPrefix  = "/_emulator/"
	maxBodyBytes = 1 << 20
)

// ServeHTTP serves the API under /api/v1 and the admin API under /_emulator/.
//
// An API request goes through: routing (404/405), authentication (401), the
// enforced workspace rate limit (429), injected latency and faults, then the
// operation itself. Every step runs under the emulator lock except the
// latency sleep and the response write.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == strings.TrimSuffix(adminPrefix, "/") || strings.HasPrefix(req.URL.Path, adminPrefix) {
		e.serveAdmin(w, req)
		return
	}
	rest, isAPI := strings.CutPrefix(req.URL.Path, apiPrefix)
	if !isAPI || (rest != "" && !strings.HasPrefix(rest, "/")) {
		notFound(fmt.Sprintf("no route for %s %s", req.Method, req.URL.Path)).write(w)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBodyBytes+1))
	if err != nil {
		badRequest("could not read the request body").write(w)
		return
	}
	if len(body) > maxBodyBytes {
		jsonResponse(http.StatusRequestEntityTooLarge, errorBody{Message: "Payload too large",
			Details: fmt.Sprintf("the request body exceeds %d bytes", maxBodyBytes)}).write(w)
		return
	}
	rt, params, allowed := matchRoute(req.Method, rest)
	rq := &request{params: params, query: req.URL.Query(), header: req.Header, body: body}
	if rt != nil {
		rq.op = rt.op
		defer e.inFlight(rt.op, req.UserAgent())()
	}

	resp, answered, latency := e.admit(req, rt, rq, allowed)
	if latency > 0 {
		time.Sleep(latency)
	}
	if !answered {
		resp = e.handle(rt, rq)
	}
	e.stampDate(&resp)
	resp.write(w)
}

// InFlightRequest is an API request being answered.
type InFlightRequest struct {
	Operation string    `json:"operation"`
	UserAgent string    `json:"userAgent"`
	Since     time.Time `json:"since"` // the emulator's clock
}

// inFlight records a request until the returned func is called, so that a
// test can act while a given call is out (kill the worker sending it).
func (e *Emulator) inFlight(op, userAgent string) func() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextInFlight++
	id := e.nextInFlight
	if e.requestsOut == nil {
		e.requestsOut = map[int64]InFlightRequest{}
	}
	e.requestsOut[id] = InFlightRequest{Operation: op, UserAgent: userAgent, Since: e.clock()}
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.requestsOut, id)
	}
}

// InFlight lists the API requests being answered, oldest first.
func (e *Emulator) InFlight() []InFlightRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]InFlightRequest, 0, len(e.requestsOut))
	for _, r := range e.requestsOut {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b InFlightRequest) int { return a.Since.Compare(b.Since) })
	return out
}

// stampDate sets the Date header from Hightouch's clock (net/http would use
// the real one), so that clients can measure the offset between clocks.
func (e *Emulator) stampDate(resp *response) {
	e.mu.Lock()
	now := e.now()
	e.mu.Unlock()
	if resp.header == nil {
		resp.header = http.Header{}
	}
	resp.header.Set("Date", now.UTC().Format(http.TimeFormat))
}

// admit runs everything before the operation. answered is true when the
// request is already answered (by an error or an injected fault).
func (e *Emulator) admit(req *http.Request, rt *route, rq *request, allowed []string) (resp response, answered bool, latency time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stats.Requests++
	defer func() {
		if answered {
			e.stats.ByStatus[resp.status]++
		}
	}()

	if rt == nil {
		if len(allowed) > 0 {
			resp = jsonResponse(http.StatusMethodNotAllowed, errorBody{Message: "Method not allowed", Details: fmt.Sprintf("%s is not allowed on %s", req.Method, req.URL.Path)})
			resp.header = http.Header{"Allow": {strings.Join(allowed, ", ")}}
			return resp, true, 0
		}
		return notFound(fmt.Sprintf("no route for %s %s", req.Method, req.URL.Path)), true, 0
	}
	e.stats.ByOperation[rt.op]++
	if resp, bad := e.authenticate(req.Header.Get("Authorization")); bad {
		return resp, true, 0
	}
	if id, ok := e.syncConcerned(rt, rq); ok {
		e.syncCounter(id).requests++
	}
	if admitted, wait := e.rateLimit.admit(e.now()); !admitted {
		e.stats.EnforcedRateLimits++
		resp = jsonResponse(http.StatusTooManyRequests, map[string]string{
			"error": fmt.Sprintf("Rate limit exceeded: %d requests per %s", e.rateLimit.requests, e.rateLimit.per),
		})
		resp.header = http.Header{"Retry-After": {strconv.Itoa(retryAfterSeconds(wait))}}
		return resp, true, 0
	}
	latency = e.faults.Latency + e.extraLatency()
	if resp, injected := e.injectFault(); injected {
		return resp, true, latency
	}
	return response{}, false, latency
}

func (e *Emulator) authenticate(header string) (response, bool) {
	if strings.TrimSpace(header) == "" {
		return unauthorized("No authorization header found"), true
	}
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") ||
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(e.token)) != 1 {
		return unauthorized("Token is invalid"), true
	}
	return response{}, false
}

// syncConcerned names the sync a request is about, for Requests(syncID):
// from the path, or for TriggerRunCustom from its body.
func (e *Emulator) syncConcerned(rt *route, rq *request) (int64, bool) {
	if rt.syncParam != "" {
		return asID(rq.params[rt.syncParam])
	}
	if rt.op != "TriggerRunCustom" {
		return 0, false
	}
	body, _, errResp := rq.decodeBody()
	if errResp != nil || body == nil {
		return 0, false
	}
	if id, ok := asID(body["syncId"]); ok {
		return id, true
	}
	if slug, ok := body["syncSlug"].(string); ok {
		if s := e.syncBySlug(slug); s != nil {
			return s.id, true
		}
	}
	return 0, false
}

// handle runs the operation with the world advanced to the current time.
func (e *Emulator) handle(rt *route, rq *request) response {
	e.mu.Lock()
	defer e.mu.Unlock()
	rq.now = e.now()
	e.advance(rq.now)
	resp := rt.handle(e, rq)
	e.stats.ByStatus[resp.status]++
	return resp
}
