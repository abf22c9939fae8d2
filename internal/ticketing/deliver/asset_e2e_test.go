package deliver_test

import (
	"slices"
	"strings"
	"testing"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/mapping/assetmap"
	"halobridge/internal/store"
	"halobridge/internal/wait"
)

func TestTicketsCarryTheMappedAsset(t *testing.T) {
	t.Parallel()

	t.Run("AnAlertOnAMappedHostCarriesItsAssetAndTheBodyNamesIt", func(t *testing.T) {
		t.Parallel()
		w := setupPush(t, false)
		company := w.mappedCustomer(t)
		// The sync reads the company's endpoints and the client's assets.
		syncCatalogs(t, w.testBundle)
		eps := w.gz.Endpoints(company.ID)
		if len(eps) < 2 {
			t.Fatalf("the company has %d endpoints, want two at least", len(eps))
		}
		mapped, unmapped := eps[0], eps[1]
		asset := activeAsset(t, w.sim, w.client.ID)
		assets := &assetmap.Service{Store: w.store, Halo: w.halo}
		if err := assets.Map(w.ctx, w.partner.ID, w.src.ID, company.ID, mapped.EndpointID, asset.ID); err != nil {
			t.Fatalf("map the endpoint to asset %d: %v", asset.ID, err)
		}

		// Pushed events name the machine by its host name and computer_id,
		// which is not the id getEndpointsList gives it: the host name finds it.
		w.push(t, w.event(t, "av", company.ID, mapped.Name, mapped.ComputerID), w.event(t, "av", company.ID, unmapped.Name, unmapped.ComputerID))
		var onMapped, onUnmapped halosim.Ticket
		wait.For(t, "both tickets", func() bool {
			var ok1, ok2 bool
			onMapped, ok1 = ticketByKey(w.sim, "host/gravityzone/"+company.ID+"/av/"+strings.ToLower(mapped.Name))
			onUnmapped, ok2 = ticketByKey(w.sim, "host/gravityzone/"+company.ID+"/av/"+strings.ToLower(unmapped.Name))
			return ok1 && ok2
		})
		if ids := ticketAssetIDs(onMapped); !slices.Equal(ids, []int{asset.ID}) {
			t.Errorf("the mapped host's ticket carries assets %v, want [%d]", ids, asset.ID)
		}
		if !strings.Contains(onMapped.DetailsHTML, "<th>HaloPSA asset</th><td>"+asset.InventoryNumber+" <small>("+asset.AssetTypeName) {
			t.Errorf("the body does not name asset %q (%s):\n%s", asset.InventoryNumber, asset.AssetTypeName, onMapped.DetailsHTML)
		}
		if ids := ticketAssetIDs(onUnmapped); len(ids) != 0 || strings.Contains(onUnmapped.DetailsHTML, "HaloPSA asset") {
			t.Errorf("the unmapped host's ticket carries assets %v:\n%s", ids, onUnmapped.DetailsHTML)
		}
	})

	t.Run("AnAssetMadeInactiveIsNotCarried", func(t *testing.T) {
		t.Parallel()
		w := setupPush(t, false)
		company := w.mappedCustomer(t)
		syncCatalogs(t, w.testBundle)
		ep := w.gz.Endpoints(company.ID)[0]
		asset := activeAsset(t, w.sim, w.client.ID)
		if err := (&assetmap.Service{Store: w.store, Halo: w.halo}).Map(w.ctx, w.partner.ID, w.src.ID, company.ID, ep.EndpointID, asset.ID); err != nil {
			t.Fatal(err)
		}
		// HaloPSA deletes the asset; the next sync reads its absence.
		w.sim.DeleteAsset(asset.ID)
		syncCatalogs(t, w.testBundle)
		w.push(t, w.event(t, "av", company.ID, ep.Name, ep.ComputerID))
		var tk halosim.Ticket
		wait.For(t, "the ticket", func() (ok bool) {
			tk, ok = ticketByKey(w.sim, "host/gravityzone/"+company.ID+"/av/"+strings.ToLower(ep.Name))
			return ok
		})
		if ids := ticketAssetIDs(tk); len(ids) != 0 {
			t.Errorf("the ticket carries assets %v, want none: HaloPSA no longer has asset %d", ids, asset.ID)
		}
		gone, err := w.store.Events(w.ctx, w.partner.ID, store.EventQuery{Kind: "asset_deleted"})
		if err != nil || len(gone) != 1 || !strings.Contains(gone[0].Message, "no longer has asset") {
			t.Errorf("asset deleted events %+v, %v; want one", gone, err)
		}
	})
}

// activeAsset is an active asset of client clientID in the simulator.
func activeAsset(t *testing.T, sim *halosim.Sim, clientID int) halosim.Asset {
	t.Helper()
	for _, a := range sim.Assets() {
		if a.ClientID == clientID && !a.Inactive && a.InventoryNumber != "" {
			return a
		}
	}
	t.Fatalf("the simulator has no active asset of client %d", clientID)
	return halosim.Asset{}
}

func ticketAssetIDs(tk halosim.Ticket) []int {
	var ids []int
	for _, a := range tk.Assets {
		ids = append(ids, a.ID)
	}
	return ids
}
