package deliver_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/connect"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/ingest"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/defensx/dxsim"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/wait"
)

// running is halobridge as a process runs it: the ingest endpoint, the
// group committer that enqueues delivery, and the job queue working it.
type running struct {
	server *httptest.Server
}

// run starts ingest and delivery jobs for b's store; everything stops when
// the test ends.
func run(t *testing.T, b *testBundle) *running {
	t.Helper()
	return runSweeping(t, b, 300*time.Millisecond)
}

// runSweeping is run with the delivery sweep every sweepEvery.
func runSweeping(t *testing.T, b *testBundle, sweepEvery time.Duration) *running {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	dj := &deliver.Jobs{Service: b.svc, Connectors: &connect.Sources{Outbound: outbound.Local(), Store: b.store}, SweepEvery: sweepEvery, Logger: logger}
	workers := river.NewWorkers()
	sweep := dj.Register(workers)
	q, err := jobs.Open(b.ctx, b.store, jobs.Options{Workers: workers, Periodic: []*river.PeriodicJob{sweep}, FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	dj.Use(q)
	ctx, cancel := context.WithCancel(context.Background())
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	committer := ingest.NewCommitter(b.store, 0, logger)
	committer.OnStored(dj.OnStored)
	committed := make(chan struct{})
	go func() { committer.Run(ctx); close(committed) }()
	t.Cleanup(func() {
		cancel()
		<-committed
		stop, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		q.StopAndCancel(stop)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /ingest/{token}", ingest.NewReceiver(b.store, committer, ingest.Parsers(), ingest.Options{Logger: logger}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &running{server: srv}
}

// gravityZone connects a GravityZone simulator seeded with seed to b's
// partner, its Event Push registered to r's ingest endpoint.
func (r *running) gravityZone(t *testing.T, b *testBundle, seed int64) (*gzsim.Sim, store.Source) {
	t.Helper()
	gz := gzsim.New(gzsim.Options{Seed: seed, RateLimit: -1})
	gzSrv := httptest.NewServer(gz)
	t.Cleanup(gzSrv.Close)
	src, err := b.store.CreateSource(b.ctx, store.Source{PartnerID: b.partner.ID, Kind: source.GravityZone, Name: "GravityZone",
		Secret: fmt.Sprintf("Bearer gz-%d", seed), APIURL: gzSrv.URL + "/api", APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := (&connect.Sources{Outbound: outbound.Local(), Store: b.store}).Connector(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.RegisterDelivery(b.ctx, source.Delivery{URL: r.server.URL + "/ingest/" + src.Token, Secret: src.Secret}); err != nil {
		t.Fatalf("RegisterDelivery: %v", err)
	}
	return gz, src
}

// defensX connects a DefensX simulator made with opts to b's partner, its
// webhook sent to r's ingest endpoint, with its first customer mapped to
// b's client; withAPI gives the source the simulator's Partner API too.
func (r *running) defensX(t *testing.T, b *testBundle, opts dxsim.Options, withAPI bool) (*dxsim.Sim, store.Source) {
	t.Helper()
	dx := dxsim.New(opts)
	src := store.Source{PartnerID: b.partner.ID, Kind: source.DefensX, Name: "DefensX", Secret: "dx-e2e-secret"}
	if withAPI {
		dxSrv := httptest.NewServer(dx)
		t.Cleanup(dxSrv.Close)
		src.APIKey, src.APIURL = dx.APIKey(), dxSrv.URL+dxsim.BasePath
	}
	src, err := b.store.CreateSource(b.ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	dx.SetWebhook(r.server.URL+"/ingest/"+src.Token+"?secret="+src.Secret, nil)
	if _, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: b.partner.ID, SourceID: src.ID, CustomerID: dx.Customers()[0].ID,
		ClientID: b.client.ID, Ticketing: true, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	return dx, src
}

func ticketByKey(sim *halosim.Sim, prefix string) (halosim.Ticket, bool) {
	for _, tk := range ourTickets(sim) {
		if strings.HasPrefix(tk.ThirdPartyIDString, prefix) {
			return tk, true
		}
	}
	return halosim.Ticket{}, false
}

// syncCatalogs runs the catalog sync a person starts with "Sync now": the
// HaloPSA catalog and every source's customers (and DefensX users). The
// bundle's own source, which has no API to read, is removed first.
func syncCatalogs(t *testing.T, b *testBundle) {
	t.Helper()
	if _, err := b.store.DeleteSource(b.ctx, b.src.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	run, err := b.store.StartSyncRun(b.ctx, store.SyncRun{PartnerID: b.partner.ID, Kind: store.SyncCatalog})
	if err != nil {
		t.Fatal(err)
	}
	p := jobs.NewProgress(b.store, run)
	syncer := &syncrun.Syncer{Store: b.store, Halo: b.halo, Sources: &connect.Sources{Outbound: outbound.Local(), Store: b.store}}
	_, syncErr := syncer.Sync(b.ctx, b.partner.ID, p)
	if err := p.Finish(syncErr); err != nil {
		t.Fatal(err)
	}
	if syncErr != nil {
		t.Fatalf("sync: %v", syncErr)
	}
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	fast := deliver.Options{Gather: 150 * time.Millisecond, FlushWindow: 400 * time.Millisecond, Now: time.Now}

	t.Run("GravityZoneAlertsBecomeATicketANoteAndAClosure", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: fast})
		r := run(t, b)
		gz, src := r.gravityZone(t, b, 11)
		company := gz.Companies()[1]
		if _, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: b.partner.ID, SourceID: src.ID, CustomerID: company.ID,
			ClientID: b.client.ID, Ticketing: true, Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		onHost := func(module string) gzsim.Event {
			ev, err := gz.NewEvent(module, company.ID)
			if err != nil {
				t.Fatal(err)
			}
			ev["computer_name"] = "WS-LOBBY"
			return ev
		}
		first := onHost("av")
		if err := gz.Push(b.ctx, first, onHost("av"), onHost("av")); err != nil {
			t.Fatalf("Push: %v", err)
		}
		hostKey := "host/gravityzone/" + company.ID + "/av/ws-lobby"
		var ticket halosim.Ticket
		wait.For(t, "the antimalware ticket", func() (ok bool) { ticket, ok = ticketByKey(b.sim, hostKey); return ok })
		if want := "Malware " + first["malware_name"].(string) + " on WS-LOBBY"; ticket.Summary != want {
			t.Errorf("summary %q, want %q", ticket.Summary, want)
		}
		if ticket.ClientID != b.client.ID || ticket.TicketTypeID != 21 || ticket.Team != "Security Operations" ||
			ticket.Category1 != "Security>Malware" || ticket.PriorityID != 2 || ticket.SLAID != 3 || ticket.Source != 5 {
			t.Errorf("ticket fields %+v", ticket)
		}
		if !strings.Contains(ticket.DetailsHTML, "3 new alerts") {
			t.Errorf("details do not list the 3 alerts of the push:\n%s", ticket.DetailsHTML)
		}

		if err := gz.Push(b.ctx, onHost("av")); err != nil {
			t.Fatal(err)
		}
		wait.For(t, "the note for the fourth alert", func() bool { return len(notes(b.sim, ticket.ID)) == 1 })
		note := notes(b.sim, ticket.ID)[0]
		if !note.HiddenFromUser || note.OutcomeID != 7 || !strings.Contains(note.NoteHTML, "1 new alert") {
			t.Errorf("note %+v, want one private Internal Note", note)
		}

		incident := onHost("new-incident")
		if err := gz.Push(b.ctx, incident); err != nil {
			t.Fatal(err)
		}
		var incTicket halosim.Ticket
		wait.For(t, "the incident ticket", func() (ok bool) { incTicket, ok = ticketByKey(b.sim, "gravityzone|"); return ok })
		if err := gz.CloseIncident(incident["incident_id"].(string)); err != nil {
			t.Fatal(err)
		}
		wait.For(t, "the incident ticket closed", func() bool {
			got, _ := b.sim.Ticket(incTicket.ID)
			return got.StatusID == 9
		})
		closing := notes(b.sim, incTicket.ID)
		if len(closing) != 1 || !strings.Contains(closing[0].NoteHTML, "GravityZone incident closed") || !strings.Contains(closing[0].NoteHTML, "Closed by halobridge") {
			t.Errorf("closing notes %+v", closing)
		}
		if n := len(ourTickets(b.sim)); n != 2 {
			t.Errorf("%d tickets, want 2 (one per host group, one per incident)", n)
		}
	})

	t.Run("DefensXUserRequestsBecomeTicketsWithVisibleUpdates", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: fast})
		show := true
		p := testPolicy()
		p.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {ShowUpdatesToUser: &show, Team: "1st Line Support"}}
		if _, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: p}); err != nil {
			t.Fatal(err)
		}
		r := run(t, b)
		dx, _ := r.defensX(t, b, dxsim.Options{Seed: 5}, false)
		customer := dx.Customers()[0]
		request := dxsim.UserRequest{ID: 4242, ReportType: "url_block", URL: "https://monster.com/jobs", Reason: "I need this site for my work"}
		if _, err := dx.SendUserRequest(b.ctx, customer.ID, request); err != nil {
			t.Fatalf("SendUserRequest: %v", err)
		}
		var ticket halosim.Ticket
		wait.For(t, "the user request ticket", func() (ok bool) { ticket, ok = ticketByKey(b.sim, "defensx:"); return ok })
		if ticket.Summary != "New user request: URL Block" || ticket.Team != "1st Line Support" || ticket.Category1 != "Security>Web Filtering" ||
			ticket.ClientID != b.client.ID || !strings.Contains(ticket.DetailsHTML, "I need this site for my work") {
			t.Errorf("ticket %+v", ticket)
		}
		request.Reason = "It is a job board for our recruiters"
		if _, err := dx.SendUserRequest(b.ctx, customer.ID, request); err != nil {
			t.Fatal(err)
		}
		wait.For(t, "the note of the repeated request", func() bool { return len(notes(b.sim, ticket.ID)) == 1 })
		if note := notes(b.sim, ticket.ID)[0]; note.HiddenFromUser {
			t.Errorf("note %+v is hidden, but DefensX updates are shown to the user", note)
		}
	})

	t.Run("AGravityZoneTicketNamesTheCompanyAndTheClient", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: fast})
		p := testPolicy()
		p.TitleTemplate = "{{customer}}: {{report_type}} on {{hostname}}"
		fallback := activeClient(t, b.sim, true)
		for _, c := range b.sim.Clients() {
			if !c.Inactive && c.ID != b.client.ID && c.MainSiteID > 0 {
				fallback = c
				break
			}
		}
		if _, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: p, FallbackClientID: fallback.ID}); err != nil {
			t.Fatal(err)
		}
		r := run(t, b)
		gz, src := r.gravityZone(t, b, 21)
		syncCatalogs(t, b)
		companies := gz.Companies()
		mapped, unmapped := companies[1], companies[2]
		if _, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: b.partner.ID, SourceID: src.ID, CustomerID: mapped.ID,
			ClientID: b.client.ID, Ticketing: true, Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		event := func(company, host string) gzsim.Event {
			ev, err := gz.NewEvent("av", company)
			if err != nil {
				t.Fatal(err)
			}
			ev["computer_name"] = host
			return ev
		}
		if err := gz.Push(b.ctx, event(mapped.ID, "WS-FRONT"), event(unmapped.ID, "WS-BACK")); err != nil {
			t.Fatal(err)
		}

		var ticket halosim.Ticket
		wait.For(t, "the mapped company's ticket", func() (ok bool) {
			ticket, ok = ticketByKey(b.sim, "host/gravityzone/"+mapped.ID+"/av/ws-front")
			return ok
		})
		if want := mapped.Name + ": "; !strings.HasPrefix(ticket.Summary, want) || !strings.HasSuffix(ticket.Summary, " on WS-FRONT") {
			t.Errorf("summary %q, want it to start with the company's name %q and end on the host", ticket.Summary, want)
		}
		for _, want := range []string{
			"<tr><th>Company</th><td>" + html.EscapeString(mapped.Name) + " <small>(GravityZone company id " + mapped.ID + ")</small></td></tr>",
			"<tr><th>HaloPSA client</th><td>" + html.EscapeString(b.client.Name) + "</td></tr>",
			"<tr><th>Host</th><td>WS-FRONT",
			"<details><summary>The event as GravityZone sent it</summary><pre>{\n",
			"&#34;computer_name&#34;: &#34;WS-FRONT&#34;",
		} {
			if !strings.Contains(ticket.DetailsHTML, want) {
				t.Errorf("the ticket HaloPSA holds lacks %q:\n%s", want, ticket.DetailsHTML)
			}
		}
		if strings.Contains(ticket.DetailsHTML, "Customer "+mapped.ID) {
			t.Errorf("the ticket names the company by its id:\n%s", ticket.DetailsHTML)
		}

		var onFallback halosim.Ticket
		wait.For(t, "the unmapped company's ticket", func() (ok bool) {
			onFallback, ok = ticketByKey(b.sim, "host/gravityzone/"+unmapped.ID+"/av/ws-back")
			return ok
		})
		if onFallback.ClientID != fallback.ID || !strings.HasPrefix(onFallback.Summary, "[Unmapped] "+unmapped.Name+": ") {
			t.Errorf("unmapped ticket on client %d titled %q, want the fallback %d titled with the company's name", onFallback.ClientID, onFallback.Summary, fallback.ID)
		}
		for _, want := range []string{
			"GravityZone company <strong>" + html.EscapeString(unmapped.Name) + "</strong> <small>(id " + unmapped.ID + ")</small> is not mapped",
			"open the Client mapping page and map " + html.EscapeString(unmapped.Name) + " to its HaloPSA client",
			"<tr><th>HaloPSA client</th><td>" + html.EscapeString(fallback.Name) + "</td></tr>",
		} {
			if !strings.Contains(onFallback.DetailsHTML, want) {
				t.Errorf("the fallback client's ticket lacks %q:\n%s", want, onFallback.DetailsHTML)
			}
		}
	})

	t.Run("ADefensXTicketNamesTheUserFromTheSyncedUsers", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{deliver: fast})
		p := testPolicy()
		p.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {TitleTemplate: "{{report_type}} request from {{user}} at {{customer}}"}}
		if _, err := b.svc.SavePolicy(b.ctx, b.partner.ID, deliver.SavedPolicy{Policy: p}); err != nil {
			t.Fatal(err)
		}
		r := run(t, b)
		dx, _ := r.defensX(t, b, dxsim.Options{Seed: 7, NumCustomers: 2}, true)
		customer := dx.Customers()[0]
		lena, err := dx.AddUser(customer.ID, dxsim.User{Name: "Lena <Varga>", Email: "lena.varga@example.com", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		syncCatalogs(t, b)
		// A user who joined after the sync is not known yet.
		newcomer, err := dx.AddUser(customer.ID, dxsim.User{Name: "Kofi Umar", Active: true})
		if err != nil {
			t.Fatal(err)
		}

		// request sends a user request of user and waits for its ticket.
		request := func(id int, user string) halosim.Ticket {
			t.Helper()
			if _, err := dx.SendUserRequest(b.ctx, customer.ID, dxsim.UserRequest{ID: id, UserID: user, URL: "https://monster.com/jobs"}); err != nil {
				t.Fatal(err)
			}
			var ticket halosim.Ticket
			wait.For(t, fmt.Sprintf("the ticket of request %d", id), func() (ok bool) {
				ticket, ok = ticketByKey(b.sim, fmt.Sprintf("defensx:%s:user_request:%d", customer.ID, id))
				return ok
			})
			return ticket
		}
		ticket := request(501, lena.ID)
		if want := "request from Lena <Varga> at " + customer.Name; !strings.HasSuffix(ticket.Summary, want) {
			t.Errorf("summary %q, want it to end with %q", ticket.Summary, want)
		}
		if want := "<tr><th>User</th><td>Lena &lt;Varga&gt; <small>(user id " + lena.ID + ")</small></td></tr>"; !strings.Contains(ticket.DetailsHTML, want) {
			t.Errorf("the ticket lacks %q:\n%s", want, ticket.DetailsHTML)
		}

		unknown := request(502, newcomer.ID)
		if want := "request from " + newcomer.ID + " at " + customer.Name; !strings.HasSuffix(unknown.Summary, want) {
			t.Errorf("summary %q, want the user's id (%q) until a sync names them", unknown.Summary, want)
		}
		if want := "<tr><th>User</th><td>" + newcomer.ID + "</td></tr>"; !strings.Contains(unknown.DetailsHTML, want) {
			t.Errorf("the ticket lacks %q:\n%s", want, unknown.DetailsHTML)
		}
	})
}

func TestWake(t *testing.T) {
	t.Parallel()

	t.Run("NewAlertsWakeADeliveryThatSleepsUntilAGroupsRetry", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOptions{noRetries: true, deliver: deliver.Options{Gather: 100 * time.Millisecond, RetryBackoff: time.Hour, Now: time.Now}})
		// The sweep, which would also find the new alert, stays out of it.
		r := runSweeping(t, b, time.Hour)
		gz, src := r.gravityZone(t, b, 12)
		company := gz.Companies()[1]
		if _, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: b.partner.ID, SourceID: src.ID, CustomerID: company.ID,
			ClientID: b.client.ID, Ticketing: true, Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		onHost := func(host string) gzsim.Event {
			ev, err := gz.NewEvent("av", company.ID)
			if err != nil {
				t.Fatal(err)
			}
			ev["computer_name"] = host
			return ev
		}

		b.sim.InjectFault(halosim.Fault{Method: "POST", PathPrefix: "/api/Tickets", Status: http.StatusBadRequest,
			Body: `{"ClassName":"System.Exception","Message":"The ticket could not be saved"}`, Times: 1})
		if err := gz.Push(b.ctx, onHost("WS-REFUSED")); err != nil {
			t.Fatal(err)
		}
		wait.For(t, "the refused group backing off for an hour", func() bool {
			list, _ := b.store.DeliveryBackoffs(b.ctx, b.partner.ID)
			return len(list) == 1
		})
		db := b.store.DB()
		// The group waits for its capped backoff, 12 to 15 minutes.
		wait.For(t, "the delivery job asleep until the retry", func() bool {
			rows, err := db.QueryContext(b.ctx, "SELECT state, scheduled_at FROM river_job WHERE kind = 'deliver_tickets' AND state NOT IN ('completed', 'discarded', 'cancelled')")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			asleep, awake := 0, 0
			for rows.Next() {
				var state string
				var at time.Time
				if err := rows.Scan(&state, &at); err != nil {
					t.Fatal(err)
				}
				if state == "scheduled" && at.After(time.Now().Add(5*time.Minute)) {
					asleep++
				} else {
					awake++
				}
			}
			return awake == 0 && asleep == 1
		})
		if err := gz.Push(b.ctx, onHost("WS-NEW")); err != nil {
			t.Fatal(err)
		}
		wait.For(t, "the new host's ticket while the refused group sleeps", func() bool {
			_, ok := ticketByKey(b.sim, "host/gravityzone/"+company.ID+"/av/ws-new")
			return ok
		})
		if _, ok := ticketByKey(b.sim, "host/gravityzone/"+company.ID+"/av/ws-refused"); ok {
			t.Error("the refused group was tried again before its retry")
		}
	})
}
