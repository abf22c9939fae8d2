package bench

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/mapping/assetmatch"
)

func TestAssetsMatchesTheWorldAsItWasBuilt(t *testing.T) {
	t.Parallel()
	report := Assets(AssetsOptions{Endpoints: 20, Assets: 25, Runs: 1})
	if report.Endpoints != 20 || report.Assets != 25 || report.Baseline <= 0 || report.Machine == "" {
		t.Fatalf("report %+v", report)
	}
	// Per ten endpoints: the first is ambiguous (the ninth asset bears its
	// name too), the ninth is unmatched, the other eight get a suggestion.
	for i, want := range []AssetsModeRun{
		{Mode: assetmatch.ModeExact, Suggestions: 16, Ambiguous: 2, Unmatched: 2},
		{Mode: assetmatch.ModeContains, Suggestions: 16, Ambiguous: 2, Unmatched: 2},
	} {
		got := report.Modes[i]
		if got.Seconds <= 0 || got.Ratio != got.Seconds/report.Baseline || report.Ratio < got.Ratio {
			t.Errorf("%s: %v s, ratio %v, report's ratio %v", got.Mode, got.Seconds, got.Ratio, report.Ratio)
		}
		got.Seconds, got.Ratio = 0, 0
		if got != want {
			t.Errorf("mode %d: %+v, want %+v", i, got, want)
		}
	}
}

func TestAssetWorldMatchesEachKindByItsRule(t *testing.T) {
	t.Parallel()
	endpoints, assets := AssetWorld(10, 10)
	r := assetmatch.Match(AssetRules(assetmatch.ModeExact), endpoints, assets, nil)
	rules := map[string]int{}
	for _, s := range r.Suggestions {
		rules[s.EndpointID] = s.Rule
		if want := 1 + int(s.EndpointID[len(s.EndpointID)-1]-'0'); s.AssetID != want {
			t.Errorf("%s suggested asset %d, want %d", s.EndpointID, s.AssetID, want)
		}
	}
	want := map[string]int{"gz-000001": 0, "gz-000002": 0, "gz-000003": 0, "gz-000004": 0,
		"gz-000005": 1, "gz-000006": 1, "gz-000007": 0, "gz-000009": 2}
	if diff := cmp.Diff(want, rules); diff != "" {
		t.Errorf("rule per endpoint (-want +got):\n%s", diff)
	}
	if len(r.Ambiguous) != 1 || r.Ambiguous[0].EndpointID != "gz-000000" || !cmp.Equal(r.Ambiguous[0].AssetIDs, []int{1, 9}) {
		t.Errorf("ambiguous %+v, want gz-000000 with assets 1 and 9", r.Ambiguous)
	}
}
