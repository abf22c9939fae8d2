package ticketing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

func TestDecide(t *testing.T) {
	t.Parallel()

	const fp = "gz:c-1:av:pc-01:eicar"
	now := t0.Add(5 * time.Minute)

	setup := func() ticketing.Input {
		return ticketing.Input{
			Alert:   avAlert(),
			Mapping: ticketing.MappingState{Mapped: true, ClientID: 57, SiteID: 12, Ticketing: true},
			Policy:  validPolicy(),
			Now:     now,
		}
	}
	// avTicket is the ticket validPolicy gives avAlert on client 57, site 12.
	avTicket := func() *ticketing.TicketFields {
		return &ticketing.TicketFields{
			Summary: "Malware EICAR-Test-File on PC-01", ClientID: 57, SiteID: 12, UseGeneralUser: true,
			TicketTypeID: 21, StatusID: 1, AgentID: 5, Team: "Security", SLAID: 1, PriorityID: 2,
			Category1: "Security Alert", Urgency: 2, Impact: 3, Source: ptr(101),
			ThirdPartyIDString: fp, DateOccurred: t0,
		}
	}
	link := func(state ticketing.LinkState, closedAgo time.Duration) *ticketing.Link {
		l := &ticketing.Link{Key: fp, TicketID: 1234, State: state, AlertType: "av", OpenedAt: t0.Add(-48 * time.Hour), AlertCount: 1}
		if closedAgo > 0 {
			l.ClosedAt = now.Add(-closedAgo)
		}
		return l
	}
	ucAlert := func(in *ticketing.Input) {
		in.Alert.Type, in.Alert.URL, in.Alert.Fingerprint = "uc", "http://casino.example/win", "gz:c-1:uc:pc-01:casino.example"
		in.Alert.Facts = map[string]string{"status": "uc_site_blocked"}
	}
	incident := func(sev source.Severity) func(in *ticketing.Input) {
		return func(in *ticketing.Input) {
			in.Alert.Type, in.Alert.Severity, in.Alert.Fingerprint = "new-incident", sev, "gz:c-1:incident:66a"
			in.Alert.Facts = map[string]string{"detection_name": "ATC.Malicious"}
		}
	}
	const ucKey = "host/gravityzone/c-1/uc/pc-01@2026-05-04T10:00:00Z"
	const ucScope = "User Control/Content Control alerts on host “pc-01” in the current 1 hour window"
	ucTicket := &ticketing.TicketFields{
		Summary: "Content Control: casino.example on PC-01", ClientID: 57, SiteID: 12, UseGeneralUser: true,
		TicketTypeID: 21, StatusID: 1, AgentID: 5, Team: "Level 2", SLAID: 1, PriorityID: 4,
		Category1: "Web Filtering", Urgency: 3, Source: ptr(101), ThirdPartyIDString: ucKey, DateOccurred: t0,
	}
	incidentTicket := func(priority int) *ticketing.TicketFields {
		return &ticketing.TicketFields{
			Summary: "EDR incident: ATC.Malicious on PC-01", ClientID: 57, SiteID: 12, UseGeneralUser: true,
			TicketTypeID: 21, StatusID: 1, AgentID: 5, Team: "Security", SLAID: 1, PriorityID: priority,
			Category1: "Security Alert", Urgency: 1, Source: ptr(101),
			ThirdPartyIDString: "customer/gravityzone/c-1/new-incident", DateOccurred: t0,
		}
	}
	hiddenNote := &ticketing.NoteFields{HiddenFromUser: true, OutcomeID: 7}

	tests := []struct {
		name string
		edit func(in *ticketing.Input)
		want ticketing.Decision
	}{
		{"SkipsTestEvents", func(in *ticketing.Input) { in.Alert.Test = true }, ticketing.Decision{
			Action: ticketing.ActionSkip, GroupKey: fp,
			Reason: "test event from GravityZone: delivery works, and test events never open tickets",
		}},
		{"SkipsTypesMissingFromThePolicy", func(in *ticketing.Input) { in.Alert.Type = "hd" }, ticketing.Decision{
			Action: ticketing.ActionSkip, GroupKey: fp,
			Reason: "tickets for HyperDetect event alerts (hd) are turned off in the ticket policy",
		}},
		{"SkipsDisabledTypes", func(in *ticketing.Input) { in.Alert.Type = "fw" }, ticketing.Decision{
			Action: ticketing.ActionSkip, GroupKey: fp,
			Reason: "tickets for Firewall alerts (fw) are turned off in the ticket policy",
		}},
		{"SkipsAlertsWithoutFingerprint", func(in *ticketing.Input) { in.Alert.Fingerprint = "" }, ticketing.Decision{
			Action: ticketing.ActionSkip,
			Reason: "the alert has no fingerprint, so it cannot be matched to a ticket; GravityZone sent it without one",
		}},
		{"SkipsWhenTheMappingHasTicketingOff", func(in *ticketing.Input) {
			in.Mapping.Ticketing = false
			in.Link = link(ticketing.LinkOpen, 0)
		}, ticketing.Decision{
			Action: ticketing.ActionSkip, GroupKey: fp,
			Reason: "ticketing is off in the mapping of customer “c-1”",
		}},
		{"SkipsUnmappedCustomersWithoutFallbackSayingSo", func(in *ticketing.Input) { in.Mapping = ticketing.MappingState{} }, ticketing.Decision{
			Action: ticketing.ActionSkip, GroupKey: fp, Unmapped: true,
			Reason: "customer “c-1” is not mapped to a HaloPSA client and no fallback client is configured; map the customer or choose a fallback client",
		}},
		{"TreatsAMappingWithoutClientAsUnmapped", func(in *ticketing.Input) { in.Mapping.ClientID = 0 }, ticketing.Decision{
			Action: ticketing.ActionSkip, GroupKey: fp, Unmapped: true,
			Reason: "customer “c-1” is not mapped to a HaloPSA client and no fallback client is configured; map the customer or choose a fallback client",
		}},
		{"CreatesOnTheFallbackClientForUnmappedCustomers", func(in *ticketing.Input) {
			in.Mapping = ticketing.MappingState{}
			in.FallbackClientID = 900
		}, ticketing.Decision{
			Action: ticketing.ActionCreate, GroupKey: fp, Unmapped: true,
			Reason: "no ticket yet for this alert; creating one",
			Ticket: func() *ticketing.TicketFields {
				tf := avTicket()
				tf.Summary, tf.ClientID, tf.SiteID = "[Unmapped] Malware EICAR-Test-File on PC-01", 900, 0
				return tf
			}(),
		}},
		{"NotesAnOpenTicketOfAnUnmappedCustomer", func(in *ticketing.Input) {
			in.Mapping = ticketing.MappingState{}
			in.FallbackClientID = 900
			in.Link = link(ticketing.LinkOpen, 0)
		}, ticketing.Decision{
			Action: ticketing.ActionNote, GroupKey: fp, TicketID: 1234, Note: hiddenNote, Unmapped: true,
			Reason: "ticket #1234 is open for this alert; adding the alert as a note",
		}},
		{"CreatesWhenThereIsNoLink", nil, ticketing.Decision{
			Action: ticketing.ActionCreate, GroupKey: fp, Ticket: avTicket(),
			Reason: "no ticket yet for this alert; creating one",
		}},
		{"NotesOpenTicketInsteadOfCreating", func(in *ticketing.Input) { in.Link = link(ticketing.LinkOpen, 0) }, ticketing.Decision{
			Action: ticketing.ActionNote, GroupKey: fp, TicketID: 1234, Note: hiddenNote,
			Reason: "ticket #1234 is open for this alert; adding the alert as a note",
		}},
		{"ShowsNotesToTheUserWhenThePolicySaysSo", func(in *ticketing.Input) {
			in.Policy.ShowUpdatesToUser = ptr(true)
			in.Link = link(ticketing.LinkOpen, 0)
		}, ticketing.Decision{
			Action: ticketing.ActionNote, GroupKey: fp, TicketID: 1234, Note: &ticketing.NoteFields{OutcomeID: 7},
			Reason: "ticket #1234 is open for this alert; adding the alert as a note",
		}},
		{"ReconcilesAPendingLinkBeforeCreating", func(in *ticketing.Input) {
			in.Link = &ticketing.Link{Key: fp, State: ticketing.LinkPending, AlertType: "av"}
		}, ticketing.Decision{
			Action: ticketing.ActionReconcile, GroupKey: fp, Ticket: avTicket(),
			Reason: "a ticket for this alert was being created when delivery stopped; look for it by third_party_id_string “gz:c-1:av:pc-01:eicar” before creating one",
		}},
		{"ReopensWithinTheReopenWindow", func(in *ticketing.Input) { in.Link = link(ticketing.LinkClosed, 2*time.Hour) }, ticketing.Decision{
			Action: ticketing.ActionReopen, GroupKey: fp, TicketID: 1234, Status: 1, Note: hiddenNote,
			Reason: "ticket #1234 for this alert was closed 2 hours ago, within the 1 day reopen window; reopening it",
		}},
		{"ReopensAtTheEdgeOfTheWindow", func(in *ticketing.Input) { in.Link = link(ticketing.LinkClosed, 24*time.Hour) }, ticketing.Decision{
			Action: ticketing.ActionReopen, GroupKey: fp, TicketID: 1234, Status: 1, Note: hiddenNote,
			Reason: "ticket #1234 for this alert was closed 1 day ago, within the 1 day reopen window; reopening it",
		}},
		{"CreatesANewTicketBeyondTheReopenWindow", func(in *ticketing.Input) {
			in.Link = link(ticketing.LinkClosed, 25*time.Hour+30*time.Minute)
		}, ticketing.Decision{
			Action: ticketing.ActionCreate, GroupKey: fp, Ticket: avTicket(),
			Reason: "ticket #1234 for this alert was closed 1 day 1 hour ago, beyond the 1 day reopen window; creating a new ticket",
		}},
		{"CreatesANewTicketWhenTheClosingTimeIsUnknown", func(in *ticketing.Input) { in.Link = link(ticketing.LinkClosed, 0) }, ticketing.Decision{
			Action: ticketing.ActionCreate, GroupKey: fp, Ticket: avTicket(),
			Reason: "ticket #1234 for this alert is closed and its closing time is unknown; creating a new ticket",
		}},
		{"GroupsByHostWithinTheWindow", ucAlert, ticketing.Decision{
			Action: ticketing.ActionCreate, GroupKey: ucKey, Ticket: ucTicket,
			Reason: "no ticket yet for " + ucScope + "; creating one",
		}},
		{"NotesTheHostsOpenTicket", func(in *ticketing.Input) {
			ucAlert(in)
			in.Link = &ticketing.Link{Key: ucKey, TicketID: 77, State: ticketing.LinkOpen, AlertType: "uc", AlertCount: 4}
		}, ticketing.Decision{
			Action: ticketing.ActionNote, GroupKey: ucKey, TicketID: 77, Note: hiddenNote,
			Reason: "ticket #77 is open for " + ucScope + "; adding the alert as a note",
		}},
		{"CreatesWhenReopeningIsOff", func(in *ticketing.Input) {
			ucAlert(in)
			in.Link = &ticketing.Link{Key: ucKey, TicketID: 77, State: ticketing.LinkClosed, AlertType: "uc", ClosedAt: now.Add(-time.Minute)}
		}, ticketing.Decision{
			Action: ticketing.ActionCreate, GroupKey: ucKey, Ticket: ucTicket,
			Reason: "ticket #77 for " + ucScope + " is closed and reopening is off for User Control/Content Control alerts; creating a new ticket",
		}},
		{"GroupsByCustomerWithThePriorityOfTheSeverity", incident(source.SeverityCritical), ticketing.Decision{
			Action: ticketing.ActionCreate, GroupKey: "customer/gravityzone/c-1/new-incident", Ticket: incidentTicket(1),
			Reason: "no ticket yet for New Incident alerts of customer “c-1”; creating one",
		}},
		{"FallsBackToTheTypesPriorityForAnUnmappedSeverity", incident(source.SeverityMedium), ticketing.Decision{
			Action: ticketing.ActionCreate, GroupKey: "customer/gravityzone/c-1/new-incident", Ticket: incidentTicket(3),
			Reason: "no ticket yet for New Incident alerts of customer “c-1”; creating one",
		}},
		{"FollowsTheSourceOverride", func(in *ticketing.Input) {
			in.Policy.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {
				TicketTypeID:  22,
				TitleTemplate: "DefensX: {{report_type}} from {{user}}",
				Types: map[string]ticketing.TypePolicy{
					"user_request": {Enabled: true, SLAID: 2, PriorityID: 11, Category: "Web Filtering", Urgency: 3},
				},
			}}
			in.Alert = source.Alert{
				Source: source.DefensX, CustomerID: "dx-9", Type: "user_request", Severity: source.SeverityInfo,
				HostName: "monster.com", User: "jane@acme.example", URL: "https://monster.com/",
				Facts:      map[string]string{"report_type": "url_block", "reason": "Incorrect Risk Rating"},
				OccurredAt: t0, Fingerprint: "dx:dx-9:request:1650",
			}
		}, ticketing.Decision{
			Action: ticketing.ActionCreate, GroupKey: "dx:dx-9:request:1650",
			Reason: "no ticket yet for this alert; creating one",
			Ticket: &ticketing.TicketFields{
				Summary: "DefensX: URL Block from jane@acme.example", ClientID: 57, SiteID: 12, UseGeneralUser: true,
				TicketTypeID: 22, StatusID: 1, AgentID: 5, Team: "Security", SLAID: 2, PriorityID: 11,
				Category1: "Web Filtering", Urgency: 3, Source: ptr(101),
				ThirdPartyIDString: "dx:dx-9:request:1650", DateOccurred: t0,
			},
		}},
	}
	// The HTML bodies are checked on their own below and in TestBuildNote.
	ignoreHTML := cmp.Options{
		cmpopts.IgnoreFields(ticketing.TicketFields{}, "DetailsHTML"),
		cmpopts.IgnoreFields(ticketing.NoteFields{}, "NoteHTML"),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := setup()
			if tt.edit != nil {
				tt.edit(&in)
			}
			got := ticketing.Decide(in)
			if diff := cmp.Diff(tt.want, got, ignoreHTML); diff != "" {
				t.Errorf("Decide (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("PutsTheAlertsFactsInTheTicket", func(t *testing.T) {
		t.Parallel()
		got := ticketing.Decide(setup())
		if want := "<tr><th>Malware</th><td>EICAR-Test-File</td></tr>"; !strings.Contains(got.Ticket.DetailsHTML, want) {
			t.Errorf("details = %q, want a row %q", got.Ticket.DetailsHTML, want)
		}
	})

	t.Run("UsesThePolicysDetailsTemplate", func(t *testing.T) {
		t.Parallel()
		in := setup()
		in.Policy.DetailsTemplate = "<p>{{malware_name}} on {{hostname}}</p>"
		if got, want := ticketing.Decide(in).Ticket.DetailsHTML, "<p>EICAR-Test-File on PC-01</p>"; got != want {
			t.Errorf("details = %q, want %q", got, want)
		}
	})

	t.Run("TellsWhyATicketIsOnTheFallbackClient", func(t *testing.T) {
		t.Parallel()
		in := setup()
		in.Mapping, in.FallbackClientID = ticketing.MappingState{}, 900
		in.Names = ticketing.Names{Customer: "Bright Harbor Dental"}
		want := "<p><strong>Unmapped:</strong> GravityZone company <strong>Bright Harbor Dental</strong> <small>(id c-1)</small> " +
			"is not mapped to a HaloPSA client, so this ticket was raised on the fallback client. " +
			"In halobridge, open the Client mapping page and map Bright Harbor Dental to its HaloPSA client; then move this ticket to that client.</p>\n" +
			"<p><strong>"
		if got := ticketing.Decide(in).Ticket.DetailsHTML; !strings.HasPrefix(got, want) {
			t.Errorf("details = %q, want it to start with %q", got, want)
		}
	})

	t.Run("KeepsTheUnmappedTitleWithinTheLimit", func(t *testing.T) {
		t.Parallel()
		in := setup()
		in.Mapping, in.FallbackClientID = ticketing.MappingState{}, 900
		in.Alert.Facts["malware_name"] = strings.Repeat("m", 300)
		got := ticketing.Decide(in).Ticket.Summary
		if want := "[Unmapped] Malware " + strings.Repeat("m", 230) + "…"; got != want {
			t.Errorf("summary = %q (%d), want %q", got, len(got), want)
		}
	})

	t.Run("NotesTheAlert", func(t *testing.T) {
		t.Parallel()
		in := setup()
		in.Link = link(ticketing.LinkOpen, 0)
		want := "<p>1 new alert, seen 2026-05-04 10:00:00 UTC.</p>\n<ul>\n" +
			"<li>" + headline(in.Alert) + ", seen 2026-05-04 10:00:00 UTC</li>\n</ul>"
		if got := ticketing.Decide(in).Note.NoteHTML; got != want {
			t.Errorf("note = %q, want %q", got, want)
		}
	})

	t.Run("SaysWhyItReopens", func(t *testing.T) {
		t.Parallel()
		in := setup()
		in.Link = link(ticketing.LinkClosed, 90*time.Minute)
		want := "<p>Reopened by halobridge: a new alert arrived 1 hour 30 minutes after this ticket was closed.</p>\n" +
			"<p>1 new alert, seen 2026-05-04 10:00:00 UTC.</p>"
		if got := ticketing.Decide(in).Note.NoteHTML; !strings.HasPrefix(got, want) {
			t.Errorf("note = %q, want it to start with %q", got, want)
		}
	})
}
