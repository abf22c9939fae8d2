package ticketing_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

func TestMandatoryGaps(t *testing.T) {
	t.Parallel()
	strict := ticketing.TicketType{ID: 22, Name: "Security Incident (strict)"}
	category := ticketing.MandatoryField{Field: "category_1", Label: "Category"}
	impact := ticketing.MandatoryField{Field: "impact", Label: "Impact"}
	full := ticketing.TypePolicy{Enabled: true, SLAID: 3, PriorityID: 2, Category: "Security", Urgency: 2, Impact: 2}
	without := func(edit func(*ticketing.TypePolicy)) ticketing.TypePolicy {
		tp := full
		edit(&tp)
		return tp
	}
	policy := func(types map[string]ticketing.TypePolicy) ticketing.Policy {
		return ticketing.Policy{TicketTypeID: 22, AgentID: ticketing.UnassignedAgentID, Team: "Security Operations", InitialStatusID: 1, Types: types}
	}
	for _, tc := range []struct {
		name   string
		policy ticketing.Policy
		tt     ticketing.TicketType
		fields []ticketing.MandatoryField
		want   []ticketing.Gap
	}{
		{
			name:   "EveryFieldProvidedLeavesNoGap",
			policy: policy(map[string]ticketing.TypePolicy{"av": full, "aph": full}),
			tt:     strict, fields: []ticketing.MandatoryField{category, impact, {"urgency", "Urgency"}, {"summary", "Summary"}},
		},
		{
			name: "ImpactMissingOnTwoOfThreeTypes",
			policy: policy(map[string]ticketing.TypePolicy{
				"av": without(func(tp *ticketing.TypePolicy) { tp.Impact = 0 }), "aph": full,
				"uc": without(func(tp *ticketing.TypePolicy) { tp.Impact = 0 }),
			}),
			tt: strict, fields: []ticketing.MandatoryField{category, impact},
			want: []ticketing.Gap{{TicketTypeID: 22, TicketType: "Security Incident (strict)", Field: "impact", Label: "Impact", AlertTypes: []string{"av", "uc"}, Settable: true}},
		},
		{
			name: "DisabledTypesNeedNothing",
			policy: policy(map[string]ticketing.TypePolicy{
				"av": full, "uc": {Enabled: false},
			}),
			tt: strict, fields: []ticketing.MandatoryField{category, impact},
		},
		{
			name:   "TheTicketTypesDefaultsFillTheFields",
			policy: policy(map[string]ticketing.TypePolicy{"av": {Enabled: true, SLAID: 3, Urgency: 1}}),
			tt: ticketing.TicketType{ID: 22, Name: "Security Incident (strict)", DefaultCategory: "Security", DefaultImpact: 3,
				DefaultPriorityID: 2, DefaultTeam: "SOC", DefaultAgentID: 5, InitialStatusID: 1},
			fields: []ticketing.MandatoryField{category, impact, {"priority_id", "Priority"}, {"team", "Team"}, {"agent_id", "Agent"}, {"status_id", "Status"}},
		},
		{
			name: "PolicyLevelFieldsMissingNameEveryEnabledType",
			policy: ticketing.Policy{TicketTypeID: 22, AgentID: ticketing.UnassignedAgentID, Types: map[string]ticketing.TypePolicy{
				"av": full, "new-incident": full, "url_block": {Enabled: false},
			}},
			tt:     strict,
			fields: []ticketing.MandatoryField{{"agent_id", "Agent"}, {"source", "Source"}, {"team", "Team"}},
			want: []ticketing.Gap{
				{TicketTypeID: 22, TicketType: "Security Incident (strict)", Field: "agent_id", Label: "Agent", AlertTypes: []string{"av", "new-incident"}, Settable: true},
				{TicketTypeID: 22, TicketType: "Security Incident (strict)", Field: "source", Label: "Source", AlertTypes: []string{"av", "new-incident"}, Settable: true},
				{TicketTypeID: 22, TicketType: "Security Incident (strict)", Field: "team", Label: "Team", AlertTypes: []string{"av", "new-incident"}, Settable: true},
			},
		},
		{
			name: "PriorityBySeverityMustCoverEverySeverity",
			policy: policy(map[string]ticketing.TypePolicy{
				"av": without(func(tp *ticketing.TypePolicy) {
					tp.PriorityID = 0
					tp.PriorityBySeverity = map[source.Severity]int{"info": 4, "low": 4, "medium": 3, "high": 2, "critical": 1}
				}),
				"aph": without(func(tp *ticketing.TypePolicy) {
					tp.PriorityID = 0
					tp.PriorityBySeverity = map[source.Severity]int{"critical": 1}
				}),
			}),
			tt: strict, fields: []ticketing.MandatoryField{{"priority_id", "Priority"}},
			want: []ticketing.Gap{{TicketTypeID: 22, TicketType: "Security Incident (strict)", Field: "priority_id", Label: "Priority", AlertTypes: []string{"aph"}, Settable: true}},
		},
		{
			name:   "AFieldHalobridgeCannotSetIsAGapItCannotClose",
			policy: policy(map[string]ticketing.TypePolicy{"av": full}),
			tt:     strict, fields: []ticketing.MandatoryField{{"category_2", "Sub-category"}, {"CFDevice", "Device"}},
			want: []ticketing.Gap{
				{TicketTypeID: 22, TicketType: "Security Incident (strict)", Field: "category_2", Label: "Sub-category", AlertTypes: []string{"av"}},
				{TicketTypeID: 22, TicketType: "Security Incident (strict)", Field: "cfdevice", Label: "Device", AlertTypes: []string{"av"}},
			},
		},
		{
			name: "ASourceOverrideUsingTheTypeIsCheckedAsItApplies",
			policy: ticketing.Policy{TicketTypeID: 21, Types: map[string]ticketing.TypePolicy{"av": without(func(tp *ticketing.TypePolicy) { tp.Impact = 0 })},
				Sources: map[source.Kind]ticketing.Policy{
					source.DefensX:     {TicketTypeID: 22, Types: map[string]ticketing.TypePolicy{"url_block": without(func(tp *ticketing.TypePolicy) { tp.Category = "" })}},
					source.GravityZone: {TicketTypeID: 22},
				}},
			tt: strict, fields: []ticketing.MandatoryField{category, impact},
			want: []ticketing.Gap{
				{TicketTypeID: 22, TicketType: "Security Incident (strict)", Field: "category_1", Label: "Category", AlertTypes: []string{"url_block (defensx)"}, Settable: true},
				{TicketTypeID: 22, TicketType: "Security Incident (strict)", Field: "impact", Label: "Impact", AlertTypes: []string{"av (defensx)", "av (gravityzone)"}, Settable: true},
			},
		},
		{
			name:   "APolicyOfAnotherTypeHasNoGap",
			policy: ticketing.Policy{TicketTypeID: 21, Types: map[string]ticketing.TypePolicy{"av": {Enabled: true}}},
			tt:     strict, fields: []ticketing.MandatoryField{category, impact},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ticketing.MandatoryGaps(tc.policy, tc.tt, tc.fields)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("SaysTheFieldTheTypesAndTheFix", func(t *testing.T) {
		t.Parallel()
		g := ticketing.Gap{TicketType: "Security Incident (strict)", Field: "impact", Label: "Impact", AlertTypes: []string{"av", "uc"}, Settable: true}
		wantMsg := "HaloPSA ticket type “Security Incident (strict)” makes Impact mandatory, and the ticket policy gives none for the alert types av, uc: HaloPSA will refuse their tickets."
		wantFix := "Choose an impact for the alert types av, uc under Setup › Ticketing, or make the field optional or give it a default in HaloPSA: Configuration > Tickets > Ticket Types > Security Incident (strict) > Fields."
		if g.Message() != wantMsg {
			t.Errorf("message\n got %s\nwant %s", g.Message(), wantMsg)
		}
		if g.Fix() != wantFix {
			t.Errorf("fix\n got %s\nwant %s", g.Fix(), wantFix)
		}
		g = ticketing.Gap{TicketType: "Strict", Field: "cfdevice", Label: "Device", AlertTypes: []string{"av"}}
		wantFix = "halobridge cannot set Device on a ticket: make the field optional or give it a default in HaloPSA: Configuration > Tickets > Ticket Types > Strict > Fields, or choose another ticket type under Setup › Ticketing."
		if g.Fix() != wantFix {
			t.Errorf("fix\n got %s\nwant %s", g.Fix(), wantFix)
		}
	})
}
