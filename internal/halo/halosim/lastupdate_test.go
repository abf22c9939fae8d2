package halosim

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

// HaloPSA keeps when each client (alastupdate), site (slastupdate) and user (ulastupdate)
// was last changed, and its Client, Site and Users lists filter on it with
// lastupdatefromdate and lastupdatetodate. The setup clock starts at 2025-03-14 09:30 UTC.

func TestLastUpdate(t *testing.T) {
	t.Parallel()

	t.Run("SeededRecordsWereLastUpdatedWhenTheirClientWasCreated", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{TokenTTL: 24 * time.Hour})
		cl := b.sim.Clients()[0]
		if cl.LastUpdate == "" || cl.LastUpdate != cl.DateCreated {
			t.Fatalf("seeded client: alastupdate %q, datecreated %q; want both the same date", cl.LastUpdate, cl.DateCreated)
		}
		for _, st := range b.sim.Sites() {
			if int(st.ClientID) == cl.ID && st.LastUpdate != cl.DateCreated {
				t.Errorf("site %d: slastupdate %q, want %q", st.ID, st.LastUpdate, cl.DateCreated)
			}
		}
		for _, u := range b.sim.Users() {
			if u.ClientID == cl.ID && u.LastUpdate != cl.DateCreated {
				t.Errorf("user %d: ulastupdate %q, want %q", u.ID, u.LastUpdate, cl.DateCreated)
			}
		}
	})

	t.Run("SeedingBeforeTheCreationDatesStampsTheClock", func(t *testing.T) {
		t.Parallel()
		early := time.Date(2018, 6, 1, 12, 0, 0, 0, time.UTC)
		b := setup(t, Options{Now: func() time.Time { return early }})
		if got := b.sim.Clients()[0].LastUpdate; got != "2018-06-01T12:00:00" {
			t.Fatalf("alastupdate %q, want the clock, 2018-06-01T12:00:00", got)
		}
	})

	t.Run("CreatingAClientStampsItItsMainSiteAndGeneralUser", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{TokenTTL: 24 * time.Hour})
		b.clock.Advance(90*time.Minute + 250*time.Millisecond)
		got := decode[Client](t, b.send(t, "POST", "/api/Client", b.token(t, "all"), []map[string]any{{"name": "Fresh Start Ltd"}}))
		const want = "2025-03-14T11:00:00.25"
		if got.LastUpdate != want {
			t.Errorf("client alastupdate %q, want %q", got.LastUpdate, want)
		}
		site := b.site(t, got.MainSiteID)
		gu, ok := hasGeneralUser(b.sim.Users(), got.MainSiteID)
		if site.LastUpdate != want || !ok || gu.LastUpdate != want {
			t.Errorf("main site slastupdate %q, General User %v ulastupdate %q; want both %q", site.LastUpdate, ok, gu.LastUpdate, want)
		}
	})

	t.Run("EveryChangeStampsTheRecordChanged", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{TokenTTL: 24 * time.Hour})
		tok := b.token(t, "all")
		cl := b.sim.Clients()[0]
		site := b.site(t, cl.MainSiteID)
		user := b.sim.Users()[0]

		b.clock.Advance(time.Hour)
		if got := decode[Client](t, b.send(t, "POST", "/api/Client", tok, []map[string]any{{"id": cl.ID, "notes": "changed", "alastupdate": "2001-01-01T00:00:00"}})); got.LastUpdate != "2025-03-14T10:30:00" {
			t.Errorf("updated client: alastupdate %q, want the time of the update, 2025-03-14T10:30:00, whatever the body says", got.LastUpdate)
		}
		b.clock.Advance(time.Minute)
		if got := decode[Site](t, b.send(t, "POST", "/api/Site", tok, []map[string]any{{"id": site.ID, "name": "Head Office"}})); got.LastUpdate != "2025-03-14T10:31:00" {
			t.Errorf("updated site: slastupdate %q, want 2025-03-14T10:31:00", got.LastUpdate)
		}
		b.clock.Advance(time.Minute)
		if got := decode[User](t, b.send(t, "POST", "/api/Users", tok, []map[string]any{{"id": user.ID, "phonenumber": "+44 1"}})); got.LastUpdate != "2025-03-14T10:32:00" {
			t.Errorf("updated user: ulastupdate %q, want 2025-03-14T10:32:00", got.LastUpdate)
		}
		b.clock.Advance(time.Minute)
		b.sim.UpdateClient(cl.ID, func(c *Client) { c.Inactive = true })
		if got, _ := b.sim.Client(cl.ID); got.LastUpdate != "2025-03-14T10:33:00" {
			t.Errorf("client made inactive: alastupdate %q, want 2025-03-14T10:33:00", got.LastUpdate)
		}
		b.clock.Advance(time.Minute)
		b.sim.DeleteSite(site.ID)
		if got, _ := b.sim.Client(cl.ID); got.MainSiteID != 0 || got.LastUpdate != "2025-03-14T10:34:00" {
			t.Errorf("client whose main site was deleted: main site %d, alastupdate %q; want none and 2025-03-14T10:34:00", got.MainSiteID, got.LastUpdate)
		}
	})

	t.Run("ListsKeepWhatChangedWithinTheWindow", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{TokenTTL: 24 * time.Hour})
		tok := b.token(t, "all")
		clients := b.sim.Clients()
		first, second := clients[0], clients[1]
		b.clock.Advance(time.Hour) // 10:30
		b.sim.UpdateClient(first.ID, func(c *Client) { c.Notes = "first" })
		b.clock.Advance(time.Hour) // 11:30
		b.sim.UpdateClient(second.ID, func(c *Client) { c.Inactive = true })

		for _, tc := range []struct {
			name  string
			query url.Values
			want  []int
		}{
			{"FromIncludesItsOwnTime", url.Values{"lastupdatefromdate": {"2025-03-14T10:30:00"}}, []int{first.ID}},
			{"FromWithInactive", url.Values{"lastupdatefromdate": {"2025-03-14T10:30:00"}, "includeinactive": {"true"}}, []int{first.ID, second.ID}},
			{"FromAfterTheFirstChange", url.Values{"lastupdatefromdate": {"2025-03-14T10:30:00.001"}, "includeinactive": {"true"}}, []int{second.ID}},
			{"ToIncludesItsOwnTime", url.Values{"lastupdatefromdate": {"2025-03-14T10:00:00"}, "lastupdatetodate": {"2025-03-14T10:30:00"}, "includeinactive": {"true"}}, []int{first.ID}},
			{"ADateAloneIsMidnight", url.Values{"lastupdatefromdate": {"2025-03-14"}, "includeinactive": {"true"}}, []int{first.ID, second.ID}},
			{"AZoneIsHonoured", url.Values{"lastupdatefromdate": {"2025-03-14T12:00:00+01:00"}, "includeinactive": {"true"}}, []int{second.ID}},
			{"UTCMarked", url.Values{"LastUpdateFromDate": {"2025-03-14T11:00:00Z"}, "includeinactive": {"true"}}, []int{second.ID}},
			{"NothingChangedSince", url.Values{"lastupdatefromdate": {"2025-03-14T11:30:01"}, "includeinactive": {"true"}}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, rows := decodePage(t, b.send(t, "GET", "/api/Client?"+tc.query.Encode(), tok, nil), "clients")
				if got := ids(rows); !slices.Equal(got, tc.want) || p.RecordCount != len(tc.want) {
					t.Errorf("ids %v with record_count %d, want %v", got, p.RecordCount, tc.want)
				}
			})
		}
		t.Run("ANonDateFiltersNothing", func(t *testing.T) {
			p, _ := decodePage(t, b.send(t, "GET", "/api/Client?includeinactive=true&lastupdatefromdate=yesterday", tok, nil), "clients")
			if p.RecordCount != len(clients) {
				t.Errorf("record_count %d, want all %d clients", p.RecordCount, len(clients))
			}
		})
		t.Run("PagesCountTheRecordsWithin", func(t *testing.T) {
			p, rows := decodePage(t, b.send(t, "GET", "/api/Client?includeinactive=true&lastupdatefromdate=2025-03-14T10:00:00&pageinate=true&page_size=1&page_no=2", tok, nil), "clients")
			if got := ids(rows); p.RecordCount != 2 || !slices.Equal(got, []int{second.ID}) {
				t.Errorf("page 2 of 1: ids %v, record_count %d; want [%d] of 2", got, p.RecordCount, second.ID)
			}
		})
	})

	t.Run("SiteAndUserListsFilterTheSameWay", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{TokenTTL: 24 * time.Hour})
		tok := b.token(t, "all")
		cl := b.sim.Clients()[0]
		b.clock.Advance(time.Hour) // 10:30
		site := decode[Site](t, b.send(t, "POST", "/api/Site", tok, []map[string]any{{"name": "Warehouse", "client_id": cl.ID}}))
		gu, _ := hasGeneralUser(b.sim.Users(), site.ID)
		b.clock.Advance(time.Hour) // 11:30
		user := b.sim.Users()[0]
		b.send(t, "POST", "/api/Users", tok, []map[string]any{{"id": user.ID, "title": "Director"}})

		_, sites := decodePage(t, b.send(t, "GET", "/api/Site?lastupdatefromdate=2025-03-14T10:00:00", tok, nil), "sites")
		if got := ids(sites); !slices.Equal(got, []int{site.ID}) {
			t.Errorf("sites changed since 10:00: %v, want the new site %d", got, site.ID)
		}
		_, users := decodePage(t, b.send(t, "GET", "/api/Users?lastupdatefromdate=2025-03-14T10:00:00&lastupdatetodate=2025-03-14T11:00:00", tok, nil), "users")
		if got := ids(users); !slices.Equal(got, []int{gu.ID}) {
			t.Errorf("users changed 10:00-11:00: %v, want the new site's General User %d", got, gu.ID)
		}
		_, users = decodePage(t, b.send(t, "GET", "/api/Users?lastupdatefromdate=2025-03-14T11:00:00", tok, nil), "users")
		if got := ids(users); !slices.Equal(got, []int{user.ID}) {
			t.Errorf("users changed since 11:00: %v, want the user updated, %d", got, user.ID)
		}
	})
}

// site is one site as the simulator holds it.
func (b *testBundle) site(t *testing.T, id int) Site {
	t.Helper()
	for _, st := range b.sim.Sites() {
		if st.ID == id {
			return st
		}
	}
	t.Fatalf("no site %d", id)
	return Site{}
}
