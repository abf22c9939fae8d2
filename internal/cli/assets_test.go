package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func TestAssets(t *testing.T) {
	t.Parallel()
	b := setupCatalog(t)
	b.mustMain(t, "sync", "--wait")
	b.mustMain(t, "mapping accept", b.ref("same"))
	var tag string
	for _, a := range b.sim.Assets() {
		if a.ClientID == b.same.ID && !a.Inactive && a.InventoryNumber != "" {
			tag = a.InventoryNumber
			break
		}
	}
	if tag == "" {
		t.Fatalf("client %d has no seeded asset", b.same.ID)
	}
	withStore(t, b.dir, func(st *store.Store) {
		eps := []source.Endpoint{{ID: "d-1", CustomerID: "same", Name: tag, Managed: true}, {ID: "d-2", CustomerID: "same", Name: "KIOSK-9", Managed: true}}
		if _, err := st.SaveSourceEndpoints(t.Context(), b.source, "same", eps, time.Time{}); err != nil {
			t.Fatal(err)
		}
	})
	b.mustMain(t, "sync", "--wait")
	ref := []string{"--source", fmt.Sprint(b.source), "--customer", "same"}

	out := b.mustMain(t, "assets list", ref...)
	if !strings.Contains(out, tag) || !strings.Contains(out, "suggested") || !strings.Contains(out, "suggested 1, ambiguous 0, unmapped 1, confirmed 0") {
		t.Errorf("assets list:\n%s", out)
	}
	if out := b.mustMain(t, "assets accept", append(ref, "--all")...); !strings.Contains(out, "Confirmed 1 asset mapping(s).") {
		t.Errorf("assets accept --all: %s", out)
	}
	if out := b.mustMain(t, "assets list", append(ref, "--state", "confirmed")...); !strings.Contains(out, "d-1") || strings.Contains(out, "KIOSK-9") {
		t.Errorf("confirmed endpoints:\n%s", out)
	}
	if code, out := b.main(t, "assets list"); code != 1 || !strings.Contains(out.stderr.String(), "--source and --customer are required") {
		t.Errorf("assets list without a company: exit %d: %s", code, out.stderr)
	}
	if out := b.mustMain(t, "assets settings"); !strings.Contains(out, `"asset_field": "inventory_number"`) {
		t.Errorf("the default settings:\n%s", out)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"match":{"rules":[{"asset_field":"Serial","property":"serial","mode":"exact"}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := b.main(t, "assets settings", "--file", bad); code != 1 || !strings.Contains(out.stderr.String(), `unknown endpoint property "serial"`) {
		t.Errorf("settings with an unknown property: exit %d: %s", code, out.stderr)
	}
}
