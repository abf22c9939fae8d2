package setup_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/connect"
	"halobridge/internal/setup"
	"halobridge/internal/store"
)

func TestIntegrationMissing(t *testing.T) {
	t.Parallel()
	halo := "Connect HaloPSA first"
	src := "Connect GravityZone, DefensX or the push API first"
	consent := "Tick the box to agree: halobridge cannot work without reading your HaloPSA"
	cases := []struct {
		name      string
		connected bool
		sources   int
		consented bool
		want      connect.FieldErrors
	}{
		{"NothingYetLacksEverything", false, 0, false, connect.FieldErrors{"halo": halo, "source": src, "consent": consent}},
		{"ASourceAloneLacksHaloPSAAndConsent", false, 1, false, connect.FieldErrors{"halo": halo, "consent": consent}},
		{"HaloPSAAndConsentLackASource", true, 0, true, connect.FieldErrors{"source": src}},
		{"EverythingLacksNothing", true, 2, true, connect.FieldErrors{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := setup.IntegrationMissing(tc.connected, tc.sources, tc.consented)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMissingWords(t *testing.T) {
	t.Parallel()
	got := setup.MissingWords([]string{store.SetupBilling, "consent"})
	want := "save the Billing step; agree to halobridge collecting and processing your HaloPSA data (Integration step)"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := setup.MissingWords(nil); got != "" {
		t.Errorf("nothing missing: %q", got)
	}
}
