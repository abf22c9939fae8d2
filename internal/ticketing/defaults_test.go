package ticketing_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

func TestDefaultsFromTicketType(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name   string
		policy ticketing.Policy
		want   ticketing.Policy
	}{
		{"FillsWhatThePartnerLeftEmpty",
			ticketing.Policy{TicketTypeID: 21, Types: map[string]ticketing.TypePolicy{"av": {Enabled: true}, "uc": {}}},
			ticketing.Policy{TicketTypeID: 21, InitialStatusID: 1, Team: "Security", Types: map[string]ticketing.TypePolicy{
				"av": {Enabled: true, SLAID: 1, PriorityID: 2, Category: "Security Alert", Impact: 3},
				"uc": {SLAID: 1, PriorityID: 2, Category: "Security Alert", Impact: 3},
			}}},
		{"NeverReplacesThePartnersChoices",
			ticketing.Policy{TicketTypeID: 21, InitialStatusID: 2, Team: "Level 2", AgentID: 5, Types: map[string]ticketing.TypePolicy{
				"av": {SLAID: 1, PriorityID: 4, Category: "Web Filtering", Impact: 1, Team: "Level 2"},
			}},
			ticketing.Policy{TicketTypeID: 21, InitialStatusID: 2, Team: "Level 2", AgentID: 5, Types: map[string]ticketing.TypePolicy{
				"av": {SLAID: 1, PriorityID: 4, Category: "Web Filtering", Impact: 1, Team: "Level 2"},
			}}},
		{"OffersOnlyAPriorityOfTheChosenSLA",
			ticketing.Policy{TicketTypeID: 21, Types: map[string]ticketing.TypePolicy{"av": {SLAID: 2}}},
			ticketing.Policy{TicketTypeID: 21, InitialStatusID: 1, Team: "Security", Types: map[string]ticketing.TypePolicy{
				"av": {SLAID: 2, Category: "Security Alert", Impact: 3},
			}}},
		{"SkipsDefaultsThatWouldFailValidation",
			ticketing.Policy{TicketTypeID: 22, Types: map[string]ticketing.TypePolicy{"user_request": {Enabled: true}}},
			ticketing.Policy{TicketTypeID: 22, Types: map[string]ticketing.TypePolicy{"user_request": {Enabled: true, SLAID: 2}}}},
		{"LeavesAPolicyWithAnUnknownTicketTypeAlone",
			ticketing.Policy{TicketTypeID: 99, Types: map[string]ticketing.TypePolicy{"av": {}}},
			ticketing.Policy{TicketTypeID: 99, Types: map[string]ticketing.TypePolicy{"av": {}}}},
		{"HasNothingToOfferFromABareType",
			ticketing.Policy{TicketTypeID: 23, Types: map[string]ticketing.TypePolicy{"av": {}}},
			ticketing.Policy{TicketTypeID: 23, Types: map[string]ticketing.TypePolicy{"av": {}}}},
		{"FillsOverrideTypesFromTheTicketTypeThatAppliesToThem",
			ticketing.Policy{TicketTypeID: 21, Team: "Security", InitialStatusID: 1, Sources: map[source.Kind]ticketing.Policy{
				source.DefensX:     {TicketTypeID: 22, Types: map[string]ticketing.TypePolicy{"user_request": {}}},
				source.GravityZone: {AgentID: 5, Types: map[string]ticketing.TypePolicy{"av": {}}},
			}},
			ticketing.Policy{TicketTypeID: 21, Team: "Security", InitialStatusID: 1, Sources: map[source.Kind]ticketing.Policy{
				source.DefensX: {TicketTypeID: 22, Types: map[string]ticketing.TypePolicy{"user_request": {SLAID: 2}}},
				source.GravityZone: {AgentID: 5, Types: map[string]ticketing.TypePolicy{
					"av": {SLAID: 1, PriorityID: 2, Category: "Security Alert", Impact: 3},
				}},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ticketing.DefaultsFromTicketType(tt.policy, testCatalog())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DefaultsFromTicketType (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("OffersTheTypesDefaultAgentWhenAssignable", func(t *testing.T) {
		t.Parallel()
		c := testCatalog()
		c.TicketTypes[2].DefaultAgentID = ticketing.UnassignedAgentID
		if got := ticketing.DefaultsFromTicketType(ticketing.Policy{TicketTypeID: 23}, c).AgentID; got != ticketing.UnassignedAgentID {
			t.Errorf("AgentID = %d, want Unassigned (1)", got)
		}
		c.TicketTypes[2].DefaultAgentID = 6 // disabled
		if got := ticketing.DefaultsFromTicketType(ticketing.Policy{TicketTypeID: 23}, c).AgentID; got != 0 {
			t.Errorf("AgentID = %d, want the disabled agent left out", got)
		}
	})

	t.Run("DoesNotChangeItsInput", func(t *testing.T) {
		t.Parallel()
		p := ticketing.Policy{TicketTypeID: 21, Types: map[string]ticketing.TypePolicy{"av": {}}}
		ticketing.DefaultsFromTicketType(p, testCatalog())
		if diff := cmp.Diff(map[string]ticketing.TypePolicy{"av": {}}, p.Types); diff != "" {
			t.Errorf("input types changed (-want +got):\n%s", diff)
		}
	})

	t.Run("LeavesOnlyThePartnersOwnChoicesToMake", func(t *testing.T) {
		t.Parallel()
		p := ticketing.Policy{TicketTypeID: 21, ShowUpdatesToUser: ptr(false), AgentID: ticketing.UnassignedAgentID, NoteOutcomeID: 7,
			Types: map[string]ticketing.TypePolicy{"av": {Enabled: true, Urgency: 2}}}
		if errs := ticketing.Validate(ticketing.DefaultsFromTicketType(p, testCatalog()), testCatalog()); errs != nil {
			t.Errorf("Validate after defaults = %v, want no problems", errs)
		}
	})
}
