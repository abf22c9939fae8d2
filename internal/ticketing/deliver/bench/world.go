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

	"halobridge/internal/catalog"
	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/ingest"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
)

// world is halobridge as one process runs it (ingest, group committer,
// job queue, delivery) between a GravityZone simulator that pushes to it
// and a HaloPSA simulator with the real rate limit, all over loopback HTTP.
type world struct {
	store     store.Store
	halo      *halosim.Sim
	gz        *gzsim.Sim
	source    store.Source
	partnerID int64
	customers []gzsim.Company
	closers   []func()
}

func (w *world) close() {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}

// build sets the world up: a migrated SQLite store in dir, a partner
// connected to the HaloPSA simulator with its catalog synced, a GravityZone
// source registered to push to halobridge, one mapped customer per HaloPSA
// client and a ticket policy that groups antimalware alerts per host.
func build(ctx context.Context, o Options, dir string) (_ *world, err error) {
	w := &world{}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	keys, err := secret.NewKeyring(key)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Config{DataDir: dir, Keys: keys})
	if err != nil {
		return nil, err
	}
	w.store = st
	w.closers = append(w.closers, func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		return nil, err
	}

	w.halo = halosim.New(halosim.Options{RateLimit: o.RateLimit, RateWindow: o.RateWindow, Clients: max(2*o.Customers, 20), Seed: 1})
	haloSrv := httptest.NewServer(w.halo)
	w.closers = append(w.closers, haloSrv.Close)
	partner, err := st.CreatePartner(ctx, store.Partner{Name: "Benchmark MSP"})
	if err != nil {
		return nil, err
	}
	w.partnerID = partner.ID
	if _, err := st.SaveHaloConnection(ctx, store.HaloConnection{
		PartnerID: partner.ID, ResourceURL: haloSrv.URL + "/api", AuthURL: haloSrv.URL + "/auth", ClientID: halosim.DefaultClientID,
		ClientSecret: halosim.DefaultClientSecret, GrantType: store.GrantClientCredentials, Scope: "all", AgentID: halosimAPIAgent,
	}); err != nil {
		return nil, err
	}
	budget := halo.NewLimiters(o.RateLimit, o.RateWindow)
	// Every simulator listens on loopback over plain http.
	h := &connect.Halo{Store: st, Budget: budget, Outbound: outbound.Local(), Logger: o.Logger}
	if _, err := (&catalog.Syncer{Store: st, Halo: h}).SyncHaloCatalog(ctx, partner.ID); err != nil {
		return nil, fmt.Errorf("sync the HaloPSA catalog: %w", err)
	}

	svc := deliver.New(st, h, deliver.Options{Gather: o.Gather, Logger: o.Logger, BudgetLimit: o.RateLimit, BudgetWindow: o.RateWindow})
	if _, err := svc.SavePolicy(ctx, partner.ID, deliver.SavedPolicy{Policy: policy()}); err != nil {
		return nil, fmt.Errorf("save the ticket policy: %w", err)
	}
	ingestURL, err := w.start(ctx, svc, o)
	if err != nil {
		return nil, err
	}
	if err := w.connectGravityZone(ctx, o, ingestURL); err != nil {
		return nil, err
	}
	return w, w.mapCustomers(ctx)
}

// halosimAPIAgent is the simulator's API-only agent, halobridge's own.
const halosimAPIAgent = 7

// start runs ingest and the delivery jobs, and returns the ingest base URL.
func (w *world) start(ctx context.Context, svc *deliver.Service, o Options) (string, error) {
	dj := &deliver.Jobs{Service: svc, Logger: o.Logger}
	workers := river.NewWorkers()
	sweep := dj.Register(workers)
	q, err := jobs.Open(ctx, w.store, jobs.Options{Workers: workers, Periodic: []*river.PeriodicJob{sweep}, FetchPollInterval: o.FetchPollInterval})
	if err != nil {
		return "", err
	}
	dj.Use(q)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if err := q.Start(runCtx); err != nil {
		cancel()
		return "", err
	}
	committer := ingest.NewCommitter(w.store, 0, o.Logger)
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
	mux.Handle("POST /ingest/{token}", ingest.NewReceiver(w.store, committer, ingest.Parsers(), ingest.Options{Logger: o.Logger}))
	srv := httptest.NewServer(mux)
	w.closers = append(w.closers, srv.Close)
	return srv.URL, nil
}

// connectGravityZone adds the source and registers halobridge with the
// simulator's Event Push Service, as adding a GravityZone source does.
func (w *world) connectGravityZone(ctx context.Context, o Options, ingestURL string) error {
	companies := []gzsim.Company{{Name: "Benchmark MSP", Partner: true}}
	for i := range o.Customers {
		companies = append(companies, gzsim.Company{Name: fmt.Sprintf("Customer %02d Ltd", i+1)})
	}
	w.gz = gzsim.New(gzsim.Options{Seed: 1, RateLimit: -1, Companies: companies, HTTPClient: &http.Client{Timeout: time.Minute}})
	gzSrv := httptest.NewServer(w.gz)
	w.closers = append(w.closers, gzSrv.Close)
	src, err := w.store.CreateSource(ctx, store.Source{PartnerID: w.partnerID, Kind: store.SourceGravityZone, Name: "GravityZone",
		Secret: "Bearer " + rand.Text(), APIURL: gzSrv.URL + "/api", APIKey: gzsim.DefaultAPIKey})
	if err != nil {
		return err
	}
	w.source = src
	conn, err := (&connect.Sources{Store: w.store, Outbound: outbound.Local()}).Connector(src)
	if err != nil {
		return err
	}
	return conn.RegisterDelivery(ctx, source.Delivery{URL: ingestURL + "/ingest/" + src.Token, Secret: src.Secret})
}

// mapCustomers maps each GravityZone customer to its own active HaloPSA
// client whose main site has a General User.
func (w *world) mapCustomers(ctx context.Context) error {
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
	for _, c := range w.gz.Companies() {
		if c.Partner {
			continue
		}
		if len(clients) == 0 {
			return errors.New("the HaloPSA simulator has too few clients for the customers")
		}
		if _, err := w.store.SaveMapping(ctx, store.Mapping{PartnerID: w.partnerID, SourceID: w.source.ID, CustomerID: c.ID,
			ClientID: clients[0].ID, Ticketing: true, Confirmed: true}); err != nil {
			return err
		}
		w.customers = append(w.customers, c)
		clients = clients[1:]
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
