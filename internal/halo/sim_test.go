package halo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
)

// simBundle is a client wired to a fresh HaloPSA simulator.
type simBundle struct {
	sim *halosim.Sim
	srv *httptest.Server
	rec *recorder
	cfg Config
}

// setupSim starts a simulator (unlimited rate unless opts says otherwise) and returns a
// client-credentials client for its default application, with every request recorded.
func setupSim(t *testing.T, opts halosim.Options, edit func(*Config)) (*Client, *simBundle) {
	t.Helper()
	if opts.RateLimit == 0 {
		opts.RateLimit = -1
	}
	b := &simBundle{sim: halosim.New(opts), rec: &recorder{base: http.DefaultTransport}}
	b.srv = httptest.NewServer(b.sim)
	t.Cleanup(b.srv.Close)
	b.cfg = Config{
		Outbound:     outbound.Local(),
		ResourceURL:  b.srv.URL + "/api",
		AuthURL:      b.srv.URL + "/auth",
		Tenant:       opts.Tenant,
		ClientID:     halosim.DefaultClientID,
		ClientSecret: halosim.DefaultClientSecret,
		HTTPClient:   &http.Client{Transport: b.rec, Timeout: 10 * time.Second},
		RetryBackoff: time.Millisecond,
	}
	if edit != nil {
		edit(&b.cfg)
	}
	c, err := New(b.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, b
}

// sent returns the requests the client sent for method and an /api or /auth path (any
// case), with their answers. It is read on the client side: the simulator logs a request
// only after answering it, so its log may lag behind what the client already saw.
func (b *simBundle) sent(method, path string) []sentRequest {
	var out []sentRequest
	for _, r := range b.rec.requests() {
		u, err := url.Parse(r.URL)
		if err == nil && r.Method == method && strings.EqualFold(u.Path, path) {
			out = append(out, r)
		}
	}
	return out
}

// pickSite returns a site of an active client that has a General User, and that user.
func pickSite(t *testing.T, ctx context.Context, c *Client) (Site, User) {
	t.Helper()
	sites, err := c.Sites(ctx, SiteQuery{})
	if err != nil {
		t.Fatal(err)
	}
	users, err := c.Users(ctx, UserQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sites {
		if gu, ok := GeneralUser(users, s.ID); ok && !s.Inactive {
			return s, gu
		}
	}
	t.Fatal("no site with a General User")
	return Site{}, User{}
}

func mustNoErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestSimReads(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	c, b := setupSim(t, halosim.Options{Seed: 7}, nil)

	t.Run("IdentifiesTheAPIAgent", func(t *testing.T) {
		me, err := c.Me(ctx)
		mustNoErr(t, "Me", err)
		if !me.IsAPIAgent || me.ID == 0 {
			t.Errorf("Me = %+v, want the API-only agent the application logs in as", me)
		}
		info, err := c.InstanceInfo(ctx)
		mustNoErr(t, "InstanceInfo", err)
		if info.AppName != "Halo PSA" {
			t.Errorf("app_name = %q, want \"Halo PSA\"", info.AppName)
		}
	})

	t.Run("ReadsClientsSitesAndUsers", func(t *testing.T) {
		active, err := c.Clients(ctx, ClientQuery{})
		mustNoErr(t, "Clients", err)
		all, err := c.Clients(ctx, ClientQuery{IncludeInactive: true})
		mustNoErr(t, "Clients incl. inactive", err)
		if len(all) != 60 || len(active) >= len(all) {
			t.Fatalf("got %d active of %d clients, want fewer active than the 60 seeded", len(active), len(all))
		}
		one, err := c.Client(ctx, active[0].ID)
		mustNoErr(t, "Client", err)
		if one.Name != active[0].Name {
			t.Errorf("Client(%d).Name = %q, want %q", active[0].ID, one.Name, active[0].Name)
		}
		sites, err := c.Sites(ctx, SiteQuery{ClientID: one.ID})
		mustNoErr(t, "Sites", err)
		if len(sites) == 0 {
			t.Fatal("client has no sites")
		}
		for _, s := range sites {
			if s.ClientID != one.ID {
				t.Errorf("site %d has client %d, want %d", s.ID, s.ClientID, one.ID)
			}
		}
		users, err := c.Users(ctx, UserQuery{SiteID: sites[0].ID})
		mustNoErr(t, "Users", err)
		for _, u := range users {
			if u.SiteID != sites[0].ID {
				t.Errorf("user %d is on site %d, want %d", u.ID, u.SiteID, sites[0].ID)
			}
		}
	})

	t.Run("TellsWhichSitesLackAGeneralUser", func(t *testing.T) {
		sites, err := c.Sites(ctx, SiteQuery{})
		mustNoErr(t, "Sites", err)
		users, err := c.Users(ctx, UserQuery{})
		mustNoErr(t, "Users", err)
		with, without := 0, 0
		for _, s := range sites {
			if _, ok := GeneralUser(users, s.ID); ok {
				with++
			} else {
				without++
			}
		}
		// The seed leaves a few sites without one, the case billing and ticketing report.
		if with == 0 || without == 0 {
			t.Errorf("%d sites with a General User, %d without; want both kinds", with, without)
		}
	})

	t.Run("HidesAPIAndDisabledAgentsUnlessAsked", func(t *testing.T) {
		plain, err := c.Agents(ctx, false, false)
		mustNoErr(t, "Agents", err)
		everyone, err := c.Agents(ctx, true, true)
		mustNoErr(t, "Agents with API and disabled", err)
		count := func(agents []Agent, keep func(Agent) bool) int {
			n := 0
			for _, a := range agents {
				if keep(a) {
					n++
				}
			}
			return n
		}
		isAPI := func(a Agent) bool { return a.IsAPIAgent }
		isDisabled := func(a Agent) bool { return a.IsDisabled }
		if count(plain, isAPI) != 0 || count(plain, isDisabled) != 0 {
			t.Errorf("default agent list has API or disabled agents: %+v", plain)
		}
		if count(everyone, isAPI) == 0 || count(everyone, isDisabled) == 0 {
			t.Errorf("full agent list lacks API or disabled agents")
		}
	})

	t.Run("ReadsTheTicketConfiguration", func(t *testing.T) {
		teams, err := c.Teams(ctx)
		mustNoErr(t, "Teams", err)
		statuses, err := c.Statuses(ctx)
		mustNoErr(t, "Statuses", err)
		types, err := c.TicketTypes(ctx)
		mustNoErr(t, "TicketTypes", err)
		slas, err := c.SLAs(ctx)
		mustNoErr(t, "SLAs", err)
		categories, err := c.Categories(ctx)
		mustNoErr(t, "Categories", err)
		outcomes, err := c.Outcomes(ctx)
		mustNoErr(t, "Outcomes", err)
		sources, err := c.RequestSources(ctx)
		mustNoErr(t, "RequestSources", err)
		if len(teams) == 0 || len(categories) == 0 {
			t.Errorf("got %d teams, %d categories", len(teams), len(categories))
		}
		if !hasStatus9Closed(statuses) {
			t.Errorf("statuses %+v lack 9 Closed", statuses)
		}
		withSLA := 0
		for _, tt := range types {
			if tt.DefaultSLAID > 0 {
				withSLA++
			}
		}
		if withSLA == 0 || withSLA == len(types) {
			t.Errorf("%d of %d ticket types have a default SLA; the seed has types with and without", withSLA, len(types))
		}
		if len(slas) == 0 {
			t.Fatal("no SLAs")
		}
		for _, s := range slas {
			if len(s.Priorities) == 0 {
				t.Errorf("SLA %d %q came without priorities", s.ID, s.Name)
			}
		}
		prios, err := c.Priorities(ctx, slas[0].ID)
		mustNoErr(t, "Priorities", err)
		for _, p := range prios {
			if p.SLAID != slas[0].ID || p.ID == "" {
				t.Errorf("priority %+v is not one of SLA %d", p, slas[0].ID)
			}
		}
		if !hasOutcome(outcomes, 7, "Internal Note") {
			t.Errorf("outcomes lack 7 Internal Note")
		}
		if !hasSource(sources, 0, "Email") {
			t.Errorf("request sources %+v lack 0 Email", sources)
		}
		if got := b.sent("GET", "/api/SLA"); len(got) != 1 {
			t.Errorf("SLAs cost %d requests, want 1", len(got))
		}
	})

	t.Run("ReadsRecurringInvoicesWithLinesOnlyOneByOne", func(t *testing.T) {
		invoices, err := c.RecurringInvoices(ctx, RecurringInvoiceQuery{})
		mustNoErr(t, "RecurringInvoices", err)
		if len(invoices) == 0 {
			t.Fatal("no recurring invoices")
		}
		for _, inv := range invoices {
			if inv.ID >= 0 || len(inv.Lines) != 0 {
				t.Fatalf("invoice %d has %d lines in the list; want a negative id and no lines", inv.ID, len(inv.Lines))
			}
		}
		one, err := c.RecurringInvoice(ctx, invoices[0].ID)
		mustNoErr(t, "RecurringInvoice", err)
		if len(one.Lines) == 0 || one.Lines[0].IHID != one.ID {
			t.Errorf("invoice %d lines = %+v", one.ID, one.Lines)
		}
		forClient, err := c.RecurringInvoices(ctx, RecurringInvoiceQuery{ClientID: one.ClientID})
		mustNoErr(t, "RecurringInvoices by client", err)
		if len(forClient) == 0 || forClient[0].ClientID != one.ClientID {
			t.Errorf("invoices of client %d = %+v", one.ClientID, forClient)
		}
	})

	t.Run("ReadsTicketsActionsItemsAndApplications", func(t *testing.T) {
		tickets, err := c.Tickets(ctx, TicketQuery{})
		mustNoErr(t, "Tickets", err)
		if len(tickets) == 0 {
			t.Fatal("no tickets")
		}
		open, err := c.Tickets(ctx, TicketQuery{OpenOnly: true})
		mustNoErr(t, "open Tickets", err)
		for _, tk := range open {
			if tk.StatusID == 9 {
				t.Errorf("open-only read returned closed ticket %d", tk.ID)
			}
		}
		one, err := c.Ticket(ctx, tickets[0].ID)
		mustNoErr(t, "Ticket", err)
		if one.Summary != tickets[0].Summary {
			t.Errorf("Ticket(%d).Summary = %q, want %q", one.ID, one.Summary, tickets[0].Summary)
		}
		actions, err := c.Actions(ctx, one.ID)
		mustNoErr(t, "Actions", err)
		if len(actions) == 0 || actions[0].ID != 1 {
			t.Errorf("actions of a new ticket = %+v, want the opening action with id 1", actions)
		}
		items, err := c.Items(ctx)
		mustNoErr(t, "Items", err)
		if len(items) == 0 {
			t.Error("no items")
		}
		apps, err := c.Applications(ctx)
		mustNoErr(t, "Applications", err)
		found := false
		for _, a := range apps {
			found = found || a.ClientID == halosim.DefaultClientID
		}
		if !found {
			t.Errorf("applications %+v lack %s", apps, halosim.DefaultClientID)
		}
		if _, err := c.Ticket(ctx, 999999); !IsNotFound(err) {
			t.Errorf("Ticket(999999) err = %v, want not found", err)
		}
	})
}

func hasStatus9Closed(statuses []Status) bool {
	for _, s := range statuses {
		if s.ID == 9 && s.Name == "Closed" {
			return true
		}
	}
	return false
}

func hasOutcome(outcomes []Outcome, id int, name string) bool {
	for _, o := range outcomes {
		if o.ID == id && o.Outcome == name {
			return true
		}
	}
	return false
}

func hasSource(sources []RequestSource, id int, name string) bool {
	for _, s := range sources {
		if s.ID == id && s.Name == name {
			return true
		}
	}
	return false
}

func TestSimReadsWhatChanged(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	now := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	c, b := setupSim(t, halosim.Options{Seed: 7, Now: clock, TokenTTL: 24 * time.Hour}, nil)
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	created, err := c.CreateClient(ctx, ClientRecord{Name: "Changed Lately Ltd"})
	mustNoErr(t, "CreateClient", err)
	since := Updated{From: time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)}

	t.Run("ReadsOnlyTheClientSiteAndGeneralUserCreatedSince", func(t *testing.T) {
		clients, err := c.Clients(ctx, ClientQuery{IncludeInactive: true, Updated: since})
		mustNoErr(t, "Clients", err)
		sites, err := c.Sites(ctx, SiteQuery{Updated: since})
		mustNoErr(t, "Sites", err)
		users, err := c.Users(ctx, UserQuery{Search: GeneralUserName, Updated: since})
		mustNoErr(t, "Users", err)
		if len(clients) != 1 || clients[0].ID != created.ID || len(sites) != 1 || sites[0].ID != created.MainSiteID ||
			len(users) != 1 || users[0].SiteID != created.MainSiteID {
			t.Errorf("changed since 10:00: clients %+v, sites %+v, users %+v; want client %d, its main site %d and its General User",
				clients, sites, users, created.ID, created.MainSiteID)
		}
	})

	t.Run("CountsWhatItWouldRead", func(t *testing.T) {
		n, err := c.CountClients(ctx, ClientQuery{IncludeInactive: true})
		mustNoErr(t, "CountClients", err)
		if want := len(b.sim.Clients()); n != want {
			t.Errorf("CountClients = %d, want the %d clients the simulator holds", n, want)
		}
		n, err = c.CountSites(ctx, SiteQuery{Updated: since})
		mustNoErr(t, "CountSites", err)
		if n != 1 {
			t.Errorf("CountSites changed since 10:00 = %d, want 1", n)
		}
	})
}

func TestSimPaging(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		capAll  bool
		wantGet int
	}{
		{"ReadsTwoHundredFiftyClientsInOneRequest", false, 1},
		{"ReadsThemInThreeRequestsWhenHaloCapsPages", true, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, b := setupSim(t, halosim.Options{Clients: 250, PageCapAll: tt.capAll}, nil)
			clients, err := c.Clients(ctx, ClientQuery{IncludeInactive: true})
			mustNoErr(t, "Clients", err)
			if len(clients) != 250 {
				t.Errorf("got %d clients, want 250", len(clients))
			}
			if got := len(b.sent("GET", "/api/Client")); got != tt.wantGet {
				t.Errorf("cost %d requests, want %d", got, tt.wantGet)
			}
		})
	}

	t.Run("ReadsMoreThanAHundredTickets", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{Clients: 60}, nil)
		_, gu := pickSite(t, ctx, c)
		batch := make([]Ticket, 120)
		for i := range batch {
			batch[i] = Ticket{Summary: "bulk", ClientID: gu.ClientID, SiteID: gu.SiteID, UserID: gu.ID}
		}
		_, err := c.CreateTickets(ctx, batch)
		mustNoErr(t, "CreateTickets", err)
		want := len(b.sim.Tickets())
		tickets, err := c.Tickets(ctx, TicketQuery{})
		mustNoErr(t, "Tickets", err)
		if len(tickets) != want {
			t.Errorf("got %d tickets, want %d", len(tickets), want)
		}
		pages := (want + 99) / 100
		if got := len(b.sent("GET", "/api/Tickets")); got != pages {
			t.Errorf("cost %d requests, want %d", got, pages)
		}
	})
}

func TestSimAuth(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	t.Run("SendsTheTenantHaloHostsUnder", func(t *testing.T) {
		t.Parallel()
		c, _ := setupSim(t, halosim.Options{Tenant: "northpoint"}, nil)
		_, err := c.Me(ctx)
		mustNoErr(t, "Me", err)
		bad, _ := setupSim(t, halosim.Options{Tenant: "northpoint"}, func(cfg *Config) { cfg.Tenant = "" })
		_, err = bad.Me(ctx)
		var oe *OAuthError
		if !errors.As(err, &oe) || oe.Code != "invalid_request" {
			t.Errorf("without tenant err = %v, want invalid_request", err)
		}
	})

	t.Run("ReportsAWrongSecretAsInvalidClient", func(t *testing.T) {
		t.Parallel()
		c, _ := setupSim(t, halosim.Options{}, func(cfg *Config) { cfg.ClientSecret = "wrong" })
		_, err := c.Me(ctx)
		var oe *OAuthError
		if !errors.As(err, &oe) || oe.Code != "invalid_client" || oe.Status != http.StatusUnauthorized {
			t.Errorf("err = %v, want 401 invalid_client", err)
		}
	})

	t.Run("ReportsAnUnknownScopeAsInvalidScope", func(t *testing.T) {
		t.Parallel()
		c, _ := setupSim(t, halosim.Options{}, func(cfg *Config) { cfg.Scope = "read:tickets read:actions" })
		_, err := c.Me(ctx)
		var oe *OAuthError
		if !errors.As(err, &oe) || oe.Code != "invalid_scope" {
			t.Errorf("err = %v, want invalid_scope", err)
		}
	})

	t.Run("LogsInWithPKCEAndRotatesTheRefreshToken", func(t *testing.T) {
		t.Parallel()
		_, b := setupSim(t, halosim.Options{Tenant: "northpoint"}, nil)
		cfg := b.cfg
		cfg.ClientID, cfg.ClientSecret = halosim.DefaultPublicClientID, ""
		const redirect = "http://127.0.0.1:8080/oauth/callback"
		flow, err := NewAuthCodeFlow(cfg, redirect)
		mustNoErr(t, "NewAuthCodeFlow", err)
		verifier := "a-verifier-long-enough-for-pkce-0123456789-abcdefghijklmnop"
		back, err := b.sim.ApproveURL(flow.AuthCodeURL(t.Context(), "st-1", verifier), 2)
		mustNoErr(t, "ApproveURL", err)
		u, err := url.Parse(back)
		mustNoErr(t, "parse redirect", err)
		if u.Query().Get("state") != "st-1" {
			t.Fatalf("redirect %s lost the state", back)
		}
		tok, err := flow.Exchange(ctx, u.Query().Get("code"), verifier)
		mustNoErr(t, "Exchange", err)
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token: offline_access not granted")
		}

		store := &memoryTokens{token: tok.RefreshToken}
		cfg.GrantType, cfg.Tokens = GrantAuthorizationCode, store
		c, err := New(cfg)
		mustNoErr(t, "New", err)
		me, err := c.Me(ctx)
		mustNoErr(t, "Me", err)
		if me.ID != 2 {
			t.Errorf("acting as agent %d, want 2 who approved", me.ID)
		}
		if store.current() == tok.RefreshToken || store.current() == "" {
			t.Errorf("refresh token was not rotated")
		}
		// Another process still holding the spent token must be refused, not served twice.
		stale, err := New(Config{Outbound: outbound.Local(), ResourceURL: cfg.ResourceURL, AuthURL: cfg.AuthURL, Tenant: cfg.Tenant,
			ClientID: cfg.ClientID, GrantType: GrantAuthorizationCode, Tokens: &memoryTokens{token: tok.RefreshToken}})
		mustNoErr(t, "New stale", err)
		if _, err := stale.Me(ctx); !isInvalidGrant(err) {
			t.Errorf("spent token err = %v, want invalid_grant", err)
		}
	})

	t.Run("FetchesANewTokenWhenHaloRevokesTheOld", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		_, err := c.Me(ctx)
		mustNoErr(t, "Me", err)
		b.sim.RevokeApplication(halosim.DefaultClientID)
		_, err = c.Me(ctx)
		var oe *OAuthError
		if !errors.As(err, &oe) || oe.Code != "invalid_client" {
			t.Errorf("after revocation err = %v, want invalid_client from the new token request", err)
		}
		if got := len(b.sent("POST", "/auth/token")); got != 2 {
			t.Errorf("got %d token requests, want 2 (one renewal after the 401)", got)
		}
	})
}

func TestSimPermissionGrantedLater(t *testing.T) {
	t.Parallel()

	t.Run("CountsFromTheNextCallNotFromTheTokensExpiry", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{Clients: 5}, nil)
		b.sim.SetScopes(halosim.DefaultClientID, "read:tickets")
		if _, err := c.Clients(t.Context(), ClientQuery{}); !IsForbidden(err) {
			t.Fatalf("without read:customers: err = %v, want 403", err)
		}
		// The admin grants the permission in HaloPSA.
		b.sim.SetScopes(halosim.DefaultClientID, "all")
		clients, err := c.Clients(t.Context(), ClientQuery{})
		if err != nil || len(clients) == 0 {
			t.Fatalf("after the grant: %d clients, %v", len(clients), err)
		}
		if n := len(b.sent("POST", "/auth/token")); n != 2 {
			t.Errorf("%d token requests, want 2: one before, one after the 403", n)
		}
	})
}

func TestSimTokenResult(t *testing.T) {
	t.Parallel()

	// heard records what TokenResult heard, in order.
	type heard struct {
		mu      sync.Mutex
		results []error
	}
	listen := func(h *heard) func(*Config) {
		return func(cfg *Config) {
			cfg.TokenResult = func(_ context.Context, err error) {
				h.mu.Lock()
				defer h.mu.Unlock()
				h.results = append(h.results, err)
			}
		}
	}
	snapshot := func(h *heard) []error {
		h.mu.Lock()
		defer h.mu.Unlock()
		return slices.Clone(h.results)
	}

	t.Run("HearsOneIssuedTokenForManyCalls", func(t *testing.T) {
		t.Parallel()
		h := &heard{}
		c, _ := setupSim(t, halosim.Options{}, listen(h))
		for range 3 {
			if _, err := c.Me(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if got := snapshot(h); len(got) != 1 || got[0] != nil {
			t.Errorf("heard %v, want one issued token", got)
		}
	})

	t.Run("HearsARevokedApplicationAtTheFirstCallAfterwards", func(t *testing.T) {
		t.Parallel()
		h := &heard{}
		c, b := setupSim(t, halosim.Options{}, listen(h))
		if _, err := c.Me(t.Context()); err != nil {
			t.Fatal(err)
		}
		b.sim.RevokeApplication(halosim.DefaultClientID)
		if _, err := c.Me(t.Context()); !IsRevoked(err) {
			t.Fatalf("after revocation err = %v, want a revoked credential", err)
		}
		got := snapshot(h)
		if len(got) != 2 || got[0] != nil || !IsRevoked(got[1]) {
			t.Errorf("heard %v, want an issued token then invalid_client", got)
		}
	})

	t.Run("HearsAnOutageAsAnErrorThatIsNotARevocation", func(t *testing.T) {
		t.Parallel()
		h := &heard{}
		c, b := setupSim(t, halosim.Options{}, func(cfg *Config) { listen(h)(cfg); cfg.MaxRetries = -1 })
		b.sim.InjectFault(halosim.Fault{PathPrefix: "/auth/token", Status: 503})
		if _, err := c.Me(t.Context()); err == nil {
			t.Fatal("Me succeeded while the token endpoint answers 503")
		}
		got := snapshot(h)
		if len(got) != 1 || got[0] == nil || IsRevoked(got[0]) {
			t.Errorf("heard %v, want one error that is not a revocation", got)
		}
	})
}

func TestIsRevoked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"InvalidClient", &OAuthError{Status: 401, Code: "invalid_client"}, true},
		{"InvalidGrantWrapped", fmt.Errorf("refresh HaloPSA access token: %w", &OAuthError{Status: 400, Code: "invalid_grant"}), true},
		{"NoRefreshTokenStored", fmt.Errorf("rotate: %w", ErrNoRefreshToken), true},
		{"InvalidScopeIsAConfigurationMistake", &OAuthError{Status: 400, Code: "invalid_scope"}, false},
		{"UnknownTenant", &OAuthError{Status: 400, Code: "invalid_request"}, false},
		{"Forbidden", &APIError{Status: 403}, false},
		{"RateLimited", &RateLimitError{}, false},
	} {
		if got := IsRevoked(tc.err); got != tc.want {
			t.Errorf("%s: IsRevoked(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
