package cli

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// ticketsBundle is a data directory holding partner "acme", connected to a
// simulated HaloPSA, with a GravityZone source whose customer "c-1" is
// mapped to an active client with a General User, and a ticket policy
// stored as is (the catalog is not synced, so the store takes it
// unchecked).
type ticketsBundle struct {
	dir    string
	sim    *halosim.Sim
	source store.Source
}

// storedPolicy is valid against the simulator's stock catalog.
const storedPolicy = `{"tickettype_id":21,"show_updates_to_user":false,"agent_id":1,"team":"Security Operations",
"initial_status_id":1,"closing_status_id":9,"note_outcome_id":7,
"types":{"av":{"enabled":true,"sla_id":3,"priority_id":2,"category_1":"Security>Malware","urgency":2}}}`

func setupTickets(t *testing.T) *ticketsBundle {
	t.Helper()
	b := &ticketsBundle{dir: t.TempDir(), sim: halosim.New(halosim.Options{Clients: 6, Seed: 1, RateLimit: -1})}
	srv := httptest.NewServer(b.sim)
	t.Cleanup(srv.Close)
	keys, err := secret.LoadKeyring("", filepath.Join(b.dir, "secret.key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), store.Config{DataDir: b.dir, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	p, err := st.CreatePartner(t.Context(), store.Partner{Name: "Acme IT", Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveHaloConnection(t.Context(), store.HaloConnection{PartnerID: p.ID, ResourceURL: srv.URL + "/api", AuthURL: srv.URL + "/auth",
		GrantType: store.GrantClientCredentials, ClientID: halosim.DefaultClientID, ClientSecret: halosim.DefaultClientSecret, AgentID: 7}); err != nil {
		t.Fatal(err)
	}
	if b.source, err = st.CreateSource(t.Context(), store.Source{PartnerID: p.ID, Kind: source.GravityZone, Name: "GravityZone", Secret: "Bearer x"}); err != nil {
		t.Fatal(err)
	}
	client := b.sim.Clients()[0]
	if _, err := st.SaveMapping(t.Context(), store.Mapping{PartnerID: p.ID, SourceID: b.source.ID, CustomerID: "c-1", ClientID: client.ID, Ticketing: true, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveTicketPolicy(t.Context(), store.TicketPolicy{PartnerID: p.ID, Policy: json.RawMessage(storedPolicy)}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *ticketsBundle) main(t *testing.T, args ...string) (int, *testBundle) {
	t.Helper()
	env := setup(t, nil)
	code := Main(context.Background(), append(args, "--data-dir", b.dir, "--partner", "acme"), env.env)
	return code, env
}

func TestTickets(t *testing.T) {
	t.Parallel()

	t.Run("PolicyShowPrintsTheStoredPolicy", func(t *testing.T) {
		t.Parallel()
		b := setupTickets(t)
		code, out := b.main(t, "tickets", "policy", "show")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, out.stderr)
		}
		var shown struct {
			Policy struct {
				TicketTypeID int `json:"tickettype_id"`
			} `json:"policy"`
			FallbackClientID int `json:"fallback_client_id"`
		}
		if err := json.Unmarshal([]byte(out.stdout.String()), &shown); err != nil || shown.Policy.TicketTypeID != 21 {
			t.Errorf("printed %s (%v), want the policy of ticket type 21", out.stdout, err)
		}
	})

	t.Run("PolicySetRefusesAPolicyNamingEachWrongField", func(t *testing.T) {
		t.Parallel()
		b := setupTickets(t)
		file := filepath.Join(t.TempDir(), "policy.json")
		bad := strings.Replace(storedPolicy, `"team":"Security Operations"`, `"team":"Night Shift"`, 1)
		if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out := b.main(t, "tickets", "policy", "set", "--file", file, "--fallback-client", "9999")
		if code != 1 {
			t.Fatalf("exit %d, want 1; stdout: %s", code, out.stdout)
		}
		for _, says := range []string{"The ticket policy was not saved", "team: team \u201cNight Shift\u201d does not exist in HaloPSA",
			"fallback_client_id: client 9999 does not exist in HaloPSA"} {
			if !strings.Contains(out.stdout.String(), says) {
				t.Errorf("output does not say %q:\n%s", says, out.stdout)
			}
		}
	})

	t.Run("TestCreatesARealTicketAndSaysWhich", func(t *testing.T) {
		t.Parallel()
		b := setupTickets(t)
		code, out := b.main(t, "tickets", "test", "--source", strconv.FormatInt(b.source.ID, 10), "--customer", "c-1")
		if code != 0 {
			t.Fatalf("exit %d: %s%s", code, out.stdout, out.stderr)
		}
		var made halosim.Ticket
		for _, tk := range b.sim.Tickets() {
			if strings.HasPrefix(tk.Summary, "[Test] ") {
				made = tk
			}
		}
		if made.ID == 0 || !strings.Contains(out.stdout.String(), "HaloPSA created test ticket #"+strconv.Itoa(made.ID)) {
			t.Errorf("output %q, simulator's test ticket %+v", out.stdout, made)
		}
	})
}

func TestBenchTickets(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	code := Main(context.Background(), []string{"bench", "tickets", "--alerts", "200", "--hosts", "8", "--customers", "2",
		"--samples", "1", "--gather", "200ms", "--timeout", "1m"}, b.env)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, b.stderr)
	}
	var report struct {
		NewTickets int  `json:"new_tickets"`
		Duplicates *int `json:"duplicate_tickets"`
		Samples    int  `json:"single_alert_samples"`
	}
	if err := json.Unmarshal([]byte(b.stdout.String()), &report); err != nil {
		t.Fatalf("the report is not JSON: %v\n%s", err, b.stdout)
	}
	if report.NewTickets != 8 || report.Duplicates == nil || *report.Duplicates != 0 || report.Samples != 1 {
		t.Errorf("report %s, want 8 tickets, no duplicates and 1 sample", b.stdout)
	}
}

func TestBenchTicketsSustained(t *testing.T) {
	t.Parallel()

	t.Run("PrintsTheBudgetFiguresUnderTheIssuesKeys", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		// 5 alerts a second for 2 s, each on a host of its own: no note
		// waits for delivery's one-minute flush window.
		code := Main(t.Context(), []string{"bench", "tickets", "--sustained", "2s", "--rate", "5", "--hosts", "10", "--customers", "2",
			"--halo-rate-limit", "20", "--halo-rate-window", "1s", "--gather", "200ms", "--timeout", "1m"}, b.env)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, b.stderr)
		}
		var report struct {
			Alerts            int      `json:"alerts"`
			TicketsInHalo     int      `json:"tickets_in_halo"`
			Notes             *int     `json:"notes"`
			Halo429s          *int     `json:"halo_429s"`
			MaxWindowRequests *int     `json:"max_window_requests"`
			WindowLimit       int      `json:"window_limit"`
			RequestsPerWindow []int    `json:"requests_per_window"`
			RatioToBudget     *float64 `json:"ratio_to_budget"`
			DuplicateTickets  *int     `json:"duplicate_tickets"`
			LostAlerts        *int     `json:"lost_alerts"`
			Targets           struct {
				Met *bool `json:"met"`
			} `json:"targets"`
		}
		if err := json.Unmarshal([]byte(b.stdout.String()), &report); err != nil {
			t.Fatalf("the report is not JSON: %v\n%s", err, b.stdout)
		}
		if report.Alerts != 10 || report.TicketsInHalo != 10 || report.WindowLimit != 20 || len(report.RequestsPerWindow) < 2 {
			t.Errorf("report %s, want 10 alerts and tickets, a limit of 20 and the requests of at least 2 windows", b.stdout)
		}
		for key, v := range map[string]bool{"notes": report.Notes != nil, "halo_429s": report.Halo429s != nil,
			"max_window_requests": report.MaxWindowRequests != nil, "ratio_to_budget": report.RatioToBudget != nil,
			"duplicate_tickets": report.DuplicateTickets != nil, "lost_alerts": report.LostAlerts != nil, "targets.met": report.Targets.Met != nil} {
			if !v {
				t.Errorf("the report has no %s: %s", key, b.stdout)
			}
		}
		if report.Targets.Met == nil || !*report.Targets.Met {
			t.Errorf("targets not met: %s", b.stdout)
		}
	})
	t.Run("RefusesFaultsItDoesNotInject", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		code := Main(t.Context(), []string{"bench", "tickets", "--sustained", "1m", "--fail-rate", "0.1"}, b.env)
		if code != 1 || !strings.Contains(b.stderr.String(), "--fail-rate and --fail-after-apply-rate apply to the one-off storm") || b.stdout.String() != "" {
			t.Errorf("exit %d, stdout %q, stderr %q; want it refused before running", code, b.stdout, b.stderr)
		}
	})
}

func TestBenchReplicas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"RefusesWithoutPostgreSQL", nil, []string{"needs PostgreSQL", "--postgres-url"}},
		{"RefusesOutOfBounds", []string{"--postgres-url", "postgres://127.0.0.1:1/x", "--replicas", "17", "--rate", "-1", "--per-push", "5000"},
			[]string{"--replicas must be between 1 and 16, got 17", "--rate must be more than 0", "--per-push must be between 1 and 1000 events, got 5000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			code := Main(t.Context(), append([]string{"bench", "replicas"}, tt.args...), b.env)
			if code != 1 || b.stdout.String() != "" {
				t.Errorf("exit %d with report %q; want it refused before anything runs", code, b.stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(b.stderr.String(), w) {
					t.Errorf("stderr %q does not say %q", b.stderr, w)
				}
			}
		})
	}
}
