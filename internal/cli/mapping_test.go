package cli

import (
	"fmt"
	"strings"
	"testing"
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
		} {
			code, out := b.main(t, tc.command, tc.args...)
			if code != 1 || !strings.Contains(out.stderr.String(), tc.want) {
				t.Errorf("%s %v: exit %d: %s; want %q", tc.command, tc.args, code, out.stderr, tc.want)
			}
		}
	})
}
