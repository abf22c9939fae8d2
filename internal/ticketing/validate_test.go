package ticketing_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

// knownForTestPolicy is what a template may use with av, new-incident and uc
// enabled: the base variables, then those types' facts in alphabetical order.
const knownForTestPolicy = "{{report_type}}, {{hostname}}, {{host_ip}}, {{user}}, {{url}}, {{url_domain}}, " +
	"{{customer}}, {{customer_id}}, {{type}}, {{severity}}, {{occurred_at}}, {{source}}, " +
	"{{action}}, {{application_path}}, {{att_ck_id}}, {{attack_entry}}, {{attack_types}}, {{block_type}}, " +
	"{{blocked}}, {{categories}}, {{cleaned}}, {{computer_fqdn}}, {{computer_id}}, {{count}}, {{created}}, " +
	"{{deleted}}, {{detection_name}}, {{endpoint_id}}, {{event_name}}, {{file_hash_md5}}, {{file_hash_sha256}}, " +
	"{{file_name}}, {{file_path}}, {{final_status}}, {{hash}}, {{host_ips}}, {{hwid}}, {{ignored}}, " +
	"{{incident_id}}, {{incident_severity}}, {{last_blocked}}, {{main_action}}, {{malware_name}}, " +
	"{{malware_type}}, {{parent_process_path}}, {{parent_process_pid}}, {{present}}, {{process_command_line}}, " +
	"{{process_path}}, {{process_pid}}, {{product_installed}}, {{quarantined}}, {{scan_engine_type}}, " +
	"{{severity_score}}, {{signatures_number}}, {{status}}, {{timestamp}}, {{uc_type}}, {{user_id}}, {{user_sid}}"

func TestValidate(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		policy  ticketing.Policy
		catalog ticketing.Catalog
	}
	setup := func() *testBundle {
		return &testBundle{policy: validPolicy(), catalog: testCatalog()}
	}
	setType := func(b *testBundle, name string, edit func(*ticketing.TypePolicy)) {
		tp := b.policy.Types[name]
		edit(&tp)
		b.policy.Types[name] = tp
	}
	fe := func(field, message string) ticketing.FieldError {
		return ticketing.FieldError{Field: field, Message: message}
	}

	tests := []struct {
		name string
		edit func(b *testBundle)
		want []ticketing.FieldError
	}{
		{"AcceptsAValidPolicy", func(*testBundle) {}, nil},
		{"ReportsEveryMandatoryFieldOfAnEmptyPolicy", func(b *testBundle) { b.policy = ticketing.Policy{} }, []ticketing.FieldError{
			fe("tickettype_id", "choose a ticket type"),
			fe("show_updates_to_user", "choose whether updates are shown to the HaloPSA user"),
			fe("agent_id", "choose a default agent, or Unassigned"),
			fe("initial_status_id", "choose an initial status"),
			fe("note_outcome_id", "choose the outcome of halobridge's notes; HaloPSA refuses a note without one"),
		}},
		{"RejectsAnUnknownTicketType", func(b *testBundle) { b.policy.TicketTypeID = 99 }, []ticketing.FieldError{
			fe("tickettype_id", "ticket type 99 does not exist in HaloPSA; refresh the catalog or choose another"),
		}},
		{"AcceptsShowUpdatesTurnedOn", func(b *testBundle) { b.policy.ShowUpdatesToUser = ptr(true) }, nil},
		{"AcceptsUnassigned", func(b *testBundle) { b.policy.AgentID = ticketing.UnassignedAgentID }, nil},
		{"RejectsAnUnknownAgent", func(b *testBundle) { b.policy.AgentID = 77 }, []ticketing.FieldError{
			fe("agent_id", "agent 77 does not exist in HaloPSA (or the integration agent cannot see it); choose another agent or Unassigned"),
		}},
		{"RejectsAnAPIOnlyAgent", func(b *testBundle) { b.policy.AgentID = 40 }, []ticketing.FieldError{
			fe("agent_id", "agent “halobridge” is an API-only agent, and HaloPSA does not assign tickets to API-only agents; choose another agent or Unassigned"),
		}},
		{"RejectsADisabledAgent", func(b *testBundle) { b.policy.AgentID = 6 }, []ticketing.FieldError{
			fe("agent_id", "agent “Bob” is disabled in HaloPSA; choose another agent or Unassigned"),
		}},
		{"RejectsAnUnknownTeam", func(b *testBundle) { b.policy.Team = "Sales" }, []ticketing.FieldError{
			fe("team", "team “Sales” does not exist in HaloPSA; refresh the catalog or choose another"),
		}},
		{"RejectsATeamTheIntegrationAgentIsNotIn", func(b *testBundle) { b.policy.Team = "Service Desk" }, []ticketing.FieldError{
			fe("team", "team “Service Desk” is not one of the integration agent's teams (Security, Level 2); in HaloPSA add agent “halobridge” to the team (Departments & Teams), or choose another team"),
		}},
		{"SaysWhenTheIntegrationAgentHasNoTeams", func(b *testBundle) {
			b.catalog.Agents[2].Teams = nil
			setType(b, "uc", func(tp *ticketing.TypePolicy) { tp.Team = "" })
		}, []ticketing.FieldError{
			fe("team", "team “Security” is not one of the integration agent's teams (none); in HaloPSA add agent “halobridge” to the team (Departments & Teams), or choose another team"),
		}},
		{"ReportsAnIntegrationAgentMissingFromTheCatalog", func(b *testBundle) { b.catalog.IntegrationAgentID = 41 }, []ticketing.FieldError{
			fe("team", "the integration agent (id 41) is not in the HaloPSA catalog, so its teams are unknown; refresh the catalog"),
			fe("types.uc.team", "the integration agent (id 41) is not in the HaloPSA catalog, so its teams are unknown; refresh the catalog"),
		}},
		{"RejectsAnUnknownInitialStatus", func(b *testBundle) { b.policy.InitialStatusID = 3 }, []ticketing.FieldError{
			fe("initial_status_id", "status 3 does not exist in HaloPSA; refresh the catalog or choose another"),
		}},
		{"RejectsAClosedInitialStatus", func(b *testBundle) { b.policy.InitialStatusID = 8 }, []ticketing.FieldError{
			fe("initial_status_id", "status “Resolved” closes tickets; new and reopened tickets need an open status"),
		}},
		{"RejectsAClosingStatusThatDoesNotClose", func(b *testBundle) { b.policy.ClosingStatusID = 2 }, []ticketing.FieldError{
			fe("closing_status_id", "status “In Progress” does not close tickets; choose one of: Resolved (8), Closed (9)"),
		}},
		{"RejectsAnUnknownClosingStatus", func(b *testBundle) { b.policy.ClosingStatusID = 10 }, []ticketing.FieldError{
			fe("closing_status_id", "status 10 does not exist in HaloPSA; refresh the catalog or choose another"),
		}},
		{"RequiresAClosingStatusWhenAutoCloseIsOn", func(b *testBundle) { b.policy.ClosingStatusID = 0 }, []ticketing.FieldError{
			fe("closing_status_id", "auto-close is on for av, new-incident; choose a closing status"),
		}},
		{"AllowsNoClosingStatusWithoutAutoClose", func(b *testBundle) {
			b.policy.ClosingStatusID = 0
			setType(b, "av", func(tp *ticketing.TypePolicy) { tp.AutoClose = false })
			setType(b, "new-incident", func(tp *ticketing.TypePolicy) { tp.AutoClose = false })
		}, nil},
		{"AcceptsEmailAsRequestSource", func(b *testBundle) { b.policy.SourceID = ptr(0) }, nil},
		{"AcceptsNoRequestSource", func(b *testBundle) { b.policy.SourceID = nil }, nil},
		{"RejectsAnUnknownRequestSource", func(b *testBundle) { b.policy.SourceID = ptr(5) }, []ticketing.FieldError{
			fe("source_id", "request source 5 does not exist in HaloPSA; refresh the catalog or choose another"),
		}},
		{"RejectsAnUnknownOutcome", func(b *testBundle) { b.policy.NoteOutcomeID = 8 }, []ticketing.FieldError{
			fe("note_outcome_id", "outcome 8 does not exist in HaloPSA; refresh the catalog or choose another"),
		}},
		{"RejectsAHiddenOutcome", func(b *testBundle) { b.policy.NoteOutcomeID = 23 }, []ticketing.FieldError{
			fe("note_outcome_id", "outcome “Remote” is hidden in HaloPSA; choose another"),
		}},
		{"RejectsAnOutcomeTheIntegrationAgentMayNotUse", func(b *testBundle) { b.policy.NoteOutcomeID = 55 }, []ticketing.FieldError{
			fe("note_outcome_id", "the integration agent may not use outcome “Private Note” (HaloPSA: You do not have access to this Action at the moment); give it access or choose another"),
		}},
		{"AcceptsATitleWithFactsOfEnabledTypes", func(b *testBundle) {
			b.policy.TitleTemplate = "{{report_type}}: {{malware_name}} {{detection_name}} on {{hostname}}"
		}, nil},
		{"RejectsAnUnknownTitleVariableListingTheKnownOnes", func(b *testBundle) { b.policy.TitleTemplate = "Alert on {{hostnme}}" }, []ticketing.FieldError{
			fe("title_template", "unknown variable {{hostnme}}; the known variables are "+knownForTestPolicy),
		}},
		{"RejectsAFactOfADisabledType", func(b *testBundle) { b.policy.TitleTemplate = "Blocked {{source_ip}}" }, []ticketing.FieldError{
			fe("title_template", "unknown variable {{source_ip}}; the known variables are "+knownForTestPolicy),
		}},
		{"RejectsUnbalancedBracesInTheDetailsTemplate", func(b *testBundle) { b.policy.DetailsTemplate = "<p>{{hostname</p>" }, []ticketing.FieldError{
			fe("details_template", `unbalanced braces: "{{" at character 4 is never closed`),
		}},
		{"RejectsAnUnknownGrouping", func(b *testBundle) {
			setType(b, "uc", func(tp *ticketing.TypePolicy) { tp.Grouping = "site" })
		}, []ticketing.FieldError{
			fe("types.uc.grouping", "grouping “site” is not one of alert, host, customer"),
		}},
		{"RejectsAnUnknownSourceLoop", func(b *testBundle) {
			setType(b, "uc", func(tp *ticketing.TypePolicy) { tp.SourceLoop = "resolve" })
		}, []ticketing.FieldError{
			fe("types.uc.source_loop", "source_loop “resolve” is not one of off, note, note_and_status"),
		}},
		{"AcceptsEverySourceLoop", func(b *testBundle) {
			setType(b, "uc", func(tp *ticketing.TypePolicy) { tp.SourceLoop = ticketing.LoopOff })
			setType(b, "av", func(tp *ticketing.TypePolicy) { tp.SourceLoop = ticketing.LoopNote })
			setType(b, "new-incident", func(tp *ticketing.TypePolicy) { tp.SourceLoop = ticketing.LoopNoteAndStatus })
		}, nil},
		{"RejectsWindowsShorterThanAMinute", func(b *testBundle) {
			setType(b, "uc", func(tp *ticketing.TypePolicy) { tp.GroupWindow = 30 * time.Second })
			setType(b, "av", func(tp *ticketing.TypePolicy) { tp.ReopenWindow = -time.Hour })
		}, []ticketing.FieldError{
			fe("types.av.reopen_window", "must be 0 (off) or at least 1 minute"),
			fe("types.uc.group_window", "must be 0 (off) or at least 1 minute"),
		}},
		{"RequiresSLACategoryUrgencyAndTeamForAnEnabledType", func(b *testBundle) {
			b.policy.Team = ""
			b.policy.Types["fw"] = ticketing.TypePolicy{Enabled: true}
			b.policy.Types["av"] = ticketing.TypePolicy{Enabled: true, SLAID: 1, Category: "Security Alert", Urgency: 2, Team: "Security"}
			b.policy.Types["new-incident"] = ticketing.TypePolicy{}
		}, []ticketing.FieldError{
			fe("types.fw.sla_id", "choose an SLA"),
			fe("types.fw.category_1", "choose a category"),
			fe("types.fw.urgency", "choose an urgency"),
			fe("types.fw.team", "choose a team for fw alerts, or a default team"),
		}},
		{"AllowsADisabledTypeWithoutSettings", func(b *testBundle) { b.policy.Types["hd"] = ticketing.TypePolicy{} }, nil},
		{"StillChecksIdsOfADisabledType", func(b *testBundle) { b.policy.Types["fw"] = ticketing.TypePolicy{SLAID: 7, Category: "Nope"} }, []ticketing.FieldError{
			fe("types.fw.sla_id", "SLA 7 does not exist in HaloPSA; refresh the catalog or choose another"),
			fe("types.fw.category_1", "category “Nope” does not exist in HaloPSA; refresh the catalog or choose another"),
		}},
		{"RejectsAPriorityOutsideTheSLAListingTheValidOnes", func(b *testBundle) {
			setType(b, "av", func(tp *ticketing.TypePolicy) { tp.PriorityID = 11 })
		}, []ticketing.FieldError{
			fe("types.av.priority_id", "priority 11 does not belong to SLA “Standard”; choose one of: Critical (1), High (2), Medium (3), Low (4)"),
		}},
		{"RejectsAPriorityWithoutAnSLA", func(b *testBundle) { b.policy.Types["fw"] = ticketing.TypePolicy{PriorityID: 2} }, []ticketing.FieldError{
			fe("types.fw.priority_id", "choose an SLA first: a priority only means something within its SLA"),
		}},
		{"ReportsAPriorityOfAnUnknownSLAOnlyOnTheSLA", func(b *testBundle) {
			setType(b, "av", func(tp *ticketing.TypePolicy) { tp.SLAID = 7 })
		}, []ticketing.FieldError{
			fe("types.av.sla_id", "SLA 7 does not exist in HaloPSA; refresh the catalog or choose another"),
		}},
		{"RejectsASeverityPriorityOutsideTheSLA", func(b *testBundle) {
			setType(b, "new-incident", func(tp *ticketing.TypePolicy) {
				tp.PriorityBySeverity = map[source.Severity]int{source.SeverityHigh: 12, source.SeverityLow: 4}
			})
		}, []ticketing.FieldError{
			fe("types.new-incident.priority_by_severity.high", "priority 12 does not belong to SLA “Standard”; choose one of: Critical (1), High (2), Medium (3), Low (4)"),
		}},
		{"RejectsAnUnknownSeverity", func(b *testBundle) {
			setType(b, "new-incident", func(tp *ticketing.TypePolicy) { tp.PriorityBySeverity = map[source.Severity]int{"urgent": 1} })
		}, []ticketing.FieldError{
			fe("types.new-incident.priority_by_severity.urgent", "severity “urgent” is not one of info, low, medium, high, critical"),
		}},
		{"RejectsAnUnknownCategory", func(b *testBundle) {
			setType(b, "av", func(tp *ticketing.TypePolicy) { tp.Category = "Malware" })
		}, []ticketing.FieldError{
			fe("types.av.category_1", "category “Malware” does not exist in HaloPSA; refresh the catalog or choose another"),
		}},
		{"RejectsNegativeUrgencyAndImpact", func(b *testBundle) {
			setType(b, "av", func(tp *ticketing.TypePolicy) { tp.Urgency, tp.Impact = -1, -2 })
		}, []ticketing.FieldError{
			fe("types.av.urgency", "urgency cannot be negative"),
			fe("types.av.impact", "impact cannot be negative"),
		}},
		{"RejectsATypeTeamTheIntegrationAgentIsNotIn", func(b *testBundle) {
			setType(b, "uc", func(tp *ticketing.TypePolicy) { tp.Team = "Service Desk" })
		}, []ticketing.FieldError{
			fe("types.uc.team", "team “Service Desk” is not one of the integration agent's teams (Security, Level 2); in HaloPSA add agent “halobridge” to the team (Departments & Teams), or choose another team"),
		}},
		{"RejectsAnAlertTypeWithoutName", func(b *testBundle) { b.policy.Types[" "] = ticketing.TypePolicy{Enabled: true} }, []ticketing.FieldError{
			fe("types", "an alert type has no name"),
		}},
		{"ReportsOverrideProblemsUnderTheSource", func(b *testBundle) {
			b.policy.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {
				TicketTypeID: 99,
				Types:        map[string]ticketing.TypePolicy{"user_request": {Enabled: true, SLAID: 2, PriorityID: 2}},
			}}
		}, []ticketing.FieldError{
			fe("sources.defensx.tickettype_id", "ticket type 99 does not exist in HaloPSA; refresh the catalog or choose another"),
			fe("sources.defensx.types.user_request.priority_id", "priority 2 does not belong to SLA “Gold”; choose one of: P1 (11), P2 (12)"),
			fe("sources.defensx.types.user_request.category_1", "choose a category"),
			fe("sources.defensx.types.user_request.urgency", "choose an urgency"),
		}},
		{"DoesNotRepeatBaseProblemsForEachOverride", func(b *testBundle) {
			b.policy.NoteOutcomeID = 0
			b.policy.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {TitleTemplate: "New user request: {{report_type}} from {{user}}"}}
		}, []ticketing.FieldError{
			fe("note_outcome_id", "choose the outcome of halobridge's notes; HaloPSA refuses a note without one"),
		}},
		{"ChecksOverrideTemplatesAgainstTheMergedTypes", func(b *testBundle) {
			b.policy.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {
				TitleTemplate: "{{report_type}} {{reason}}",
				Types:         map[string]ticketing.TypePolicy{"user_request": {Enabled: true, SLAID: 1, Category: "Web Filtering", Urgency: 3}},
			}}
		}, nil},
		{"RejectsNestedOverrides", func(b *testBundle) {
			b.policy.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {
				Sources: map[source.Kind]ticketing.Policy{source.Push: {}},
			}}
		}, []ticketing.FieldError{
			fe("sources.defensx.sources", "a source override cannot have overrides of its own"),
		}},
		{"RejectsAnOverrideForAnUnknownSource", func(b *testBundle) {
			b.policy.Sources = map[source.Kind]ticketing.Policy{"sophos": {}}
		}, []ticketing.FieldError{
			fe("sources.sophos", "“sophos” is not a source; use gravityzone, defensx or push"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup()
			tt.edit(b)
			got := ticketing.Validate(b.policy, b.catalog)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("FieldErrorReadsAsFieldAndMessage", func(t *testing.T) {
		t.Parallel()
		err := ticketing.FieldError{Field: "agent_id", Message: "choose a default agent, or Unassigned"}
		if got, want := err.Error(), "agent_id: choose a default agent, or Unassigned"; got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	})
}
