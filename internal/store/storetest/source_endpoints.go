package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func testSourceEndpoints(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("Changes", func(t *testing.T) {
		t.Parallel()
		testEndpointChanges(t, setup)
	})
	seen := time.Date(2026, 3, 14, 9, 26, 53, 123456000, time.UTC)
	laptop := source.Endpoint{ID: "e-1", CustomerID: "c1", Name: "FIN-LAPTOP-07", Label: "Finance laptop", FQDN: "fin-laptop-07.alpha.local",
		OS: "Windows 11 Pro", IPs: []string{"10.0.0.7", "fe80::1"}, MACs: []string{"001a2b3c4d5e"}, Managed: true, LastSeen: seen}
	printer := source.Endpoint{ID: "e-2", CustomerID: "c1", Name: "PRN-01", OS: "Linux"}
	server := source.Endpoint{ID: "e-3", CustomerID: "c2", Name: "SRV-DC1", FQDN: "srv-dc1.beta.local", Managed: true}

	t.Run("KeepsEachCustomersEndpointsAndReplacesThemOnSync", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		other := createSource(t, b, p.ID, source.GravityZone)
		for _, c := range []struct {
			id  string
			eps []source.Endpoint
		}{{"c1", []source.Endpoint{printer, laptop}}, {"c2", []source.Endpoint{server}}} {
			if gone, err := b.store.SaveSourceEndpoints(b.ctx, src.ID, c.id, c.eps, time.Time{}); err != nil || gone != nil {
				t.Fatalf("first save of %s: gone %v, %v", c.id, gone, err)
			}
		}
		if _, err := b.store.SaveSourceEndpoints(b.ctx, other.ID, "c1", []source.Endpoint{{ID: "e-9", CustomerID: "c1", Name: "Elsewhere"}}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.SourceEndpoints(b.ctx, src.ID, "c1")
		if want := []source.Endpoint{laptop, printer}; err != nil || !cmp.Equal(got, want) {
			t.Fatalf("SourceEndpoints(c1): %v\n%s", err, cmp.Diff(want, got))
		}

		// A sync lists c1 again: the laptop renamed, the printer gone, a new one.
		renamed := laptop
		renamed.Name, renamed.IPs, renamed.LastSeen = "FIN-LAPTOP-08", nil, time.Time{}
		added := source.Endpoint{ID: "e-4", CustomerID: "c1", Name: "FIN-LAPTOP-09", MACs: []string{"aabbccddeeff"}}
		gone, err := b.store.SaveSourceEndpoints(b.ctx, src.ID, "c1", []source.Endpoint{added, renamed}, time.Time{})
		if err != nil || !cmp.Equal(gone, []string{"e-2"}) {
			t.Errorf("second save: gone %v, %v; want [e-2]", gone, err)
		}
		got, _ = b.store.SourceEndpoints(b.ctx, src.ID, "c1")
		if want := []source.Endpoint{renamed, added}; !cmp.Equal(got, want) {
			t.Errorf("after the sync (-want +got):\n%s", cmp.Diff(want, got))
		}
		got, _ = b.store.SourceEndpoints(b.ctx, src.ID, "c2")
		if want := []source.Endpoint{server}; !cmp.Equal(got, want) {
			t.Errorf("c2 changed (-want +got):\n%s", cmp.Diff(want, got))
		}

		// An endpoint that moves to c2 leaves c1's list; an empty list empties.
		moved := added
		moved.CustomerID = "c2"
		if gone, err := b.store.SaveSourceEndpoints(b.ctx, src.ID, "c2", []source.Endpoint{server, moved}, time.Time{}); err != nil || gone != nil {
			t.Errorf("move: gone %v, %v", gone, err)
		}
		if got, _ := b.store.SourceEndpoints(b.ctx, src.ID, "c1"); !cmp.Equal(got, []source.Endpoint{renamed}) {
			t.Errorf("c1 after the move: %+v", got)
		}
		if gone, err := b.store.SaveSourceEndpoints(b.ctx, src.ID, "c2", nil, time.Time{}); err != nil || !cmp.Equal(gone, []string{"e-3", "e-4"}) {
			t.Errorf("emptied: gone %v, %v; want [e-3 e-4]", gone, err)
		}
	})

	t.Run("SavesManyEndpointsAtOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		var eps []source.Endpoint
		for i := range 450 {
			eps = append(eps, source.Endpoint{ID: fmt.Sprintf("e-%03d", i), CustomerID: "c1", Name: fmt.Sprintf("PC-%03d", i)})
		}
		if _, err := b.store.SaveSourceEndpoints(b.ctx, src.ID, "c1", eps, time.Time{}); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.SourceEndpoints(b.ctx, src.ID, "c1")
		if err != nil || len(got) != 450 || got[449].Name != "PC-449" {
			t.Errorf("SourceEndpoints: %d endpoints, %v", len(got), err)
		}
	})

	t.Run("RefusesEndpointsWithoutIdsRepeatedOrTooMany", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		for name, eps := range map[string][]source.Endpoint{
			"without id":  {{ID: "e-1"}, {Name: "no id"}},
			"repeated id": {{ID: "e-1"}, {ID: "e-1"}},
			"too many":    make([]source.Endpoint, source.MaxEndpointsPerCustomer+1),
		} {
			if _, err := b.store.SaveSourceEndpoints(b.ctx, src.ID, "c1", eps, time.Time{}); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", name, err)
			}
		}
		if _, err := b.store.SaveSourceEndpoints(b.ctx, src.ID, " ", nil, time.Time{}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("no customer: err = %v, want ErrInvalid", err)
		}
		if got, err := b.store.SourceEndpoints(b.ctx, src.ID, "c1"); err != nil || len(got) != 0 {
			t.Errorf("a refused save stored %v (%v)", got, err)
		}
	})

	t.Run("FindsTheCompanyOfAnEndpointFromTheSourcesList", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		other := createSource(t, b, p.ID, source.GravityZone)
		save := func(sourceID int64, customer string, eps ...source.Endpoint) {
			t.Helper()
			if _, err := b.store.SaveSourceEndpoints(b.ctx, sourceID, customer, eps, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		save(src.ID, "c1", laptop, source.Endpoint{ID: "e_%", Name: "PC_%"})
		save(src.ID, "c2", server, source.Endpoint{ID: "e-20", Name: "SHARED"})
		save(src.ID, "c3", source.Endpoint{ID: "e-30", Name: "shared"})
		save(other.ID, "c9", source.Endpoint{ID: "e-90", Name: "ELSEWHERE"})
		// An alert of company c4 names host "mixed"; the list has it at c2.
		a := pushed("1", "c4", map[string]string{"computer_id": "e-40"})
		a.HostName = "MIXED"
		if _, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: time.Now(), Alerts: []source.Alert{a}}}); err != nil {
			t.Fatal(err)
		}
		save(src.ID, "c2", server, source.Endpoint{ID: "e-20", Name: "SHARED"}, source.Endpoint{ID: "e-21", Name: "Mixed"})
		for _, tc := range []struct {
			name string
			q    store.EndpointQuery
			want []string
		}{
			{"ByTheEndpointID", store.EndpointQuery{Facts: map[string]string{"computer_id": "e-1"}, HostName: "RENAMED"}, []string{"c1"}},
			{"ByAnyIDFact", store.EndpointQuery{Facts: map[string]string{"endpointId": "e-3", "computer_id": "nope"}}, []string{"c2"}},
			{"ByTheNameIgnoringCase", store.EndpointQuery{HostName: "fin-laptop-07"}, []string{"c1"}},
			{"ByTheFQDN", store.EndpointQuery{HostName: "SRV-DC1.beta.local"}, []string{"c2"}},
			{"ByTheFQDNsFirstLabel", store.EndpointQuery{HostName: "srv-dc1"}, []string{"c2"}},
			{"ByTheNameOfAnFQDN", store.EndpointQuery{HostName: "fin-laptop-07.elsewhere.local"}, []string{"c1"}},
			{"ByNameWhenNoIDMatches", store.EndpointQuery{Facts: map[string]string{"computer_id": "unknown"}, HostName: "SRV-DC1"}, []string{"c2"}},
			{"SeveralCompaniesForAName", store.EndpointQuery{HostName: "Shared"}, []string{"c2", "c3"}},
			{"TogetherWithOtherAlerts", store.EndpointQuery{HostName: "mixed"}, []string{"c2", "c4"}},
			{"WildcardsAreText", store.EndpointQuery{Facts: map[string]string{"computer_id": "e-%"}, HostName: "PC-%"}, nil},
			{"NotFromAnotherSource", store.EndpointQuery{Facts: map[string]string{"computer_id": "e-90"}, HostName: "ELSEWHERE"}, nil},
		} {
			tc.q.PartnerID, tc.q.SourceID = p.ID, src.ID
			got, err := b.store.EndpointCompanies(b.ctx, tc.q)
			if err != nil || !cmp.Equal(got, tc.want) {
				t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
			}
		}
	})
}
