package cli

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func TestMapping(t *testing.T) {
	t.Parallel()

	t.Run("ConfirmsWhatTheSyncSuggests", func(t *testing.T) {
		t.Parallel()
		b := setupCatalog(t)
		b.mustMain(t, "sync", "--wait")
		out := b.mustMain(t, "mapping suggestions")
		if !strings.Contains(out, b.ref("same")) || !strings.Contains(out, b.same.Name) || !strings.Contains(out, "normalised_name") {
			t.Errorf("suggestions:\n%s", out)
		}
		if out := b.mustMain(t, "mapping accept", b.ref("same")); !strings.Contains(out, "Confirmed 1 mappings.") {
			t.Errorf("accept: %s", out)
		}
		out = b.mustMain(t, "mapping list", "--mapped", "mapped")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 || !strings.Contains(lines[1], b.same.Name) || !strings.Contains(lines[1], "ok") || !strings.HasSuffix(lines[1], "yes") {
			t.Errorf("mapped clients:\n%s", out)
		}
		if out := b.mustMain(t, "mapping suggestions"); !strings.Contains(out, "No suggestions are waiting.") {
			t.Errorf("suggestions after accepting: %s", out)
		}
	})

	t.Run("MapsAndUnmapsByHand", func(t *testing.T) {
		t.Parallel()
		b := setupCatalog(t)
		b.mustMain(t, "sync", "--wait")
		out := b.mustMain(t, "mapping map", "--source", fmt.Sprint(b.source), "--customer", "lonely", "--client", fmt.Sprint(b.gone.ID), "--billing=false")
		want := fmt.Sprintf("Mapped Zyxwvut Quarrying to HaloPSA client '%s' (id %d): ticketing on, billing off, status ok.", b.gone.Name, b.gone.ID)
		if !strings.Contains(out, want) {
			t.Errorf("map: %s\nwant %s", out, want)
		}
		if out := b.mustMain(t, "mapping unmap", "--source", fmt.Sprint(b.source), "--customer", "lonely"); !strings.Contains(out, "Unmapped company lonely") {
			t.Errorf("unmap: %s", out)
		}
		if code, out := b.main(t, "mapping unmap", "--source", fmt.Sprint(b.source), "--customer", "lonely"); code != 1 || !strings.Contains(out.stderr.String(), "not found") {
			t.Errorf("unmap twice: exit %d: %s", code, out.stderr)
		}
	})

	t.Run("ListsAndMapsACompanySeenInAnEvent", func(t *testing.T) {
		t.Parallel()
		b := setupCatalog(t)
		b.mustMain(t, "sync", "--wait")
		withStore(t, b.dir, func(st *store.Store) {
			src, err := st.Source(t.Context(), b.source)
			if err != nil {
				t.Fatal(err)
			}
			_, err = st.StoreInbound(t.Context(), []store.InboundBatch{{PartnerID: src.PartnerID, SourceID: src.ID, ReceivedAt: time.Now(),
				Alerts: []source.Alert{{Source: source.Push, CustomerID: "c-new", Type: "malware", Severity: source.SeverityHigh,
					Facts: map[string]string{"customer_name": "Newcomer Bakery"}, OccurredAt: time.Now(), Fingerprint: "fp-1", EventID: "ev-1"}}}})
			if err != nil {
				t.Fatal(err)
			}
		})
		out := b.mustMain(t, "mapping list")
		if !regexp.MustCompile(`(?m)^Newcomer Bakery +\d+/c-new +Mail filter +seen in an event$`).MatchString(out) ||
			!regexp.MustCompile(`(?m)^Zyxwvut Quarrying +\d+/lonely +Mail filter +the source's customer list$`).MatchString(out) {
			t.Errorf("mapping list:\n%s", out)
		}
		out = b.mustMain(t, "mapping map", "--source", fmt.Sprint(b.source), "--customer", "c-new", "--client", fmt.Sprint(b.gone.ID))
		if want := fmt.Sprintf("Mapped Newcomer Bakery to HaloPSA client '%s' (id %d)", b.gone.Name, b.gone.ID); !strings.Contains(out, want) {
			t.Errorf("map: %s\nwant %s", out, want)
		}
		out = b.mustMain(t, "mapping list")
		if table, unmapped, _ := strings.Cut(out, "Companies not mapped yet"); !strings.Contains(table, "Newcomer Bakery") || strings.Contains(unmapped, "c-new") {
			t.Errorf("mapping list after mapping it:\n%s", out)
		}
	})

	t.Run("SaysWhatIsWrongWithTheArguments", func(t *testing.T) {
		t.Parallel()
		b := setupCatalog(t)
		for _, tc := range []struct {
			command string
			args    []string
			want    string
		}{
			{"mapping accept", nil, "give either --all or the suggestions"},
			{"mapping accept", []string{"same"}, "is not SOURCE/COMPANY_ID[=CLIENT_ID]"},
			{"mapping accept", []string{"1/same=first"}, "the client id after = is not a number"},
			{"mapping map", []string{"--client", "5"}, "--source and --customer are required"},
			{"mapping map", []string{"--source", fmt.Sprint(b.source), "--customer", "same", "--client", "99999"}, "HaloPSA has no client id 99999"},
			{"mapping map", []string{"--source", fmt.Sprint(b.source), "--customer", "nobody", "--client", "5"}, "sync the source, or wait for its first event"},
		} {
			code, out := b.main(t, tc.command, tc.args...)
			if code != 1 || !strings.Contains(out.stderr.String(), tc.want) {
				t.Errorf("%s %v: exit %d: %s; want %q", tc.command, tc.args, code, out.stderr, tc.want)
			}
		}
	})
}
