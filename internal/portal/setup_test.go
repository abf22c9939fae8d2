package portal_test

import (
	"errors"
	"html"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"halobridge/internal/billing"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// TestSetupWizard walks the wizard as a new partner would, form by form,
// against the simulated HaloPSA and GravityZone, with the first sync run
// by the job queue.
func TestSetupWizard(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.newPartner(t, "Northpoint IT")

	t.Run("SectionsStayLockedUntilTheConfigurationIsSaved", func(t *testing.T) {
		for _, path := range []string{"/", "/mapping", "/ticketing", "/billing", "/events", "/sync"} {
			if got := b.get(t, p, path); got.status != http.StatusSeeOther || got.location != "/setup" {
				t.Errorf("GET %s: %d to %q, want 303 to /setup", path, got.status, got.location)
			}
		}
		got := b.post(t, p, "/mapping/accept-all", nil, true)
		if got.status != http.StatusConflict || !strings.Contains(got.body, "Finish the setup first") {
			t.Errorf("an action before activation: %d %s", got.status, got.body)
		}
		if page := b.get(t, p, "/setup").body; !strings.Contains(page, `<span class="locked"`) || !strings.Contains(page, "Not connected yet") {
			t.Errorf("the wizard does not show locked sections and an unconnected HaloPSA:\n%s", page)
		}
	})

	t.Run("NextNeedsHaloPSAASourceAndConsent", func(t *testing.T) {
		got := b.post(t, p, "/setup/integration", nil, false)
		if got.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", got.status)
		}
		for _, want := range []string{"Connect HaloPSA first", "Connect GravityZone, DefensX or the push API first", "Tick the box to agree"} {
			if !strings.Contains(got.body, want) {
				t.Errorf("the step does not say %q", want)
			}
		}
	})

	t.Run("AWrongSecretFailsTheConnectionTestWithAFix", func(t *testing.T) {
		got := b.post(t, p, "/setup/halo", url.Values{"halo_url": {b.haloURL}, "client_id": {"halobridge-sim"}, "client_secret": {"wrong"}}, false)
		if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, `class="bad"`) || !strings.Contains(got.body, "Copy the Client ID and Client Secret again") {
			t.Errorf("a wrong secret: %d\n%s", got.status, got.body)
		}
		if _, err := b.store.HaloConnection(t.Context(), p.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a connection that gets no token was saved: %v", err)
		}
	})

	t.Run("TheRightSecretPassesEveryCheck", func(t *testing.T) {
		got := b.post(t, p, "/setup/halo", url.Values{"halo_url": {b.haloURL + "/api"}, "client_id": {"halobridge-sim"}, "client_secret": {"sim-secret-do-not-use-in-production"}}, false)
		if got.status != http.StatusOK || !strings.Contains(got.body, "Connection successful.") || strings.Contains(got.body, `class="bad"`) {
			t.Fatalf("the right secret: %d\n%s", got.status, got.body)
		}
		conn, err := b.store.HaloConnection(t.Context(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if conn.ResourceURL != b.haloURL+"/api" || conn.AuthURL != b.haloURL+"/auth" || conn.AgentID != 7 {
			t.Errorf("stored connection %s, %s, agent %d; want the simulator's /api and /auth, acting as agent 7", conn.ResourceURL, conn.AuthURL, conn.AgentID)
		}
		test := b.post(t, p, "/setup/halo/test", nil, true)
		if !strings.Contains(test.body, "Connection successful.") || strings.Contains(test.body, "<html") {
			t.Errorf("Test connection answers the checks alone: %s", test.body)
		}
	})

	t.Run("AWrongGravityZoneKeyIsRefusedInGravityZonesWords", func(t *testing.T) {
		got := b.post(t, p, "/setup/sources", url.Values{"kind": {"gravityzone"}, "api_url": {b.gzURL}, "api_key": {"not-the-key"}}, false)
		if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, "GravityZone could not be connected") {
			t.Errorf("a wrong key: %d\n%s", got.status, got.body)
		}
		if sources, _ := b.store.Sources(t.Context(), p.ID); len(sources) != 0 {
			t.Errorf("a refused source was kept: %+v", sources)
		}
	})

	t.Run("GravityZoneConnectsAndPushesToHalobridge", func(t *testing.T) {
		got := b.post(t, p, "/setup/sources", url.Values{"kind": {"gravityzone"}, "name": {"GravityZone EU"}, "api_url": {b.gzURL}, "api_key": {gzsim.DefaultAPIKey}}, false)
		if got.status != http.StatusOK || !strings.Contains(got.body, `GravityZone &#34;GravityZone EU&#34; is connected.`) {
			t.Fatalf("connecting GravityZone: %d\n%s", got.status, got.body)
		}
		settings, ok := b.gz.PushSettings()
		if !ok || !strings.HasPrefix(settings.ServiceSettings.URL, b.srv.URL+"/ingest/") {
			t.Errorf("GravityZone pushes to %+v, want halobridge's ingest address", settings)
		}
	})

	var billingStep string
	t.Run("NextRecordsTheConsentAndStartsTheFirstSync", func(t *testing.T) {
		got := b.post(t, p, "/setup/integration", url.Values{"consent": {"yes"}}, false)
		if got.status != http.StatusSeeOther || !strings.HasPrefix(got.location, "/setup?step=billing&job=") {
			t.Fatalf("Next: %d to %q\n%s", got.status, got.location, got.body)
		}
		progress, err := b.store.SetupProgress(t.Context(), p.ID)
		if err != nil || !progress.Done(store.SetupIntegration) || progress.ConsentBy != "Northpoint IT Admin <northpoint.it@example.com>" {
			t.Errorf("progress after Next: %+v, %v", progress, err)
		}
		page := b.get(t, p, got.location)
		if !strings.Contains(page.body, "Reading your HaloPSA and your sources") {
			t.Errorf("the billing step does not wait for the sync:\n%s", page.body)
		}
		job := strings.TrimPrefix(got.location, "/setup?step=billing&job=")
		b.work(t)
		poll := "/sync/jobs/" + job + "?then=" + url.QueryEscape("/setup?step=billing")
		eventually(t, 30*time.Second, "the first sync", func() bool {
			req, _ := http.NewRequest(http.MethodGet, b.srv.URL+poll, nil)
			req.Header.Set("HX-Request", "true")
			res := b.do(t, p, req)
			if res.status != http.StatusOK {
				t.Fatalf("polling the sync: %d %s", res.status, res.body)
			}
			return res.header.Get("HX-Redirect") == "/setup?step=billing"
		})
		billingStep = b.get(t, p, "/setup?step=billing").body
		if !strings.Contains(billingStep, "MSP Secure") || !strings.Contains(billingStep, "Protection model (mandatory)") {
			t.Fatalf("the billing step does not list GravityZone's protection models:\n%s", billingStep)
		}
	})

	t.Run("BillingCreatesTheItemsAskedForAndSavesThePolicy", func(t *testing.T) {
		form := url.Values{"mode": {"create"}, "basis": {"package"}, "bill_day": {"2"}, "include_period": {"yes"}}
		var created []string
		for _, m := range regexp.MustCompile(`name="products\.([^"]+)"`).FindAllStringSubmatch(billingStep, -1) {
			product := billing.Describe(source.GravityZone, m[1])
			value := ""
			if product.Required() && (product.Basis == "" || product.Basis == billing.BasisPackage) {
				value = "new"
				created = append(created, product.Name)
			}
			form.Set("products."+m[1], value)
		}
		if len(created) == 0 {
			t.Fatal("no mandatory product to create an item for")
		}
		got := b.post(t, p, "/setup/billing", form, false)
		if got.status != http.StatusSeeOther || got.location != "/setup?step=ticketing" {
			t.Fatalf("save billing: %d to %q\n%s", got.status, got.location, got.body)
		}
		var items []string
		for _, it := range b.halo.Items() {
			items = append(items, it.Name)
		}
		for _, name := range created {
			if !slices.Contains(items, name) {
				t.Errorf("HaloPSA has no item %q: %v", name, items)
			}
		}
		policy, err := b.billing.Policy(t.Context(), p.ID)
		if err != nil || policy.Mode != billing.ModeCreate || !policy.IncludePeriodInName || len(policy.Products) != len(created) {
			t.Errorf("saved billing policy %+v, %v", policy, err)
		}
	})

	var ticketForm string
	t.Run("ChoosingATicketTypeFillsItsDefaults", func(t *testing.T) {
		step := b.get(t, p, "/setup?step=ticketing").body
		form := formValues(step)
		form.Set("tickettype_id", "21")
		got := b.post(t, p, "/setup/ticketing/form", form, true)
		ticketForm = got.body
		if got.status != http.StatusOK || strings.Contains(got.body, "<html") {
			t.Fatalf("the form fragment: %d\n%s", got.status, got.body)
		}
		values := formValues(ticketForm)
		// The initial status is the ticket type's; the closing status and the
		// notes' outcome are the obvious ones of the catalog; new policies
		// start with the usual alert types on, at medium urgency.
		want := map[string]string{"tickettype_id": "21", "initial_status_id": "1", "agent_id": "1", "closing_status_id": "9", "note_outcome_id": "55",
			"types.av.enabled": "on", "types.av.urgency": "2", "types.new-incident.enabled": "on"}
		for field, v := range want {
			if values.Get(field) != v {
				t.Errorf("%s = %q, want %q", field, values.Get(field), v)
			}
		}
		if values.Has("types.fw.enabled") {
			t.Error("firewall alerts are on in a new policy")
		}
		// GravityZone reports when an incident is resolved: its tickets
		// close by themselves; antimalware alerts are never resolved.
		if values.Get("types.new-incident.auto_close") != "on" || values.Has("types.av.auto_close") {
			t.Errorf("close when resolved: new-incident %q, av %q; want on for incidents only", values.Get("types.new-incident.auto_close"), values.Get("types.av.auto_close"))
		}
		if !strings.Contains(ticketForm, "Tickets close by themselves, with this status, for: New Incident.") {
			t.Error("the closing status does not say which types close")
		}
	})

	t.Run("ATicketTypeWithMandatoryFieldsWarnsBeforeSaving", func(t *testing.T) {
		if strings.Contains(ticketForm, "mandatory") {
			t.Errorf("ticket type 21 requires nothing, yet the form warns:\n%s", ticketForm)
		}
		form := formValues(ticketForm)
		form.Set("tickettype_id", "22")
		form.Set("types.av.impact", "2")
		got := b.post(t, p, "/setup/ticketing/form", form, true)
		if got.status != http.StatusOK {
			t.Fatalf("the form fragment: %d\n%s", got.status, got.body)
		}
		body := html.UnescapeString(got.body)
		for _, want := range []string{
			"HaloPSA ticket type “Security Incident (strict)” makes Impact mandatory",
			"Choose an impact for the alert types",
			"make the field optional or give it a default in HaloPSA: Configuration > Tickets > Ticket Types > Security Incident (strict) > Fields.",
			"The policy can be saved as it is.",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the ticketing step does not warn %q:\n%s", want, body)
			}
		}
	})

	t.Run("PrioritiesAreThoseOfTheChosenSLA", func(t *testing.T) {
		got := b.post(t, p, "/setup/ticketing/priorities", url.Values{"type": {"aph"}, "types.aph.sla_id": {"2"}}, true)
		if !strings.Contains(got.body, `name="types.aph.priority_id"`) || !strings.Contains(got.body, "P1 - Critical") || strings.Contains(got.body, "Critical Threat") {
			t.Errorf("priorities of the Premium SLA: %s", got.body)
		}
	})

	t.Run("TheTitlePreviewRendersASampleAlert", func(t *testing.T) {
		got := b.post(t, p, "/setup/ticketing/preview", url.Values{"title_template": {"{{hostname}}: {{malware_name}}"}, "types.av.sla_id": {"3"}, "types.av.enabled": {"on"}}, true)
		if !strings.Contains(got.body, "WS-0042: Trojan.GenericKD.4711") {
			t.Errorf("preview: %s", got.body)
		}
		// And a sample without host or user, as sources send some.
		if !strings.Contains(got.body, "Antimalware, without hostname, host_ip, user, url") {
			t.Errorf("preview without a host: %s", got.body)
		}
		bad := b.post(t, p, "/setup/ticketing/preview", url.Values{"title_template": {"Alert {{nope}}"}}, true)
		if !strings.Contains(bad.body, "Unknown variable {{nope}}") {
			t.Errorf("preview of an unknown variable: %s", bad.body)
		}
	})

	t.Run("SavingWithoutShowUpdatesMarksTheField", func(t *testing.T) {
		form := formValues(ticketForm)
		form.Del("show_updates_to_user")
		got := b.post(t, p, "/setup/ticketing", form, false)
		if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, "Choose whether updates are shown to the HaloPSA user") {
			t.Errorf("no show updates: %d\n%s", got.status, got.body)
		}
	})

	t.Run("TheTicketPolicySavesWithTheDefaults", func(t *testing.T) {
		form := formValues(ticketForm)
		form.Set("show_updates_to_user", "no")
		form.Set("title_template", "{{report_type}} on {{hostname}}")
		form.Set("agent_id", "6")
		form.Set("team", "Security Operations")
		// GravityZone's types share their settings; the firewall, switched
		// on, gets settings of its own.
		form.Set("groups.gravityzone.sla_id", "3")
		form.Set("groups.gravityzone.category_1", "Security>Malware")
		form.Set("types.fw.enabled", "on")
		form.Set("types.fw.own", "on")
		form.Set("types.fw.sla_id", "2")
		form.Set("types.fw.priority_id", "4")
		form.Set("types.fw.priority_by_severity.high", "2")
		for _, sev := range []string{"critical", "medium", "low", "info"} {
			form.Set("types.fw.priority_by_severity."+sev, "")
		}
		form.Set("types.fw.category_1", "Security")
		form.Set("types.fw.urgency", "3")
		if form.Has("match_end_user") {
			t.Errorf("filing on the end user is checked before anyone chose it")
		}
		form.Set("match_end_user", "yes")
		// GravityZone incidents offer the loop back to the incident, resolving it by default.
		if form.Get("types.new-incident.source_loop") != "note_and_status" || form.Has("types.av.source_loop") {
			t.Errorf("the loop's select: incidents %q (want note_and_status), antimalware shown %v (want none)",
				form.Get("types.new-incident.source_loop"), form.Has("types.av.source_loop"))
		}
		form.Set("types.new-incident.source_loop", "note")
		got := b.post(t, p, "/setup/ticketing", form, false)
		if got.status != http.StatusSeeOther || got.location != "/setup?step=finalize" {
			t.Fatalf("save ticketing: %d to %q\n%s", got.status, got.location, got.body)
		}
		saved, err := b.tickets.Policy(t.Context(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		av, fw := saved.Policy.Types["av"], saved.Policy.Types["fw"]
		if saved.Policy.TicketTypeID != 21 || saved.Policy.AgentID != 6 || saved.Policy.TitleTemplate != "{{report_type}} on {{hostname}}" ||
			!av.Enabled || av.SLAID != 3 || av.Category != "Security>Malware" || !fw.Enabled || fw.SLAID != 2 || fw.PriorityID != 4 || fw.Urgency != 3 {
			t.Errorf("saved policy: %+v", saved.Policy)
		}
		if !saved.Policy.MatchEndUser {
			t.Errorf("the checked end-user box was not saved: %+v", saved.Policy)
		}
		// The Security SLA's priorities are "Critical Threat", "High
		// Threat", "Medium Threat" and "Low Threat" (ids 1 to 4): each
		// severity's by name. The firewall's high alerts are its own.
		wantAV := map[source.Severity]int{source.SeverityCritical: 1, source.SeverityHigh: 2, source.SeverityMedium: 3, source.SeverityLow: 4}
		if !maps.Equal(av.PriorityBySeverity, wantAV) || !maps.Equal(fw.PriorityBySeverity, map[source.Severity]int{source.SeverityHigh: 2}) {
			t.Errorf("priorities by severity: antimalware %v, want %v; firewall %v, want high 2", av.PriorityBySeverity, wantAV, fw.PriorityBySeverity)
		}
		// Close when resolved: the group's switch reaches only the
		// incidents, whose source reports resolutions.
		if !saved.Policy.Types["new-incident"].AutoClose || av.AutoClose {
			t.Errorf("auto-close: incidents %v, antimalware %v", saved.Policy.Types["new-incident"].AutoClose, av.AutoClose)
		}
		if saved.Policy.Types["new-incident"].SourceLoop != ticketing.LoopNote || av.SourceLoop != "" {
			t.Errorf("GravityZone loop: incidents %q (want note), antimalware %q (want none)", saved.Policy.Types["new-incident"].SourceLoop, av.SourceLoop)
		}
	})

	t.Run("SaveConfigurationActivatesTheIntegration", func(t *testing.T) {
		got := b.post(t, p, "/setup/activate", nil, false)
		if got.status != http.StatusSeeOther || got.location != "/?activated=1" {
			t.Fatalf("activate: %d to %q\n%s", got.status, got.location, got.body)
		}
		overview := b.get(t, p, got.location)
		if overview.status != http.StatusOK || !strings.Contains(overview.body, "The integration is active") || strings.Contains(overview.body, `class="locked"`) {
			t.Errorf("overview after activation: %d\n%s", overview.status, overview.body)
		}
	})
}

func TestActivationNeedsEveryStep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.newPartner(t, "Northpoint IT")
	if _, err := b.store.CompleteSetupStep(t.Context(), p.ID, store.SetupIntegration); err != nil {
		t.Fatal(err)
	}
	got := b.post(t, p, "/setup/activate", nil, false)
	if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, "save the Billing step; save the Ticketing step; agree to halobridge collecting") {
		t.Errorf("activate too early: %d\n%s", got.status, got.body)
	}
	if got := b.get(t, p, "/"); got.location != "/setup" {
		t.Errorf("the overview opened after a refused activation: %d %q", got.status, got.location)
	}
}

// The partner is named in the wizard's first step: at first as halobridge
// guessed from the HaloPSA address, then as the admin types it, and the
// header of every page says it.
func TestNamingThePartner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.haloSignIn(t, 2)
	u, err := url.Parse(b.haloURL)
	if err != nil {
		t.Fatal(err)
	}
	// The simulator's InstanceInfo names only the product ("Halo PSA"),
	// and its address is an IP address: the name is the address.
	if p.Name != u.Host {
		t.Fatalf("the partner of %s is named %q, want %q", b.haloURL, p.Name, u.Host)
	}
	step := b.get(t, p, "/setup?step=integration").body
	p.csrf = csrfOf(t, step)
	for _, want := range []string{`<form method="post" action="/setup/partner">`, `name="name" value="` + u.Host + `"`, "halobridge took this name from your HaloPSA address"} {
		if !strings.Contains(step, want) {
			t.Errorf("the first step lacks %q:\n%s", want, step)
		}
	}

	for _, bad := range []struct{ name, want string }{
		{"  ", "Enter a name"},
		{strings.Repeat("x", 101), "A name has at most 100 characters; this one has 101"},
		{"Harbour\nIT", "A name cannot hold control characters"},
	} {
		got := b.post(t, p, "/setup/partner", url.Values{"name": {bad.name}}, false)
		if got.status != http.StatusUnprocessableEntity || !strings.Contains(got.body, `<span class="field-error">`+bad.want) {
			t.Errorf("the name %q: %d, want 422 saying %q:\n%s", bad.name, got.status, bad.want, got.body)
		}
	}

	got := b.post(t, p, "/setup/partner", url.Values{"name": {" Harbour Managed IT "}}, false)
	if got.status != http.StatusSeeOther || got.header.Get("Location") != "/setup?step=integration&saved=1" {
		t.Fatalf("saving the name: %d to %q\n%s", got.status, got.header.Get("Location"), got.body)
	}
	page := b.get(t, p, "/setup?step=integration").body
	if !strings.Contains(page, `<span class="muted">Harbour Managed IT</span>`) || strings.Contains(page, "took this name from your HaloPSA address") {
		t.Errorf("the header does not show the new name, or the hint stayed:\n%s", page)
	}
}
