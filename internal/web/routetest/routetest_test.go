package routetest_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"halobridge/internal/web/routetest"
)

// failures records what Check reports instead of failing the test.
type failures struct {
	testing.TB
	got []string
}

func (f *failures) Errorf(format string, args ...any) {
	f.got = append(f.got, fmt.Sprintf(format, args...))
}
func (f *failures) Helper() {}

func TestCoverage(t *testing.T) {
	t.Parallel()
	table := []string{"GET /things", "GET /things/{id}", "DELETE /things/{id}", "GET /assets/{file}", "GET /{$}"}

	t.Run("MatchesRequestsAsTheServeMuxRoutesThem", func(t *testing.T) {
		t.Parallel()
		c := routetest.New(table)
		for target, want := range map[string]string{
			"/things?limit=5": "GET /things",
			"/things/42":      "GET /things/{id}",
			"/":               "GET /{$}",
			"/nowhere":        "",
		} {
			if got := c.Reach("GET", target); got != want {
				t.Errorf("GET %s reaches %q, want %q", target, got, want)
			}
		}
		if got := c.Reach("POST", "/things"); got != "" {
			t.Errorf("POST /things reaches %q, want no route", got)
		}
	})

	t.Run("PassesWhenEveryRouteIsReachedOrExempt", func(t *testing.T) {
		t.Parallel()
		c := routetest.New(table)
		for _, r := range []string{"GET /things", "GET /things/1", "DELETE /things/2", "GET /"} {
			method, target, _ := strings.Cut(r, " ")
			c.Reach(method, target)
		}
		f := &failures{TB: t}
		c.Check(f, map[string]string{"GET /assets/{file}": "the same files for everyone"})
		if len(f.got) != 0 {
			t.Errorf("Check reported %q, want nothing", f.got)
		}
	})

	t.Run("NamesEveryRouteLeftOutEveryStrayAndEveryStaleExemption", func(t *testing.T) {
		t.Parallel()
		c := routetest.New(table)
		c.Reach("GET", "/things/1")
		c.Reach("GET", "/thngs")
		f := &failures{TB: t}
		c.Check(f, map[string]string{"GET /assets/{file}": "the same files for everyone", "GET /gone": "removed since", "GET /": ""})
		want := []string{
			`route "GET /things" is not called as another partner`,
			`route "DELETE /things/{id}" is not called as another partner`,
			`route "GET /{$}" is not called as another partner`,
			`GET /thngs reaches no route of the table`,
			`exempt route "GET /gone" is not in the table any more`,
			`exempt route "GET /" is not in the table any more`,
		}
		for _, w := range want {
			if !slices.ContainsFunc(f.got, func(g string) bool { return strings.HasPrefix(g, w) }) {
				t.Errorf("Check did not report %q; it reported:\n%s", w, strings.Join(f.got, "\n"))
			}
		}
		if len(f.got) != len(want) {
			t.Errorf("Check reported %d failures, want %d:\n%s", len(f.got), len(want), strings.Join(f.got, "\n"))
		}
	})
}
