package halosim

import (
	"net/http"
	"testing"
)

func TestApplicationsAPI(t *testing.T) {
	t.Parallel()

	t.Run("NewServiceApplicationCanGetTokensAtOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		tok := b.token(t, "all")
		agent := decode[Agent](t, b.send(t, "POST", "/api/Agent", tok, []map[string]any{{"name": "halobridge service", "isapiagent": true, "is_admin": true}}))
		resp := b.send(t, "POST", "/api/Application", tok, []map[string]any{{
			"displayName": "halobridge", "grant_type": "client_credentials", "loginas_agent_id": agent.ID,
			"scopes": []map[string]any{{"name": "edit:tickets"}, {"name": "read:customers"}},
		}})
		wantStatus(t, resp, http.StatusCreated)
		app := decode[APIApplication](t, resp)
		if app.ID == "" || app.ClientID == "" || app.ClientSecret == "" || app.LoginAsAgentName != "halobridge service" {
			t.Fatalf("application = %+v", app)
		}
		service := b.tokenFor(t, app.ClientID, app.ClientSecret, "all")
		me := decode[Agent](t, b.send(t, "GET", "/api/Agent/me", service, nil))
		if me.ID != agent.ID {
			t.Fatalf("the new application acts as agent %d, want %d", me.ID, agent.ID)
		}
		wantStatus(t, b.send(t, "GET", "/api/Tickets", service, nil), http.StatusOK)
		wantHaloError(t, b.send(t, "GET", "/api/Item", service, nil), http.StatusForbidden, "You do not have permission to access this area (read:items)")

		again := decode[APIApplication](t, b.send(t, "GET", "/api/Application/"+app.ID, tok, nil))
		if again.ClientSecret != "" || again.ClientID != app.ClientID {
			t.Fatalf("read back = %+v", again)
		}
	})

	t.Run("ApplicationNeedsAnAgent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		wantHaloError(t, b.send(t, "POST", "/api/Application", b.token(t, "all"), []map[string]any{{"displayName": "x", "loginas_agent_id": 1}}),
			http.StatusBadRequest, "Please select a valid Agent to log in as")
	})

	t.Run("DeletingAnApplicationEndsItsTokens", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Options{})
		admin := b.token(t, "all")
		b.sim.AddApplication(Application{ID: "0f3c9a52-6a7e-4c1b-9d0a-1d2e3f405060", ClientID: "doomed", Secret: "s", Scopes: []string{"all"}, AgentID: 2, Name: "Doomed"})
		doomed := b.tokenFor(t, "doomed", "s", "all")
		resp := b.send(t, "DELETE", "/api/Application/0f3c9a52-6a7e-4c1b-9d0a-1d2e3f405060", admin, nil)
		wantStatus(t, resp, http.StatusOK)
		if got := decode[APIApplication](t, resp); got.ClientID != "doomed" {
			t.Fatalf("deleted = %+v", got)
		}
		wantStatus(t, b.send(t, "GET", "/api/Status", doomed, nil), http.StatusUnauthorized)
	})
}
