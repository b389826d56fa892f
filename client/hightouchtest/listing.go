package hightouchtest

import (
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// List operations share offset/limit/orderBy and the {data, hasMore}
// envelope.

const defaultLimit = 100

var (
	resourceOrderBy = []string{"id", "name", "slug", "createdAt", "updatedAt"}
	runOrderBy      = []string{"id", "createdAt", "startedAt", "finishedAt"}
)

type listQuery struct {
	offset, limit int
	orderBy       string
}

type listBody[T any] struct {
	Data    []T  `json:"data"`
	HasMore bool `json:"hasMore"`
}

func parseListQuery(q url.Values, orderBy []string, d details) listQuery {
	lq := listQuery{limit: defaultLimit, orderBy: "id"}
	if n, ok := queryCount(q, "offset", d); ok {
		lq.offset = n
	}
	if n, ok := queryCount(q, "limit", d); ok {
		lq.limit = n
	}
	if q.Has("orderBy") {
		v := q.Get("orderBy")
		if contains(orderBy, v) {
			lq.orderBy = v
		} else {
			d.addValue("query.orderBy", enumMessage(orderBy), v)
		}
	}
	return lq
}

// queryCount reads a non-negative integer query parameter.
func queryCount(q url.Values, name string, d details) (int, bool) {
	f, ok := queryNumber(q, name, d)
	if !ok {
		return 0, false
	}
	switch {
	case f != math.Trunc(f):
		d.addValue("query."+name, "invalid integer number", q.Get(name))
		return 0, false
	case f < 0:
		d.addValue("query."+name, "min 0", q.Get(name))
		return 0, false
	case f > math.MaxInt32:
		return math.MaxInt32, true
	}
	return int(f), true
}

// queryNumber reads a query parameter typed number; ok is false when it is
// absent or invalid (then a detail is recorded).
func queryNumber(q url.Values, name string, d details) (float64, bool) {
	if !q.Has(name) {
		return 0, false
	}
	raw := q.Get(name)
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		d.addValue("query."+name, "invalid float number", raw)
		return 0, false
	}
	return f, true
}

func queryTime(q url.Values, name string, d details) (time.Time, bool) {
	if !q.Has(name) {
		return time.Time{}, false
	}
	t, ok := parseDateTime(q.Get(name))
	if !ok {
		d.addValue("query."+name, "invalid ISO 8601 datetime format, i.e. YYYY-MM-DDTHH:mm:ss", q.Get(name))
	}
	return t, ok
}

func queryBool(q url.Values, name string, d details) (bool, bool) {
	if !q.Has(name) {
		return false, false
	}
	b, ok := toBool(q.Get(name))
	if !ok {
		d.addValue("query."+name, "invalid boolean value", q.Get(name))
	}
	return b, ok
}

// page cuts one page out of sorted items.
func page[T any](items []T, lq listQuery) listBody[T] {
	total := len(items)
	start := min(lq.offset, total)
	end := min(start+lq.limit, total)
	out := make([]T, 0, end-start)
	out = append(out, items[start:end]...)
	return listBody[T]{Data: out, HasMore: end < total}
}

// resourceKey is what resources are sorted by.
type resourceKey struct {
	id                   int64
	name, slug           string
	createdAt, updatedAt time.Time
}

// sortResources sorts ascending by orderBy, ties broken by id. The reference
// does not document a direction; ascending is what an id-ordered offset
// pagination needs to be stable while rows are added.
func sortResources[T any](items []T, orderBy string, key func(T) resourceKey) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := key(items[i]), key(items[j])
		switch orderBy {
		case "name":
			if a.name != b.name {
				return a.name < b.name
			}
		case "slug":
			if a.slug != b.slug {
				return a.slug < b.slug
			}
		case "createdAt":
			if !a.createdAt.Equal(b.createdAt) {
				return a.createdAt.Before(b.createdAt)
			}
		case "updatedAt":
			if !a.updatedAt.Equal(b.updatedAt) {
				return a.updatedAt.Before(b.updatedAt)
			}
		}
		return a.id < b.id
	})
}

// nameSlugFilter applies the exact-match name and slug filters.
type nameSlugFilter struct {
	name, slug       string
	hasName, hasSlug bool
}

func parseNameSlugFilter(q url.Values) nameSlugFilter {
	return nameSlugFilter{name: q.Get("name"), slug: q.Get("slug"), hasName: q.Has("name"), hasSlug: q.Has("slug")}
}

func (f nameSlugFilter) match(name, slug string) bool {
	return (!f.hasName || f.name == name) && (!f.hasSlug || f.slug == slug)
}
