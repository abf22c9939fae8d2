package run_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// clock is the one time the service and every simulator of a test read.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type testBundle struct {
	ctx   context.Context
	store *store.Store
	clock *clock
	svc   *run.Service
}

// setup opens a store on a fresh SQLite database and a billing service
// over it, at 15 March 2026.
func setup(t *testing.T) *testBundle {
	t.Helper()
	return setupOn(t, engines()[0])
}

// engine opens a store on a fresh database of one engine.
type engine struct {
	name string
	open func(t *testing.T, keys *secret.Keyring) *store.Store
}

func engines() []engine {
	return []engine{{"SQLite", openSQLite}, {"PostgreSQL", openPostgres}}
}

func openSQLite(t *testing.T, keys *secret.Keyring) *store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), store.Config{DataDir: t.TempDir(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// openPostgres gives the test a schema of its own in the database
// TEST_DATABASE_URL names, dropped when the test ends; without the
// variable the test is skipped.
func openPostgres(t *testing.T, keys *secret.Keyring) *store.Store {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("TEST_DATABASE_URL is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/halobridge_test?sslmode=disable")
	}
	schema := "billingtest_" + strings.ToLower(rand.Text()[:12])
	admin := func(ctx context.Context, sql string) {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	admin(t.Context(), "CREATE SCHEMA "+schema)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", "4")
	u.RawQuery = q.Encode()
	st, err := store.Open(t.Context(), store.Config{DatabaseURL: u.String(), Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// setupOn is setup on the engine e.
func setupOn(t *testing.T, e engine) *testBundle {
	t.Helper()
	keys, err := secret.NewKeyring([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	st := e.open(t, keys)
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, time.March, 15, 9, 0, 0, 0, time.UTC)}
	return &testBundle{
		ctx: t.Context(), store: st, clock: c,
		svc: &run.Service{
			Store:   st,
			Halo:    &connect.Halo{Outbound: outbound.Local(), Store: st, Budget: halo.NewLimiters(1_000_000, time.Minute)},
			Sources: &connect.Sources{Outbound: outbound.Local(), Store: st, Now: c.Now},
			Now:     c.Now,
		},
	}
}

// partner creates a partner whose HaloPSA is a new simulator with six
// seeded clients, served over HTTP.
func (b *testBundle) partner(t *testing.T, name string) (store.Partner, *halosim.Sim) {
	t.Helper()
	p, err := b.store.CreatePartner(b.ctx, store.Partner{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	sim := halosim.New(halosim.Options{Clients: 6, Seed: 1, RateLimit: -1, Now: b.clock.Now})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	_, err = b.store.SaveHaloConnection(b.ctx, store.HaloConnection{
		PartnerID: p.ID, ResourceURL: srv.URL + "/api", AuthURL: srv.URL + "/auth", GrantType: store.GrantClientCredentials,
		ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, sim
}

func (b *testBundle) source(t *testing.T, src store.Source) store.Source {
	t.Helper()
	created, err := b.store.CreateSource(b.ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	return created
}

// mapToClient confirms a mapping with billing on.
func (b *testBundle) mapToClient(t *testing.T, src store.Source, customerID string, clientID int) {
	t.Helper()
	_, err := b.store.SaveMapping(b.ctx, store.Mapping{PartnerID: src.PartnerID, SourceID: src.ID, CustomerID: customerID,
		ClientID: clientID, Billing: true, Confirmed: true})
	if err != nil {
		t.Fatal(err)
	}
}

// push stores what a push source's vendor pushed for a month.
func (b *testBundle) push(t *testing.T, src store.Source, customers []source.Customer, usage []source.Usage) {
	t.Helper()
	if err := b.store.SaveSourceCustomers(b.ctx, src.ID, customers, true); err != nil {
		t.Fatal(err)
	}
	m := usage[0].Month
	if err := b.store.SaveUsage(b.ctx, src.ID, usage, &m); err != nil {
		t.Fatal(err)
	}
}

func (b *testBundle) savePolicy(t *testing.T, partnerID int64, p run.Policy) {
	t.Helper()
	if _, err := b.svc.SavePolicy(b.ctx, partnerID, p); err != nil {
		t.Fatalf("SavePolicy: %v", err)
	}
}

// run bills month for real and fails the test on an error of the run.
func (b *testBundle) run(t *testing.T, partnerID int64, month source.Month, dryRun bool) run.Result {
	t.Helper()
	res, err := b.svc.Run(b.ctx, partnerID, month, dryRun)
	if err != nil {
		t.Fatalf("Run(%s, dry run %v): %v", month, dryRun, err)
	}
	return res
}

// clientsWithoutInvoice lists the simulator's clients that have no
// recurring invoice, by id.
func clientsWithoutInvoice(sim *halosim.Sim) []halosim.Client {
	var out []halosim.Client
	for _, c := range sim.Clients() {
		if !slices.ContainsFunc(sim.RecurringInvoices(), func(inv halosim.RecurringInvoice) bool { return inv.ClientID == c.ID }) {
			out = append(out, c)
		}
	}
	return out
}

// line is a recurring-invoice line as the tests compare it.
type line struct {
	Name string
	Qty  float64
}

// held lists the lines of an invoice the simulator holds, but those in
// skip; none for id 0.
func held(t *testing.T, sim *halosim.Sim, id int, skip map[int]bool) []line {
	t.Helper()
	if id == 0 {
		return nil
	}
	inv, ok := sim.RecurringInvoice(id)
	if !ok {
		t.Fatalf("the simulator holds no recurring invoice %d", id)
	}
	var out []line
	for _, l := range inv.Lines {
		if !skip[l.ID] {
			out = append(out, line{l.ItemShortDescription, l.QtyOrder})
		}
	}
	return out
}

// predicted lists the lines a client's rows say its invoice holds after the
// run.
func predicted(c run.ClientResult) []line {
	var out []line
	for _, r := range c.Rows {
		if r.Finding == "" {
			out = append(out, line{r.Name, r.Quantity})
		}
	}
	return out
}

// findingKinds lists the kinds of each client's findings, by client, each
// kind once and in order.
func findingKinds(res run.Result) map[int][]billing.FindingKind {
	out := map[int][]billing.FindingKind{}
	for _, c := range res.Clients {
		for _, f := range c.Findings {
			out[c.ClientID] = append(out[c.ClientID], f.Kind)
		}
	}
	return sortedKinds(out)
}

func sortedKinds(m map[int][]billing.FindingKind) map[int][]billing.FindingKind {
	for id, kinds := range m {
		slices.Sort(kinds)
		m[id] = slices.Compact(kinds)
	}
	return m
}

// openEvents lists the kinds of the partner's open billing events, by the
// client their data names.
func (b *testBundle) openEvents(t *testing.T, partnerID int64) map[int][]billing.FindingKind {
	t.Helper()
	events, err := b.store.Events(b.ctx, partnerID, store.EventQuery{State: store.EventOpen})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][]billing.FindingKind{}
	for _, e := range events {
		var f billing.Finding
		if err := json.Unmarshal(e.Data, &f); err != nil {
			t.Fatalf("event %s data %s: %v", e.Key, e.Data, err)
		}
		out[f.ClientID] = append(out[f.ClientID], billing.FindingKind(e.Kind))
	}
	return sortedKinds(out)
}
