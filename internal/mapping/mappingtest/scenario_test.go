package mappingtest_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/mapping"
	"halobridge/internal/mapping/mappingtest"
	"halobridge/internal/source"
)

func TestScenario(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		customers []source.Customer
		clients   map[int]mapping.HaloClient
		want      map[string]mappingtest.Expect
	}
	setup := func(t *testing.T, seed int64) *testBundle {
		t.Helper()
		customers, clients, want := mappingtest.Scenario(seed)
		b := &testBundle{customers: customers, clients: map[int]mapping.HaloClient{}, want: want}
		for _, cl := range clients {
			if _, dup := b.clients[cl.ID]; dup {
				t.Fatalf("client id %d used twice", cl.ID)
			}
			b.clients[cl.ID] = cl
		}
		if len(clients) != mappingtest.Clients {
			t.Fatalf("got %d clients, want %d", len(clients), mappingtest.Clients)
		}
		return b
	}

	t.Run("BuildsTheAnnouncedMix", func(t *testing.T) {
		t.Parallel()
		b := setup(t, 1)
		if len(b.customers) != mappingtest.Companies || len(b.want) != mappingtest.Companies {
			t.Fatalf("got %d companies and %d expectations, want %d of each", len(b.customers), len(b.want), mappingtest.Companies)
		}
		got := map[string]int{}
		resellers := 0
		for _, c := range b.customers {
			w := b.want[c.ID]
			kind := string(w.Rule)
			if len(w.Candidates) > 0 {
				kind += " (ambiguous)"
			}
			got[kind]++
			if c.Reseller {
				resellers++
			}
		}
		want := map[string]int{
			"exact_external_id":           40,
			"normalised_name":             120,
			"domain":                      50,
			"fuzzy":                       40,
			"normalised_name (ambiguous)": 15,
			"domain (ambiguous)":          5,
			"":                            30,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("mix (-want +got):\n%s", diff)
		}
		if resellers != 5 {
			t.Errorf("got %d resellers, want 5", resellers)
		}
	})

	t.Run("ExpectsOnlyActiveClientsThatExist", func(t *testing.T) {
		t.Parallel()
		b := setup(t, 2)
		for id, w := range b.want {
			ids := slices.Clone(w.Candidates)
			if w.ClientID != 0 {
				ids = append(ids, w.ClientID)
			}
			if w.Rule != "" && len(ids) == 0 {
				t.Errorf("company %s expects rule %s but no client", id, w.Rule)
			}
			for _, clientID := range ids {
				cl, ok := b.clients[clientID]
				if !ok || cl.Inactive {
					t.Errorf("company %s expects client %d, which is missing or inactive", id, clientID)
				}
			}
		}
	})

	t.Run("BuildsEachCompanyForItsRule", func(t *testing.T) {
		t.Parallel()
		b := setup(t, 3)
		for _, c := range b.customers {
			w := b.want[c.ID]
			switch {
			case w.Rule == mapping.RuleExternalID:
				if _, ok := b.clients[w.ClientID].ExternalIDs[mapping.ExternalKey(mappingtest.Kind, c.ID)]; !ok {
					t.Errorf("%q: client %d has no link to it", c.Name, w.ClientID)
				}
			case w.Rule == mapping.RuleName && w.ClientID != 0:
				if got, want := mapping.NormaliseName(c.Name), mapping.NormaliseName(b.clients[w.ClientID].Name); got != want {
					t.Errorf("%q normalises to %q, its client %q to %q", c.Name, got, b.clients[w.ClientID].Name, want)
				}
			case w.Rule == mapping.RuleDomain:
				if mapping.DomainOf(c.Domain) == "" {
					t.Errorf("%q: domain %q identifies no company", c.Name, c.Domain)
				}
			case w.Rule == mapping.RuleFuzzy:
				if mapping.NormaliseName(c.Name) == mapping.NormaliseName(b.clients[w.ClientID].Name) {
					t.Errorf("%q: same normalised name as its client %q, want a typo", c.Name, b.clients[w.ClientID].Name)
				}
			}
		}
	})

	t.Run("GivesSameScenarioForSameSeed", func(t *testing.T) {
		t.Parallel()
		c1, cl1, w1 := mappingtest.Scenario(7)
		c2, cl2, w2 := mappingtest.Scenario(7)
		if !cmp.Equal(c1, c2) || !cmp.Equal(cl1, cl2) || !cmp.Equal(w1, w2) {
			t.Error("two scenarios from seed 7 differ")
		}
		c3, _, _ := mappingtest.Scenario(8)
		if cmp.Equal(c1, c3) {
			t.Error("seeds 7 and 8 gave the same companies")
		}
	})
}
