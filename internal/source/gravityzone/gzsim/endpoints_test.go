package gzsim_test

import (
	"net/http"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source/gravityzone/gzsim"
)

// endpointsPage is a page of network.getEndpointsList with its members kept
// as they came, to tell a missing one from a zero one.
type endpointsPage struct {
	Page           int              `json:"page"`
	PerPage        int              `json:"perPage"`
	PagesCount     *int             `json:"pagesCount"`
	Total          *int             `json:"total"`
	HasMoreRecords *bool            `json:"hasMoreRecords"`
	Items          []map[string]any `json:"items"`
}

func TestEndpointsList(t *testing.T) {
	t.Parallel()
	b := setup(t, gzsim.Options{RateLimit: -1})
	companies := b.sim.Companies()
	root, contoso := companies[0], companies[1]
	recursive := map[string]any{"depth": map[string]any{"allItemsRecursively": true}}
	list := func(t *testing.T, version string, params map[string]any) endpointsPage {
		t.Helper()
		var p endpointsPage
		wantResult(t, b.call(t, version, "network", "getEndpointsList", params), &p)
		return p
	}
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}

	t.Run("ListsACompanyInTheReferenceShape", func(t *testing.T) {
		t.Parallel()
		p := list(t, "v1.1", map[string]any{"parentId": contoso.ID, "filters": recursive, "perPage": 1000})
		if p.Total == nil || *p.Total != len(p.Items) || p.PagesCount == nil || *p.PagesCount != 1 || p.HasMoreRecords == nil || *p.HasMoreRecords {
			t.Fatalf("page: total %v, pagesCount %v, hasMoreRecords %v, %d items", p.Total, p.PagesCount, p.HasMoreRecords, len(p.Items))
		}
		// API.md §2.9: the keys of a 2025 capture; managedWithBest is
		// missing on Linux, and an unmanaged machine has no policy.
		windows := []string{"fqdn", "groupId", "id", "ip", "isManaged", "label", "machineType", "macs", "managedWithBest", "name", "operatingSystemVersion", "policy", "ssid"}
		linux := []string{"fqdn", "groupId", "id", "ip", "isManaged", "label", "machineType", "macs", "name", "operatingSystemVersion", "policy", "ssid"}
		unmanaged := []string{"fqdn", "groupId", "id", "ip", "isManaged", "label", "machineType", "macs", "name", "operatingSystemVersion", "ssid"}
		hex12 := regexp.MustCompile(`^[0-9a-f]{12}$`)
		var managed, not int
		for _, item := range p.Items {
			want := windows
			switch {
			case item["isManaged"] == false:
				want, not = unmanaged, not+1
			case item["operatingSystemVersion"] == "Linux Ubuntu 24.04.2 LTS":
				want, managed = linux, managed+1
			default:
				managed++
			}
			if diff := cmp.Diff(want, keys(item)); diff != "" {
				t.Errorf("item %v keys (-want +got):\n%s", item["name"], diff)
			}
			macs, _ := item["macs"].([]any)
			if len(macs) == 0 {
				t.Errorf("item %v has no MAC", item["name"])
			}
			for _, m := range macs {
				if s, _ := m.(string); !hex12.MatchString(s) {
					t.Errorf("item %v MAC %q is not 12 lowercase hex digits", item["name"], m)
				}
			}
		}
		if managed != len(b.sim.Endpoints(contoso.ID)) || not == 0 {
			t.Errorf("%d managed (want the %d of events), %d unmanaged (want some)", managed, len(b.sim.Endpoints(contoso.ID)), not)
		}
	})

	t.Run("PagesWithCountsOnTheFirstPageOnlyAtV11", func(t *testing.T) {
		t.Parallel()
		first := list(t, "v1.1", map[string]any{"filters": recursive, "perPage": 7})
		if first.Total == nil || first.PagesCount == nil || *first.PagesCount != (*first.Total+6)/7 || len(first.Items) != 7 {
			t.Fatalf("first page: total %v, pagesCount %v, %d items", first.Total, first.PagesCount, len(first.Items))
		}
		if *first.Total != len(b.sim.Inventory(root.ID)) {
			t.Errorf("total %d, want the %d endpoints of the whole tree", *first.Total, len(b.sim.Inventory(root.ID)))
		}
		seen := map[any]bool{}
		for _, item := range first.Items {
			seen[item["id"]] = true
		}
		for page := 2; ; page++ {
			p := list(t, "v1.1", map[string]any{"filters": recursive, "perPage": 7, "page": page})
			if p.Total != nil || p.PagesCount != nil || p.HasMoreRecords == nil {
				t.Fatalf("page %d: total %v, pagesCount %v, hasMoreRecords %v; want only hasMoreRecords", page, p.Total, p.PagesCount, p.HasMoreRecords)
			}
			for _, item := range p.Items {
				seen[item["id"]] = true
			}
			if !*p.HasMoreRecords {
				break
			}
		}
		if len(seen) != *first.Total {
			t.Errorf("%d distinct ids over the pages, want %d", len(seen), *first.Total)
		}
	})

	t.Run("CarriesCountsOnEveryPageAndCapsAt100AtV10", func(t *testing.T) {
		t.Parallel()
		p := list(t, "v1.0", map[string]any{"filters": recursive, "perPage": 5, "page": 2})
		if p.Total == nil || p.PagesCount == nil || p.HasMoreRecords != nil {
			t.Errorf("v1.0 page 2: total %v, pagesCount %v, hasMoreRecords %v", p.Total, p.PagesCount, p.HasMoreRecords)
		}
		wantError(t, b.call(t, "v1.0", "network", "getEndpointsList", map[string]any{"perPage": 101}), http.StatusOK, -32602, "perPage")
		if p := list(t, "v1.1", map[string]any{"perPage": 101}); p.PerPage != 101 {
			t.Errorf("v1.1 perPage 101: %d", p.PerPage)
		}
	})

	t.Run("RefusesBadPerPageAndPage", func(t *testing.T) {
		t.Parallel()
		for _, params := range []map[string]any{{"perPage": 0}, {"perPage": 1001}, {"page": 0}, {"perPage": "ten"}} {
			a := b.call(t, "v1.1", "network", "getEndpointsList", params)
			wantError(t, a, http.StatusOK, -32602, "Invalid value for 'p")
		}
	})

	t.Run("DefaultsTo30PerPage", func(t *testing.T) {
		t.Parallel()
		if p := list(t, "v1.1", map[string]any{"filters": recursive}); p.PerPage != 30 || len(p.Items) != min(30, *p.Total) {
			t.Errorf("perPage %d, %d items", p.PerPage, len(p.Items))
		}
	})

	t.Run("FiltersManagedAndUnmanaged", func(t *testing.T) {
		t.Parallel()
		for _, managed := range []bool{true, false} {
			p := list(t, "v1.1", map[string]any{"parentId": contoso.ID, "filters": recursive, "isManaged": managed})
			if len(p.Items) == 0 {
				t.Errorf("isManaged %v: none", managed)
			}
			for _, item := range p.Items {
				if item["isManaged"] != managed {
					t.Errorf("isManaged %v: item %v", managed, item)
				}
			}
		}
	})

	t.Run("ListsAGroupAndOnlyTheRootWithoutRecursion", func(t *testing.T) {
		t.Parallel()
		group := b.sim.Endpoints(contoso.ID)[0].GroupID
		p := list(t, "v1.1", map[string]any{"parentId": group})
		if len(p.Items) != len(b.sim.Endpoints(contoso.ID)) {
			t.Errorf("group: %d items, want %d", len(p.Items), len(b.sim.Endpoints(contoso.ID)))
		}
		for _, item := range list(t, "v1.1", map[string]any{"parentId": contoso.ID}).Items {
			if item["isManaged"] != false || item["groupId"] != contoso.ID {
				t.Errorf("not recursive: %v", item)
			}
		}
	})

	t.Run("RefusesAnUnknownParent", func(t *testing.T) {
		t.Parallel()
		wantError(t, b.call(t, "v1.1", "network", "getEndpointsList", map[string]any{"parentId": "000000000000000000000000"}), http.StatusOK, -32602, "Invalid value for 'parentId'")
	})

	t.Run("IsDeterministic", func(t *testing.T) {
		t.Parallel()
		other := gzsim.New(gzsim.Options{})
		if diff := cmp.Diff(b.sim.Inventory(root.ID), other.Inventory(other.Companies()[0].ID)); diff != "" {
			t.Errorf("two simulators of one seed differ:\n%s", diff)
		}
	})
}
