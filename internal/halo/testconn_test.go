package halo

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/outbound"
)

func TestFormatReport(t *testing.T) {
	t.Parallel()

	t.Run("SaysTheConnectionWorks", func(t *testing.T) {
		t.Parallel()
		var out strings.Builder
		FormatReport(&out, TestReport{OK: true, Checks: []Check{
			{Name: "Get an access token", OK: true, Message: `signed in as agent "API" (id 5)`},
			{Name: "Read items", OK: true},
		}})
		want := "✓ Get an access token (signed in as agent \"API\" (id 5))\n✓ Read items\nConnection successful\n"
		if out.String() != want {
			t.Errorf("report =\n%s\nwant\n%s", out.String(), want)
		}
	})

	t.Run("NumbersTheFixes", func(t *testing.T) {
		t.Parallel()
		var out strings.Builder
		FormatReport(&out, TestReport{Checks: []Check{
			{Name: "Get an access token", OK: true},
			{Name: "Read items", Message: "You do not have permission to access this area (read:items)", Fix: "enable read:items"},
			{Name: "Create tickets", Message: "You do not have permission to access this area (edit:tickets)", Fix: "enable edit:tickets"},
		}})
		want := "✓ Get an access token\n" +
			"✗ Read items: You do not have permission to access this area (read:items)\n" +
			"✗ Create tickets: You do not have permission to access this area (edit:tickets)\n" +
			"Fix these to finish the connection:\n1. enable read:items\n2. enable edit:tickets\n"
		if out.String() != want {
			t.Errorf("report =\n%s\nwant\n%s", out.String(), want)
		}
	})
}

func TestTestConnection(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	t.Run("PassesWithEveryScope", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		tickets, invoices := len(b.sim.Tickets()), len(b.sim.RecurringInvoices())
		r := c.TestConnection(ctx)
		if !r.OK {
			t.Fatalf("report = %+v, want OK", r)
		}
		var names []string
		for _, ch := range r.Checks {
			names = append(names, ch.Name)
		}
		want := []string{
			"Get an access token", "Read clients and sites", "Read agents and teams", "Read statuses and ticket types",
			"Create tickets", "Create actions", "Read assets", "Read items", "Read and edit recurring invoices",
		}
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("checks (-want +got):\n%s", diff)
		}
		if !strings.Contains(r.Checks[0].Message, `"Halo Integrator"`) {
			t.Errorf("token check message = %q, want the agent's name", r.Checks[0].Message)
		}
		if len(b.sim.Tickets()) != tickets || len(b.sim.RecurringInvoices()) != invoices {
			t.Error("the connection test saved something in Halo")
		}
		var out strings.Builder
		FormatReport(&out, r)
		if !strings.HasSuffix(out.String(), "Connection successful\n") {
			t.Errorf("report ends %q", out.String())
		}
	})

	tests := []struct {
		name     string
		scopes   []string
		failing  string
		message  string
		fixNeeds string
	}{
		{
			name:    "NamesTheMissingCustomersPermission",
			scopes:  []string{"edit:tickets", "read:items", "edit:invoices", "all:teams"},
			failing: "Read clients and sites", message: "You do not have permission to access this area (read:customers)",
			fixNeeds: "Permissions: enable read:customers (and check that the agent it logs in as may view customers)",
		},
		{
			name:    "NamesTheMissingItemsPermission",
			scopes:  []string{"edit:customers", "edit:tickets", "read:assets", "edit:invoices", "all:teams"},
			failing: "Read items", message: "You do not have permission to access this area (read:items)",
			fixNeeds: "enable read:items",
		},
		{
			name:    "NamesEitherTeamsPermission",
			scopes:  []string{"edit:customers", "edit:tickets", "read:items", "edit:invoices"},
			failing: "Read agents and teams", message: "You do not have permission to access this area (all:teams or admin)",
			fixNeeds: "enable all:teams or admin",
		},
		{
			name:    "TellsReadFromEditForTickets",
			scopes:  []string{"edit:customers", "read:tickets", "read:items", "edit:invoices", "all:teams"},
			failing: "Create tickets", message: "You do not have permission to access this area (edit:tickets)",
			fixNeeds: "enable edit:tickets (and check that the agent it logs in as may create tickets)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, b := setupSim(t, halosim.Options{}, nil)
			b.sim.SetScopes(halosim.DefaultClientID, tt.scopes...)
			r := c.TestConnection(ctx)
			if r.OK {
				t.Fatal("report OK, want a failure")
			}
			var failed []Check
			for _, ch := range r.Checks {
				if !ch.OK {
					failed = append(failed, ch)
				}
			}
			if len(failed) == 0 || failed[0].Name != tt.failing || failed[0].Message != tt.message {
				t.Fatalf("failed checks = %+v, want first %q with %q", failed, tt.failing, tt.message)
			}
			if !strings.Contains(failed[0].Fix, tt.fixNeeds) || !strings.HasPrefix(failed[0].Fix, "In HaloPSA, Configuration > Integrations > HaloPSA API > Applications") {
				t.Errorf("fix = %q, want it to say %q", failed[0].Fix, tt.fixNeeds)
			}
		})
	}

	t.Run("StopsAtAWrongSecret", func(t *testing.T) {
		t.Parallel()
		c, _ := setupSim(t, halosim.Options{}, func(cfg *Config) { cfg.ClientSecret = "wrong" })
		r := c.TestConnection(ctx)
		if r.OK || len(r.Checks) != 1 {
			t.Fatalf("report = %+v, want only the failed token check", r)
		}
		ch := r.Checks[0]
		if ch.Message != "invalid_client: The specified client credentials are invalid." || !strings.Contains(ch.Fix, "Client ID may change when the application is saved") {
			t.Errorf("token check = %+v", ch)
		}
		if blocker, ok := r.Blocker(); !ok || blocker.Name != "Get an access token" {
			t.Errorf("blocker = %+v, %v; want the token check", blocker, ok)
		}
	})
}

// TestTestConnectionBlocker holds which reports may be saved: those whose only failures
// are permissions a partner may grant later.
func TestTestConnectionBlocker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("NothingBlocksAConnectionThatPassesEveryCheck", func(t *testing.T) {
		t.Parallel()
		c, _ := setupSim(t, halosim.Options{}, nil)
		r := c.TestConnection(ctx)
		if blocker, ok := r.Blocker(); ok {
			t.Errorf("blocker %+v in a passing report", blocker)
		}
		if r.Agent.ID != 7 || r.Agent.Name != "Halo Integrator" {
			t.Errorf("agent = %+v, want the simulator's API agent 7, Halo Integrator", r.Agent)
		}
	})

	t.Run("MissingOptionalPermissionsDoNotBlockAndAreNamed", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		b.sim.SetScopes(halosim.DefaultClientID, "read:customers", "read:tickets", "all:teams")
		r := c.TestConnection(ctx)
		if r.OK {
			t.Fatal("report OK without edit:tickets, read:assets, read:items and edit:invoices")
		}
		if blocker, ok := r.Blocker(); ok {
			t.Errorf("blocker %+v; only optional permissions are missing", blocker)
		}
		missing := map[string]string{}
		for _, ch := range r.Checks {
			if !ch.OK {
				missing[ch.Name] = ch.Permission
			}
		}
		want := map[string]string{
			"Create tickets": "edit:tickets", "Create actions": "edit:tickets",
			"Read assets": "read:assets", "Read items": "read:items", "Read and edit recurring invoices": "read:invoices",
		}
		if diff := cmp.Diff(want, missing); diff != "" {
			t.Errorf("missing permissions by check (-want +got):\n%s", diff)
		}
	})

	t.Run("AMissingCustomersPermissionBlocks", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		b.sim.SetScopes(halosim.DefaultClientID, "edit:tickets", "read:items", "edit:invoices", "all:teams")
		blocker, ok := c.TestConnection(ctx).Blocker()
		if !ok || blocker.Name != "Read clients and sites" || !blocker.Required || blocker.Permission != "read:customers" {
			t.Errorf("blocker = %+v, %v; want the required clients check, missing read:customers", blocker, ok)
		}
	})

	t.Run("AnOptionalCheckHaloPSACouldNotAnswerBlocks", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, func(cfg *Config) { cfg.MaxRetries = -1 })
		b.sim.InjectFault(halosim.Fault{PathPrefix: "/api/Item", Status: 500, Body: `{"ClassName":"System.Exception","Message":"Timeout expired"}`})
		blocker, ok := c.TestConnection(ctx).Blocker()
		if !ok || blocker.Name != "Read items" || blocker.Permission != "" || blocker.Message != "Timeout expired" {
			t.Errorf("blocker = %+v, %v; want Read items, failing in HaloPSA's words", blocker, ok)
		}
	})

	t.Run("AnUnreachableHaloPSABlocksAtTheToken", func(t *testing.T) {
		t.Parallel()
		c, _ := setupSim(t, halosim.Options{}, func(cfg *Config) {
			cfg.AuthURL, cfg.ResourceURL, cfg.MaxRetries = "http://127.0.0.1:1/auth", "http://127.0.0.1:1/api", -1
		})
		r := c.TestConnection(ctx)
		blocker, ok := r.Blocker()
		if !ok || blocker.Name != "Get an access token" || !strings.Contains(blocker.Message, "connection refused") || !strings.Contains(blocker.Fix, "authorisation server URL") {
			t.Errorf("blocker = %+v, %v; want the token check, saying the connection was refused and to check the URL", blocker, ok)
		}
	})

	t.Run("AnUntestedReportBlocks", func(t *testing.T) {
		t.Parallel()
		if _, ok := (TestReport{}).Blocker(); !ok {
			t.Error("an empty report does not block")
		}
	})
}

func TestTestConnectionToAClosedAddress(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	// A name is only refused where it is dialled: New accepts it.
	named := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	var tries atomic.Int64
	c, err := New(Config{ResourceURL: named + "/api", AuthURL: named + "/auth", ClientID: "id", ClientSecret: "secret",
		Outbound: outbound.Policy{HTTP: true}, RetryBackoff: time.Millisecond,
		TokenResult: func(context.Context, error) { tries.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	report := c.TestConnection(t.Context())
	if len(report.Checks) != 1 || report.OK {
		t.Fatalf("report %+v, want the token check alone, failed", report)
	}
	check := report.Checks[0]
	if !strings.Contains(check.Message, "127.0.0.1 is a loopback address") || check.Fix != refusedFix {
		t.Errorf("token check %+v, want the refusal and how to open the address", check)
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("%d connections reached the closed address", n)
	}
	if n := tries.Load(); n != 1 {
		t.Errorf("%d token requests, want 1: the guard refuses again, so a refusal is not retried", n)
	}
}
