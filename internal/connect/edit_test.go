package connect

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"halobridge/internal/source"
	"halobridge/internal/source/defensx/dxsim"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
)

// gravityZone is a simulated GravityZone account over real HTTP.
type gravityZone struct {
	sim *gzsim.Sim
	srv *httptest.Server
	url string
	key string
}

// newGravityZone starts an account whose own company is rootID, with one
// customer below it.
func newGravityZone(t *testing.T, key, rootID string, services ...string) *gravityZone {
	t.Helper()
	sim := gzsim.New(gzsim.Options{APIKey: key, RateLimit: -1, Services: services, Companies: []gzsim.Company{
		{ID: rootID, Name: "MSP " + rootID, Partner: true},
		{ID: rootID + "-c1", Name: "Customer of " + rootID},
	}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &gravityZone{sim: sim, srv: srv, url: srv.URL + "/api", key: key}
}

// addGravityZone connects gz as a source of the bundle's partner.
func (b *testBundle) addGravityZone(t *testing.T, gz *gravityZone) store.Source {
	t.Helper()
	conn, err := b.sources.AddSource(t.Context(), NewSource{PartnerID: b.partner.ID, Kind: source.GravityZone,
		Name: "GravityZone EU", APIURL: gz.url, APIKey: gz.key})
	if err != nil {
		t.Fatalf("AddSource: %v", err)
	}
	return conn.Source
}

// withGravityZone is a bundle whose partner connected account A (key-a).
func withGravityZone(t *testing.T) (*testBundle, *gravityZone, store.Source) {
	t.Helper()
	b := setup(t)
	gz := newGravityZone(t, "key-a", accountA)
	return b, gz, b.addGravityZone(t, gz)
}

const (
	accountA = "aaaaaaaaaaaaaaaaaaaaaa01"
	accountB = "bbbbbbbbbbbbbbbbbbbbbb01"
)

// pushAlert has gz push one av event of its customer to whatever it pushes to.
func (gz *gravityZone) pushAlert(t *testing.T, rootID string) error {
	t.Helper()
	ev, err := gz.sim.NewEvent("av", rootID+"-c1")
	if err != nil {
		t.Fatal(err)
	}
	return gz.sim.Push(t.Context(), ev)
}

// addDefensX connects a simulated DefensX as a source of the bundle's partner.
func (b *testBundle) addDefensX(t *testing.T) (Connected, *dxsim.Sim) {
	t.Helper()
	sim := dxsim.New(dxsim.Options{Seed: 3})
	dx := httptest.NewServer(sim)
	t.Cleanup(dx.Close)
	conn, err := b.sources.AddSource(t.Context(), NewSource{PartnerID: b.partner.ID, Kind: source.DefensX, Name: "DefensX",
		APIURL: dx.URL + dxsim.BasePath, APIKey: dxsim.DefaultAPIKey})
	if err != nil {
		t.Fatalf("AddSource: %v", err)
	}
	return conn, sim
}

func ptr(s string) *string { return &s }

// wantFieldError checks that err is a *FieldError on field whose message
// holds every part.
func wantFieldError(t *testing.T, err error, field string, parts ...string) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != field {
		t.Fatalf("err = %v, want a *FieldError on %s", err, field)
	}
	for _, p := range parts {
		if !strings.Contains(fe.Message, p) {
			t.Errorf("message %q does not say %q", fe.Message, p)
		}
	}
}

// wantUnchanged checks that the stored source is still before and, for
// GravityZone, that gz still pushes to it as before.
func (b *testBundle) wantUnchanged(t *testing.T, before store.Source, gz *gravityZone) {
	t.Helper()
	got, err := b.store.Source(t.Context(), before.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != before.Name || got.APIKey != before.APIKey || got.APIURL != before.APIURL || got.Secret != before.Secret || !got.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("stored source changed: %+v, want %+v", got, before)
	}
	if gz != nil {
		wantPushTo(t, gz, 1, b.server.URL+"/ingest/"+before.Token, before.Secret)
	}
}

// wantPushTo checks where gz pushes and with which Authorization.
func wantPushTo(t *testing.T, gz *gravityZone, status int, url, authorization string) {
	t.Helper()
	settings, _ := gz.sim.PushSettings()
	if settings.Status != status || settings.ServiceSettings.URL != url || settings.ServiceSettings.Authorization != authorization {
		t.Errorf("push settings: status %d to %q with %q; want status %d to %q with %q", settings.Status,
			settings.ServiceSettings.URL, settings.ServiceSettings.Authorization, status, url, authorization)
	}
}

func TestUpdateSource(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("RenamesWithoutCallingThePlatform", func(t *testing.T) {
		t.Parallel()
		b, gz, src := withGravityZone(t)
		calls := len(gz.sim.Requests())
		up, err := b.sources.UpdateSource(ctx, b.partner.ID, src.ID, SourceChange{Name: ptr("  GravityZone US  ")})
		if err != nil {
			t.Fatal(err)
		}
		if up.Source.Name != "GravityZone US" || up.Tested || up.Registered || up.Source.Secret != src.Secret {
			t.Errorf("updated %+v", up)
		}
		if n := len(gz.sim.Requests()); n != calls {
			t.Errorf("%d GravityZone calls for a new name, want none", n-calls)
		}
	})

	t.Run("RefusesAKeyThatFailsTheTestAndSavesNothing", func(t *testing.T) {
		t.Parallel()
		b, gz, src := withGravityZone(t)
		_, err := b.sources.UpdateSource(ctx, b.partner.ID, src.ID, SourceChange{APIKey: ptr("not-the-key"), Name: ptr("Renamed")})
		wantFieldError(t, err, "api_key", "listing the customers with the new settings failed, so nothing was saved",
			"GravityZone did not accept the API key")
		b.wantUnchanged(t, src, gz)
	})

	t.Run("RefusesAnAccessURLNothingAnswersAt", func(t *testing.T) {
		t.Parallel()
		b, gz, src := withGravityZone(t)
		gone := httptest.NewServer(http.NotFoundHandler())
		gone.Close()
		_, err := b.sources.UpdateSource(ctx, b.partner.ID, src.ID, SourceChange{APIURL: ptr(gone.URL + "/api")})
		wantFieldError(t, err, "api_url", "nothing was saved")
		_, err = b.sources.UpdateSource(ctx, b.partner.ID, src.ID, SourceChange{APIURL: ptr("ftp://gz.example/api")})
		wantFieldError(t, err, "api_url", "not an http(s) URL")
		b.wantUnchanged(t, src, gz)
	})

	t.Run("RefusesAKeyThatMayNotRegisterThePush", func(t *testing.T) {
		t.Parallel()
		b, old, src := withGravityZone(t)
		other := newGravityZone(t, "key-b", accountB, "companies", "network", "licensing")
		_, err := b.sources.UpdateSource(ctx, b.partner.ID, src.ID, SourceChange{APIURL: ptr(other.url), APIKey: ptr(other.key)})
		wantFieldError(t, err, "source", "registering halobridge with the Event Push Service with the new settings failed, so nothing was saved",
			"enable the Event Push Service API")
		b.wantUnchanged(t, src, old)
	})

	t.Run("NewAddressOfTheSameAccountRegistersAgainWithTheSameSecret", func(t *testing.T) {
		t.Parallel()
		b, gz, src := withGravityZone(t)
		// A second address of the same GravityZone, as after a move of its
		// access URL; the source never synced, so the old key is asked.
		moved := httptest.NewServer(gz.sim)
		t.Cleanup(moved.Close)
		gz.sim.ResetRequests()
		up, err := b.sources.UpdateSource(ctx, b.partner.ID, src.ID, SourceChange{APIURL: ptr(moved.URL + "/api")})
		if err != nil {
			t.Fatal(err)
		}
		if !up.Tested || !up.Registered || up.Source.Secret != src.Secret || up.Source.APIURL != moved.URL+"/api" {
			t.Errorf("updated %+v", up)
		}
		wantPushTo(t, gz, 1, b.server.URL+"/ingest/"+src.Token, src.Secret)
		if err := gz.pushAlert(t, accountA); err != nil {
			t.Fatalf("a push after the edit: %v", err)
		}
		if n, _ := b.store.CountAlerts(ctx, src.ID); n != 1 {
			t.Errorf("%d alerts stored, want the one pushed", n)
		}
	})

	t.Run("SyncedCompaniesTellTheSameAccountWithoutTheOldKey", func(t *testing.T) {
		t.Parallel()
		b, gz, src := withGravityZone(t)
		customers, err := mustConnector(t, b, src).Customers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.store.SaveSourceCustomers(ctx, src.ID, customers, true); err != nil {
			t.Fatal(err)
		}
		moved := httptest.NewServer(gz.sim)
		t.Cleanup(moved.Close)
		gz.srv.Close() // the old address answers no more
		up, err := b.sources.UpdateSource(ctx, b.partner.ID, src.ID, SourceChange{APIURL: ptr(moved.URL + "/api")})
		if err != nil {
			t.Fatal(err)
		}
		if up.Source.Secret != src.Secret || len(up.Notes) != 1 {
			t.Errorf("updated %+v; want the same secret and only the registration noted", up)
		}
	})

	t.Run("KeyOfAnotherAccountGetsANewSecretAndTheOldPushIsSwitchedOff", func(t *testing.T) {
		t.Parallel()
		b, old, src := withGravityZone(t)
		next := newGravityZone(t, "key-b", accountB)
		up, err := b.sources.UpdateSource(ctx, b.partner.ID, src.ID, SourceChange{APIURL: ptr(next.url), APIKey: ptr(next.key)})
		if err != nil {
			t.Fatal(err)
		}
		if !up.Registered || up.Source.Secret == src.Secret || up.Source.Secret == "" || up.Source.APIKey != "key-b" {
			t.Errorf("updated %+v; want a new secret and key", up)
		}
		if !strings.Contains(strings.Join(up.Notes, " "), "another GravityZone account") {
			t.Errorf("notes %q", up.Notes)
		}
		url := b.server.URL + "/ingest/" + src.Token
		wantPushTo(t, next, 1, url, up.Source.Secret)
		wantPushTo(t, old, 0, url, "")
		if err := next.pushAlert(t, accountB); err != nil {
			t.Fatalf("a push of the new account: %v", err)
		}
	})

	t.Run("OldAccountOutOfReachCanPushNoMoreAndTheNotesSayHowToStopIt", func(t *testing.T) {
		t.Parallel()
		b, old, src := withGravityZone(t)
		old.srv.Close()
		next := newGravityZone(t, "key-b", accountB)
		up, err := b.sources.UpdateSource(ctx, b.partner.ID, src.ID, SourceChange{APIURL: ptr(next.url), APIKey: ptr(next.key)})
		if err != nil {
			t.Fatal(err)
		}
		notes := strings.Join(up.Notes, " ")
		if up.Source.Secret == src.Secret || !strings.Contains(notes, "could not be used to tell") || !strings.Contains(notes, "push.setPushEventSettings") {
			t.Errorf("updated %+v", up)
		}
		// The old account's push, with the old secret, is refused.
		if status := pushStatus(t, b.server.URL+"/ingest/"+src.Token, src.Secret); status != http.StatusUnauthorized {
			t.Errorf("a push with the old secret: %d, want 401", status)
		}
	})

	t.Run("TestsADefensXKeyAndKeepsTheWebhook", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		conn, sim := b.addDefensX(t)
		_, err := b.sources.UpdateSource(ctx, b.partner.ID, conn.Source.ID, SourceChange{APIKey: ptr("revoked")})
		wantFieldError(t, err, "api_key", "nothing was saved")
		b.wantUnchanged(t, conn.Source, nil)
		moved := httptest.NewServer(sim)
		t.Cleanup(moved.Close)
		up, err := b.sources.UpdateSource(ctx, b.partner.ID, conn.Source.ID, SourceChange{APIURL: ptr(" " + moved.URL + dxsim.BasePath + " ")})
		if err != nil {
			t.Fatal(err)
		}
		if !up.Tested || up.Registered || up.Source.Secret != conn.Source.Secret || up.Source.APIURL != moved.URL+dxsim.BasePath ||
			!strings.Contains(strings.Join(up.Notes, " "), "stays the same") {
			t.Errorf("updated %+v", up)
		}
	})

	t.Run("RefusesWhatCannotBeSaved", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		push, err := b.sources.AddSource(ctx, NewSource{PartnerID: b.partner.ID, Kind: source.Push, Name: "EDR"})
		if err != nil {
			t.Fatal(err)
		}
		for name, tc := range map[string]struct {
			change SourceChange
			field  string
			says   string
		}{
			"EmptyName":        {SourceChange{Name: ptr("  ")}, "name", "the name is empty"},
			"HugeName":         {SourceChange{Name: ptr(strings.Repeat("x", 201))}, "name", "longer than 200"},
			"KeyOfAPushSource": {SourceChange{APIKey: ptr("k")}, "api_key", "push API sources have no API key"},
			"URLOfAPushSource": {SourceChange{APIURL: ptr("https://x.example")}, "api_url", "push API sources have no API key"},
		} {
			_, err := b.sources.UpdateSource(ctx, b.partner.ID, push.Source.ID, tc.change)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(fe.Message, tc.says) {
				t.Errorf("%s: err = %v, want %s: %s", name, err, tc.field, tc.says)
			}
		}
		src := b.addGravityZone(t, newGravityZone(t, "key-a", accountA))
		_, err = b.sources.UpdateSource(ctx, b.partner.ID, src.ID, SourceChange{APIKey: ptr("")})
		wantFieldError(t, err, "api_key", "leave it out to keep the current one")
		b.wantUnchanged(t, src, nil)
	})

	t.Run("FindsNoSourceOfAnotherPartner", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		push, err := b.sources.AddSource(ctx, NewSource{PartnerID: b.partner.ID, Kind: source.Push, Name: "EDR"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.sources.UpdateSource(ctx, b.partner.ID+1, push.Source.ID, SourceChange{Name: ptr("Mine")}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
		if _, err := b.sources.UpdateSource(ctx, b.partner.ID, push.Source.ID+100, SourceChange{Name: ptr("Mine")}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
}

func mustConnector(t *testing.T, b *testBundle, src store.Source) source.Source {
	t.Helper()
	c, err := b.sources.Connector(src)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
