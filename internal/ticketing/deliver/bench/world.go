package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/riverqueue/river"

	benchdb "halobridge/internal/bench"
	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/ingest"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
)

// world is halobridge on a throw-away database between a HaloPSA
// simulator with the real rate limit and one GravityZone simulator per
// partner, all over loopback HTTP. Its HaloPSA budget is the one serve
// uses, kept in the database. start runs ingest and delivery in this
// process as one server does; bench replicas runs serve processes instead.
type world struct {
	db       *benchdb.Database
	store    *store.Store
	halo     *halosim.Sim
	haloURL  string
	connect  *connect.Halo
	tickets  *deliver.Service
	partners []*partner
	closers  []func()
}

// worldOptions shape a world; zero values are the defaults of delivery
// and of the simulators.
type worldOptions struct {
	RateLimit  int
	RateWindow time.Duration
	// Partners (default 1) each have Customers customers, each mapped to
	// a HaloPSA client of its own.
	Partners  int
	Customers int
	// Delivery's timing (zero: delivery's defaults).
	Gather      time.Duration
	MaxGather   time.Duration
	FlushWindow time.Duration
	Logger      *slog.Logger
}

// partner is one MSP of the world with its GravityZone console.
type partner struct {
	id        int64
	source    store.Source
	gz        *gzsim.Sim
	customers []gzsim.Company
	// hostPrefix keeps the partners' host names apart.
	hostPrefix string
}

func (w *world) close() {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}

// openWorld opens a throw-away database (on PostgreSQL when postgresURL
// names one, SQLite otherwise) and starts the HaloPSA simulator and the
// parts of halobridge that talk to it on it. Closing the world drops the
// database.
func openWorld(ctx context.Context, postgresURL string, o worldOptions) (*world, error) {
	db, err := benchdb.OpenDatabase(ctx, postgresURL)
	if err != nil {
		return nil, fmt.Errorf("open the benchmark's database: %w", err)
	}
	w := &world{db: db, store: db.Store}
	w.closers = append(w.closers, db.Close)
	w.halo = halosim.New(halosim.Options{RateLimit: o.RateLimit, RateWindow: o.RateWindow,
		Clients: max(2*max(o.Partners, 1)*o.Customers, 20), Seed: 1})
	haloSrv := httptest.NewServer(w.halo)
	w.closers = append(w.closers, haloSrv.Close)
	w.haloURL = haloSrv.URL
	// Every simulator listens on loopback over plain http.
	w.connect = &connect.Halo{Store: w.store, Budget: connect.NewSharedBudget(w.store, o.RateLimit, o.RateWindow),
		Outbound: outbound.Local(), Logger: o.Logger}
	w.tickets = deliver.New(w.store, w.connect, deliver.Options{Gather: o.Gather, MaxGather: o.MaxGather, FlushWindow: o.FlushWindow,
		Logger: o.Logger, BudgetLimit: o.RateLimit, BudgetWindow: o.RateWindow})
	return w, nil
}

// startWorld opens a world with ingest and delivery running in this
// process and its partners set up.
func startWorld(ctx context.Context, postgresURL string, o worldOptions, fetchPollInterval time.Duration) (_ *world, err error) {
	w, err := openWorld(ctx, postgresURL, o)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	ingestURL, err := w.start(ctx, fetchPollInterval, o.Logger)
	if err != nil {
		return nil, fmt.Errorf("start ingest and delivery: %w", err)
	}
	if err := w.addPartners(ctx, o, ingestURL); err != nil {
		return nil, fmt.Errorf("set the benchmark's partners up: %w", err)
	}
	return w, nil
}

// addPartners sets the partners up as a person would, their GravityZone
// consoles pushing to ingestURL: a HaloPSA connection with its catalog
// synced, a ticket policy that groups antimalware alerts per host, a
// GravityZone source registered with the Event Push Service, and each
// customer mapped to a HaloPSA client whose main site has a General User.
func (w *world) addPartners(ctx context.Context, o worldOptions, ingestURL string) error {
	clients := w.ticketableClients()
	for i := range max(o.Partners, 1) {
		p := &partner{}
		if i > 0 {
			p.hostPrefix = fmt.Sprintf("P%d-", i+1)
		}
		name := strings.TrimSpace("Benchmark MSP " + strings.TrimSuffix(p.hostPrefix, "-"))
		created, err := w.store.CreatePartner(ctx, store.Partner{Name: name})
		if err != nil {
			return err
		}
		p.id = created.ID
		if _, err := w.store.SaveHaloConnection(ctx, store.HaloConnection{
			PartnerID: p.id, ResourceURL: w.haloURL + "/api", AuthURL: w.haloURL + "/auth", ClientID: halosim.DefaultClientID,
			ClientSecret: halosim.DefaultClientSecret, GrantType: store.GrantClientCredentials, Scope: "all", AgentID: halosimAPIAgent,
		}); err != nil {
			return err
		}
		// Setting up spends the tenant's budget partner after partner; like
		// the catalog sync of the server, it waits for the budget to refill.
		setupCtx := halo.WithBudgetWait(ctx, time.Minute, nil)
		if _, err := (&syncrun.Syncer{Store: w.store, Halo: w.connect}).SyncHaloCatalog(setupCtx, p.id); err != nil {
			return fmt.Errorf("sync the HaloPSA catalog of %s: %w", name, err)
		}
		if _, err := w.tickets.SavePolicy(setupCtx, p.id, deliver.SavedPolicy{Policy: policy()}); err != nil {
			return fmt.Errorf("save the ticket policy of %s: %w", name, err)
		}
		if err := w.connectGravityZone(ctx, p, name, int64(i+1), o.Customers, ingestURL); err != nil {
			return err
		}
		if len(clients) < o.Customers {
			return errors.New("the HaloPSA simulator has too few clients for the customers")
		}
		if err := w.mapCustomers(ctx, p, clients[:o.Customers]); err != nil {
			return err
		}
		clients = clients[o.Customers:]
		w.partners = append(w.partners, p)
	}
	return nil
}

// halosimAPIAgent is the simulator's API-only agent, halobridge's own.
const halosimAPIAgent = 7

// start runs ingest and the delivery jobs in this process, and returns
// the ingest base URL.
func (w *world) start(ctx context.Context, fetchPollInterval time.Duration, logger *slog.Logger) (string, error) {
	dj := &deliver.Jobs{Service: w.tickets, Logger: logger}
	workers := river.NewWorkers()
	sweep := dj.Register(workers)
	q, err := jobs.Open(ctx, w.store, jobs.Options{Workers: workers, Periodic: []*river.PeriodicJob{sweep}, FetchPollInterval: fetchPollInterval})
	if err != nil {
		return "", err
	}
	dj.Use(q)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if err := q.Start(runCtx); err != nil {
		cancel()
		return "", err
	}
	committer := ingest.NewCommitter(w.store, 0, logger)
	committer.OnStored(dj.OnStored)
	committed := make(chan struct{})
	go func() { committer.Run(runCtx); close(committed) }()
	w.closers = append(w.closers, func() {
		cancel()
		<-committed
		stop, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		q.StopAndCancel(stop)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /ingest/{token}", ingest.NewReceiver(w.store, committer, ingest.Parsers(), ingest.Options{Logger: logger}))
	srv := httptest.NewServer(mux)
	w.closers = append(w.closers, srv.Close)
	return srv.URL, nil
}

// connectGravityZone gives p a GravityZone console with customers
// customers, adds it as p's source and registers ingestURL with its Event
// Push Service, as adding a GravityZone source does.
func (w *world) connectGravityZone(ctx context.Context, p *partner, name string, seed int64, customers int, ingestURL string) error {
	companies := []gzsim.Company{{Name: name, Partner: true}}
	for i := range customers {
		companies = append(companies, gzsim.Company{Name: fmt.Sprintf("Customer %02d Ltd", i+1)})
	}
	p.gz = gzsim.New(gzsim.Options{Seed: seed, RateLimit: -1, Companies: companies, HTTPClient: &http.Client{Timeout: time.Minute}})
	gzSrv := httptest.NewServer(p.gz)
	w.closers = append(w.closers, gzSrv.Close)
	src, err := w.store.CreateSource(ctx, store.Source{PartnerID: p.id, Kind: source.GravityZone, Name: "GravityZone",
		Secret: "Bearer " + rand.Text(), APIURL: gzSrv.URL + "/api", APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		return err
	}
	p.source = src
	conn, err := (&connect.Sources{Store: w.store, Outbound: outbound.Local()}).Connector(src)
	if err != nil {
		return err
	}
	return conn.RegisterDelivery(ctx, source.Delivery{URL: ingestURL + "/ingest/" + src.Token, Secret: src.Secret})
}

// ticketableClients are the active HaloPSA clients whose main site has a
// General User: tickets can be raised for them.
func (w *world) ticketableClients() []halosim.Client {
	hasGU := map[int]bool{}
	for _, u := range w.halo.Users() {
		if !u.Inactive && strings.EqualFold(u.Name, halo.GeneralUserName) {
			hasGU[int(u.SiteID)] = true
		}
	}
	var clients []halosim.Client
	for _, c := range w.halo.Clients() {
		if !c.Inactive && hasGU[c.MainSiteID] {
			clients = append(clients, c)
		}
	}
	return clients
}

// mapCustomers maps each of p's GravityZone customers to one of clients.
func (w *world) mapCustomers(ctx context.Context, p *partner, clients []halosim.Client) error {
	for _, c := range p.gz.Companies() {
		if c.Partner {
			continue
		}
		if _, err := w.store.SaveMapping(ctx, store.Mapping{PartnerID: p.id, SourceID: p.source.ID, CustomerID: c.ID,
			ClientID: clients[0].ID, Ticketing: true, Confirmed: true}); err != nil {
			return err
		}
		p.customers = append(p.customers, c)
		clients = clients[1:]
	}
	return nil
}

// hostName is the name of p's host h, which belongs to customer h % customers.
func (p *partner) hostName(h int) string {
	return fmt.Sprintf("%sC%02d-WS%03d", p.hostPrefix, h%len(p.customers)+1, h)
}

// event is one antimalware event of p's host h.
func (p *partner) event(h int) (gzsim.Event, error) {
	ev, err := p.gz.NewEvent("av", p.customers[h%len(p.customers)].ID)
	if err != nil {
		return nil, err
	}
	ev["computer_name"] = p.hostName(h)
	return ev, nil
}

// waitDelivered waits until no alert or ticket link of any partner is
// pending, nor any alert waits for a retry: every alert is then in a
// ticket or a note HaloPSA confirmed.
func (w *world) waitDelivered(ctx context.Context) error {
	for _, p := range w.partners {
		for {
			pending, err := w.store.PendingAlerts(ctx, p.id, time.Now().Add(24*time.Hour), 1)
			if err != nil {
				return err
			}
			links, err := w.store.TicketLinks(ctx, p.id, store.TicketLinkQuery{State: store.LinkPending})
			if err != nil {
				return err
			}
			if len(pending) == 0 && len(links) == 0 {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for the storm to reach HaloPSA: %w", ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return nil
}

// policy raises one ticket per host for antimalware alerts.
func policy() ticketing.Policy {
	hide := false
	src := 5
	return ticketing.Policy{
		TicketTypeID: 21, ShowUpdatesToUser: &hide, AgentID: ticketing.UnassignedAgentID, Team: "Security Operations",
		InitialStatusID: 1, ClosingStatusID: 9, SourceID: &src, NoteOutcomeID: 7,
		Types: map[string]ticketing.TypePolicy{
			"av": {Enabled: true, SLAID: 3, PriorityID: 2, Category: "Security>Malware", Urgency: 2, Impact: 2,
				Grouping: ticketing.GroupByHost, ReopenWindow: 24 * time.Hour},
		},
	}
}

// logger discards unless the caller gave one.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
