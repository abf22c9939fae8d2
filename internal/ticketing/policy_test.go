package ticketing_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

func TestPolicy(t *testing.T) {
	t.Parallel()

	t.Run("StoresAsJSONWithHaloPSAFieldNamesAndOnlyWhatIsSet", func(t *testing.T) {
		t.Parallel()
		p := ticketing.Policy{
			TicketTypeID: 21, ShowUpdatesToUser: ptr(true), AgentID: 1, InitialStatusID: 1, SourceID: ptr(0), NoteOutcomeID: 7,
			Types: map[string]ticketing.TypePolicy{"uc": {Enabled: true, SLAID: 1, Grouping: ticketing.GroupByHost, GroupWindow: time.Hour}},
			Sources: map[source.Kind]ticketing.Policy{
				source.DefensX: {TitleTemplate: "New user request: {{report_type}}"},
			},
		}
		want := `{"tickettype_id":21,"show_updates_to_user":true,"agent_id":1,"initial_status_id":1,"source_id":0,` +
			`"note_outcome_id":7,"types":{"uc":{"enabled":true,"sla_id":1,"grouping":"host","group_window":3600000000000}},` +
			`"sources":{"defensx":{"title_template":"New user request: {{report_type}}"}}}`
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("JSON = %s\nwant   %s", b, want)
		}
		var back ticketing.Policy
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(p, back); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	})

	t.Run("TicketTypeIDsAreThePolicysAndItsOverridesEachOnce", func(t *testing.T) {
		t.Parallel()
		p := ticketing.Policy{TicketTypeID: 21, Sources: map[source.Kind]ticketing.Policy{
			source.DefensX: {TicketTypeID: 4}, source.Push: {TicketTypeID: 21}, source.GravityZone: {Team: "Level 2"},
		}}
		if diff := cmp.Diff([]int{4, 21}, p.TicketTypeIDs()); diff != "" {
			t.Errorf("TicketTypeIDs (-want +got):\n%s", diff)
		}
		if got := (ticketing.Policy{}).TicketTypeIDs(); len(got) != 0 {
			t.Errorf("an empty policy's TicketTypeIDs = %v, want none", got)
		}
	})

	t.Run("ForSourceOverridesSetFieldsAndTypesOneByOne", func(t *testing.T) {
		t.Parallel()
		base := validPolicy()
		base.TitleTemplate = "{{report_type}} on {{hostname}}"
		base.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {
			TicketTypeID: 22, ShowUpdatesToUser: ptr(true), SourceID: ptr(0), Team: "Level 2",
			TitleTemplate: "New user request: {{report_type}}",
			Types:         map[string]ticketing.TypePolicy{"av": {Enabled: false}, "user_request": {Enabled: true, SLAID: 2}},
		}}
		want := validPolicy()
		want.TicketTypeID, want.ShowUpdatesToUser, want.SourceID, want.Team = 22, ptr(true), ptr(0), "Level 2"
		want.TitleTemplate = "New user request: {{report_type}}"
		want.Types["av"] = ticketing.TypePolicy{}
		want.Types["user_request"] = ticketing.TypePolicy{Enabled: true, SLAID: 2}
		if diff := cmp.Diff(want, base.ForSource(source.DefensX)); diff != "" {
			t.Errorf("ForSource(defensx) (-want +got):\n%s", diff)
		}
		if got := base.Types["av"]; !got.Enabled {
			t.Error("ForSource changed the base policy's types")
		}
	})

	t.Run("ForSourceWithoutOverrideIsThePolicy", func(t *testing.T) {
		t.Parallel()
		base := validPolicy()
		base.Sources = map[source.Kind]ticketing.Policy{source.DefensX: {TicketTypeID: 22}}
		if diff := cmp.Diff(validPolicy(), base.ForSource(source.GravityZone)); diff != "" {
			t.Errorf("ForSource(gravityzone) (-want +got):\n%s", diff)
		}
	})

	t.Run("ForSourceGivesTypesToAPolicyWithoutAny", func(t *testing.T) {
		t.Parallel()
		base := ticketing.Policy{Sources: map[source.Kind]ticketing.Policy{
			source.Push: {Types: map[string]ticketing.TypePolicy{"custom": {Enabled: true}}},
		}}
		want := ticketing.Policy{Types: map[string]ticketing.TypePolicy{"custom": {Enabled: true}}}
		if diff := cmp.Diff(want, base.ForSource(source.Push)); diff != "" {
			t.Errorf("ForSource(push) (-want +got):\n%s", diff)
		}
	})
}
