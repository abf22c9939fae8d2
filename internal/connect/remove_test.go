package connect

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/store"
)

// pushStatus posts an empty GravityZone push to url with authorization and
// returns the HTTP status halobridge answers.
func pushStatus(t *testing.T, url, authorization string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[]}}`))
	req.Header.Set("Authorization", authorization)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRemoveSource(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("SwitchesGravityZonesPushOffAndSaysWhatWent", func(t *testing.T) {
		t.Parallel()
		b, gz, src := withGravityZone(t)
		for range 2 {
			if err := gz.pushAlert(t, accountA); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.store.SaveSourceCustomers(ctx, src.ID, []source.Customer{{ID: accountA + "-c1", Name: "Customer"}}, true); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.SaveMapping(ctx, store.Mapping{PartnerID: b.partner.ID, SourceID: src.ID, CustomerID: accountA + "-c1", ClientID: 12, Confirmed: true, Billing: true}); err != nil {
			t.Fatal(err)
		}

		got, err := b.sources.RemoveSource(ctx, b.partner.ID, src.ID)
		if err != nil {
			t.Fatalf("RemoveSource: %v", err)
		}
		if diff := cmp.Diff(store.SourceRemoval{Alerts: 2, Undelivered: 2, Customers: 1, Mappings: 1}, got.Removal); diff != "" {
			t.Errorf("removal (-want +got):\n%s", diff)
		}
		url := b.server.URL + "/ingest/" + src.Token
		wantPushTo(t, gz, 0, url, "")
		if got.LeftAtSource != "" || !strings.Contains(got.AtSource, "switched off") {
			t.Errorf("at the source %q, left %q", got.AtSource, got.LeftAtSource)
		}
		summary := strings.Join(got.Summary(), "\n")
		for _, want := range []string{"GravityZone 'GravityZone EU' is removed", "alerts (2, of which 2 not yet delivered to HaloPSA)",
			"confirmed mappings (1)", "no longer billed", "switched off"} {
			if !strings.Contains(summary, want) {
				t.Errorf("summary does not say %q:\n%s", want, summary)
			}
		}
		if _, err := b.store.Source(ctx, src.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the source outlived its removal: %v", err)
		}
		if status := pushStatus(t, url, src.Secret); status != http.StatusNotFound {
			t.Errorf("a push to the removed source: %d, want 404", status)
		}
	})

	t.Run("RemovesLocallyWhenGravityZoneCannotBeReachedAndSaysWhatIsLeft", func(t *testing.T) {
		t.Parallel()
		b, gz, src := withGravityZone(t)
		gz.srv.Close()
		got, err := b.sources.RemoveSource(ctx, b.partner.ID, src.ID)
		if err != nil {
			t.Fatalf("RemoveSource: %v", err)
		}
		url := b.server.URL + "/ingest/" + src.Token
		for _, want := range []string{"could not be switched off", url, "push.setPushEventSettings", `"status": 0`} {
			if !strings.Contains(got.LeftAtSource, want) {
				t.Errorf("left at the source %q does not say %q", got.LeftAtSource, want)
			}
		}
		if !strings.Contains(strings.Join(got.Summary(), "\n"), "Left to do by hand: ") {
			t.Errorf("summary %q", got.Summary())
		}
		if _, err := b.store.Source(ctx, src.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the source was kept: %v", err)
		}
		// GravityZone, once back, still pushes: halobridge refuses.
		wantPushTo(t, gz, 1, url, src.Secret)
		if status := pushStatus(t, url, src.Secret); status != http.StatusNotFound {
			t.Errorf("a push to the removed source: %d, want 404", status)
		}
	})

	t.Run("LeavesAnotherCollectorsPushAlone", func(t *testing.T) {
		t.Parallel()
		b, gz, src := withGravityZone(t)
		client, err := gravityzone.New(gravityzone.Config{Outbound: outbound.Local(), AccessURL: gz.url, APIKey: gz.key})
		if err != nil {
			t.Fatal(err)
		}
		siem := gravityzone.PushSettings{Status: 1, ServiceType: gravityzone.ServiceJSONRPC,
			ServiceSettings:       gravityzone.PushServiceSettings{URL: "https://siem.example/gz", Authorization: "Bearer siem"},
			SubscribeToEventTypes: map[string]bool{"av": true}}
		if err := client.SetPushEventSettings(ctx, siem); err != nil {
			t.Fatal(err)
		}
		got, err := b.sources.RemoveSource(ctx, b.partner.ID, src.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantPushTo(t, gz, 1, "https://siem.example/gz", "Bearer siem")
		if !strings.Contains(got.AtSource, "left as it is") || got.LeftAtSource != "" {
			t.Errorf("at the source %q, left %q", got.AtSource, got.LeftAtSource)
		}
	})

	t.Run("SaysWhatToDoByHandForDefensXAndThePushAPI", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		d, _ := b.addDefensX(t)
		p, err := b.sources.AddSource(ctx, NewSource{PartnerID: b.partner.ID, Kind: source.Push, Name: "EDR"})
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range map[int64]string{d.Source.ID: "delete the API callback notification", p.Source.ID: "tell it to stop"} {
			got, err := b.sources.RemoveSource(ctx, b.partner.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got.LeftAtSource, want) || got.AtSource != "" {
				t.Errorf("source %d: at the source %q, left %q; want it to say %q", id, got.AtSource, got.LeftAtSource, want)
			}
			if strings.Contains(got.LeftAtSource, d.Source.Secret) {
				t.Errorf("the DefensX secret is given away: %q", got.LeftAtSource)
			}
		}
	})

	t.Run("WaitsForTheDeliveryPassAndGivesUpWhenItDoesNotPause", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p, err := b.sources.AddSource(ctx, NewSource{PartnerID: b.partner.ID, Kind: source.Push, Name: "EDR"})
		if err != nil {
			t.Fatal(err)
		}
		if taken, err := b.store.TakeDeliveryLease(ctx, b.partner.ID, "a-running-pass", time.Minute); err != nil || !taken {
			t.Fatalf("take the lease: %v, %v", taken, err)
		}
		impatient := *b.sources
		impatient.LeaseWait = time.Millisecond
		if _, err := impatient.RemoveSource(ctx, b.partner.ID, p.Source.ID); !errors.Is(err, ErrDeliveryBusy) {
			t.Fatalf("err = %v, want ErrDeliveryBusy", err)
		}
		if _, err := b.store.Source(ctx, p.Source.ID); err != nil {
			t.Fatalf("the source went while delivery ran: %v", err)
		}

		done := make(chan error, 1)
		go func() {
			_, err := b.sources.RemoveSource(ctx, b.partner.ID, p.Source.ID)
			done <- err
		}()
		if err := b.store.ReleaseDeliveryLease(ctx, b.partner.ID, "a-running-pass"); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatalf("RemoveSource after the pass: %v", err)
		}
		// The removal gave the lease back: delivery goes on.
		if taken, err := b.store.TakeDeliveryLease(ctx, b.partner.ID, "the-next-pass", time.Minute); err != nil || !taken {
			t.Errorf("the next pass could not take the lease: %v, %v", taken, err)
		}
	})

	t.Run("FindsNoSourceOfAnotherPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		p, err := b.sources.AddSource(ctx, NewSource{PartnerID: b.partner.ID, Kind: source.Push, Name: "EDR"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.sources.RemoveSource(ctx, b.partner.ID+1, p.Source.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
		if _, err := b.store.Source(ctx, p.Source.ID); err != nil {
			t.Errorf("another partner removed the source: %v", err)
		}
	})
}
