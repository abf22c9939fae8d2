package portal_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"halobridge/internal/store"
)

func TestClientMapping(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	srcID := strconv.FormatInt(src.ID, 10)
	mapping := func(t *testing.T, customerID string) (store.Mapping, bool) {
		t.Helper()
		m, err := b.store.Mapping(t.Context(), src.ID, customerID)
		return m, err == nil
	}

	t.Run("SuggestionsShowWithTheirClient", func(t *testing.T) {
		page := b.get(t, p, "/mapping").body
		for _, want := range []string{"2 suggestions waiting", `<a href="` + b.haloURL + `/customers?clientid=109" target="_blank" rel="noopener">Brightwater Dental LLC</a>`, `<input type="hidden" name="customer_id" value="c-1"><input type="hidden" name="client_id" value="109">`} {
			if !strings.Contains(page, want) {
				t.Errorf("the mapping page lacks %q", want)
			}
		}
	})

	t.Run("FiltersNarrowTheTable", func(t *testing.T) {
		got := b.get(t, p, "/mapping?q=kangaroo")
		if !strings.Contains(got.body, "Kangaroo Point Accounting Pty Ltd") || strings.Contains(got.body, "Brightwater Dental LLC") {
			t.Errorf("search for kangaroo:\n%s", got.body)
		}
		req, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/mapping?toplevel=2", nil)
		req.Header.Set("HX-Request", "true")
		frag := b.do(t, p, req)
		if strings.Contains(frag.body, "<html") || !strings.Contains(frag.body, "Café Lumière SARL") || strings.Contains(frag.body, "Acme Logistics Ltd") {
			t.Errorf("the Break-Fix top level, as a fragment:\n%s", frag.body)
		}
	})

	t.Run("RejectWithdrawsASuggestion", func(t *testing.T) {
		got := b.post(t, p, "/mapping/reject", url.Values{"source_id": {srcID}, "customer_id": {"c-2"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Rejected the suggestion; it will not be made again.") {
			t.Fatalf("reject: %d\n%s", got.status, got.body)
		}
		if m, ok := mapping(t, "c-2"); ok {
			t.Errorf("rejected suggestion still stored: %+v", m)
		}
	})

	t.Run("AcceptConfirmsASuggestionInPlace", func(t *testing.T) {
		got := b.post(t, p, "/mapping/accept", url.Values{"source_id": {srcID}, "customer_id": {"c-1"}, "client_id": {"109"}, "q": {""}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Accepted 1 suggestion.") || strings.Contains(got.body, "<html") {
			t.Fatalf("accept: %d\n%s", got.status, got.body)
		}
		if m, ok := mapping(t, "c-1"); !ok || !m.Confirmed || m.ClientID != 109 || !m.Ticketing || !m.Billing {
			t.Errorf("accepted mapping %+v", m)
		}
		if strings.Contains(got.body, `<option value="`+srcID+`/c-1">`) {
			t.Error("the pickers still offer the company just mapped")
		}
	})

	t.Run("ACompanyNoClientFitsGetsAClientOfItsOwn", func(t *testing.T) {
		if page := b.get(t, p, "/mapping").body; !strings.Contains(page, `<input type="hidden" name="company" value="`+srcID+`/c-3"><button type="submit" class="small secondary">Create a HaloPSA client</button>`) {
			t.Fatalf("Zebra Crossing Bakery is not offered a client of its own:\n%s", page)
		}
		got := b.post(t, p, "/mapping/create-client", url.Values{"company": {srcID + "/c-3"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Created the HaloPSA client Zebra Crossing Bakery and mapped Zebra Crossing Bakery to it.") {
			t.Fatalf("create client: %d\n%s", got.status, got.body)
		}
		m, ok := mapping(t, "c-3")
		client, found := b.halo.Client(m.ClientID)
		if !ok || !m.Confirmed || !found || client.Name != "Zebra Crossing Bakery" {
			t.Errorf("mapping %+v to HaloPSA client %+v", m, client)
		}
		if got := b.post(t, p, "/mapping/unmap", url.Values{"source_id": {srcID}, "customer_id": {"c-3"}}, true); got.status != http.StatusOK {
			t.Fatalf("unmap: %d", got.status)
		}
	})

	t.Run("ThePickerMapsACompanyToAClient", func(t *testing.T) {
		got := b.post(t, p, "/mapping/map", url.Values{"company": {srcID + "/c-3"}, "client_id": {"112"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Mapped Zebra Crossing Bakery to Café Lumière SARL.") {
			t.Fatalf("map: %d\n%s", got.status, got.body)
		}
		if m, ok := mapping(t, "c-3"); !ok || m.ClientID != 112 || !m.Confirmed {
			t.Errorf("mapping %+v", m)
		}
	})

	t.Run("MappingToAnInactiveClientIsRefusedWithTheReason", func(t *testing.T) {
		got := b.post(t, p, "/mapping/map", url.Values{"company": {srcID + "/c-2"}, "client_id": {"107"}}, true)
		if got.status != http.StatusUnprocessableEntity || got.header.Get("HX-Retarget") != "#flash" || !strings.Contains(got.body, "is inactive") {
			t.Errorf("map to an inactive client: %d %q\n%s", got.status, got.header.Get("HX-Retarget"), got.body)
		}
	})

	t.Run("SwitchesTurnTicketingAndBillingOff", func(t *testing.T) {
		got := b.post(t, p, "/mapping/switches", url.Values{"source_id": {srcID}, "customer_id": {"c-3"}, "ticketing": {"on"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Zebra Crossing Bakery: ticketing on, billing off.") {
			t.Fatalf("switches: %d\n%s", got.status, got.body)
		}
		if m, _ := mapping(t, "c-3"); !m.Ticketing || m.Billing || m.ClientID != 112 {
			t.Errorf("mapping after the switch: %+v", m)
		}
	})

	t.Run("UnmapRemovesTheMapping", func(t *testing.T) {
		got := b.post(t, p, "/mapping/unmap", url.Values{"source_id": {srcID}, "customer_id": {"c-3"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Unmapped the company.") {
			t.Fatalf("unmap: %d\n%s", got.status, got.body)
		}
		if _, ok := mapping(t, "c-3"); ok {
			t.Error("the mapping is still stored")
		}
	})
}

func TestAcceptAllSuggestions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	got := b.post(t, p, "/mapping/accept-all", nil, false)
	if got.status != http.StatusSeeOther || !strings.HasPrefix(got.location, "/mapping") {
		t.Fatalf("accept all without htmx: %d to %q", got.status, got.location)
	}
	for customer, client := range map[string]int{"c-1": 109, "c-2": 102} {
		if m, err := b.store.Mapping(t.Context(), src.ID, customer); err != nil || !m.Confirmed || m.ClientID != client {
			t.Errorf("%s after accept all: %+v, %v; want confirmed on client %d", customer, m, err, client)
		}
	}
	if page := b.get(t, p, "/mapping").body; strings.Contains(page, "suggestions waiting") {
		t.Error("suggestions are still waiting after accept all")
	}
}
