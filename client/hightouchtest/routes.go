package hightouchtest

import (
	"net/http"
	"strings"
)

// handlerFunc handles one operation with the emulator lock held.
type handlerFunc func(e *Emulator, rq *request) response

type route struct {
	method  string
	pattern []string // path segments below /api/v1; "{name}" captures a parameter
	op      string   // operation name as in the reference (and Stats.ByOperation)
	handle  handlerFunc
	// syncParam names the path parameter holding a sync id, so the request
	// counts toward Requests(syncID).
	syncParam string
}

func r(method, pattern, op string, h handlerFunc) route {
	return route{method: method, pattern: strings.Split(strings.Trim(pattern, "/"), "/"), op: op, handle: h}
}

func (rt route) concerningSync(param string) route { rt.syncParam = param; return rt }

// answeringErrorsIn200 marks an operation whose 200 the API types as the
// resource or an error: Faults.ErrorIn200Rate applies to it.
func (rt route) answeringErrorsIn200() route { rt.handle = withErrorIn200(rt.handle); return rt }

// routes are the 22 operations. Literal segments are listed
// before parameters that could capture them.
var routes = []route{
	r(http.MethodGet, "/sources", "ListSource", sourceAPI.list),
	r(http.MethodPost, "/sources", "CreateSource", sourceAPI.create).answeringErrorsIn200(),
	r(http.MethodGet, "/sources/{sourceId}", "GetSource", sourceAPI.get),
	r(http.MethodPatch, "/sources/{sourceId}", "UpdateSource", sourceAPI.update).answeringErrorsIn200(),

	r(http.MethodGet, "/destinations", "ListDestination", destinationAPI.list),
	r(http.MethodPost, "/destinations", "CreateDestination", destinationAPI.create).answeringErrorsIn200(),
	r(http.MethodGet, "/destinations/{destinationId}", "GetDestination", destinationAPI.get),
	r(http.MethodPatch, "/destinations/{destinationId}", "UpdateDestination", destinationAPI.update).answeringErrorsIn200(),

	r(http.MethodGet, "/models", "ListModel", modelAPI.list),
	r(http.MethodPost, "/models", "CreateModel", (*Emulator).createModel).answeringErrorsIn200(),
	r(http.MethodGet, "/models/{modelId}", "GetModel", modelAPI.get),
	r(http.MethodPatch, "/models/{modelId}", "UpdateModel", modelAPI.update).answeringErrorsIn200(),

	r(http.MethodGet, "/syncs", "ListSync", syncAPI.list),
	r(http.MethodPost, "/syncs", "CreateSync", syncAPI.create).answeringErrorsIn200(),
	r(http.MethodPost, "/syncs/trigger", "TriggerRunCustom", (*Emulator).triggerRunCustom).answeringErrorsIn200(),
	r(http.MethodGet, "/syncs/{syncId}", "GetSync", syncAPI.get).concerningSync("syncId"),
	r(http.MethodPatch, "/syncs/{syncId}", "UpdateSync", syncAPI.update).concerningSync("syncId").answeringErrorsIn200(),
	r(http.MethodGet, "/syncs/{syncId}/runs", "ListSyncRuns", (*Emulator).listSyncRuns).concerningSync("syncId"),
	r(http.MethodPost, "/syncs/{syncId}/trigger", "TriggerRun", (*Emulator).triggerRun).concerningSync("syncId"),

	r(http.MethodPost, "/sync-sequences/{syncSequenceId}/trigger", "TriggerSequenceRun", (*Emulator).triggerSequenceRun),
	r(http.MethodGet, "/sync-sequences/runs/{syncSequenceRunId}", "GetSyncSequenceRun", (*Emulator).getSyncSequenceRun),

	r(http.MethodPost, "/id_graphs/{graphId}/trigger", "TriggerRunIDGraph", (*Emulator).triggerRunIDGraph),
}

// matchRoute finds the route for method and path (below /api/v1). When the
// path exists but not for this method, allowed lists the methods it has.
func matchRoute(method, path string) (rt *route, params map[string]string, allowed []string) {
	// Express routes are not strict about one trailing slash.
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range routes {
		p, ok := matchPattern(routes[i].pattern, segs)
		if !ok {
			continue
		}
		if routes[i].method == method {
			return &routes[i], p, nil
		}
		if !contains(allowed, routes[i].method) {
			allowed = append(allowed, routes[i].method)
		}
	}
	return nil, nil, allowed
}

func matchPattern(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}
