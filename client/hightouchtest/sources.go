package hightouchtest

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Sources (reference §2.2, §3.1).

type source struct {
	id                   int64
	name, slug, typ      string
	configuration        map[string]any
	createdAt, updatedAt time.Time
}

type sourceJSON struct {
	ID            int64          `json:"id"`
	Name          string         `json:"name"`
	Slug          string         `json:"slug"`
	WorkspaceID   int64          `json:"workspaceId"`
	CreatedAt     jsTime         `json:"createdAt"`
	UpdatedAt     jsTime         `json:"updatedAt"`
	Configuration map[string]any `json:"configuration"`
	Type          string         `json:"type"`
}

var sourceCreateSchema = &schema{closed: true, props: []prop{
	{name: "name", kind: kindString, required: true},
	{name: "slug", kind: kindString, required: true},
	{name: "type", kind: kindString, required: true},
	{name: "configuration", kind: kindObject, required: true},
}}

var sourceUpdateSchema = &schema{closed: true, props: []prop{
	{name: "name", kind: kindString},
	{name: "configuration", kind: kindObject},
}}

func (s *source) json() sourceJSON {
	return sourceJSON{
		ID: s.id, Name: s.name, Slug: s.slug, WorkspaceID: workspaceID,
		CreatedAt: jsTime(s.createdAt), UpdatedAt: jsTime(s.updatedAt),
		Configuration: nonNilMap(s.configuration), Type: s.typ,
	}
}

func (e *Emulator) addSource(name, slug, typ string, configuration map[string]any, now time.Time) (*source, error) {
	for _, s := range e.sources {
		if s.slug == slug {
			return nil, fmt.Errorf("slug %q already exists", slug)
		}
	}
	s := &source{id: e.nextSourceID, name: name, slug: slug, typ: typ, configuration: configuration, createdAt: msTime(now), updatedAt: msTime(now)}
	e.nextSourceID++
	e.sources[s.id] = s
	return s, nil
}

func (e *Emulator) listSources(rq *request) response {
	d := details{}
	lq := parseListQuery(rq.query, resourceOrderBy, d)
	if len(d) > 0 {
		return unprocessable(d)
	}
	f := parseNameSlugFilter(rq.query)
	var items []*source
	for _, s := range e.sources {
		if f.match(s.name, s.slug) {
			items = append(items, s)
		}
	}
	sortResources(items, lq.orderBy, func(s *source) resourceKey {
		return resourceKey{id: s.id, name: s.name, slug: s.slug, createdAt: s.createdAt, updatedAt: s.updatedAt}
	})
	return ok(page(mapSlice(items, (*source).json), lq))
}

func (e *Emulator) getSource(rq *request) response {
	s, errResp := e.pathSource(rq)
	if errResp != nil {
		return *errResp
	}
	return ok(s.json())
}

func (e *Emulator) createSource(rq *request) response {
	body, errResp := rq.requireBody(sourceCreateSchema)
	if errResp != nil {
		return *errResp
	}
	s, err := e.addSource(body["name"].(string), body["slug"].(string), body["type"].(string), body["configuration"].(map[string]any), rq.now)
	if err != nil {
		return duplicateSlug(body["slug"].(string))
	}
	return ok(s.json())
}

func (e *Emulator) updateSource(rq *request) response {
	s, errResp := e.pathSource(rq)
	if errResp != nil {
		return *errResp
	}
	body, errResp := rq.requireBody(sourceUpdateSchema)
	if errResp != nil {
		return *errResp
	}
	if v, ok := body["name"].(string); ok {
		s.name = v
	}
	if v, ok := body["configuration"].(map[string]any); ok {
		s.configuration = v
	}
	s.updatedAt = msTime(rq.now)
	return ok(s.json())
}

func (e *Emulator) pathSource(rq *request) (*source, *response) {
	id, errResp := rq.numericPathID("sourceId")
	if errResp != nil {
		return nil, errResp
	}
	s := e.sources[id]
	if s == nil {
		resp := notFound(fmt.Sprintf("source %d not found", id))
		return nil, &resp
	}
	return s, nil
}

// duplicateSlug is the 409 answer of Create* (reference §1.5).
func duplicateSlug(slug string) response {
	d := details{}
	d.addValue("body.slug", fmt.Sprintf("slug %q is already in use in this workspace", slug), slug)
	return validationFailed(http.StatusConflict, d)
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// sortedIDs returns a map's keys ascending, for deterministic iteration.
func sortedIDs[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
