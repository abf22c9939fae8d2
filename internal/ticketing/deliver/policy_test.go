package deliver_test

import (
	"errors"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
)

func TestPolicy(t *testing.T) {
	t.Parallel()

	t.Run("RefusesAPolicyNamingEveryWrongField", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noPolicy: true})
		p := testPolicy()
		p.TicketTypeID = 99
		p.TitleTemplate = "{{malware_name}} on {{computer}}"
		av := p.Types["av"]
		av.PriorityID = 7
		p.Types["av"] = av
		_, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: p, FallbackClientID: 9999})
		pe, ok := deliver.IsPolicyError(err)
		if !ok {
			t.Fatalf("err = %v, want a PolicyError", err)
		}
		got := map[string]string{}
		for _, f := range pe.Fields {
			got[f.Field] = f.Message
		}
		for field, says := range map[string]string{
			"tickettype_id":        "ticket type 99 does not exist in HaloPSA",
			"title_template":       "unknown variable {{computer}}; the known variables are {{report_type}}, {{hostname}}",
			"types.av.priority_id": "priority 7 does not belong to SLA \u201cSecurity SLA\u201d; choose one of: Critical Threat (1)",
			"fallback_client_id":   "client 9999 does not exist in HaloPSA",
		} {
			if !strings.Contains(got[field], says) {
				t.Errorf("%s: %q, want it to say %q", field, got[field], says)
			}
		}
		if len(pe.Fields) != 4 {
			t.Errorf("%d problems, want 4: %v", len(pe.Fields), pe)
		}
		if _, err := b.store.TicketPolicy(b.ctx, b.partner.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused policy was stored: %v", err)
		}
	})

	t.Run("SavesAValidPolicyAndReadsItBack", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noPolicy: true})
		fallback := activeClient(t, b.sim, true)
		saved, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: testPolicy(), FallbackClientID: fallback.ID})
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.svc.Policy(b.ctx, b.partner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(saved, got); diff != "" || got.UpdatedAt.IsZero() {
			t.Errorf("read back (-saved +read):\n%s", diff)
		}
	})

	t.Run("RefusesAnInactiveFallbackClient", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noPolicy: true})
		var inactive halosim.Client
		for _, c := range b.sim.Clients() {
			if c.Inactive {
				inactive = c
			}
		}
		_, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: testPolicy(), FallbackClientID: inactive.ID})
		if pe, ok := deliver.IsPolicyError(err); !ok || len(pe.Fields) != 1 || !strings.Contains(pe.Fields[0].Message, "is inactive") {
			t.Errorf("err = %v, want the fallback client refused as inactive", err)
		}
	})

	t.Run("OffersTheTicketTypesDefaults", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noPolicy: true})
		p := ticketing.Policy{TicketTypeID: 21, Types: map[string]ticketing.TypePolicy{"av": {Enabled: true, SLAID: 3}}}
		got, err := b.svc.PolicyDefaults(b.ctx, b.partner.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		if got.InitialStatusID != 1 || got.Types["av"].PriorityID != 2 {
			t.Errorf("defaults: initial status %d, av priority %d; want the type's New (1) and High Threat (2)", got.InitialStatusID, got.Types["av"].PriorityID)
		}

		// A sync that keeps HaloPSA's own JSON gives the type's team and
		// category as well.
		storeRawTicketTypes(t, b)
		got, err = b.svc.PolicyDefaults(b.ctx, b.partner.ID, p)
		if err != nil {
			t.Fatal(err)
		}
		if got.Team != "Security Operations" || got.Types["av"].Category != "Security" {
			t.Errorf("defaults from HaloPSA's JSON: team %q, category %q; want Security Operations and Security", got.Team, got.Types["av"].Category)
		}
	})
}

func TestTestTicket(t *testing.T) {
	t.Parallel()

	t.Run("CreatesARealTicketForTheMappingWithThePolicy", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		if err := b.store.SaveSourceCustomers(b.ctx, b.src.ID, []source.Customer{{ID: "c-1", Name: "Bright Harbor Dental"}}, true); err != nil {
			t.Fatal(err)
		}
		res, err := b.svc.TestTicket(b.ctx, b.partner.ID, b.src.ID, "c-1")
		if err != nil {
			t.Fatal(err)
		}
		if res.TicketID == 0 || res.Problem != nil {
			t.Fatalf("result %+v, want a ticket", res)
		}
		got, ok := b.sim.Ticket(res.TicketID)
		if !ok || got.Summary != "[Test] Malware EICAR-Test-File (not a virus) on HALOBRIDGE-TEST" || got.ClientID != b.client.ID ||
			got.TicketTypeID != 21 || got.Team != "Security Operations" || !strings.Contains(got.DetailsHTML, "A test ticket from halobridge") {
			t.Errorf("ticket %+v", got)
		}
		for _, want := range []string{
			"<tr><th>Company</th><td>Bright Harbor Dental <small>(GravityZone company id c-1)</small></td></tr>",
			"<tr><th>HaloPSA client</th><td>" + html.EscapeString(b.client.Name) + "</td></tr>",
		} {
			if !strings.Contains(got.DetailsHTML, want) {
				t.Errorf("the test ticket lacks %q:\n%s", want, got.DetailsHTML)
			}
		}
	})

	t.Run("ExplainsWhyHaloRefusedIt", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		bare := activeClient(t, b.sim, false)
		mapCustomer(t, b, "c-2", bare.ID)
		res, err := b.svc.TestTicket(b.ctx, b.partner.ID, b.src.ID, "c-2")
		if err != nil {
			t.Fatal(err)
		}
		if res.TicketID != 0 || res.Problem == nil || res.Problem.Kind != deliver.KindSiteWithoutGeneralUser {
			t.Fatalf("result %+v, want HaloPSA's refusal explained as a site without General User", res)
		}
	})

	t.Run("RefusesAnUnmappedCustomer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{})
		if _, err := b.svc.TestTicket(b.ctx, b.partner.ID, b.src.ID, "c-unknown"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v, want not found", err)
		}
	})
}

// storeRawTicketTypes replaces the stored ticket types with the JSON
// HaloPSA itself sends.
func storeRawTicketTypes(t *testing.T, b *testBundle) {
	t.Helper()
	var entries []store.CatalogEntry
	for _, tt := range []struct {
		id   string
		name string
		raw  string
	}{
		{"21", "Security Alert", `{"id":21,"name":"Security Alert","initial_status":1,"default_sla":3,"default_priority":2,` +
			`"default_team":"Security Operations","default_agent":1,"default_category_1":"Security"}`},
	} {
		entries = append(entries, store.CatalogEntry{HaloID: tt.id, Name: tt.name, Data: []byte(tt.raw)})
	}
	if _, err := b.store.ReplaceCatalog(b.ctx, b.partner.ID, store.KindTicketType, entries, time.Now()); err != nil {
		t.Fatal(err)
	}
}
