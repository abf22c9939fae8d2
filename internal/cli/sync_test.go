package cli

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// catalogBundle is a data directory with partner acme connected to a
// simulated HaloPSA and a push source of three companies: Same, named like
// a client; Lonely, like none; Gone, like another client.
type catalogBundle struct {
	dir        string
	sim        *halosim.Sim
	same, gone halosim.Client
	source     int64
}

func setupCatalog(t *testing.T) *catalogBundle {
	t.Helper()
	b := &catalogBundle{dir: t.TempDir(), sim: halosim.New(halosim.Options{Clients: 6, RateLimit: -1})}
	srv := httptest.NewServer(b.sim)
	t.Cleanup(srv.Close)
	var active []halosim.Client
	for _, c := range b.sim.Clients() {
		if !c.Inactive {
			active = append(active, c)
		}
	}
	b.same, b.gone = active[0], active[1]
	withStore(t, b.dir, func(st *store.Store) {
		ctx := t.Context()
		p, err := st.CreatePartner(ctx, store.Partner{Name: "Acme IT", Slug: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.SaveHaloConnection(ctx, store.HaloConnection{PartnerID: p.ID, ResourceURL: srv.URL + "/api", AuthURL: srv.URL + "/auth",
			ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret, GrantType: store.GrantClientCredentials, Scope: "all"})
		if err != nil {
			t.Fatal(err)
		}
		src, err := st.CreateSource(ctx, store.Source{PartnerID: p.ID, Kind: source.Push, Name: "Mail filter"})
		if err != nil {
			t.Fatal(err)
		}
		b.source = src.ID
		err = st.SaveSourceCustomers(ctx, src.ID, []source.Customer{
			{ID: "same", Name: b.same.Name}, {ID: "lonely", Name: "Zyxwvut Quarrying"}, {ID: "gone", Name: "Quondam Works"},
		}, true)
		if err != nil {
			t.Fatal(err)
		}
	})
	return b
}

// main runs command for partner acme.
func (b *catalogBundle) main(t *testing.T, command string, args ...string) (int, *testBundle) {
	t.Helper()
	return runIn(t, b.dir, nil, command, append([]string{"--partner", "acme"}, args...)...)
}

// mustMain runs command and fails the test unless it succeeds.
func (b *catalogBundle) mustMain(t *testing.T, command string, args ...string) string {
	t.Helper()
	code, out := b.main(t, command, args...)
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s%s", command, code, out.stdout, out.stderr)
	}
	return out.stdout.String()
}

func (b *catalogBundle) ref(customer string) string { return fmt.Sprintf("%d/%s", b.source, customer) }

func TestSync(t *testing.T) {
	t.Parallel()

	t.Run("RunsHereWithAProgressBar", func(t *testing.T) {
		t.Parallel()
		b := setupCatalog(t)
		out := b.mustMain(t, "sync", "--wait")
		for _, want := range []string{
			"catalog  [####################] 100%  succeeded in ",
			"client 6, ", "Customers: 3; usage rows: 0.",
			"Suggestions: 1 new or changed, 0 withdrawn, 0 ambiguous",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("QueuesForTheServerOnce", func(t *testing.T) {
		t.Parallel()
		b := setupCatalog(t)
		if out := b.mustMain(t, "sync"); !strings.Contains(out, "Queued the sync of Acme IT as job 1") {
			t.Errorf("first: %s", out)
		}
		if out := b.mustMain(t, "sync"); !strings.Contains(out, "already waiting or running (job 1)") {
			t.Errorf("second: %s", out)
		}
	})

	t.Run("FailsWhenHaloPSARefusesTheCredentials", func(t *testing.T) {
		t.Parallel()
		b := setupCatalog(t)
		b.sim.RevokeApplication(halosim.DefaultClientID)
		code, out := b.main(t, "sync", "--wait")
		if code != 1 || !strings.Contains(out.stdout.String(), "failed: ") || !strings.Contains(out.stderr.String(), "invalid_client") {
			t.Errorf("exit %d\n%s%s", code, out.stdout, out.stderr)
		}
	})
}
