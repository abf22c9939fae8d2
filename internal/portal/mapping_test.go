package portal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/source"
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
		if strings.Contains(got.body, `<option value="Brightwater Dental">`) || !strings.Contains(got.body, `<option value="Zebra Crossing Bakery">`) {
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

// TestMappingPagesReachEveryClient is an MSP with 800 HaloPSA clients and
// 800 companies: the table shows them 50 at a time with pages, the search
// and the filters narrow it, and any company can be mapped to any client
// by typing names in the pickers.
func TestMappingPagesReachEveryClient(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, src := b.activePartner(t, "Northpoint IT")
	ctx := t.Context()
	srcID := strconv.FormatInt(src.ID, 10)
	clients, err := b.store.Catalog(ctx, p.ID, store.KindClient)
	if err != nil {
		t.Fatal(err)
	}
	synced := len(clients)
	var customers []source.Customer
	for i := range 800 {
		data, _ := json.Marshal(halo.ClientRecord{ID: 5000 + i, Name: fmt.Sprintf("Harbour Client %03d", i)})
		clients = append(clients, store.CatalogEntry{PartnerID: p.ID, Kind: store.KindClient, HaloID: strconv.Itoa(5000 + i), Name: fmt.Sprintf("Harbour Client %03d", i), Data: data})
		customers = append(customers, source.Customer{ID: fmt.Sprintf("x-%03d", i), Name: fmt.Sprintf("Zulu Company %03d", i)})
	}
	if _, err := b.store.ReplaceCatalog(ctx, p.ID, store.KindClient, clients, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := b.store.SaveSourceCustomers(ctx, src.ID, customers, false); err != nil {
		t.Fatal(err)
	}
	total := synced + 800
	pages := (total + 49) / 50

	t.Run("TheTableShowsFiftyClientsAPageWithPages", func(t *testing.T) {
		first := b.get(t, p, "/mapping").body
		if got := strings.Count(first, `<tr class="client"`); got != 50 {
			t.Errorf("page 1 shows %d clients, want 50", got)
		}
		for _, want := range []string{fmt.Sprintf("Clients 1–50 of %d", total), fmt.Sprintf("Page 1 of %d", pages), `href="/mapping?page=2" `} {
			if !strings.Contains(first, want) {
				t.Errorf("page 1 lacks %q", want)
			}
		}
		last := b.get(t, p, fmt.Sprintf("/mapping?page=%d", pages)).body
		if !strings.Contains(last, "Harbour Client 799") || !strings.Contains(last, fmt.Sprintf("Clients %d–%d of %d", (pages-1)*50+1, total, total)) {
			t.Errorf("the last page does not end with Harbour Client 799")
		}
		// A page past the end shows the last one.
		if past := b.get(t, p, "/mapping?page=999").body; !strings.Contains(past, fmt.Sprintf("Page %d of %d", pages, pages)) {
			t.Error("page 999 does not show the last page")
		}
	})

	t.Run("EveryCompanyIsOfferedOnceToEveryRow", func(t *testing.T) {
		page := b.get(t, p, "/mapping").body
		start := strings.Index(page, `<datalist id="unmapped-companies">`)
		list := page[start : start+strings.Index(page[start:], "</datalist>")]
		// The push source's three companies and the 800 new ones.
		if got := strings.Count(list, "<option "); got != 803 {
			t.Errorf("the company list offers %d companies, want 803", got)
		}
		// Every active client's row picks from it; inactive ones cannot
		// be mapped to.
		want := 50 - strings.Count(page, "inactive in HaloPSA")
		if got := strings.Count(page, `list="unmapped-companies"`); got != want {
			t.Errorf("%d rows pick from the company list, want %d", got, want)
		}
	})

	t.Run("SearchFindsOneClientAmongEightHundred", func(t *testing.T) {
		got := b.get(t, p, "/mapping?q="+url.QueryEscape("harbour client 777")).body
		if !strings.Contains(got, "Harbour Client 777") || strings.Count(got, `<tr class="client"`) != 1 || !strings.Contains(got, "Clients 1–1 of 1") {
			t.Errorf("search for Harbour Client 777:\n%s", got)
		}
	})

	t.Run("ACompanyTypedInAClientsRowIsMapped", func(t *testing.T) {
		got := b.post(t, p, "/mapping/map", url.Values{"client_id": {"5777"}, "company_name": {"zulu company 555"}, "q": {"Harbour Client 777"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Mapped Zulu Company 555 to Harbour Client 777.") {
			t.Fatalf("map by company name: %d\n%s", got.status, got.body)
		}
		if m, err := b.store.Mapping(ctx, src.ID, "x-555"); err != nil || m.ClientID != 5777 || !m.Confirmed {
			t.Errorf("mapping of Zulu Company 555: %+v, %v", m, err)
		}
	})

	t.Run("AClientTypedForACompanyIsMapped", func(t *testing.T) {
		page := b.get(t, p, "/mapping?q=zulu+company+042").body
		if !strings.Contains(page, `<input type="hidden" name="company" value="`+srcID+`/x-042">`) || !strings.Contains(page, `list="halo-clients"`) {
			t.Fatalf("Zulu Company 042 is not offered a client picker:\n%s", page)
		}
		got := b.post(t, p, "/mapping/map", url.Values{"company": {srcID + "/x-042"}, "client_name": {"Harbour Client 042"}}, true)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Mapped Zulu Company 042 to Harbour Client 042.") {
			t.Fatalf("map by client name: %d\n%s", got.status, got.body)
		}
	})

	t.Run("ANameThatIsInNoListIsRefusedWithWhatToDo", func(t *testing.T) {
		got := b.post(t, p, "/mapping/map", url.Values{"company": {srcID + "/x-043"}, "client_name": {"Harbour Client 9999"}}, true)
		if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, `No active HaloPSA client is named &#34;Harbour Client 9999&#34;`) {
			t.Errorf("map to an unknown client: %d\n%s", got.status, got.body)
		}
		got = b.post(t, p, "/mapping/map", url.Values{"client_id": {"5001"}, "company_name": {"Zulu Company 555"}}, true)
		if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, "No company waiting for a client is named") {
			t.Errorf("map a company mapped already: %d\n%s", got.status, got.body)
		}
	})

	t.Run("FiltersKeepMappedClientsAndThoseWithEvents", func(t *testing.T) {
		mapped := b.get(t, p, "/mapping?mapped=mapped").body
		if got := strings.Count(mapped, `<tr class="client"`); got != 2 || !strings.Contains(mapped, "Harbour Client 042") || !strings.Contains(mapped, "Harbour Client 777") {
			t.Errorf("mapped clients: %d rows", got)
		}
		if _, err := b.store.RaiseEvent(ctx, store.Event{PartnerID: p.ID, Kind: events.EventBillingFailed, Key: "billing-5777", Subject: "s", Message: "m", Data: []byte(`{"client_id":5777}`)}); err != nil {
			t.Fatal(err)
		}
		withEvents := b.get(t, p, "/mapping?mapped=has_events").body
		if got := strings.Count(withEvents, `<tr class="client"`); got != 1 || !strings.Contains(withEvents, "Harbour Client 777") {
			t.Errorf("clients with events: %d rows\n%s", got, withEvents)
		}
	})

	t.Run("ALongSearchIsRefused", func(t *testing.T) {
		if got := b.get(t, p, "/mapping?q="+strings.Repeat("a", 201)); got.status != http.StatusUnprocessableEntity {
			t.Errorf("a 201-character search: %d", got.status)
		}
	})
}
