package ticketing_test

import (
	"time"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

// The fixtures model a small HaloPSA: ids follow a stock instance where they
// can (status 9 Closed, agent 1 Unassigned, outcome 7 Internal Note, request
// source 0 Email).

var t0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

func testCatalog() ticketing.Catalog {
	return ticketing.Catalog{
		IntegrationAgentID: 40,
		TicketTypes: []ticketing.TicketType{
			{ID: 21, Name: "Security Alert", DefaultSLAID: 1, InitialStatusID: 1, DefaultPriorityID: 2,
				DefaultTeam: "Security", DefaultCategory: "Security Alert", DefaultImpact: 3},
			// Every default of this type would fail validation.
			{ID: 22, Name: "DefensX Ticket", DefaultSLAID: 2, InitialStatusID: 9, DefaultPriorityID: 4,
				DefaultAgentID: 40, DefaultTeam: "Service Desk", DefaultCategory: "Printers"},
			{ID: 23, Name: "Bare"},
		},
		Statuses: []ticketing.Status{
			{ID: 1, Name: "New"},
			{ID: 2, Name: "In Progress"},
			{ID: 8, Name: "Resolved", Closed: true},
			{ID: 9, Name: "Closed", Closed: true},
		},
		Agents: []ticketing.Agent{
			{ID: 5, Name: "Alice", Teams: []string{"Security"}},
			{ID: 6, Name: "Bob", Disabled: true, Teams: []string{"Security"}},
			{ID: 40, Name: "halobridge", APIOnly: true, Teams: []string{"Security", "Level 2"}},
		},
		Teams: []ticketing.Team{{ID: 1, Name: "Security"}, {ID: 2, Name: "Service Desk"}, {ID: 3, Name: "Level 2"}},
		SLAs: []ticketing.SLA{
			{ID: 1, Name: "Standard", Priorities: []ticketing.Priority{
				{ID: 1, Name: "Critical"}, {ID: 2, Name: "High"}, {ID: 3, Name: "Medium"}, {ID: 4, Name: "Low"}}},
			{ID: 2, Name: "Gold", Priorities: []ticketing.Priority{{ID: 11, Name: "P1"}, {ID: 12, Name: "P2"}}},
		},
		Categories: []ticketing.Category{{ID: 1, Value: "Security Alert"}, {ID: 2, Value: "Web Filtering"}},
		Outcomes: []ticketing.Outcome{
			{ID: 7, Name: "Internal Note"},
			{ID: 23, Name: "Remote", Hidden: true},
			{ID: 55, Name: "Private Note", Restricted: true},
		},
		RequestSources: []ticketing.RequestSource{{ID: 0, Name: "Email"}, {ID: -9, Name: "Ninja RMM"}, {ID: 101, Name: "Security Integration"}},
	}
}

func ptr[T any](v T) *T { return &v }

// validPolicy passes Validate against testCatalog.
func validPolicy() ticketing.Policy {
	return ticketing.Policy{
		TicketTypeID:      21,
		ShowUpdatesToUser: ptr(false),
		AgentID:           5,
		Team:              "Security",
		InitialStatusID:   1,
		ClosingStatusID:   9,
		SourceID:          ptr(101),
		NoteOutcomeID:     7,
		Types: map[string]ticketing.TypePolicy{
			"av": {Enabled: true, SLAID: 1, PriorityID: 2, Category: "Security Alert", Urgency: 2, Impact: 3,
				AutoClose: true, ReopenWindow: 24 * time.Hour},
			"uc": {Enabled: true, SLAID: 1, PriorityID: 4, Category: "Web Filtering", Urgency: 3, Team: "Level 2",
				Grouping: ticketing.GroupByHost, GroupWindow: time.Hour},
			"new-incident": {Enabled: true, SLAID: 1, PriorityID: 3, Category: "Security Alert", Urgency: 1,
				PriorityBySeverity: map[source.Severity]int{source.SeverityCritical: 1, source.SeverityHigh: 2},
				Grouping:           ticketing.GroupByCustomer, AutoClose: true},
			"fw": {},
		},
	}
}

// avAlert is a GravityZone antimalware detection on PC-01 of customer c-1.
func avAlert() source.Alert {
	return source.Alert{
		Source:      source.GravityZone,
		CustomerID:  "c-1",
		Type:        "av",
		Severity:    source.SeverityHigh,
		HostName:    "PC-01",
		HostIP:      "10.0.0.5",
		User:        "bob",
		Facts:       map[string]string{"malware_name": "EICAR-Test-File", "final_status": "quarantined"},
		OccurredAt:  t0,
		Fingerprint: "gz:c-1:av:pc-01:eicar",
		EventID:     "e-1",
	}
}
