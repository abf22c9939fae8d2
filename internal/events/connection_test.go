package events_test

import (
	"errors"
	"strings"
	"testing"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/store"
	"halobridge/internal/syncrun/syncruntest"
)

func TestConnectHalo(t *testing.T) {
	t.Parallel()

	// entered is the simulator's default application as a partner types it.
	entered := func(f *syncruntest.Fixture, secret string) store.HaloConnection {
		return store.HaloConnection{PartnerID: f.Partner.ID, ResourceURL: f.URL + "/api", AuthURL: f.URL + "/auth",
			ClientID: halosim.DefaultClientID, ClientSecret: secret, GrantType: store.GrantClientCredentials, Scope: "all"}
	}
	// byKey are the partner's events of a state by key.
	byKey := func(t *testing.T, f *syncruntest.Fixture, state string) map[string]store.Event {
		out := map[string]store.Event{}
		for _, e := range f.ListEvents(t, state) {
			out[e.Key] = e
		}
		return out
	}

	t.Run("SavesWithOneEventPerMissingOptionalPermission", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
			f.Sim.SetScopes(halosim.DefaultClientID, "read:customers", "read:tickets", "all:teams")
			report, err := f.Events.ConnectHalo(t.Context(), entered(f, halosim.DefaultClientSecret))
			if err != nil || report.OK {
				t.Fatalf("ConnectHalo: %v, report OK %v; want saved with failed checks", err, report.OK)
			}
			open := byKey(t, f, store.EventOpen)
			// The checks and permissions are those Test Connection reports for
			// an application with read:customers, read:tickets and all:teams.
			want := map[string][]string{
				"permission_missing/edit:tickets":  {"edit:tickets", "create tickets and create actions"},
				"permission_missing/read:assets":   {"read:assets", "read assets"},
				"permission_missing/read:items":    {"read:items", "read items"},
				"permission_missing/read:invoices": {"read:invoices", "read and edit recurring invoices"},
			}
			if len(open) != len(want) {
				t.Errorf("open events %v, want one per missing permission: %v", keys(open), keys(want))
			}
			for key, words := range want {
				e, ok := open[key]
				if !ok {
					t.Errorf("no open event %s", key)
					continue
				}
				for _, w := range append(words, halosim.DefaultClientID, "You do not have permission") {
					if !strings.Contains(e.Message, w) {
						t.Errorf("%s: message %q lacks %q", key, e.Message, w)
					}
				}
				for _, w := range []string{"Configuration > Integrations > HaloPSA API", "Permissions: enable " + words[0], "Client ID '" + halosim.DefaultClientID + "'"} {
					if !strings.Contains(e.Fix, w) {
						t.Errorf("%s: fix %q lacks %q", key, e.Fix, w)
					}
				}
			}

			t.Run("ASyncLeavesTheWritePermissionsToTestConnection", func(t *testing.T) {
				_, _, _ = f.Sync(t)
				if _, ok := byKey(t, f, store.EventOpen)["permission_missing/edit:tickets"]; !ok {
					t.Errorf("the sync, which writes nothing, cleared the edit:tickets event: %v", keys(byKey(t, f, store.EventOpen)))
				}
			})

			t.Run("RecheckClearsThemOnceGranted", func(t *testing.T) {
				f.Sim.SetScopes(halosim.DefaultClientID, "all")
				e := open["permission_missing/edit:tickets"]
				again, err := f.Events.Recheck(t.Context(), f.Partner.ID, e.ID)
				if err != nil || again.State != store.EventResolved {
					t.Errorf("recheck once granted: %s, %v; want resolved", again.State, err)
				}
				// The sync raised the read permissions again as its own: its
				// recheck reads the lists again.
				for key, e := range byKey(t, f, store.EventOpen) {
					again, err := f.Events.Recheck(t.Context(), f.Partner.ID, e.ID)
					if err != nil || again.State != store.EventResolved {
						t.Errorf("recheck %s once granted: %s, %v; want resolved", key, again.State, err)
					}
				}
			})
		})
	})

	t.Run("RefusedCredentialsRaiseNothing", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
			_, err := f.Events.ConnectHalo(t.Context(), entered(f, "wrong"))
			var refused *connect.RefusedError
			if !errors.As(err, &refused) {
				t.Fatalf("ConnectHalo with a wrong secret: %v, want *connect.RefusedError", err)
			}
			if events := f.ListEvents(t, ""); len(events) != 0 {
				t.Errorf("events after a refused connection: %+v", events)
			}
		})
	})

	// withoutTeams is a partner whose application lacks the teams
	// permission, once Test Connection has run.
	withoutTeams := func(t *testing.T, st *store.Store) *syncruntest.Fixture {
		f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
		f.Sim.SetScopes(halosim.DefaultClientID, "read:customers", "edit:tickets", "read:assets", "read:items", "edit:invoices")
		if _, err := f.Events.TestHalo(t.Context(), f.Partner.ID); err != nil {
			t.Fatal(err)
		}
		return f
	}

	t.Run("TestHaloRaisesAndClearsWithTheStoredConnection", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := withoutTeams(t, st)
			e := f.OpenEvent(t, events.EventPermissionMissing)
			if !strings.Contains(e.Message, "all:teams or admin") || !strings.Contains(e.Message, "read agents and teams") {
				t.Errorf("event %q, want the teams permission and what needs it", e.Message)
			}
			f.Sim.SetScopes(halosim.DefaultClientID, "all")
			if _, err := f.Events.TestHalo(t.Context(), f.Partner.ID); err != nil {
				t.Fatal(err)
			}
			if open := f.ListEvents(t, store.EventOpen); len(open) != 0 {
				t.Errorf("open events once every check passes: %+v", open)
			}
		})
	})

	t.Run("ATestWithoutATokenLeavesThePermissionEvents", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := withoutTeams(t, st)
			f.Sim.RevokeApplication(halosim.DefaultClientID)
			report, err := f.Events.TestHalo(t.Context(), f.Partner.ID)
			if err != nil || len(report.Checks) != 1 {
				t.Fatalf("TestHalo with a revoked application: %+v, %v; want only the failed token check", report, err)
			}
			open := byKey(t, f, store.EventOpen)
			if _, ok := open["permission_missing/all:teams or admin"]; !ok {
				t.Errorf("the teams permission event was settled without a token: %v", keys(open))
			}
			if _, ok := open[connect.CredentialsEventKey]; !ok {
				t.Errorf("no credentials event after Test Connection was refused a token: %v", keys(open))
			}
		})
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
