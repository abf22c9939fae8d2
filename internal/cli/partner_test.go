package cli

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/secret"
	"halobridge/internal/store"
)

// withStore opens the store of a data directory the commands use, for a
// test to set a scene or look at what a command stored.
func withStore(t *testing.T, dir string, fn func(st *store.Store)) {
	t.Helper()
	keys, err := secret.LoadKeyring("", filepath.Join(dir, "secret.key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), store.Config{DataDir: dir, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	fn(st)
}

// runIn runs command (its words, e.g. "partner add") with a data
// directory and args.
func runIn(t *testing.T, dir string, vars map[string]string, command string, args ...string) (int, *testBundle) {
	t.Helper()
	b := setup(t, vars)
	all := append(append(strings.Fields(command), "--data-dir", dir), args...)
	return Main(context.Background(), all, b.env), b
}

func TestPartner(t *testing.T) {
	t.Parallel()

	t.Run("AddsAndListsPartners", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		if code, b := runIn(t, dir, nil, "partner add", "--slug", "north", "Northpoint", "IT"); code != 0 || !strings.Contains(b.stdout.String(), `"Northpoint IT" added (slug north)`) {
			t.Fatalf("add: exit %d\n%s%s", code, b.stdout, b.stderr)
		}
		if code, b := runIn(t, dir, nil, "partner add", "Acme Services"); code != 0 || !strings.Contains(b.stdout.String(), "slug acme-services") {
			t.Fatalf("add: exit %d\n%s%s", code, b.stdout, b.stderr)
		}
		code, b := runIn(t, dir, nil, "partner list")
		if code != 0 {
			t.Fatalf("list: exit %d: %s", code, b.stderr)
		}
		lines := strings.Split(strings.TrimSpace(b.stdout.String()), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[1], "acme-services  Acme Services  not connected") || !strings.HasPrefix(lines[2], "north") {
			t.Errorf("list:\n%s", b.stdout)
		}
	})

	t.Run("RefusesASlugInUse", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		runIn(t, dir, nil, "partner add", "--slug", "north", "Northpoint")
		code, b := runIn(t, dir, nil, "partner add", "--slug", "north", "Northwind")
		if code != 1 || !strings.Contains(b.stderr.String(), "choose another with --slug") {
			t.Errorf("exit %d: %s", code, b.stderr)
		}
	})

	t.Run("ReadsFlagsAfterTheName", func(t *testing.T) {
		t.Parallel()
		code, b := runIn(t, t.TempDir(), nil, "partner add", "Northpoint", "IT", "--slug", "north")
		if code != 0 || !strings.Contains(b.stdout.String(), `Partner "Northpoint IT" added (slug north)`) {
			t.Errorf("exit %d: %s%s", code, b.stdout, b.stderr)
		}
	})

	t.Run("TakesWordsAfterTwoDashesAsTheName", func(t *testing.T) {
		t.Parallel()
		code, b := runIn(t, t.TempDir(), nil, "partner add", "--slug", "dash", "--", "-Dash", "IT")
		if code != 0 || !strings.Contains(b.stdout.String(), `Partner "-Dash IT" added (slug dash)`) {
			t.Errorf("exit %d: %s%s", code, b.stdout, b.stderr)
		}
	})
}

func TestHaloConnect(t *testing.T) {
	t.Parallel()

	connect := func(t *testing.T, sim *halosim.Sim) (string, int, *testBundle) {
		t.Helper()
		srv := httptest.NewServer(sim)
		t.Cleanup(srv.Close)
		dir := t.TempDir()
		runIn(t, dir, nil, "partner add", "--slug", "north", "Northpoint")
		code, b := runIn(t, dir, map[string]string{"HALOBRIDGE_CLIENT_SECRET": halosim.DefaultClientSecret},
			"halo connect", "--partner", "north", "--url", srv.URL, "--client-id", halosim.DefaultClientID)
		return dir, code, b
	}

	t.Run("SavesTheConnectionOnceTestConnectionPasses", func(t *testing.T) {
		t.Parallel()
		dir, code, b := connect(t, halosim.New(halosim.Options{Clients: 3}))
		if code != 0 || !strings.Contains(b.stdout.String(), "Connection successful") || !strings.Contains(b.stdout.String(), "acting as agent 'Halo Integrator', id 7") {
			t.Fatalf("exit %d\n%s%s", code, b.stdout, b.stderr)
		}
		withStore(t, dir, func(st *store.Store) {
			p, err := st.PartnerBySlug(t.Context(), "north")
			if err != nil {
				t.Fatal(err)
			}
			conn, err := st.HaloConnection(t.Context(), p.ID)
			if err != nil || conn.ClientSecret != halosim.DefaultClientSecret || conn.AgentID != 7 || !strings.HasSuffix(conn.ResourceURL, "/api") {
				t.Errorf("connection %+v, %v", conn, err)
			}
		})
	})

	t.Run("SavesNothingWhenARequiredCheckFails", func(t *testing.T) {
		t.Parallel()
		sim := halosim.New(halosim.Options{Clients: 3})
		sim.SetScopes(halosim.DefaultClientID, "edit:tickets", "edit:items", "edit:invoices", "all:teams")
		dir, code, b := connect(t, sim)
		if code != 1 || !strings.Contains(b.stdout.String(), "read:customers") || !strings.Contains(b.stderr.String(), "nothing was saved") {
			t.Fatalf("exit %d\n%s%s", code, b.stdout, b.stderr)
		}
		withStore(t, dir, func(st *store.Store) {
			p, _ := st.PartnerBySlug(t.Context(), "north")
			if _, err := st.HaloConnection(t.Context(), p.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a connection was saved: %v", err)
			}
		})
	})

	t.Run("SavesWithAnEventPerMissingOptionalPermission", func(t *testing.T) {
		t.Parallel()
		sim := halosim.New(halosim.Options{Clients: 3})
		sim.SetScopes(halosim.DefaultClientID, "read:customers", "read:tickets", "all:teams", "edit:invoices")
		dir, code, b := connect(t, sim)
		out := b.stdout.String()
		if code != 0 || !strings.Contains(out, "✗ Create tickets") || !strings.Contains(out, "Saved the HaloPSA connection of Northpoint") ||
			!strings.Contains(out, "halobridge events list --partner north") {
			t.Fatalf("exit %d\n%s%s", code, b.stdout, b.stderr)
		}
		withStore(t, dir, func(st *store.Store) {
			p, _ := st.PartnerBySlug(t.Context(), "north")
			if _, err := st.HaloConnection(t.Context(), p.ID); err != nil {
				t.Errorf("the connection was not saved: %v", err)
			}
			events, err := st.Events(t.Context(), p.ID, store.EventQuery{State: store.EventOpen})
			var keys []string
			for _, e := range events {
				keys = append(keys, e.Key)
			}
			slices.Sort(keys)
			if want := []string{"permission_missing/edit:tickets", "permission_missing/read:assets", "permission_missing/read:items"}; err != nil || !slices.Equal(keys, want) {
				t.Errorf("open events %v, %v; want %v", keys, err, want)
			}
		})
	})
}
