package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func createSource(t *testing.T, b *testBundle, partnerID int64, kind source.Kind) store.Source {
	t.Helper()
	src, err := b.store.CreateSource(b.ctx, store.Source{
		PartnerID: partnerID, Kind: kind, Name: "GravityZone EU",
		Secret: "push-authorization-secret", APIKey: "gz-api-key-value", APIURL: "https://cloudgz.gravityzone.bitdefender.com/api",
	})
	if err != nil {
		t.Fatalf("CreateSource: %v", err)
	}
	return src
}

func testSources(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("CreatesWithARandomTokenAndReadsBackByToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		a := createSource(t, b, p.ID, source.GravityZone)
		other := createSource(t, b, p.ID, source.GravityZone)
		if len(a.Token) < 30 || a.Token == other.Token {
			t.Fatalf("tokens %q and %q: want long and distinct", a.Token, other.Token)
		}
		got, err := b.store.SourceByToken(b.ctx, a.Token)
		if err != nil {
			t.Fatalf("SourceByToken: %v", err)
		}
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("read back (-created +read):\n%s", diff)
		}
		if got.Secret != "push-authorization-secret" || got.APIKey != "gz-api-key-value" || string(got.Settings) != "{}" {
			t.Errorf("secret %q, api key %q, settings %s", got.Secret, got.APIKey, got.Settings)
		}
		if _, err := b.store.SourceByToken(b.ctx, "no-such-token"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown token: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("RejectsUnknownKindAndBadSettings", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		for _, src := range []store.Source{
			{PartnerID: p.ID, Kind: "sentinelone", Name: "S1"},
			{PartnerID: p.ID, Kind: source.Push, Name: " "},
			{PartnerID: p.ID, Kind: source.Push, Name: "Push", Settings: json.RawMessage("{oops")},
		} {
			if _, err := b.store.CreateSource(b.ctx, src); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("CreateSource(%+v): err = %v, want ErrInvalid", src, err)
			}
		}
		if _, err := b.store.CreateSource(b.ctx, store.Source{PartnerID: p.ID + 99, Kind: source.Push, Name: "Push"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown partner: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("UpdatesCredentialsButNotTheToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.DefensX)
		src.Name, src.Secret, src.APIKey, src.Token = "DefensX", "new-secret", "new-key", "attempted-new-token"
		src.Settings = json.RawMessage(`{"poll_url_blocks":true}`)
		got, err := b.store.UpdateSource(b.ctx, src)
		if err != nil {
			t.Fatalf("UpdateSource: %v", err)
		}
		if got.Name != "DefensX" || got.Secret != "new-secret" || got.APIKey != "new-key" || got.Token == "attempted-new-token" {
			t.Errorf("after update: %+v", got)
		}
		var settings map[string]bool
		if err := json.Unmarshal(got.Settings, &settings); err != nil || !settings["poll_url_blocks"] {
			t.Errorf("settings %s (%v)", got.Settings, err)
		}
	})

	t.Run("ListsAndDeletesAPartnersSources", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		q := createPartner(t, b, "Beta IT", "beta")
		a := createSource(t, b, p.ID, source.GravityZone)
		createSource(t, b, q.ID, source.Push)
		c := createSource(t, b, p.ID, source.Push)
		list, err := b.store.Sources(b.ctx, p.ID)
		if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != c.ID {
			t.Fatalf("Sources = %v, %v; want [%d %d]", list, err, a.ID, c.ID)
		}
		if _, err := b.store.DeleteSource(b.ctx, a.ID); err != nil {
			t.Fatalf("DeleteSource: %v", err)
		}
		if _, err := b.store.Source(b.ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted source: err = %v", err)
		}
		if _, err := b.store.DeleteSource(b.ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting twice: err = %v", err)
		}
	})

	t.Run("DeletingASourceTakesWhatItOwnsAndLeavesItsTickets", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		gz := createSource(t, b, p.ID, source.GravityZone)
		// The same GravityZone account connected a second time: its alerts
		// share fingerprints, and ticket links, with the first.
		twin := createSource(t, b, p.ID, source.GravityZone)
		twinIDs := storeAlerts(t, b, twin, sampleAlert("t1", "fp-open"), sampleAlert("t2", "fp-twin"))
		ids := storeAlerts(t, b, gz, sampleAlert("e1", "fp-open"), sampleAlert("e2", "fp-closed"), sampleAlert("e3", "fp-new"))
		if _, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: gz.ID,
			Resolutions: []source.Resolution{{Source: source.GravityZone, CustomerID: "c1", Fingerprint: "fp-closed", EventID: "r1", ResolvedAt: time.Now()}}}}); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
		for _, l := range []struct {
			key    string
			ticket int
			alerts []int64
		}{{"k-open", 501, []int64{twinIDs[0], ids[0]}}, {"k-closed", 502, []int64{ids[1]}}, {"k-twin", 503, []int64{twinIDs[1]}}} {
			if _, err := b.store.StartTicket(b.ctx, store.TicketLink{PartnerID: p.ID, Key: l.key, AlertType: "av"}, l.alerts); err != nil {
				t.Fatal(err)
			}
			if _, err := b.store.OpenTicket(b.ctx, p.ID, l.key, l.ticket, at, done(p.ID, l.key, l.ticket, "create", l.alerts...)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.store.CloseTicketLink(b.ctx, p.ID, "k-closed", at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := b.store.SaveSourceCustomers(b.ctx, gz.ID, []source.Customer{{ID: "c1", Name: "Contoso"}, {ID: "c2", Name: "Fabrikam"}}, true); err != nil {
			t.Fatal(err)
		}
		for _, m := range []store.Mapping{
			{PartnerID: p.ID, SourceID: gz.ID, CustomerID: "c1", ClientID: 101, Confirmed: true},
			{PartnerID: p.ID, SourceID: gz.ID, CustomerID: "c2", ClientID: 102, Rule: "fuzzy", Score: 0.9},
			{PartnerID: p.ID, SourceID: twin.ID, CustomerID: "c1", ClientID: 101, Confirmed: true},
		} {
			if _, err := b.store.SaveMapping(b.ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		for _, key := range []string{store.SourceEventPrefix(gz.ID) + "client_not_found/c1", store.SourceEventPrefix(gz.ID) + "push",
			store.SourceEventPrefix(twin.ID) + "push", "credentials_revoked/halo"} {
			if _, err := b.store.RaiseEvent(b.ctx, store.Event{PartnerID: p.ID, Kind: "k", Key: key, Message: "m"}); err != nil {
				t.Fatal(err)
			}
		}

		got, err := b.store.DeleteSource(b.ctx, gz.ID)
		if err != nil {
			t.Fatalf("DeleteSource: %v", err)
		}
		// Three customers: the two the sync listed, and the company its
		// alerts named, seen in a push.
		want := store.SourceRemoval{Alerts: 3, Undelivered: 1, Resolutions: 1, Customers: 3, Mappings: 1, Events: 2, Tickets: 2, OpenTickets: 1}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("removal (-want +got):\n%s", diff)
		}

		if n, _ := b.store.CountAlerts(b.ctx, twin.ID); n != 2 {
			t.Errorf("the other source keeps %d alerts, want 2", n)
		}
		if _, err := b.store.Mapping(b.ctx, twin.ID, "c1"); err != nil {
			t.Errorf("the other source's mapping: %v", err)
		}
		events, err := b.store.Events(b.ctx, p.ID, store.EventQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, e := range events {
			keys = append(keys, e.Key)
		}
		slices.Sort(keys)
		if diff := cmp.Diff([]string{"credentials_revoked/halo", store.SourceEventPrefix(twin.ID) + "push"}, keys); diff != "" {
			t.Errorf("events left (-want +got):\n%s", diff)
		}
		for _, key := range []string{"k-open", "k-closed", "k-twin"} {
			if _, err := b.store.TicketLink(b.ctx, p.ID, key); err != nil {
				t.Errorf("ticket link %s: %v; HaloPSA tickets and their links stay", key, err)
			}
		}
		// fp-open now leads through the other source's alert; fp-closed had
		// no other alert, so its link went with the source's.
		if l, err := b.store.LinkForFingerprint(b.ctx, p.ID, "fp-open"); err != nil || l.Key != "k-open" {
			t.Errorf("fp-open: %+v, %v; want k-open through the other source's alert", l, err)
		}
		if _, err := b.store.LinkForFingerprint(b.ctx, p.ID, "fp-closed"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("fp-closed: err = %v, want ErrNotFound", err)
		}
		if l, err := b.store.LinkForFingerprint(b.ctx, p.ID, "fp-twin"); err != nil || l.Key != "k-twin" {
			t.Errorf("fp-twin: %+v, %v", l, err)
		}
		if pending := pendingIDs(t, b, p.ID, time.Now()); len(pending) != 0 {
			t.Errorf("pending alerts %v after the removal, want none", pending)
		}
	})

	t.Run("KeepsCursorsPerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.DefensX)
		if c, err := b.store.SourceCursor(b.ctx, src.ID, "customer-1"); err != nil || c != nil {
			t.Fatalf("fresh cursor = %s, %v; want nil", c, err)
		}
		for _, v := range []string{`{"since":"2026-11-01T00:00:00Z"}`, `{"since":"2026-11-02T00:00:00Z"}`} {
			if err := b.store.SaveSourceCursor(b.ctx, src.ID, "customer-1", json.RawMessage(v)); err != nil {
				t.Fatalf("SaveSourceCursor: %v", err)
			}
		}
		got, err := b.store.SourceCursor(b.ctx, src.ID, "customer-1")
		if err != nil || !strings.Contains(string(got), "2026-11-02") {
			t.Errorf("cursor = %s, %v; want the second one", got, err)
		}
		if c, _ := b.store.SourceCursor(b.ctx, src.ID, "customer-2"); c != nil {
			t.Errorf("other scope sees %s", c)
		}
	})
}

func sampleAlert(eventID, fingerprint string) source.Alert {
	return source.Alert{
		Source: source.GravityZone, CustomerID: "59a14b271da197c6108b4567", Type: "av", Severity: source.SeverityHigh,
		HostName: "FC-WIN7-X64-01", HostIP: "10.17.46.196", User: "bdadmin", URL: "",
		Facts:       map[string]string{"malware_name": "EICAR-Test-File (not a virus)", "final_status": "deleted"},
		OccurredAt:  time.Date(2017, 9, 8, 12, 1, 36, 0, time.UTC),
		Raw:         json.RawMessage(`{"module":"av","malware_name":"EICAR-Test-File (not a virus)"}`),
		Fingerprint: fingerprint, EventID: eventID,
	}
}

func testAlerts(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("StoresABatchAndReadsItBack", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		received := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
		in := sampleAlert("e1", "fp-host-1")
		res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, ReceivedAt: received, Alerts: []source.Alert{in}}})
		if err != nil {
			t.Fatalf("StoreInbound: %v", err)
		}
		if len(res) != 1 || len(res[0].AlertIDs) != 1 || res[0].Duplicates != 0 {
			t.Fatalf("result %+v; want one stored alert", res)
		}
		got, err := b.store.Alert(b.ctx, res[0].AlertIDs[0])
		if err != nil {
			t.Fatalf("Alert: %v", err)
		}
		want := store.StoredAlert{ID: res[0].AlertIDs[0], PartnerID: p.ID, SourceID: src.ID, ReceivedAt: received, Alert: in}
		if diff := cmp.Diff(want, got, cmp.Comparer(sameJSON)); diff != "" {
			t.Errorf("read back (-want +got):\n%s", diff)
		}
	})

	t.Run("RecognisesRedeliveredEventsWithinAndAcrossBatches", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		other := createSource(t, b, p.ID, source.GravityZone)
		first := store.InboundBatch{PartnerID: p.ID, SourceID: src.ID, Alerts: []source.Alert{sampleAlert("e1", "f"), sampleAlert("e2", "f"), sampleAlert("e1", "f")}}
		res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{first})
		if err != nil {
			t.Fatal(err)
		}
		if len(res[0].AlertIDs) != 2 || res[0].Duplicates != 1 {
			t.Fatalf("first delivery: %+v; want 2 stored, 1 duplicate", res[0])
		}
		// e2 again from the same source in one commit with a new e3, and e1
		// from another source, which is a different event.
		again := store.InboundBatch{PartnerID: p.ID, SourceID: src.ID, Alerts: []source.Alert{sampleAlert("e2", "f"), sampleAlert("e3", "f")}}
		elsewhere := store.InboundBatch{PartnerID: p.ID, SourceID: other.ID, Alerts: []source.Alert{sampleAlert("e1", "f")}}
		res, err = b.store.StoreInbound(b.ctx, []store.InboundBatch{again, elsewhere})
		if err != nil {
			t.Fatal(err)
		}
		if len(res[0].AlertIDs) != 1 || res[0].Duplicates != 1 || len(res[1].AlertIDs) != 1 || res[1].Duplicates != 0 {
			t.Fatalf("second delivery: %+v", res)
		}
		for id, want := range map[int64]int{src.ID: 3, other.ID: 1} {
			if n, err := b.store.CountAlerts(b.ctx, id); err != nil || n != want {
				t.Errorf("CountAlerts(%d) = %d, %v; want %d", id, n, err, want)
			}
		}
	})

	t.Run("StoresLargeBatchesInOneCall", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		var batches []store.InboundBatch
		for r := range 7 {
			batch := store.InboundBatch{PartnerID: p.ID, SourceID: src.ID}
			for i := range 150 {
				batch.Alerts = append(batch.Alerts, sampleAlert(strings.Repeat("x", r+1)+"-"+string(rune('a'+i%26))+time.Duration(i).String(), "f"))
			}
			batches = append(batches, batch)
		}
		res, err := b.store.StoreInbound(b.ctx, batches)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, r := range res {
			total += len(r.AlertIDs)
		}
		if n, _ := b.store.CountAlerts(b.ctx, src.ID); total != 1050 || n != 1050 {
			t.Errorf("stored %d, counted %d; want 1050", total, n)
		}
		page, err := b.store.Alerts(b.ctx, store.AlertQuery{SourceID: src.ID, AfterID: res[6].AlertIDs[139], Limit: 50})
		if err != nil || len(page) != 10 {
			t.Errorf("last page: %d alerts, %v; want 10", len(page), err)
		}
		again, err := b.store.StoreInbound(b.ctx, batches)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range again {
			if len(r.AlertIDs) != 0 || r.Duplicates != 150 {
				t.Errorf("redelivered batch %d: stored %d, %d duplicates; want 0 and 150", i, len(r.AlertIDs), r.Duplicates)
			}
		}
	})

	t.Run("RejectsAnAlertWithoutEventIDAndKeepsNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		_, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID,
			Alerts: []source.Alert{sampleAlert("ok", "f"), sampleAlert("", "f")}}})
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
		if n, _ := b.store.CountAlerts(b.ctx, src.ID); n != 0 {
			t.Errorf("%d alerts kept from a rejected call", n)
		}
	})

	t.Run("StoresResolutionsOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.Push)
		r := source.Resolution{Source: source.Push, CustomerID: "c1", Fingerprint: "f", Reason: "fixed by vendor",
			ResolvedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), EventID: "r1"}
		batch := store.InboundBatch{PartnerID: p.ID, SourceID: src.ID, Resolutions: []source.Resolution{r}}
		for i, want := range []store.InboundResult{{Resolutions: 1}, {Duplicates: 1}} {
			res, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{batch})
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Resolutions != want.Resolutions || res[0].Duplicates != want.Duplicates {
				t.Errorf("delivery %d: %+v, want %+v", i, res[0], want)
			}
		}
		got, err := b.store.Resolutions(b.ctx, src.ID)
		if err != nil || len(got) != 1 || got[0].Reason != "fixed by vendor" || !got[0].ResolvedAt.Equal(r.ResolvedAt) {
			t.Errorf("Resolutions = %+v, %v", got, err)
		}
	})

	t.Run("DeletingTheSourceDeletesItsAlerts", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		if _, err := b.store.StoreInbound(b.ctx, []store.InboundBatch{{PartnerID: p.ID, SourceID: src.ID, Alerts: []source.Alert{sampleAlert("e1", "f")}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.DeleteSource(b.ctx, src.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := b.store.Alerts(b.ctx, store.AlertQuery{PartnerID: p.ID}); len(got) != 0 {
			t.Errorf("%d alerts outlived their source", len(got))
		}
	})
}

// sameJSON compares raw JSON by meaning: PostgreSQL may re-format it.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return cmp.Equal(x, y)
}

func testSourceCatalog(t *testing.T, setup func(t *testing.T) *testBundle) {
	t.Run("UpsertsCustomersAndReplacesThemOnSync", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.Push)
		first := []source.Customer{{ID: "c2", Name: "beta GmbH"}, {ID: "c1", Name: "Alpha Ltd", Domain: "alpha.example"}}
		if err := b.store.SaveSourceCustomers(b.ctx, src.ID, first, false); err != nil {
			t.Fatal(err)
		}
		if err := b.store.SaveSourceCustomers(b.ctx, src.ID, []source.Customer{{ID: "c3", Name: "Gamma", ParentID: "c1", Reseller: false}}, false); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.SourceCustomers(b.ctx, src.ID)
		want := []source.Customer{{ID: "c1", Name: "Alpha Ltd", Domain: "alpha.example"}, {ID: "c2", Name: "beta GmbH"}, {ID: "c3", Name: "Gamma", ParentID: "c1"}}
		if err != nil || !cmp.Equal(got, want) {
			t.Fatalf("after upserts: %v, %v\n%s", got, err, cmp.Diff(want, got))
		}
		if err := b.store.SaveSourceCustomers(b.ctx, src.ID, []source.Customer{{ID: "c2", Name: "Beta GmbH", Reseller: true}}, true); err != nil {
			t.Fatal(err)
		}
		got, _ = b.store.SourceCustomers(b.ctx, src.ID)
		if want := []source.Customer{{ID: "c2", Name: "Beta GmbH", Reseller: true}}; !cmp.Equal(got, want) {
			t.Errorf("after replace: %v", got)
		}
		if err := b.store.SaveSourceCustomers(b.ctx, src.ID, []source.Customer{{Name: "no id"}}, false); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("customer without id: err = %v", err)
		}
	})

	t.Run("KeepsEachCustomersUsersAndReplacesThemOnSync", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.DefensX)
		other := createSource(t, b, p.ID, source.DefensX)
		anna := source.User{ID: "u-1", CustomerID: "c1", Name: "Anna Moreau", Email: "anna.moreau@alpha.example"}
		ben := source.User{ID: "u-2", CustomerID: "c1", Email: "ben@alpha.example"}
		carla := source.User{ID: "u-3", CustomerID: "c2", Name: "Carla Okafor"}
		for _, c := range []struct {
			id    string
			users []source.User
		}{{"c1", []source.User{anna, ben}}, {"c2", []source.User{carla}}} {
			if err := b.store.SaveSourceUsers(b.ctx, src.ID, c.id, c.users); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.store.SaveSourceUsers(b.ctx, other.ID, "c9", []source.User{{ID: "u-9", Name: "Elsewhere"}}); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.SourceUsers(b.ctx, src.ID, []string{"u-1", "u-2", "u-3", "u-9", "unknown"})
		want := map[string]source.User{"u-1": anna, "u-2": ben, "u-3": carla}
		if err != nil || !cmp.Equal(got, want) {
			t.Fatalf("SourceUsers = %v, %v\n%s", got, err, cmp.Diff(want, got))
		}

		// A sync lists c1 again with Anna renamed and Ben gone; c2 stays.
		renamed := source.User{ID: "u-1", CustomerID: "c1", Name: "Anna Moreau-Quinn", Email: "anna.moreau@alpha.example"}
		if err := b.store.SaveSourceUsers(b.ctx, src.ID, "c1", []source.User{renamed}); err != nil {
			t.Fatal(err)
		}
		got, err = b.store.SourceUsers(b.ctx, src.ID, []string{"u-1", "u-2", "u-3"})
		want = map[string]source.User{"u-1": renamed, "u-3": carla}
		if err != nil || !cmp.Equal(got, want) {
			t.Errorf("after the sync: %v, %v\n%s", got, err, cmp.Diff(want, got))
		}
		if got, err := b.store.SourceUsers(b.ctx, src.ID, nil); err != nil || len(got) != 0 {
			t.Errorf("no ids: %v, %v", got, err)
		}
	})

	t.Run("ReadsManyUsersAtOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.DefensX)
		var users []source.User
		var ids []string
		for i := range 450 {
			u := source.User{ID: fmt.Sprintf("u-%03d", i), CustomerID: "c1", Email: fmt.Sprintf("user%03d@alpha.example", i)}
			users, ids = append(users, u), append(ids, u.ID)
		}
		if err := b.store.SaveSourceUsers(b.ctx, src.ID, "c1", users); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.SourceUsers(b.ctx, src.ID, ids)
		if err != nil || len(got) != 450 || got["u-449"].Email != "user449@alpha.example" {
			t.Errorf("SourceUsers of 450 ids: %d users, %v; u-449 = %+v", len(got), err, got["u-449"])
		}
	})

	t.Run("RefusesUsersWithoutIdsAndTooMany", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.DefensX)
		if err := b.store.SaveSourceUsers(b.ctx, src.ID, "c1", []source.User{{ID: "u-1"}, {Name: "no id"}}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("user without id: err = %v, want ErrInvalid", err)
		}
		if err := b.store.SaveSourceUsers(b.ctx, src.ID, " ", nil); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("no customer: err = %v, want ErrInvalid", err)
		}
		many := make([]source.User, source.MaxUsersPerCustomer+1)
		if err := b.store.SaveSourceUsers(b.ctx, src.ID, "c1", many); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("too many users: err = %v, want ErrInvalid", err)
		}
		if got, err := b.store.SourceUsers(b.ctx, src.ID, []string{"u-1"}); err != nil || len(got) != 0 {
			t.Errorf("a refused save stored %v (%v)", got, err)
		}
	})

	t.Run("KeepsUsagePerMonthAndReplacesAMonth", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p := createPartner(t, b, "Acme IT", "acme")
		src := createSource(t, b, p.ID, source.GravityZone)
		oct, nov := source.Month{Year: 2026, Month: time.October}, source.Month{Year: 2026, Month: time.November}
		in := []source.Usage{
			{CustomerID: "c1", Month: oct, Product: "endpointMonthlyUsage", Quantity: 12},
			{CustomerID: "c1", Month: oct, Product: "edrMonthlyUsage", Quantity: 3.5},
			{CustomerID: "c1", Month: nov, Product: "endpointMonthlyUsage", Quantity: 14, IncludesChildren: true},
		}
		if err := b.store.SaveUsage(b.ctx, src.ID, in, nil); err != nil {
			t.Fatal(err)
		}
		if err := b.store.SaveUsage(b.ctx, src.ID, []source.Usage{{CustomerID: "c1", Month: oct, Product: "endpointMonthlyUsage", Quantity: 13}}, &oct); err != nil {
			t.Fatal(err)
		}
		got, err := b.store.Usage(b.ctx, src.ID, oct)
		if want := []source.Usage{{CustomerID: "c1", Month: oct, Product: "endpointMonthlyUsage", Quantity: 13}}; err != nil || !cmp.Equal(got, want) {
			t.Errorf("October after replace: %v, %v", got, err)
		}
		got, _ = b.store.Usage(b.ctx, src.ID, nov)
		if len(got) != 1 || got[0].Quantity != 14 || !got[0].IncludesChildren {
			t.Errorf("November untouched by October's replace: %v", got)
		}
		if err := b.store.SaveUsage(b.ctx, src.ID, []source.Usage{{CustomerID: "c1", Month: nov, Product: "x", Quantity: 1}}, &oct); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("November row in October's replace: err = %v", err)
		}
	})
}
