package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"halobridge/internal/store"
)

func TestResolveSiteWithoutGeneralUser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	var clientID, siteID int
	hasGU := map[int]bool{}
	for _, u := range b.sim.Users() {
		if !u.Inactive && strings.EqualFold(u.Name, "General User") {
			hasGU[int(u.SiteID)] = true
		}
	}
	for _, c := range b.sim.Clients() {
		if !c.Inactive && c.MainSiteID > 0 && !hasGU[c.MainSiteID] {
			clientID, siteID = c.ID, c.MainSiteID
			break
		}
	}
	if clientID == 0 {
		t.Fatal("the simulator has no active client without a General User")
	}
	// As ticket delivery raises it after HaloPSA refused a ticket: it names
	// the client and site, no source.
	e, err := b.st.RaiseEvent(ctx, store.Event{PartnerID: b.a.ID, Kind: "site_without_general_user",
		Key: fmt.Sprintf("site_without_general_user/%d/%d", clientID, siteID), Subject: "HaloPSA client",
		Message: "HaloPSA refused the ticket because the site has no General User.", Fix: "Add a General User.",
		Data: json.RawMessage(fmt.Sprintf(`{"client_id":%d,"site_id":%d}`, clientID, siteID))})
	if err != nil {
		t.Fatal(err)
	}

	status, body := b.call(t, b.a.ID, "GET", "/api/v1/events?state=open", "")
	if status != http.StatusOK || !strings.Contains(body, `"kind":"site_without_general_user","title":"Site without a General User","page":"/mapping","page_name":"Client mapping"`) {
		t.Errorf("list: %d %s, want the event's title and the page where it is fixed", status, body)
	}
	status, body = b.call(t, b.a.ID, "POST", fmt.Sprintf("/api/v1/events/%d/recheck", e.ID), "")
	if status != http.StatusOK || !strings.Contains(body, `"state":"open"`) || !strings.Contains(body, `"count":2`) {
		t.Errorf("recheck before the fix: %d %s, want it open and seen again", status, body)
	}
	status, body = b.call(t, b.a.ID, "POST", fmt.Sprintf("/api/v1/events/%d/resolve", e.ID), "")
	if status != http.StatusOK || !strings.Contains(body, `Created the General User (user id `) || !strings.Contains(body, `"state":"resolved"`) {
		t.Fatalf("resolve: %d %s", status, body)
	}
	found := false
	for _, u := range b.sim.Users() {
		found = found || (int(u.SiteID) == siteID && strings.EqualFold(u.Name, "General User"))
	}
	if !found {
		t.Error("no General User on the site in HaloPSA after resolving")
	}
	if status, _ := b.call(t, b.b.ID, "POST", fmt.Sprintf("/api/v1/events/%d/resolve", e.ID), ""); status != http.StatusNotFound {
		t.Errorf("another partner resolving it: %d, want 404", status)
	}
}
