package mapper_test

import (
	"errors"
	"slices"
	"testing"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/mapping"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/syncrun/syncruntest"
)

func TestReject(t *testing.T) {
	t.Parallel()

	t.Run("ARejectedSuggestionIsNotMadeAgainByTheNextSync", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			n, err := b.Mappings.Reject(ctx, b.Partner.ID, []mapper.Accept{{SourceID: b.src.ID, CustomerID: "same"}})
			if err != nil || n != 1 {
				t.Fatalf("Reject = %d, %v; want the suggestion withdrawn", n, err)
			}
			if res := b.MustSync(t); res.Suggested != 0 {
				t.Errorf("the sync after rejecting suggested %d", res.Suggested)
			}
			if m, err := st.Mapping(ctx, b.src.ID, "same"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("after the sync: mapping %+v, %v; want none", m, err)
			}
			got, err := b.Mappings.Suggestions(ctx, b.Partner.ID)
			if err != nil || len(got) != 1 || got[0].CustomerID != "twin" {
				t.Errorf("suggestions %+v, %v; want only the ambiguous twin", got, err)
			}
			res, err := b.Mappings.Confirm(ctx, b.Partner.ID, []mapper.Accept{{SourceID: b.src.ID, CustomerID: "same", ClientID: b.same.ID}})
			if err != nil || len(res.Confirmed) != 0 || len(res.Conflicts) != 1 || res.Conflicts[0].Reason != "no_suggestion" {
				t.Errorf("accepting the rejected suggestion: %+v, %v; want a no_suggestion conflict", res, err)
			}
			rejected, err := st.RejectedSuggestions(ctx, b.Partner.ID)
			if err != nil || len(rejected) != 1 || rejected[0].SourceID != b.src.ID || rejected[0].CustomerID != "same" || rejected[0].ClientID != b.same.ID {
				t.Errorf("rejections %+v, %v; want the one of company same and client %d", rejected, err, b.same.ID)
			}
		})
	})

	t.Run("NoWeakerRuleStandsInForARejectedMatch", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			byName, byDomain := b.clients[6], b.clients[7]
			b.Sim.UpdateClient(byDomain.ID, func(c *halosim.Client) { c.Website = "https://dual-claim.example" })
			b.Push(t, b.src,
				source.Customer{ID: "dual", Name: byName.Name, Domain: "it@dual-claim.example"},
				source.Customer{ID: "domain-only", Name: "Qwertzuiop Haulage", Domain: "it@dual-claim.example"},
			)
			b.MustSync(t)
			if m, err := st.Mapping(ctx, b.src.ID, "domain-only"); err != nil || m.ClientID != byDomain.ID || m.Rule != string(mapping.RuleDomain) {
				t.Fatalf("the domain alone suggests %+v, %v; want client %d by domain", m, err, byDomain.ID)
			}
			if m, err := st.Mapping(ctx, b.src.ID, "dual"); err != nil || m.ClientID != byName.ID || m.Rule != string(mapping.RuleName) {
				t.Fatalf("dual is suggested %+v, %v; want client %d by name", m, err, byName.ID)
			}
			if n, err := b.Mappings.Reject(ctx, b.Partner.ID, []mapper.Accept{{SourceID: b.src.ID, CustomerID: "dual"}}); err != nil || n != 1 {
				t.Fatalf("Reject = %d, %v", n, err)
			}
			b.MustSync(t)
			if m, err := st.Mapping(ctx, b.src.ID, "dual"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("after rejecting the name match: %+v, %v; want no suggestion, not the domain's client", m, err)
			}
		})
	})

	t.Run("ARejectNamingAnotherClientLeavesTheSuggestion", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			n, err := b.Mappings.Reject(ctx, b.Partner.ID, []mapper.Accept{{SourceID: b.src.ID, CustomerID: "same", ClientID: b.clients[4].ID}})
			if err != nil || n != 0 {
				t.Errorf("Reject = %d, %v; want nothing withdrawn", n, err)
			}
			if m, err := st.Mapping(ctx, b.src.ID, "same"); err != nil || m.ClientID != b.same.ID {
				t.Errorf("suggestion %+v, %v; want it kept", m, err)
			}
			if rejected, err := st.RejectedSuggestions(ctx, b.Partner.ID); err != nil || len(rejected) != 0 {
				t.Errorf("rejections %+v, %v; want none", rejected, err)
			}
		})
	})

	t.Run("MappingTheRejectedPairByHandForgetsTheRejection", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			if _, err := b.Mappings.Reject(ctx, b.Partner.ID, []mapper.Accept{{SourceID: b.src.ID, CustomerID: "same"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "same", mapper.MapInput{ClientID: b.clients[4].ID}); err != nil {
				t.Fatal(err)
			}
			if rejected, err := st.RejectedSuggestions(ctx, b.Partner.ID); err != nil || len(rejected) != 1 {
				t.Errorf("after mapping to another client: rejections %+v, %v; want the rejection kept", rejected, err)
			}
			v, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "same", mapper.MapInput{ClientID: b.same.ID, Ticketing: true})
			if err != nil || !v.Confirmed || v.ClientID != b.same.ID {
				t.Fatalf("Map to the rejected client = %+v, %v", v, err)
			}
			if rejected, err := st.RejectedSuggestions(ctx, b.Partner.ID); err != nil || len(rejected) != 0 {
				t.Errorf("after mapping the pair: rejections %+v, %v; want none", rejected, err)
			}
			if err := b.Mappings.Unmap(ctx, b.Partner.ID, b.src.ID, "same"); err != nil {
				t.Fatal(err)
			}
			if res := b.MustSync(t); res.Suggested != 1 {
				t.Errorf("the sync after unmapping suggested %d, want the pair again", res.Suggested)
			}
			if m, err := st.Mapping(ctx, b.src.ID, "same"); err != nil || m.Confirmed || m.ClientID != b.same.ID || m.Rule != string(mapping.RuleName) {
				t.Errorf("suggestion after unmapping: %+v, %v", m, err)
			}
		})
	})

	t.Run("EachPartnerRejectsForItself", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			other := secondPartner(t, b.Fixture, "Southgate IT")
			otherSrc := other.PushSource(t, "Vendor", source.Customer{ID: "same", Name: b.same.Name})
			other.MustSync(t)
			if _, err := b.Mappings.Reject(ctx, b.Partner.ID, []mapper.Accept{{SourceID: b.src.ID, CustomerID: "same"}}); err != nil {
				t.Fatal(err)
			}
			b.MustSync(t)
			other.MustSync(t)
			if m, err := st.Mapping(ctx, otherSrc.ID, "same"); err != nil || m.Confirmed || m.ClientID != b.same.ID {
				t.Errorf("the other partner's suggestion: %+v, %v; want it kept", m, err)
			}
			if rejected, err := st.RejectedSuggestions(ctx, other.Partner.ID); err != nil || len(rejected) != 0 {
				t.Errorf("the other partner's rejections: %+v, %v; want none", rejected, err)
			}
			got, err := b.Mappings.Suggestions(ctx, other.Partner.ID)
			if err != nil || !slices.ContainsFunc(got, func(s mapper.Suggestion) bool { return s.CustomerID == "same" && s.ClientID == b.same.ID }) {
				t.Errorf("the other partner's suggestions %+v, %v; want company same on client %d", got, err, b.same.ID)
			}
		})
	})
}

// secondPartner is another partner of f's store connected to f's HaloPSA,
// served by the same services.
func secondPartner(t *testing.T, f *syncruntest.Fixture, name string) *syncruntest.Fixture {
	t.Helper()
	ctx := t.Context()
	partner, err := f.St.CreatePartner(ctx, store.Partner{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.St.SaveHaloConnection(ctx, store.HaloConnection{
		PartnerID: partner.ID, ResourceURL: f.URL + "/api", AuthURL: f.URL + "/auth",
		ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret,
		GrantType: store.GrantClientCredentials, Scope: "all", AgentID: 7,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &syncruntest.Fixture{St: f.St, Sim: f.Sim, URL: f.URL, Partner: partner, Services: f.Services}
}
