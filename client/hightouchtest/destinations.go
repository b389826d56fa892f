package hightouchtest

import (
	"fmt"
	"time"
)

// Destinations (reference §2.1, §3.2).

type destination struct {
	id                   int64
	name, slug, typ      string
	configuration        map[string]any
	createdAt, updatedAt time.Time
}

type destinationJSON struct {
	ID            int64          `json:"id"`
	Name          string         `json:"name"`
	Slug          string         `json:"slug"`
	WorkspaceID   int64          `json:"workspaceId"`
	CreatedAt     jsTime         `json:"createdAt"`
	UpdatedAt     jsTime         `json:"updatedAt"`
	Type          string         `json:"type"`
	Configuration map[string]any `json:"configuration"`
	Syncs         []int64        `json:"syncs"`
}

var destinationCreateSchema = &schema{closed: true, props: []prop{
	{name: "name", kind: kindString, required: true},
	{name: "slug", kind: kindString, required: true},
	{name: "type", kind: kindString, required: true},
	{name: "configuration", kind: kindObject, required: true},
}}

var destinationUpdateSchema = &schema{closed: true, props: []prop{
	{name: "name", kind: kindString},
	{name: "configuration", kind: kindObject},
}}

func (e *Emulator) destinationJSON(dst *destination) destinationJSON {
	syncs := []int64{}
	for _, id := range sortedIDs(e.syncs) {
		if e.syncs[id].destinationID == dst.id {
			syncs = append(syncs, id)
		}
	}
	return destinationJSON{
		ID: dst.id, Name: dst.name, Slug: dst.slug, WorkspaceID: workspaceID,
		CreatedAt: jsTime(dst.createdAt), UpdatedAt: jsTime(dst.updatedAt),
		Type: dst.typ, Configuration: nonNilMap(dst.configuration), Syncs: syncs,
	}
}

func (e *Emulator) addDestination(name, slug, typ string, configuration map[string]any, now time.Time) (*destination, error) {
	for _, dst := range e.destinations {
		if dst.slug == slug {
			return nil, fmt.Errorf("slug %q already exists", slug)
		}
	}
	dst := &destination{id: e.nextDestinationID, name: name, slug: slug, typ: typ, configuration: configuration, createdAt: msTime(now), updatedAt: msTime(now)}
	e.nextDestinationID++
	e.destinations[dst.id] = dst
	return dst, nil
}

func (e *Emulator) listDestinations(rq *request) response {
	d := details{}
	lq := parseListQuery(rq.query, resourceOrderBy, d)
	if len(d) > 0 {
		return unprocessable(d)
	}
	f := parseNameSlugFilter(rq.query)
	var items []*destination
	for _, dst := range e.destinations {
		if f.match(dst.name, dst.slug) {
			items = append(items, dst)
		}
	}
	sortResources(items, lq.orderBy, func(dst *destination) resourceKey {
		return resourceKey{id: dst.id, name: dst.name, slug: dst.slug, createdAt: dst.createdAt, updatedAt: dst.updatedAt}
	})
	return ok(page(mapSlice(items, e.destinationJSON), lq))
}

func (e *Emulator) getDestination(rq *request) response {
	dst, errResp := e.pathDestination(rq)
	if errResp != nil {
		return *errResp
	}
	return ok(e.destinationJSON(dst))
}

func (e *Emulator) createDestination(rq *request) response {
	body, errResp := rq.requireBody(destinationCreateSchema)
	if errResp != nil {
		return *errResp
	}
	dst, err := e.addDestination(body["name"].(string), body["slug"].(string), body["type"].(string), body["configuration"].(map[string]any), rq.now)
	if err != nil {
		return duplicateSlug(body["slug"].(string))
	}
	return ok(e.destinationJSON(dst))
}

func (e *Emulator) updateDestination(rq *request) response {
	dst, errResp := e.pathDestination(rq)
	if errResp != nil {
		return *errResp
	}
	body, errResp := rq.requireBody(destinationUpdateSchema)
	if errResp != nil {
		return *errResp
	}
	if v, ok := body["name"].(string); ok {
		dst.name = v
	}
	if v, ok := body["configuration"].(map[string]any); ok {
		dst.configuration = v
	}
	dst.updatedAt = msTime(rq.now)
	return ok(e.destinationJSON(dst))
}

func (e *Emulator) pathDestination(rq *request) (*destination, *response) {
	id, errResp := rq.numericPathID("destinationId")
	if errResp != nil {
		return nil, errResp
	}
	dst := e.destinations[id]
	if dst == nil {
		resp := notFound(fmt.Sprintf("destination %d not found", id))
		return nil, &resp
	}
	return dst, nil
}
