package mapper_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/events"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/mapping"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/syncrun/syncruntest"
)

// serviceBundle is a small HaloPSA and a push source whose companies are
// built to get one suggestion each: Same by name, Twin ambiguous between
// two clients of one name, Lonely none.
type serviceBundle struct {
	*syncruntest.Fixture
	src     store.Source
	clients []halosim.Client // active clients, by id
	same    halosim.Client
	twins   [2]halosim.Client
}

func setupService(t *testing.T, st *store.Store) *serviceBundle {
	t.Helper()
	f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
	b := &serviceBundle{Fixture: f}
	for _, c := range f.Sim.Clients() {
		if !c.Inactive {
			b.clients = append(b.clients, c)
		}
	}
	b.same, b.twins = b.clients[0], [2]halosim.Client{b.clients[1], b.clients[2]}
	f.Sim.UpdateClient(b.twins[1].ID, func(c *halosim.Client) { c.Name = b.twins[0].Name + " Ltd" })
	b.src = f.PushSource(t, "Vendor",
		source.Customer{ID: "same", Name: b.same.Name},
		source.Customer{ID: "twin", Name: b.twins[0].Name},
		source.Customer{ID: "lonely", Name: "Zyxwvut Quarrying", Domain: "ops@zyxwvut-quarry.example"},
	)
	f.MustSync(t)
	return b
}

func TestService(t *testing.T) {
	t.Parallel()

	t.Run("SuggestionsListTheStoredAndTheAmbiguousOnes", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			got, err := b.Mappings.Suggestions(t.Context(), b.Partner.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].CustomerID != "same" || got[0].ClientID != b.same.ID || got[0].Rule != string(mapping.RuleName) ||
				got[1].CustomerID != "twin" || !got[1].Ambiguous || len(got[1].Candidates) != 2 {
				t.Fatalf("suggestions %+v", got)
			}
			n, err := b.Mappings.Reject(t.Context(), b.Partner.ID, []mapper.Accept{{SourceID: b.src.ID, CustomerID: "same"}, {SourceID: b.src.ID, CustomerID: "twin"}})
			if err != nil || n != 1 {
				t.Fatalf("Reject = %d, %v; want the one stored suggestion withdrawn", n, err)
			}
			got, err = b.Mappings.Suggestions(t.Context(), b.Partner.ID)
			if err != nil || len(got) != 1 || got[0].CustomerID != "twin" {
				t.Errorf("suggestions after rejecting: %+v, %v", got, err)
			}
		})
	})

	t.Run("MapChecksTheClientAndSiteAgainstTheCatalog", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			var inactive, siteOfOther int
			for _, c := range b.Sim.Clients() {
				if c.Inactive {
					inactive = c.ID
				}
			}
			siteOfOther = b.clients[3].MainSiteID
			for _, tc := range []struct {
				name  string
				in    mapper.MapInput
				field string
			}{
				{"NoClient", mapper.MapInput{}, "client_id"},
				{"UnknownClient", mapper.MapInput{ClientID: 99999}, "client_id"},
				{"InactiveClient", mapper.MapInput{ClientID: inactive}, "client_id"},
				{"SiteOfAnotherClient", mapper.MapInput{ClientID: b.same.ID, SiteID: siteOfOther}, "site_id"},
			} {
				_, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "same", tc.in)
				var input *events.InputError
				if !errors.As(err, &input) || input.Field != tc.field {
					t.Errorf("%s: error %v, want an input error on %s", tc.name, err, tc.field)
				}
			}
			if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "nobody", mapper.MapInput{ClientID: b.same.ID}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("mapping an unknown company: %v, want ErrNotFound", err)
			}
			v, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "lonely", mapper.MapInput{ClientID: b.same.ID, SiteID: b.same.MainSiteID, Ticketing: true})
			if err != nil {
				t.Fatal(err)
			}
			want := mapper.MappingView{SourceID: b.src.ID, SourceName: "Vendor", SourceKind: source.Push, CustomerID: "lonely",
				CustomerName: "Zyxwvut Quarrying", ClientID: b.same.ID, ClientName: b.same.Name, SiteID: b.same.MainSiteID,
				SiteName: "Main", Ticketing: true, Confirmed: true, Status: "ok"}
			if v != want {
				t.Errorf("Map = %+v\nwant %+v", v, want)
			}
			if err := b.Mappings.Unmap(ctx, b.Partner.ID, b.src.ID, "lonely"); err != nil {
				t.Fatal(err)
			}
			if err := b.Mappings.Unmap(ctx, b.Partner.ID, b.src.ID, "lonely"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unmapping twice: %v, want ErrNotFound", err)
			}
		})
	})

	t.Run("ConfirmNeverOverwritesAConfirmedMapping", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "same", mapper.MapInput{ClientID: b.clients[4].ID, Billing: true}); err != nil {
				t.Fatal(err)
			}
			res, err := b.Mappings.Confirm(ctx, b.Partner.ID, []mapper.Accept{
				{SourceID: b.src.ID, CustomerID: "same", ClientID: b.same.ID},
				{SourceID: b.src.ID, CustomerID: "twin", ClientID: b.clients[5].ID},
				{SourceID: b.src.ID, CustomerID: "twin", ClientID: b.twins[1].ID},
			})
			if err != nil {
				t.Fatal(err)
			}
			var reasons []string
			for _, c := range res.Conflicts {
				reasons = append(reasons, c.CustomerID+": "+c.Reason)
			}
			if !slices.Equal(reasons, []string{"same: already_confirmed", "twin: not_candidate"}) || len(res.Confirmed) != 1 || res.Confirmed[0].ClientID != b.twins[1].ID {
				t.Errorf("Confirm: conflicts %v, confirmed %+v", reasons, res.Confirmed)
			}
			m, err := st.Mapping(ctx, b.src.ID, "same")
			if err != nil || m.ClientID != b.clients[4].ID || !m.Billing || m.Ticketing {
				t.Errorf("the confirmed mapping changed: %+v, %v", m, err)
			}
			again := b.MustSync(t)
			if again.Suggested != 0 {
				t.Errorf("a sync suggested %d for companies already confirmed", again.Suggested)
			}
		})
	})

	t.Run("CreateClientLinksTheCompanySoTheExactRuleFindsItAgain", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			v, err := b.Mappings.CreateClient(ctx, b.Partner.ID, b.src.ID, "lonely", 2)
			if err != nil {
				t.Fatal(err)
			}
			created, ok := b.Sim.Client(v.ClientID)
			if !ok || created.Name != "Zyxwvut Quarrying" || created.ToplevelID != 2 || created.Website != "https://zyxwvut-quarry.example" ||
				len(created.ExternalLinks) != 1 || created.ExternalLinks[0].ThirdPartyType != "push" || created.ExternalLinks[0].ThirdPartyID != "lonely" {
				t.Fatalf("HaloPSA client %+v", created)
			}
			if !v.Confirmed || !v.Ticketing || !v.Billing || v.ClientName != "Zyxwvut Quarrying" {
				t.Errorf("mapping %+v", v)
			}
			if _, err := b.Mappings.CreateClient(ctx, b.Partner.ID, b.src.ID, "lonely", 0); !errors.Is(err, store.ErrConflict) {
				t.Errorf("creating a client for a mapped company: %v, want ErrConflict", err)
			}
			if err := b.Mappings.Unmap(ctx, b.Partner.ID, b.src.ID, "lonely"); err != nil {
				t.Fatal(err)
			}
			b.Sim.UpdateClient(v.ClientID, func(c *halosim.Client) { c.Name = "Renamed Since" })
			b.MustSync(t)
			m, err := st.Mapping(ctx, b.src.ID, "lonely")
			if err != nil || m.Confirmed || m.ClientID != v.ClientID || m.Rule != string(mapping.RuleExternalID) {
				t.Errorf("suggestion after unmapping: %+v, %v; want exact_external_id of client %d", m, err, v.ClientID)
			}
		})
	})

	t.Run("MappingRowsFilterByMappedTopLevelAndSearch", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "lonely", mapper.MapInput{ClientID: b.same.ID, Ticketing: true}); err != nil {
				t.Fatal(err)
			}
			all, err := b.Mappings.MappingRows(ctx, b.Partner.ID, mapper.RowFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(all.Rows) != 12 || len(all.TopLevels) == 0 {
				t.Fatalf("%d rows and top levels %+v, want every client", len(all.Rows), all.TopLevels)
			}
			for _, tc := range []struct {
				name string
				f    mapper.RowFilter
				want func(mapper.ClientRow) bool
			}{
				{"Mapped", mapper.RowFilter{Mapped: "mapped"}, func(r mapper.ClientRow) bool { return r.ClientID == b.same.ID }},
				{"Unmapped", mapper.RowFilter{Mapped: "unmapped"}, func(r mapper.ClientRow) bool { return r.ClientID != b.same.ID }},
				{"TopLevel", mapper.RowFilter{TopLevelID: 2}, func(r mapper.ClientRow) bool { return r.TopLevelID == 2 }},
				{"SearchByCompany", mapper.RowFilter{Search: "zyxWVUT"}, func(r mapper.ClientRow) bool { return r.ClientID == b.same.ID }},
				{"SearchByClient", mapper.RowFilter{Search: b.clients[6].Name}, func(r mapper.ClientRow) bool { return r.ClientID == b.clients[6].ID }},
			} {
				got, err := b.Mappings.MappingRows(ctx, b.Partner.ID, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var want []int
				for _, r := range all.Rows {
					if tc.want(r) {
						want = append(want, r.ClientID)
					}
				}
				var ids []int
				for _, r := range got.Rows {
					ids = append(ids, r.ClientID)
				}
				if len(want) == 0 || !slices.Equal(ids, want) {
					t.Errorf("%s: rows %v, want %v", tc.name, ids, want)
				}
			}
			row := all.Rows[slices.IndexFunc(all.Rows, func(r mapper.ClientRow) bool { return r.ClientID == b.same.ID })]
			var customers []string
			for _, m := range row.Mappings {
				customers = append(customers, m.CustomerID+" "+m.Status)
			}
			if !slices.Equal(customers, []string{"same n/a", "lonely ok"}) {
				t.Errorf("mappings of the client: %v, want the suggestion (n/a) and the confirmed mapping, by company name", customers)
			}
			if _, err := b.Mappings.MappingRows(ctx, b.Partner.ID, mapper.RowFilter{Mapped: "yes"}); !syncruntest.IsInputError(err) {
				t.Errorf("filter mapped=yes: %v, want an input error", err)
			}
		})
	})

	t.Run("AMappingWhoseClientHasAnOpenEventHasEvents", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			tickets, billed := b.clients[4], b.clients[5]
			if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "same", mapper.MapInput{ClientID: tickets.ID, Ticketing: true}); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "lonely", mapper.MapInput{ClientID: billed.ID, Billing: true}); err != nil {
				t.Fatal(err)
			}
			status := func() map[string]string {
				table, err := b.Mappings.MappingRows(ctx, b.Partner.ID, mapper.RowFilter{Mapped: "mapped"})
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]string{}
				for _, row := range table.Rows {
					for _, m := range row.Mappings {
						out[m.CustomerID] = fmt.Sprintf("%s %d", m.Status, m.Events)
					}
				}
				return out
			}
			if got := status(); got["same"] != "ok 0" || got["lonely"] != "ok 0" {
				t.Fatalf("statuses without events: %v", got)
			}
			// Ticket delivery found the ticketing client's site without a
			// General User; a billing run could not bill the other client.
			raise := func(kind, key string, data string) {
				if _, err := st.RaiseEvent(ctx, store.Event{PartnerID: b.Partner.ID, Kind: kind, Key: key, Subject: "s", Message: "m", Data: []byte(data)}); err != nil {
					t.Fatal(err)
				}
			}
			raise(string(mapping.FindingSiteWithoutGeneralUser), "site", fmt.Sprintf(`{"client_id":%d,"site_id":%d}`, tickets.ID, tickets.MainSiteID))
			raise(events.EventBillingFailed, "billing", fmt.Sprintf(`{"client_id":%d}`, billed.ID))
			if got := status(); got["same"] != "has_events 1" || got["lonely"] != "has_events 1" {
				t.Errorf("statuses with an open event each: %v, want has_events 1 for both", got)
			}
			// What the client's billing meets is not a problem of a mapping
			// that only raises tickets, and the other way round.
			raise(events.EventBillingFailed, "billing2", fmt.Sprintf(`{"client_id":%d}`, tickets.ID))
			raise(string(mapping.FindingClientInactive), "inactive", fmt.Sprintf(`{"client_id":%d}`, billed.ID))
			if got := status(); got["same"] != "has_events 1" || got["lonely"] != "has_events 1" {
				t.Errorf("statuses after events of the other switch: %v, want has_events 1 for both", got)
			}
		})
	})

	t.Run("MappingACustomerClearsItsUnmappedEventAndTriesItsAlertsAgain", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			woken := 0
			b.Mappings.Fixed = func(_ context.Context, partnerID int64) {
				if partnerID == b.Partner.ID {
					woken++
				}
			}
			unmapped := map[string]store.Event{}
			for _, c := range []string{"same", "twin", "lonely"} {
				e, err := st.RaiseEvent(ctx, store.Event{PartnerID: b.Partner.ID, Kind: events.EventUnmappedCustomer, Key: events.UnmappedKey(b.src.ID, c),
					Subject: c, Message: "not mapped", Data: events.Data{SourceID: b.src.ID, CustomerID: c}.Encode()})
				if err != nil {
					t.Fatal(err)
				}
				unmapped[c] = e
			}
			state := func(c string) string {
				e, err := st.Event(ctx, b.Partner.ID, unmapped[c].ID)
				if err != nil {
					t.Fatal(err)
				}
				return e.State
			}
			// Bulk confirm takes the clear suggestion of Same; Twin's is
			// ambiguous and stays for a person.
			if _, err := b.Mappings.ConfirmAll(ctx, b.Partner.ID); err != nil {
				t.Fatal(err)
			}
			if state("same") != store.EventResolved || state("twin") != store.EventOpen || woken != 1 {
				t.Errorf("after confirming all: same %s, twin %s, delivery woken %d×; want same resolved, twin open, woken once", state("same"), state("twin"), woken)
			}
			if _, err := b.Mappings.Confirm(ctx, b.Partner.ID, []mapper.Accept{{SourceID: b.src.ID, CustomerID: "twin", ClientID: b.twins[1].ID}}); err != nil {
				t.Fatal(err)
			}
			if state("twin") != store.EventResolved || woken != 2 {
				t.Errorf("after confirming twin: %s, delivery woken %d×; want resolved, woken twice", state("twin"), woken)
			}
			// A mapping with ticketing off is still a mapping: its alerts
			// are decided (and skipped) as the mapping says.
			if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "lonely", mapper.MapInput{ClientID: b.same.ID}); err != nil {
				t.Fatal(err)
			}
			if state("lonely") != store.EventResolved || woken != 3 {
				t.Errorf("after mapping lonely: %s, delivery woken %d×; want resolved, woken three times", state("lonely"), woken)
			}
			// Mapping again finds no event to clear and wakes nothing.
			if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "lonely", mapper.MapInput{ClientID: b.same.ID, Ticketing: true}); err != nil || woken != 3 {
				t.Errorf("mapping again: %v, delivery woken %d×; want 3", err, woken)
			}
		})
	})

	t.Run("AnotherPartnersRecordsAreNotFound", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			other, err := st.CreatePartner(ctx, store.Partner{Name: "Other MSP"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "same", mapper.MapInput{ClientID: b.same.ID, Ticketing: true}); err != nil {
				t.Fatal(err)
			}
			b.Sim.DeleteClient(b.same.ID)
			b.MustSync(t)
			e := b.OpenEvent(t, string(mapping.FindingClientNotFound))
			for name, err := range map[string]error{
				"Map":          second(b.Mappings.Map(ctx, other.ID, b.src.ID, "same", mapper.MapInput{ClientID: b.twins[0].ID})),
				"Unmap":        b.Mappings.Unmap(ctx, other.ID, b.src.ID, "same"),
				"CreateClient": second(b.Mappings.CreateClient(ctx, other.ID, b.src.ID, "lonely", 0)),
				"Confirm":      second(b.Mappings.Confirm(ctx, other.ID, []mapper.Accept{{SourceID: b.src.ID, CustomerID: "twin", ClientID: b.twins[0].ID}})),
				"Reject":       second(b.Mappings.Reject(ctx, other.ID, []mapper.Accept{{SourceID: b.src.ID, CustomerID: "twin"}})),
				"Recheck":      second(b.Events.Recheck(ctx, other.ID, e.ID)),
				"Resolve":      second(b.Events.Resolve(ctx, other.ID, e.ID)),
			} {
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("%s as another partner: %v, want ErrNotFound", name, err)
				}
			}
			if m, err := st.Mapping(ctx, b.src.ID, "same"); err != nil || m.ClientID != b.same.ID {
				t.Errorf("the mapping changed: %+v, %v", m, err)
			}
		})
	})
}

func second[T any](_ T, err error) error { return err }

func TestCompaniesSeenInPushes(t *testing.T) {
	t.Parallel()

	t.Run("AreListedSuggestedAndMappedAtOnceAndStayAfterASync", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			ctx := t.Context()
			named, other := b.clients[4], b.clients[5]
			alert := func(id, customer string, facts map[string]string) source.Alert {
				return source.Alert{Source: source.Push, CustomerID: customer, Type: "malware", Severity: source.SeverityHigh,
					Facts: facts, OccurredAt: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC), Fingerprint: "fp-" + id, EventID: "ev-" + id}
			}
			if _, err := b.St.StoreInbound(ctx, []store.InboundBatch{{PartnerID: b.Partner.ID, SourceID: b.src.ID, ReceivedAt: time.Now(), Alerts: []source.Alert{
				alert("1", "pushed-named", map[string]string{"customer_name": named.Name}),
				alert("2", "pushed-bare", nil),
			}}}); err != nil {
				t.Fatal(err)
			}

			table, err := b.Mappings.MappingRows(ctx, b.Partner.ID, mapper.RowFilter{})
			if err != nil {
				t.Fatal(err)
			}
			want := []mapper.Company{
				{SourceID: b.src.ID, SourceName: b.src.Name, SourceKind: source.Push, CustomerID: "pushed-bare", SeenInPush: true},
				{SourceID: b.src.ID, SourceName: b.src.Name, SourceKind: source.Push, CustomerID: "lonely", CustomerName: "Zyxwvut Quarrying"},
				{SourceID: b.src.ID, SourceName: b.src.Name, SourceKind: source.Push, CustomerID: "pushed-named", CustomerName: named.Name, SeenInPush: true},
				{SourceID: b.src.ID, SourceName: b.src.Name, SourceKind: source.Push, CustomerID: "same", CustomerName: b.same.Name, Suggested: true},
				{SourceID: b.src.ID, SourceName: b.src.Name, SourceKind: source.Push, CustomerID: "twin", CustomerName: b.twins[0].Name},
			}
			slices.SortFunc(want, func(x, y mapper.Company) int {
				return strings.Compare(strings.ToLower(x.CustomerName), strings.ToLower(y.CustomerName))
			})
			if diff := cmp.Diff(want, table.Unmapped); diff != "" {
				t.Errorf("companies not mapped (-want +got):\n%s", diff)
			}
			if only, _ := b.Mappings.MappingRows(ctx, b.Partner.ID, mapper.RowFilter{Search: "PUSHED-b"}); len(only.Unmapped) != 1 || only.Unmapped[0].CustomerID != "pushed-bare" {
				t.Errorf("searching pushed-b: %+v", only.Unmapped)
			}

			suggestions, err := b.Mappings.Suggestions(ctx, b.Partner.ID)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(suggestions, func(s mapper.Suggestion) bool { return s.CustomerID == "pushed-named" })
			if i < 0 || suggestions[i].ClientID != named.ID || suggestions[i].Rule != string(mapping.RuleName) {
				t.Errorf("suggestions %+v: want pushed-named on client %d by name, before any sync", suggestions, named.ID)
			}

			v, err := b.Mappings.Map(ctx, b.Partner.ID, b.src.ID, "pushed-bare", mapper.MapInput{ClientID: other.ID, Ticketing: true})
			if err != nil {
				t.Fatalf("map a company seen in a push: %v", err)
			}
			if !v.SeenInPush || !v.Confirmed || v.ClientID != other.ID || v.Status != string(mapping.StatusOK) {
				t.Errorf("mapped %+v", v)
			}

			b.MustSync(t)
			m, err := b.St.Mapping(ctx, b.src.ID, "pushed-bare")
			if err != nil || !m.Confirmed || m.ClientID != other.ID {
				t.Errorf("after a sync the mapping is %+v, %v", m, err)
			}
			customers, _ := b.St.SourceCustomers(ctx, b.src.ID)
			if i := slices.IndexFunc(customers, func(c source.Customer) bool { return c.ID == "pushed-bare" }); i < 0 || !customers[i].SeenInPush {
				t.Errorf("after a sync the customers are %+v", customers)
			}
		})
	})

	t.Run("AnUnknownCompanySaysWhatToDo", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			b := setupService(t, st)
			_, err := b.Mappings.Map(t.Context(), b.Partner.ID, b.src.ID, "nobody", mapper.MapInput{ClientID: b.same.ID})
			if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), `company "nobody"`) ||
				!strings.HasSuffix(err.Error(), "sync the source, or wait for its first event") {
				t.Errorf("mapping an unknown company: %v", err)
			}
		})
	})
}
