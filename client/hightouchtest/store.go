package hightouchtest

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Sources, destinations, models and syncs share one life: created with a
// slug unique to their kind, read and patched by id, listed with filters,
// offset/limit and orderBy. A store holds one kind; a crud serves its four
// operations, and what differs between kinds is in the crud's functions.

// record is what every stored resource has.
type record struct {
	id                   int64
	name, slug           string // syncs have no name
	createdAt, updatedAt time.Time
}

func (r *record) base() *record { return r }

// resource is a pointer to a struct that embeds record.
type resource interface{ base() *record }

// store holds the resources of one kind by id. Nothing is deleted (the API
// has no delete), so ids count 1, 2, 3 ... in creation order.
type store[T resource] map[int64]T

// add stores r under the next id, created and updated now, unless its slug
// is taken.
func (s store[T]) add(r T, now time.Time) error {
	b := r.base()
	if _, taken := s.bySlug(b.slug); taken {
		return fmt.Errorf("slug %q already exists", b.slug)
	}
	b.id = int64(len(s)) + 1
	b.createdAt, b.updatedAt = msTime(now), msTime(now)
	s[b.id] = r
	return nil
}

func (s store[T]) bySlug(slug string) (T, bool) {
	for _, r := range s {
		if r.base().slug == slug {
			return r, true
		}
	}
	var none T
	return none, false
}

// crud serves List, Get, Create and Update for the resources of one kind,
// answered as J.
type crud[T resource, J any] struct {
	// kind names the resource in 404 details ("source 3 not found"); its
	// id is the path parameter kind+"Id".
	kind  string
	store func(*Emulator) store[T]
	// nameless kinds (syncs) sort by slug for orderBy=name.
	nameless                   bool
	createSchema, updateSchema *schema
	// build makes a resource from a body that passed createSchema, or adds
	// to d why it cannot (422).
	build func(e *Emulator, body map[string]any, d details) T
	// patch changes a resource by a body that passed updateSchema.
	patch func(r T, body map[string]any)
	// filter reads the list filters (adding bad ones to d) into a predicate.
	filter func(e *Emulator, rq *request, d details) func(T) bool
	// show is the answer for one resource.
	show func(e *Emulator, r T, now time.Time) J
}

func (c *crud[T, J]) list(e *Emulator, rq *request) response {
	d := details{}
	lq := parseListQuery(rq.query, resourceOrderBy, d)
	keep := c.filter(e, rq, d)
	if len(d) > 0 {
		return unprocessable(d)
	}
	var items []T
	for _, r := range c.store(e) {
		if keep(r) {
			items = append(items, r)
		}
	}
	sortResources(items, lq.orderBy, func(r T) resourceKey {
		b := r.base()
		key := resourceKey{id: b.id, name: b.name, slug: b.slug, createdAt: b.createdAt, updatedAt: b.updatedAt}
		if c.nameless {
			key.name = b.slug
		}
		return key
	})
	pg := page(items, lq)
	return ok(listBody[J]{Data: mapSlice(pg.Data, func(r T) J { return c.show(e, r, rq.now) }), HasMore: pg.HasMore})
}

func (c *crud[T, J]) get(e *Emulator, rq *request) response {
	r, errResp := c.fromPath(e, rq)
	if errResp != nil {
		return *errResp
	}
	return ok(c.show(e, r, rq.now))
}

func (c *crud[T, J]) create(e *Emulator, rq *request) response {
	body, errResp := rq.requireBody(c.createSchema)
	if errResp != nil {
		return *errResp
	}
	d := details{}
	r := c.build(e, body, d)
	if len(d) > 0 {
		return unprocessable(d)
	}
	if err := c.store(e).add(r, rq.now); err != nil {
		return duplicateSlug(r.base().slug)
	}
	return ok(c.show(e, r, rq.now))
}

func (c *crud[T, J]) update(e *Emulator, rq *request) response {
	r, errResp := c.fromPath(e, rq)
	if errResp != nil {
		return *errResp
	}
	body, errResp := rq.requireBody(c.updateSchema)
	if errResp != nil {
		return *errResp
	}
	c.patch(r, body)
	r.base().updatedAt = msTime(rq.now)
	return ok(c.show(e, r, rq.now))
}

// fromPath finds the resource named by the request's path: 422 for an id
// that is not a number, 404 for an unknown one.
func (c *crud[T, J]) fromPath(e *Emulator, rq *request) (T, *response) {
	id, errResp := rq.numericPathID(c.kind + "Id")
	if errResp != nil {
		var none T
		return none, errResp
	}
	return c.find(e, id)
}

func (c *crud[T, J]) find(e *Emulator, id int64) (T, *response) {
	r, found := c.store(e)[id]
	if !found {
		resp := notFound(fmt.Sprintf("%s %d not found", c.kind, id))
		return r, &resp
	}
	return r, nil
}

// byNameAndSlug is the filter of the kinds listed by name and slug.
func byNameAndSlug[T resource](_ *Emulator, rq *request, _ details) func(T) bool {
	f := parseNameSlugFilter(rq.query)
	return func(r T) bool { return f.match(r.base().name, r.base().slug) }
}

// duplicateSlug is the 409 answer of Create*.
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
