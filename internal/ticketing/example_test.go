package ticketing_test

import (
	"fmt"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

func ExampleDecide() {
	show := false
	policy := ticketing.Policy{
		TicketTypeID: 21, ShowUpdatesToUser: &show, AgentID: ticketing.UnassignedAgentID,
		Team: "Security", InitialStatusID: 1, ClosingStatusID: 9, NoteOutcomeID: 7,
		Types: map[string]ticketing.TypePolicy{
			"av": {Enabled: true, SLAID: 1, PriorityID: 2, Category: "Security Alert", Urgency: 2, AutoClose: true},
		},
	}
	alert := source.Alert{
		Source: source.GravityZone, CustomerID: "c-1", Type: "av", Severity: source.SeverityHigh,
		HostName: "PC-01", Facts: map[string]string{"malware_name": "EICAR-Test-File"},
		OccurredAt: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC), Fingerprint: "gz:c-1:av:pc-01:eicar",
	}
	in := ticketing.Input{
		Alert:   alert,
		Mapping: ticketing.MappingState{Mapped: true, ClientID: 57, Ticketing: true},
		Policy:  policy,
		Now:     alert.OccurredAt.Add(time.Minute),
	}

	// The first alert creates a ticket that carries the group key.
	first := ticketing.Decide(in)
	fmt.Println(first.Action, "|", first.Ticket.Summary, "|", first.Ticket.ThirdPartyIDString)

	// Once HaloPSA confirmed ticket 1234, the same alert again becomes a note.
	in.Link = &ticketing.Link{Key: first.GroupKey, TicketID: 1234, State: ticketing.LinkOpen, AlertType: "av", AlertCount: 1}
	second := ticketing.Decide(in)
	fmt.Println(second.Action, "|", second.Reason)

	// GravityZone resolves it: the ticket closes with the closing status.
	closing := ticketing.DecideResolution(source.Resolution{Source: source.GravityZone, Fingerprint: alert.Fingerprint}, in.Link, policy)
	fmt.Println(closing.Action, closing.Status, "|", closing.Note.NoteHTML)
	// Output:
	// create | Malware EICAR-Test-File on PC-01 | gz:c-1:av:pc-01:eicar
	// note | ticket #1234 is open for this alert; adding the alert as a note
	// close 9 | <p>The alert was resolved in GravityZone. Closed by halobridge.</p>
}

func ExampleTitle() {
	alert := source.Alert{
		Source: source.DefensX, Type: "user_request", User: "jane@acme.example",
		Facts: map[string]string{"report_type": "url_block"},
	}
	fmt.Println(ticketing.Title("", alert))
	fmt.Println(ticketing.Title("{{report_type}} from {{user}} on {{hostname}}", alert))
	// Output:
	// New user request: URL Block
	// URL Block from jane@acme.example
}

func ExampleValidateTemplate() {
	fmt.Println(ticketing.ValidateTemplate("Malware {{malware_name}} on {{hostname}}", "av"))
	fmt.Println(ticketing.ValidateTemplate("Alert on {{hostname", "av"))
	// Output:
	// <nil>
	// unbalanced braces: "{{" at character 10 is never closed
}
