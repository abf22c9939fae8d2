package halosim

import (
	"net/http"
	"testing"
)

func TestCustomerWrites(t *testing.T) {
	t.Parallel()

	t.Run("CreatingAClientGivesItAMainSiteWithAGeneralUser", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		resp := b.send(t, "POST", "/api/Client", b.token(t, "all"), []map[string]any{{"name": "Zebra Crossing Pty Ltd", "website": "https://zebra.example"}})
		wantStatus(t, resp, http.StatusCreated)
		got := decode[Client](t, resp)
		if got.ID == 0 || got.MainSiteName != "Main" || got.ToplevelID != 1 || got.Use != "client" || got.Key != got.ID || got.Table != 2 {
			t.Fatalf("client = %+v", got)
		}
		if _, ok := hasGeneralUser(b.sim.Users(), got.MainSiteID); !ok {
			t.Fatalf("main site %d has no General User", got.MainSiteID)
		}
	})

	t.Run("UpdateChangesOnlyTheFieldsSent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		before := b.sim.Clients()[0]
		got := decode[Client](t, b.send(t, "POST", "/api/client", b.token(t, "all"),
			[]map[string]any{{"id": before.ID, "notes": "VIP customer", "colour_of_the_day": "teal"}}))
		if got.Notes != "VIP customer" || got.Name != before.Name || got.Website != before.Website || got.MainSiteID != before.MainSiteID {
			t.Fatalf("updated client = %+v, was %+v", got, before)
		}
	})

	t.Run("AcceptsJSONPatchContentType", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/api/Client", stringsReader(`[{"name":"Patchwork Ltd"}]`))
		req.Header.Set("Content-Type", "application/json-patch+json")
		req.Header.Set("Authorization", "Bearer "+b.token(t, "all"))
		wantStatus(t, b.roundTrip(t, req), http.StatusCreated)
	})

	t.Run("RefusesNonJSONContentType", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/api/Client", stringsReader(`[{"name":"Plain"}]`))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("Authorization", "Bearer "+b.token(t, "all"))
		wantStatus(t, b.roundTrip(t, req), http.StatusUnsupportedMediaType)
	})

	t.Run("WrongFieldTypeIsABadRequestNamingTheField", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantHaloError(t, b.send(t, "POST", "/api/Client", b.token(t, "all"), `[{"name":"X","inactive":"yes"}]`),
			http.StatusBadRequest, `Invalid value for 'inactive': expected true or false, got string`)
	})

	t.Run("ExternalLinkIsStoredAndFoundByThirdPartyID", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		target := b.sim.Clients()[1]
		wantStatus(t, b.send(t, "POST", "/api/Client", tok, []map[string]any{{"id": target.ID,
			"new_external_link": map[string]any{"module_id": 301, "third_party_id": "8eb4256a-26ac", "third_party_desc": "GZ company"}}}), http.StatusCreated)
		got, _ := b.sim.Client(target.ID)
		if len(got.ExternalLinks) != 1 || got.ExternalLinks[0].TableID != 2 || got.ExternalLinks[0].HaloID != target.ID || got.ExternalLinks[0].HaloDesc != target.Name {
			t.Fatalf("links = %+v", got.ExternalLinks)
		}
		_, rows := decodePage(t, b.send(t, "GET", "/api/ExternalLink?third_party_id=8eb4256a-26ac&table_id=2", tok, nil), "links")
		if len(rows) != 1 || rows[0]["halo_id"] != float64(target.ID) {
			t.Fatalf("links = %v", rows)
		}
	})

	t.Run("DeleteAnswersTheDeletedClientAndRemovesItsSites", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		victim := b.sim.Clients()[0]
		resp := b.send(t, "DELETE", "/api/Client/"+itoa(victim.ID), tok, nil)
		wantStatus(t, resp, http.StatusOK)
		if got := decode[Client](t, resp); got.ID != victim.ID || got.Name != victim.Name {
			t.Fatalf("deleted = %+v", got)
		}
		for _, s := range b.sim.Sites() {
			if int(s.ClientID) == victim.ID {
				t.Fatalf("site %d of the deleted client remains", s.ID)
			}
		}
	})

	t.Run("SiteNeedsAValidClient", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantHaloError(t, b.send(t, "POST", "/api/Site", b.token(t, "all"), []map[string]any{{"name": "Annex", "client_id": 99999}}),
			http.StatusBadRequest, "Please select a valid Client")
	})

	t.Run("NewSiteGetsAGeneralUser", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		client := b.sim.Clients()[0]
		site := decode[Site](t, b.send(t, "POST", "/api/Site", tok, []map[string]any{{"name": "Annex", "client_id": client.ID}}))
		if int(site.ClientID) != client.ID || site.ClientName != client.Name {
			t.Fatalf("site = %+v", site)
		}
		_, rows := decodePage(t, b.send(t, "GET", "/api/Users?site_id="+itoa(site.ID), tok, nil), "users")
		if len(rows) != 1 || rows[0]["name"] != "General User" {
			t.Fatalf("users of the new site = %v", rows)
		}
	})

	t.Run("UserTakesClientFromItsSite", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		site := b.sim.Sites()[0]
		got := decode[User](t, b.send(t, "POST", "/api/Users", b.token(t, "all"),
			[]map[string]any{{"name": "Zoë Kraft", "site_id": site.ID, "emailaddress": "zoe@example.com"}}))
		if got.ClientID != int(site.ClientID) || got.SiteIDInt != site.ID || got.SiteName != site.Name {
			t.Fatalf("user = %+v", got)
		}
	})

	t.Run("UserNeedsAValidSite", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantHaloError(t, b.send(t, "POST", "/api/Users", b.token(t, "all"), []map[string]any{{"name": "Nobody"}}),
			http.StatusBadRequest, "Please select a valid Site")
	})
}

func TestAgentWrites(t *testing.T) {
	t.Parallel()

	t.Run("APIOnlyAgentIsHiddenFromTheDefaultList", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		created := decode[Agent](t, b.send(t, "POST", "/api/Agent", tok, []map[string]any{{"name": "halobridge", "isapiagent": true, "team": "Security Operations"}}))
		if !created.IsAPIAgent || len(created.Teams) != 1 || created.Teams[0].TeamName != "Security Operations" {
			t.Fatalf("agent = %+v", created)
		}
		listed := func(query string) bool {
			for _, a := range decode[[]Agent](t, b.send(t, "GET", "/api/Agent"+query, tok, nil)) {
				if a.ID == created.ID {
					return true
				}
			}
			return false
		}
		if listed("") || !listed("?includeapiagents=true") {
			t.Fatalf("listed by default %v, with includeapiagents %v", listed(""), listed("?includeapiagents=true"))
		}
	})

	t.Run("AgentNeedsAName", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantHaloError(t, b.send(t, "POST", "/api/Agent", b.token(t, "all"), []map[string]any{{"isdisabled": false, "email": "x@y.z"}}),
			http.StatusBadRequest, "Please enter a name for the Agent")
	})
}

func TestItemWrites(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")
	created := decode[Item](t, b.send(t, "POST", "/api/Item", tok, []map[string]any{{"name": "Mobile Security", "recurringprice": 1.5, "isrecurringitem": true}}))
	resp := b.send(t, "DELETE", "/api/Item/"+itoa(created.ID), tok, nil)
	wantStatus(t, resp, http.StatusOK)
	if got := decode[Item](t, resp); got.ID != created.ID || got.Name != "Mobile Security" {
		t.Fatalf("deleted = %+v", got)
	}
	wantStatus(t, b.send(t, "GET", "/api/Item/"+itoa(created.ID), tok, nil), http.StatusNotFound)
}
