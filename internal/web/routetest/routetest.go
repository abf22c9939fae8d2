// Package routetest holds a route table against the requests a test sends:
// which routes they reach, as the ServeMux serving the table routes them,
// and which they leave out. The tenant-isolation tests use it so that a
// route added to a table fails them until they call it as another partner
// or say why it carries no partner's data.
package routetest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

// Coverage is a route table and the routes a test's requests reached.
type Coverage struct {
	table []string
	mux   *http.ServeMux

	mu      sync.Mutex
	reached map[string]bool
	strays  []string
}

// New matches requests against patterns, the ServeMux patterns of one
// table (each at most once, as a ServeMux takes them).
func New(patterns []string) *Coverage {
	c := &Coverage{table: slices.Clone(patterns), mux: http.NewServeMux(), reached: map[string]bool{}}
	for _, p := range patterns {
		c.mux.Handle(p, http.NotFoundHandler())
	}
	return c
}

// Reach notes the route that serves method and target (a path, with or
// without a query) and returns its pattern; a request no route serves is
// noted as a stray, which Check reports.
func (c *Coverage) Reach(method, target string) string {
	_, pattern := c.mux.Handler(httptest.NewRequest(method, target, nil))
	c.mu.Lock()
	defer c.mu.Unlock()
	if pattern == "" {
		c.strays = append(c.strays, method+" "+target)
		return ""
	}
	c.reached[pattern] = true
	return pattern
}

// Check fails t for every route of the table that no request reached and
// exempt does not name, for every request that reached no route (a test
// aiming at nothing proves nothing), and for every exempt route the table
// no longer has. exempt maps a pattern to why it needs no call as another
// partner.
func (c *Coverage) Check(t testing.TB, exempt map[string]string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.table {
		if !c.reached[p] && exempt[p] == "" {
			t.Errorf("route %q is not called as another partner: add it to the isolation test, or to its exempt list with the reason it carries no partner's data", p)
		}
	}
	for _, s := range c.strays {
		t.Errorf("%s reaches no route of the table", s)
	}
	for p := range exempt {
		if !slices.Contains(c.table, p) {
			t.Errorf("exempt route %q is not in the table any more: remove it from the list", p)
		}
	}
}
