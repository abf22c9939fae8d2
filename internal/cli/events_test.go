package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/store"
)

func TestEvents(t *testing.T) {
	t.Parallel()

	t.Run("ListsRechecksAndResolves", func(t *testing.T) {
		t.Parallel()
		b := setupCatalog(t)
		b.mustMain(t, "sync", "--wait")
		b.mustMain(t, "mapping map", "--source", fmt.Sprint(b.source), "--customer", "gone", "--client", fmt.Sprint(b.gone.ID))
		b.sim.DeleteClient(b.gone.ID)
		if out := b.mustMain(t, "sync", "--wait"); !strings.Contains(out, "Events: 1 problems found") {
			t.Errorf("sync: %s", out)
		}
		out := b.mustMain(t, "events list")
		for _, want := range []string{"#1  open  client_not_found  seen 1×", "Quondam Works", "Fix: Map company 'Quondam Works' to another HaloPSA client, or unmap it."} {
			if !strings.Contains(out, want) {
				t.Errorf("list lacks %q:\n%s", want, out)
			}
		}
		if out := b.mustMain(t, "events recheck"); !strings.Contains(out, "#1 client_not_found: open (seen 2×)") {
			t.Errorf("recheck: %s", out)
		}
		if out := b.mustMain(t, "events resolve", "1"); !strings.Contains(out, "Acknowledged") || !strings.Contains(out, "#1 is now acknowledged.") {
			t.Errorf("resolve: %s", out)
		}
		if out := b.mustMain(t, "events list"); !strings.Contains(out, "No events.") {
			t.Errorf("open events after resolving: %s", out)
		}
		if out := b.mustMain(t, "events list", "--state", "acknowledged"); !strings.Contains(out, "#1  acknowledged") {
			t.Errorf("acknowledged events: %s", out)
		}
	})

	t.Run("ResolvesASiteWithoutAGeneralUserThatDeliveryRaised", func(t *testing.T) {
		t.Parallel()
		b := setupCatalog(t)
		b.mustMain(t, "sync", "--wait")
		client, siteID := siteWithoutGeneralUser(t, b.sim)
		var eventID int64
		withStore(t, b.dir, func(st *store.Store) {
			p, err := st.PartnerBySlug(t.Context(), "acme")
			if err != nil {
				t.Fatal(err)
			}
			// As ticket delivery raises it after HaloPSA refused a ticket: it
			// names the client and site, no source.
			e, err := st.RaiseEvent(t.Context(), store.Event{PartnerID: p.ID, Kind: "site_without_general_user",
				Key: fmt.Sprintf("site_without_general_user/%d/%d", client.ID, siteID), Subject: "HaloPSA client " + client.Name,
				Message: "HaloPSA refused the ticket because the site has no General User.", Fix: "Add a General User.",
				Data: json.RawMessage(fmt.Sprintf(`{"client_id":%d,"site_id":%d}`, client.ID, siteID))})
			if err != nil {
				t.Fatal(err)
			}
			eventID = e.ID
		})
		id := fmt.Sprint(eventID)
		if out := b.mustMain(t, "events recheck", id); !strings.Contains(out, "open (seen 2×)") {
			t.Errorf("recheck before the fix: %s", out)
		}
		out := b.mustMain(t, "events resolve", id)
		if !strings.Contains(out, "Created the General User (user id ") || !strings.Contains(out, "is now resolved") {
			t.Errorf("resolve: %s", out)
		}
		if _, ok := generalUserOf(b.sim, siteID); !ok {
			t.Error("no General User on the site in HaloPSA after resolving")
		}
	})

	t.Run("WantsOneEventToResolve", func(t *testing.T) {
		t.Parallel()
		b := setupCatalog(t)
		if code, out := b.main(t, "events resolve"); code != 1 || !strings.Contains(out.stderr.String(), "give the id of one event") {
			t.Errorf("exit %d: %s", code, out.stderr)
		}
		if code, out := b.main(t, "events list", "--state", "closed"); code != 1 || !strings.Contains(out.stderr.String(), "--state must be") {
			t.Errorf("exit %d: %s", code, out.stderr)
		}
	})
}

// siteWithoutGeneralUser finds an active client of sim whose main site has
// no General User.
func siteWithoutGeneralUser(t *testing.T, sim *halosim.Sim) (halosim.Client, int) {
	t.Helper()
	for _, c := range sim.Clients() {
		if _, ok := generalUserOf(sim, c.MainSiteID); !c.Inactive && c.MainSiteID > 0 && !ok {
			return c, c.MainSiteID
		}
	}
	t.Fatal("every active client of the simulator has a General User on its main site")
	return halosim.Client{}, 0
}

func generalUserOf(sim *halosim.Sim, siteID int) (halosim.User, bool) {
	for _, u := range sim.Users() {
		if int(u.SiteID) == siteID && !u.Inactive && strings.EqualFold(u.Name, "General User") {
			return u, true
		}
	}
	return halosim.User{}, false
}
