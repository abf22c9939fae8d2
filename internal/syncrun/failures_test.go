package syncrun_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/halo/halosim"
	"halobridge/internal/jobs"
	"halobridge/internal/outbound"
	"halobridge/internal/store"
	"halobridge/internal/syncrun"
	"halobridge/internal/syncrun/syncruntest"
)

func TestSyncFailures(t *testing.T) {
	t.Parallel()

	t.Run("MissingPermissionIsOneEventNamingItAndTheApplication", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			// A token keeps the scopes it was issued with: a permission granted
			// later counts from the next token, which comes once this one is
			// within the client's renewal margin (a minute) of its end.
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12, TokenTTL: 61 * time.Second})
			f.Sim.SetScopes(halosim.DefaultClientID, "read:customers", "read:tickets", "read:items", "read:invoices")
			issued := time.Now()
			res, run, err := f.Sync(t)
			if err == nil || !strings.Contains(err.Error(), "agents") {
				t.Errorf("sync error %v, want one naming the agents list", err)
			}
			if _, ok := res.Catalog[store.KindClient]; !ok || run.Steps[0].Counts["errors"] != 2 {
				t.Errorf("clients refreshed %v, HaloPSA step %+v; want the clients read and two lists refused", ok, run.Steps[0])
			}
			e := f.OpenEvent(t, events.EventPermissionMissing)
			for _, want := range []string{"agents and teams", "all:teams or admin", halosim.DefaultClientID, "agent id 7", "You do not have permission"} {
				if !strings.Contains(e.Message, want) {
					t.Errorf("message %q lacks %q", e.Message, want)
				}
			}
			if !strings.Contains(e.Fix, "Permissions tab") {
				t.Errorf("fix %q does not say where to grant it", e.Fix)
			}

			again, err := f.Events.Recheck(t.Context(), f.Partner.ID, e.ID)
			if err != nil || again.State != store.EventOpen || again.Count != 2 {
				t.Errorf("recheck while still refused: %+v, %v; want open, seen twice", again, err)
			}
			f.Sim.SetScopes(halosim.DefaultClientID, "all")
			time.Sleep(time.Until(issued.Add(1100 * time.Millisecond)))
			cleared, err := f.Events.Recheck(t.Context(), f.Partner.ID, e.ID)
			if err != nil || cleared.State != store.EventResolved {
				t.Errorf("recheck once granted: %+v, %v; want resolved", cleared, err)
			}
			if agents, err := st.Catalog(t.Context(), f.Partner.ID, store.KindAgent); err != nil || len(agents) == 0 {
				t.Errorf("the recheck did not store the agents it read: %d, %v", len(agents), err)
			}
		})
	})

	t.Run("RevokedCredentialsAreAnEventAndStopTheHaloPSAStep", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
			f.MustSync(t)
			f.Sim.RevokeApplication(halosim.DefaultClientID)
			f.Sim.ResetRequests()
			_, run, err := f.Sync(t)
			if err == nil || run.State != store.SyncFailed {
				t.Fatalf("sync with revoked credentials: %v, run %s; want a failed run", err, run.State)
			}
			if n := syncruntest.RequestsByPath(f.Sim)["/api/Site"]; n != 0 {
				t.Errorf("%d site requests after the first refusal, want none", n)
			}
			e := f.OpenEvent(t, events.EventCredentialsRevoked)
			if !strings.Contains(e.Message, "invalid_client") || !strings.Contains(e.Fix, "halobridge halo connect") {
				t.Errorf("event %+v", e)
			}
			f.Sim.AddApplication(halosim.Application{ClientID: halosim.DefaultClientID, Secret: halosim.DefaultClientSecret, Scopes: []string{"all"}})
			cleared, err := f.Events.Recheck(t.Context(), f.Partner.ID, e.ID)
			if err != nil || cleared.State != store.EventResolved {
				t.Errorf("recheck with the application back: %+v, %v; want resolved", cleared, err)
			}
		})
	})

	t.Run("RateLimitStopsTheSyncForTheJobToSnooze", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 12})
			f.PushSource(t, "Vendor")
			f.Sim.InjectFault(halosim.Fault{PathPrefix: "/api/Site", Status: 429, RetryAfter: time.Hour})
			_, run, err := f.Sync(t)
			var limited *halo.RateLimitError
			if !errors.As(err, &limited) {
				t.Fatalf("sync error %v, want a *halo.RateLimitError", err)
			}
			var snooze *rivertype.JobSnoozeError
			if !errors.As(jobs.SnoozeOnRateLimit(err), &snooze) || snooze.Duration < 59*time.Minute {
				t.Errorf("the job would not snooze for Halo's hour: %v", jobs.SnoozeOnRateLimit(err))
			}
			if len(run.Steps) != 1 {
				t.Errorf("the sync went on after the rate limit: %+v", run.Steps)
			}
			if events := f.ListEvents(t, store.EventOpen); len(events) != 0 {
				t.Errorf("a rate limit raised events: %+v", events)
			}
		})
	})

	t.Run("PartnerWithoutHaloPSAIsAnErrorNotAnEvent", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			p, err := st.CreatePartner(t.Context(), store.Partner{Name: "Not Yet Connected"})
			if err != nil {
				t.Fatal(err)
			}
			syncer := &syncrun.Syncer{Store: st, Halo: &connect.Halo{Outbound: outbound.Local(), Store: st}, Sources: &connect.Sources{Outbound: outbound.Local(), Store: st}}
			run, err := st.StartSyncRun(t.Context(), store.SyncRun{PartnerID: p.ID, Kind: store.SyncCatalog})
			if err != nil {
				t.Fatal(err)
			}
			_, err = syncer.Sync(t.Context(), p.ID, jobs.NewProgress(st, run))
			if !errors.Is(err, connect.ErrNotConnected) {
				t.Errorf("sync error %v, want connect.ErrNotConnected", err)
			}
			if events, _ := st.Events(t.Context(), p.ID, store.EventQuery{}); len(events) != 0 {
				t.Errorf("events %+v, want none", events)
			}
		})
	})

	t.Run("ReportFailureRaisesOnlyForPermissionsAndCredentials", func(t *testing.T) {
		t.Parallel()
		syncruntest.EachEngine(t, func(t *testing.T, st *store.Store) {
			f := syncruntest.NewFixture(t, st, halosim.Options{Clients: 3})
			forbidden := &halo.APIError{Method: "POST", Path: "/api/Tickets", Status: 403, Permission: "edit:tickets",
				Message: "You do not have permission to access this area (edit:tickets)"}
			for _, tc := range []struct {
				err  error
				want bool
			}{
				{forbidden, true},
				{&halo.OAuthError{Status: 400, Code: "invalid_grant"}, true},
				{&halo.APIError{Method: "POST", Path: "/api/Tickets", Status: 400, Message: "Please select a valid Client/Site/User"}, false},
				{context.DeadlineExceeded, false},
			} {
				raised, err := events.ReportFailure(t.Context(), f.St, f.Partner.ID, "create tickets", nil, tc.err)
				if err != nil || raised != tc.want {
					t.Errorf("ReportFailure(%v) = %v, %v; want %v", tc.err, raised, err, tc.want)
				}
			}
			var kinds []string
			for _, e := range f.ListEvents(t, store.EventOpen) {
				kinds = append(kinds, e.Kind)
			}
			slices.Sort(kinds)
			if !slices.Equal(kinds, []string{events.EventCredentialsRevoked, events.EventPermissionMissing}) {
				t.Errorf("events %v", kinds)
			}
			// Only the write shows the permission granted: a recheck tries
			// delivery again at once and leaves the event to it.
			e := f.OpenEvent(t, events.EventPermissionMissing)
			if after, err := f.Events.Recheck(t.Context(), f.Partner.ID, e.ID); err != nil || after.State != store.EventOpen {
				t.Errorf("recheck of a write's permission: %s, %v; want open until the next write", after.State, err)
			}
		})
	})
}
