package halosim

import (
	"net/http"
	"strings"
	"testing"
)

// viewScene is what the web view tests look at: a client, a ticket with a note and a
// recurring invoice, all made through the API with hostile names.
type viewScene struct {
	clientID, ticketID, invoiceID int
}

const (
	hostileClient  = `Kestrel & Sons <img src=x onerror=alert(1)>`
	hostileSummary = `<script>alert("ticket")</script> Antimalware on KS-WS01`
	hostileNote    = `Seen again <b onmouseover=alert(2)>twice</b>`
	hostileHost    = `KS-WS01<i>`
)

func makeViewScene(t *testing.T, b *testBundle) viewScene {
	t.Helper()
	tok := b.token(t, "all")
	client := decode[Client](t, b.send(t, "POST", "/api/Client", tok, []map[string]any{{"name": hostileClient, "newclient_sitename": "Head Office"}}))
	asset := decode[Asset](t, b.send(t, "POST", "/api/Asset", tok, []map[string]any{{
		"site_id": client.MainSiteID, "assettype_id": 1, "fields": []map[string]any{{"id": "101", "value": hostileHost}},
	}}))
	ticket := decode[Ticket](t, b.send(t, "POST", "/api/Tickets", tok, []map[string]any{{
		"summary": hostileSummary, "details_html": "<p>Trojan.Agent found &amp; blocked.</p><p>Run a full scan.</p>",
		"client_id": client.ID, "tickettype_id": 21, "agent_id": 6, "team": "Security Operations",
		"dateoccurred": "2025-03-14T08:15:00", "assets": []map[string]any{{"id": asset.ID}},
	}}))
	wantStatus(t, b.send(t, "POST", "/api/Actions", tok, []map[string]any{{"ticket_id": ticket.ID, "outcome_id": 7, "note_html": "<p>" + strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(hostileNote) + "</p>"}}), http.StatusCreated)
	invoice := decode[RecurringInvoice](t, b.send(t, "POST", "/api/RecurringInvoice", tok, []map[string]any{{
		"client_id": client.ID, "reference": "Security <Monthly>",
		"lines": []map[string]any{{"_itemid": 1401, "item_shortdescription": "Endpoint Security", "item_code": "ITEM-1401", "qty_order": 12, "unit_price": 4.5}},
	}}))
	return viewScene{clientID: client.ID, ticketID: ticket.ID, invoiceID: invoice.ID}
}

func TestWebView(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	sc := makeViewScene(t, b)
	escapedClient := `Kestrel &amp; Sons &lt;img src=x onerror=alert(1)&gt;`
	escapedSummary := `&lt;script&gt;alert(&#34;ticket&#34;)&lt;/script&gt; Antimalware on KS-WS01`
	ticketPath, clientPath, invoicePath := "/ticket?id="+itoa(sc.ticketID), "/customers?clientid="+itoa(sc.clientID), "/recurringinvoice?id="+itoa(sc.invoiceID)

	for _, tc := range []struct {
		name, path string
		status     int
		want       []string
	}{
		{"TicketListShowsTheTicketWithItsNames", "/", http.StatusOK, []string{
			`<a href="` + ticketPath + `">` + escapedSummary + `</a>`,
			`<a href="` + clientPath + `">` + escapedClient + `</a>`,
			`<td>New</td><td>Security Alert</td>`, `<td>High Threat</td><td>Security Operations</td><td>Lukas Schäfer</td><td>2025-03-14 08:15:00</td>`,
		}},
		{"TicketShowsItsFieldsAndActions", ticketPath, http.StatusOK, []string{
			`<h1>#` + itoa(sc.ticketID) + ` ` + escapedSummary + `</h1>`,
			`<dt>Status</dt><dd>New</dd>`,
			`<dt>Customer</dt><dd><a href="` + clientPath + `">` + escapedClient + `</a></dd>`,
			`<dt>Site</dt><dd>Head Office</dd>`, `<dt>User</dt><dd>General User</dd>`,
			`<dt>Ticket Type</dt><dd>Security Alert</dd>`, `<dt>Priority</dt><dd>High Threat</dd>`,
			`<dt>Team</dt><dd>Security Operations</dd>`, `<dt>Agent</dt><dd>Lukas Schäfer</dd>`,
			`<dt>Category</dt><dd>Security</dd>`, `<dt>Date Occurred</dt><dd>2025-03-14 08:15:00</dd>`,
			`<dt>Assets</dt><dd>KS-WS01&lt;i&gt; <span class="muted">Workstation #`,
			"Trojan.Agent found &amp; blocked.\nRun a full scan.",
			`<strong>Internal Note</strong> by Halo Integrator (halobridge (simulator)) on 2025-03-14 09:30:00 · hidden from user`,
			`Seen again &lt;b onmouseover=alert(2)&gt;twice&lt;/b&gt;`,
		}},
		{"CustomerShowsSitesUsersTicketsAndInvoices", clientPath, http.StatusOK, []string{
			`<h1>` + escapedClient + `</h1>`, `<dt>Top Level</dt><dd>Managed Clients</dd>`,
			`<h3>Head Office <span class="muted">main site</span></h3>`, `<tr><td>General User</td><td></td><td></td></tr>`,
			`<a href="` + ticketPath + `">` + escapedSummary + `</a>`,
			`<a href="` + invoicePath + `">Recurring invoice ` + itoa(sc.invoiceID) + `</a> Security &lt;Monthly&gt;`,
		}},
		{"CustomerListLinksEachClient", "/customers", http.StatusOK, []string{
			`<a href="` + clientPath + `">` + escapedClient + `</a></td><td>Managed Clients</td><td>Head Office</td><td>Yes</td>`,
		}},
		{"RecurringInvoiceShowsItsLines", invoicePath, http.StatusOK, []string{
			`<h1>Recurring invoice ` + itoa(sc.invoiceID) + `</h1>`,
			`<dt>Customer</dt><dd><a href="` + clientPath + `">` + escapedClient + `</a></dd>`,
			`<dt>Reference</dt><dd>Security &lt;Monthly&gt;</dd>`,
			`<td>Endpoint Security <span class="muted">ITEM-1401</span></td><td></td>` + "\n" + `<td class="num">12</td><td class="num">4.50</td><td class="num">54.00</td>`,
			`<dt>Total</dt><dd>£54.00 (tax £0.00)</dd>`,
		}},
		{"RecurringInvoiceListShowsTotals", "/recurringinvoices", http.StatusOK, []string{
			`<td><a href="` + invoicePath + `">` + itoa(sc.invoiceID) + `</a></td><td><a href="` + clientPath + `">` + escapedClient + `</a></td>` + "\n" +
				`<td>Security &lt;Monthly&gt;</td><td class="num">1</td><td class="num">£54.00</td>`,
		}},
		{"PathsAreMatchedInAnyCase", "/Ticket?id=" + itoa(sc.ticketID), http.StatusOK, []string{`<dt>Status</dt><dd>New</dd>`}},
		{"UnknownTicketIsNotFound", "/ticket?id=999999", http.StatusNotFound, []string{`<h1>Ticket 999999 does not exist</h1>`}},
		{"TicketWithoutIDIsNotFound", "/ticket", http.StatusNotFound, []string{`<h1>Ticket  does not exist</h1>`}},
		{"HostileIDIsEscaped", "/customers?clientid=%3Cscript%3E", http.StatusNotFound, []string{`<h1>Customer &lt;script&gt; does not exist</h1>`}},
		{"UnknownInvoiceIsNotFound", "/recurringinvoice?id=5", http.StatusNotFound, []string{`<h1>Recurring invoice 5 does not exist</h1>`}},
		{"OldTicketsPathIsNotAPage", "/tickets?id=" + itoa(sc.ticketID), http.StatusNotFound, []string{"404 page not found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := b.send(t, "GET", tc.path, "", nil)
			wantStatus(t, got, tc.status)
			for _, want := range tc.want {
				if !strings.Contains(got.text(), want) {
					t.Errorf("GET %s lacks %q:\n%s", tc.path, want, got.body)
				}
			}
			for _, hostile := range []string{"<script", "<img", "<b ", "onerror=alert(1)>"} {
				if strings.Contains(got.text(), hostile) {
					t.Errorf("GET %s carries %q unescaped", tc.path, hostile)
				}
			}
		})
	}
}

func TestWebViewIsNotTheAPI(t *testing.T) {
	t.Parallel()

	t.Run("NeedsNoTokenAndIsNeitherLoggedNorCounted", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{RateLimit: 1})
		for range 3 {
			wantStatus(t, b.send(t, "GET", "/", "", nil), http.StatusOK)
		}
		if got := b.sim.Requests(); len(got) != 0 {
			t.Errorf("the web view logged %d API requests: %+v", len(got), got)
		}
		wantStatus(t, b.send(t, "GET", "/api/Tickets", "", nil), http.StatusUnauthorized)
	})

	t.Run("ShowsStateWhileTheAPIIsDown", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{Trouble: Trouble{Down: true}})
		got := b.send(t, "GET", "/customers", "", nil)
		wantStatus(t, got, http.StatusOK)
		if !strings.Contains(got.text(), "<h1>Customers</h1>") {
			t.Errorf("the customer list is not shown:\n%s", got.body)
		}
	})

	t.Run("IsReadOnly", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		got := b.send(t, "POST", "/ticket?id=1", "", "{}")
		wantStatus(t, got, http.StatusMethodNotAllowed)
		if got.header.Get("Allow") != "GET, HEAD" {
			t.Errorf("Allow = %q, want GET, HEAD", got.header.Get("Allow"))
		}
	})

	t.Run("LoadsNothingFromElsewhere", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		got := b.send(t, "GET", "/", "", nil)
		if csp := got.header.Get("Content-Security-Policy"); csp != "default-src 'none'; style-src 'unsafe-inline'" {
			t.Errorf("Content-Security-Policy = %q", csp)
		}
		for _, external := range []string{"http://", "https://", "//cdn"} {
			if strings.Contains(got.text(), external) {
				t.Errorf("the page refers to %q:\n%s", external, got.body)
			}
		}
	})
}

func TestNoteText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, plain, html, want string }{
		{"PlainTextWins", "Reported by phone.", "<p>other</p>", "Reported by phone."},
		{"ParagraphsAreLines", "", "<p>Malware found.</p>\n<p>Run a full scan.</p>", "Malware found.\nRun a full scan."},
		{"CellsStayApart", "", "<table><tr><th>Host</th><td>WS01</td></tr><tr><th>User</th><td>jo</td></tr></table>", "Host WS01\nUser jo"},
		{"SpacesCollapseAsInABrowser", "", "<p>one\n   two</p>", "one two"},
		{"EntitiesAreText", "", "<p>&lt;script&gt; &amp; co</p>", "<script> & co"},
		{"BreaksAreLines", "", "a<br>b<BR/>c", "a\nb\nc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := noteText(tc.plain, tc.html); got != tc.want {
				t.Errorf("noteText(%q, %q) = %q, want %q", tc.plain, tc.html, got, tc.want)
			}
		})
	}
}
