package mapping_test

import (
	"fmt"
	"slices"
	"testing"

	"halobridge/internal/mapping"
	"halobridge/internal/mapping/mappingtest"
)

// TestSuggestOnScenario runs Suggest on catalogs of 500 HaloPSA clients and
// 300 GravityZone companies whose expected suggestions follow from how they
// were built, for several seeds.
func TestSuggestOnScenario(t *testing.T) {
	t.Parallel()

	for _, seed := range []int64{1, 2, 20261001} {
		t.Run(fmt.Sprintf("Seed%d", seed), func(t *testing.T) {
			t.Parallel()
			customers, clients, want := mappingtest.Scenario(seed)
			got := map[string]mapping.Suggestion{}
			for _, s := range mapping.Suggest(mappingtest.Kind, customers, clients, nil) {
				if _, dup := got[s.CustomerID]; dup {
					t.Errorf("two suggestions for customer %s", s.CustomerID)
				}
				got[s.CustomerID] = s
			}
			names := map[string]string{}
			for _, c := range customers {
				names[c.ID] = c.Name
			}
			byRule := map[mapping.Rule]int{}
			for id, w := range want {
				s, ok := got[id]
				if w.Rule == "" {
					if ok {
						t.Errorf("%q: got %s suggestion of client %d (%q, score %.4f), want none", names[id], s.Rule, s.ClientID, s.ClientName, s.Score)
					}
					continue
				}
				if !ok {
					t.Errorf("%q: got no suggestion, want %s of client %d", names[id], w.Rule, w.ClientID)
					continue
				}
				byRule[s.Rule]++
				if s.Rule != w.Rule {
					t.Errorf("%q: got rule %s (client %d %q), want %s", names[id], s.Rule, s.ClientID, s.ClientName, w.Rule)
				}
				var candidates []int
				for _, c := range s.Candidates {
					candidates = append(candidates, c.ClientID)
				}
				slices.Sort(candidates)
				if s.ClientID != w.ClientID || !slices.Equal(candidates, w.Candidates) {
					t.Errorf("%q: got client %d candidates %v, want client %d candidates %v", names[id], s.ClientID, candidates, w.ClientID, w.Candidates)
				}
				if s.Ambiguous != (len(w.Candidates) > 0) {
					t.Errorf("%q: got ambiguous %v, want %v", names[id], s.Ambiguous, len(w.Candidates) > 0)
				}
				switch {
				case s.Rule == mapping.RuleFuzzy && (s.Score < mapping.FuzzyThreshold || s.Score >= 1):
					t.Errorf("%q: fuzzy score %v, want in [0.9, 1)", names[id], s.Score)
				case s.Rule != mapping.RuleFuzzy && s.Score != 1:
					t.Errorf("%q: %s score %v, want 1", names[id], s.Rule, s.Score)
				}
			}
			if len(got) != len(want)-mappingtest.NoMatch {
				t.Errorf("got %d suggestions, want %d", len(got), len(want)-mappingtest.NoMatch)
			}
			t.Logf("suggestions by rule: %v", byRule)
		})
	}
}
