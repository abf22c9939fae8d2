package halo

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReadAll(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	t.Run("ReadsAnUncappedCatalogInOneRequest", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, pagedClients(250, 0))
		clients, err := f.client(t, nil).Clients(ctx, ClientQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(clients) != 250 || clients[249].ID != 250 {
			t.Fatalf("got %d clients, want 250 ending with id 250", len(clients))
		}
		reqs := f.apiRequests()
		if len(reqs) != 1 {
			t.Fatalf("got %d requests, want 1", len(reqs))
		}
		want := map[string]string{"pageinate": "true", "page_size": "1000", "page_no": "1"}
		for k, v := range want {
			if got := reqs[0].Query.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	})

	t.Run("FollowsThePageSizeHaloActuallyReturned", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, pagedClients(250, 100))
		clients, err := f.client(t, nil).Clients(ctx, ClientQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(clients) != 250 {
			t.Fatalf("got %d clients, want 250", len(clients))
		}
		ids := map[int]bool{}
		for _, c := range clients {
			ids[c.ID] = true
		}
		if len(ids) != 250 {
			t.Errorf("got %d distinct ids, want 250", len(ids))
		}
		var pages [][2]string
		for _, r := range f.apiRequests() {
			pages = append(pages, [2]string{r.Query.Get("page_size"), r.Query.Get("page_no")})
		}
		want := [][2]string{{"1000", "1"}, {"100", "2"}, {"100", "3"}}
		if diff := cmp.Diff(want, pages); diff != "" {
			t.Errorf("pages asked (-want +got):\n%s", diff)
		}
	})

	t.Run("AsksTicketsOneHundredAtATime", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"record_count": 1, "tickets": []map[string]any{{"id": 7}}})
		})
		tickets, err := f.client(t, nil).Tickets(ctx, TicketQuery{ClientID: 3, OpenOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(tickets) != 1 || tickets[0].ID != 7 {
			t.Fatalf("tickets = %+v", tickets)
		}
		q := f.apiRequests()[0].Query
		for k, v := range map[string]string{"page_size": "100", "client_id": "3", "open_only": "true"} {
			if q.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, q.Get(k), v)
			}
		}
	})

	t.Run("TakesABareArrayAsTheWholeList", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, []map[string]any{{"id": 1, "name": "A"}, {"id": 2, "name": "B"}})
		})
		clients, err := f.client(t, nil).Clients(ctx, ClientQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(clients) != 2 || len(f.apiRequests()) != 1 {
			t.Fatalf("got %d clients in %d requests, want 2 in 1", len(clients), len(f.apiRequests()))
		}
	})

	t.Run("StopsOnAnEmptyPage", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			rows := []map[string]any{{"id": 1}}
			if r.URL.Query().Get("page_no") != "1" {
				rows = nil
			}
			// record_count claims more than exist, as after deletions during the read.
			writeJSON(w, http.StatusOK, map[string]any{"record_count": 5, "clients": rows})
		})
		clients, err := f.client(t, nil).Clients(ctx, ClientQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(clients) != 1 || len(f.apiRequests()) != 2 {
			t.Fatalf("got %d clients in %d requests, want 1 in 2", len(clients), len(f.apiRequests()))
		}
	})

	t.Run("EndsWhenAServerIgnoresPageNumbers", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"record_count": 25, "clients": make([]map[string]any, 10)})
		})
		if _, err := f.client(t, nil).Clients(ctx, ClientQuery{}); err != nil {
			t.Fatal(err)
		}
		// Page 1 (10 of 25, so capped at 10), 2 and 3: 30 rows >= 25.
		if got := len(f.apiRequests()); got != 3 {
			t.Fatalf("got %d requests, want 3", got)
		}
	})

	t.Run("RefusesAWrapperWithoutItsList", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{"record_count": 3, "customers": []int{1, 2, 3}})
		})
		if _, err := f.client(t, nil).Clients(ctx, ClientQuery{}); err == nil {
			t.Fatal("want an error for a wrapper without \"clients\"")
		}
	})
}

func TestDecodePage(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		key     string
		body    string
		wantIDs []int
		wrapped bool
		total   int
	}{
		{"BareArray", "clients", `[{"id":1},{"id":2}]`, []int{1, 2}, false, -1},
		{"WrappedWithCount", "clients", `{"record_count":9,"page_no":1,"page_size":2,"clients":[{"id":1},{"id":2}]}`, []int{1, 2}, true, 9},
		{"WrappedKeyInOtherCase", "clients", `{"record_count":1,"Clients":[{"id":4}]}`, []int{4}, true, 1},
		{"WrappedWithoutCount", "clients", `{"clients":[{"id":3}]}`, []int{3}, true, -1},
		{"WrappedEmptyWithoutList", "clients", `{"record_count":0}`, nil, true, 0},
		{"WrappedNullList", "clients", `{"record_count":0,"clients":null}`, nil, true, 0},
		{"WrappedConfigurationList", "", `{"record_count":1,"lookups":[{"id":22}]}`, []int{22}, true, 1},
		{"ExactKeyBeatsOtherArrays", "clients", `{"record_count":1,"clients":[{"id":5}],"columns":[{"id":9}]}`, []int{5}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pg, err := decodePage[ClientRecord]([]byte(tt.body), tt.key)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int
			for _, r := range pg.rows {
				ids = append(ids, r.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if pg.wrapped != tt.wrapped || pg.total != tt.total {
				t.Errorf("wrapped, total = %v, %d; want %v, %d", pg.wrapped, pg.total, tt.wrapped, tt.total)
			}
		})
	}
}

func TestCount(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	t.Run("AsksForOnePageOfOneRecord", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, pagedClients(250, 100))
		n, err := f.client(t, nil).CountClients(ctx, ClientQuery{IncludeInactive: true})
		if err != nil || n != 250 {
			t.Fatalf("CountClients = %d, %v; want 250", n, err)
		}
		reqs := f.apiRequests()
		if len(reqs) != 1 {
			t.Fatalf("got %d requests, want 1", len(reqs))
		}
		want := map[string]string{"pageinate": "true", "page_size": "1", "page_no": "1", "includeinactive": "true"}
		for k, v := range want {
			if got := reqs[0].Query.Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
	})

	for _, tc := range []struct {
		name string
		body any
	}{
		{"RefusesABareArray", []map[string]any{{"id": 1}}},
		{"RefusesAWrapperWithoutRecordCount", map[string]any{"sites": []map[string]any{{"id": 1}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, tc.body) })
			n, err := f.client(t, nil).CountSites(ctx, SiteQuery{})
			if !errors.Is(err, ErrNoRecordCount) || !strings.Contains(err.Error(), "no record_count") {
				t.Fatalf("CountSites = %d, %v; want an error saying the answer has no record_count", n, err)
			}
		})
	}

	t.Run("ReportsHaloPSAsRefusal", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusForbidden, map[string]any{"ClassName": "System.Exception", "Message": "You do not have permission to access this area (read:customers)"})
		})
		_, err := f.client(t, nil).CountUsers(ctx, UserQuery{Search: GeneralUserName})
		if !IsForbidden(err) || !strings.Contains(err.Error(), "read:customers") {
			t.Fatalf("err = %v, want a refusal in HaloPSA's words", err)
		}
	})
}

func TestUpdatedWindow(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	// HaloPSA writes its dates in UTC without a zone, to the millisecond.
	from := time.Date(2025, 3, 14, 12, 30, 0, 250_000_000, time.FixedZone("CEST", 2*60*60))
	to := time.Date(2025, 3, 14, 11, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		read func(c *Client) error
		path string
	}{
		{"Clients", func(c *Client) error {
			_, err := c.Clients(ctx, ClientQuery{Updated: Updated{From: from, To: to}})
			return err
		}, "/api/Client"},
		{"Sites", func(c *Client) error {
			_, err := c.Sites(ctx, SiteQuery{Updated: Updated{From: from, To: to}})
			return err
		}, "/api/Site"},
		{"Users", func(c *Client) error {
			_, err := c.Users(ctx, UserQuery{Updated: Updated{From: from, To: to}})
			return err
		}, "/api/Users"},
		{"CountClients", func(c *Client) error {
			_, err := c.CountClients(ctx, ClientQuery{Updated: Updated{From: from, To: to}})
			return err
		}, "/api/Client"},
	} {
		t.Run("Sends"+tc.name+"Window", func(t *testing.T) {
			t.Parallel()
			f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, http.StatusOK, map[string]any{"record_count": 0})
			})
			if err := tc.read(f.client(t, nil)); err != nil {
				t.Fatal(err)
			}
			r := f.apiRequests()[0]
			if r.Path != tc.path || r.Query.Get("lastupdatefromdate") != "2025-03-14T10:30:00.250" || r.Query.Get("lastupdatetodate") != "2025-03-14T11:00:00.000" {
				t.Errorf("%s?%s; want lastupdatefromdate 2025-03-14T10:30:00.250 and lastupdatetodate 2025-03-14T11:00:00.000", r.Path, r.Query.Encode())
			}
		})
	}

	t.Run("SendsNoWindowWhenNoneIsAsked", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, pagedClients(1, 0))
		if _, err := f.client(t, nil).Clients(ctx, ClientQuery{}); err != nil {
			t.Fatal(err)
		}
		q := f.apiRequests()[0].Query
		if q.Has("lastupdatefromdate") || q.Has("lastupdatetodate") {
			t.Errorf("query %s asks for a window", q.Encode())
		}
	})
}
