package cli

import (
	"fmt"
	"strings"
	"testing"
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
