package portal

import (
	"maps"
	"net/url"
	"slices"
	"testing"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
)

func TestParseTicketPolicyTakesTypesOnlyFromTypesFields(t *testing.T) {
	t.Parallel()
	form := url.Values{"types.av.sla_id": {"3"}, "x.sla_id": {"3"}, "types..sla_id": {"3"}, "types.fw.enabled": {"on"}}
	got := parseTicketPolicy(form).Policy.Types
	if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, []string{"av"}) {
		t.Errorf("alert types %v, want only av: x.sla_id and types..sla_id name no type, and a type is read from its sla_id", names)
	}
}

func TestParseTicketPolicyGivesTypesTheirGroupsSettings(t *testing.T) {
	t.Parallel()
	form := url.Values{
		// GravityZone's types share an SLA, a category, priorities per
		// severity and "close when resolved".
		"groups.gravityzone.sla_id": {"3"}, "groups.gravityzone.priority_id": {"2"}, "groups.gravityzone.category_1": {"Security"},
		"groups.gravityzone.urgency": {"2"}, "groups.gravityzone.priority_by_severity.critical": {"1"},
		"groups.gravityzone.priority_by_severity.info": {""}, "groups.gravityzone.auto_close": {"on"},
		"types.av.group": {"gravityzone"}, "types.av.enabled": {"on"}, "types.av.sla_id": {"9"},
		"types.new-incident.group": {"gravityzone"}, "types.new-incident.enabled": {"on"},
		// The firewall has its own, and does not close.
		"types.fw.group": {"gravityzone"}, "types.fw.own": {"on"}, "types.fw.sla_id": {"2"}, "types.fw.category_1": {"Network"},
		"types.fw.urgency": {"3"},
	}
	got := parseTicketPolicy(form).Policy.Types
	av, incident, fw := got["av"], got["new-incident"], got["fw"]
	// A type without its own settings ignores the fields of its own row.
	if !av.Enabled || av.SLAID != 3 || av.PriorityID != 2 || av.Category != "Security" || av.Urgency != 2 {
		t.Errorf("antimalware %+v, want the group's settings", av)
	}
	if want := map[source.Severity]int{source.SeverityCritical: 1}; !maps.Equal(av.PriorityBySeverity, want) || !maps.Equal(incident.PriorityBySeverity, want) {
		t.Errorf("priorities by severity: antimalware %v, incident %v; want critical 1 only", av.PriorityBySeverity, incident.PriorityBySeverity)
	}
	// GravityZone reports when incidents are resolved, not antimalware
	// detections: the group's switch closes only the incidents' tickets.
	if av.AutoClose || !incident.AutoClose {
		t.Errorf("close when resolved: antimalware %v, incident %v; want incidents only", av.AutoClose, incident.AutoClose)
	}
	if fw.Enabled || fw.SLAID != 2 || fw.Category != "Network" || fw.Urgency != 3 || fw.PriorityBySeverity != nil || fw.AutoClose {
		t.Errorf("firewall %+v, want its own settings", fw)
	}
}

func TestMergeSavedKeepsSeverityPrioritiesTheFormDidNotShow(t *testing.T) {
	t.Parallel()
	stored := deliver.SavedPolicy{Policy: ticketing.Policy{Types: map[string]ticketing.TypePolicy{
		"av": {Enabled: true, PriorityBySeverity: map[source.Severity]int{source.SeverityHigh: 2}},
		"fw": {Enabled: true, PriorityBySeverity: map[source.Severity]int{source.SeverityHigh: 2}},
		"hd": {Enabled: true, PriorityBySeverity: map[source.Severity]int{source.SeverityHigh: 2}},
	}}}
	sent := deliver.SavedPolicy{Policy: ticketing.Policy{Types: map[string]ticketing.TypePolicy{
		// av's form had no severity fields; fw's were all left blank; hd
		// chose another.
		"av": {Enabled: true},
		"fw": {Enabled: true, PriorityBySeverity: map[source.Severity]int{}},
		"hd": {Enabled: true, PriorityBySeverity: map[source.Severity]int{source.SeverityHigh: 1}},
	}}}
	got := mergeSaved(sent, stored).Policy.Types
	if !maps.Equal(got["av"].PriorityBySeverity, map[source.Severity]int{source.SeverityHigh: 2}) || got["fw"].PriorityBySeverity != nil ||
		!maps.Equal(got["hd"].PriorityBySeverity, map[source.Severity]int{source.SeverityHigh: 1}) {
		t.Errorf("merged priorities by severity: av %v (want high 2 kept), fw %v (want none), hd %v (want high 1)",
			got["av"].PriorityBySeverity, got["fw"].PriorityBySeverity, got["hd"].PriorityBySeverity)
	}
}

func TestMergeSavedKeepsTheGravityZoneLoopSetThroughTheAPI(t *testing.T) {
	t.Parallel()
	stored := deliver.SavedPolicy{Policy: ticketing.Policy{Types: map[string]ticketing.TypePolicy{
		"new-incident": {Enabled: true, SourceLoop: ticketing.LoopNote},
	}}}
	sent := deliver.SavedPolicy{Policy: ticketing.Policy{Types: map[string]ticketing.TypePolicy{"new-incident": {Enabled: true, SLAID: 3}}}}
	if got := mergeSaved(sent, stored).Policy.Types["new-incident"]; got.SourceLoop != ticketing.LoopNote || got.SLAID != 3 {
		t.Errorf("merged %+v, want the form's SLA and the stored loop (note)", got)
	}
}

func TestGroupTypesSharesWhatMostEnabledTypesHave(t *testing.T) {
	t.Parallel()
	cat := ticketing.Catalog{SLAs: []ticketing.SLA{{ID: 3, Name: "Security SLA", Priorities: []ticketing.Priority{{ID: 1, Name: "High"}, {ID: 2, Name: "Low"}}}}}
	common := ticketing.TypePolicy{Enabled: true, SLAID: 3, Category: "Security", Urgency: 2}
	p := ticketing.Policy{Types: map[string]ticketing.TypePolicy{
		"av": common, "aph": common,
		"hd": {Enabled: true, SLAID: 3, Category: "Security", Urgency: 1},
		// Off and never set: follows the group.
	}}
	var rows []typeRow
	for _, t := range ticketing.KnownTypes() {
		if slices.Contains([]string{"av", "hd", "aph", "fw"}, t.Type) {
			rows = append(rows, typeRowOf(t, p.Types[t.Type], cat, nil, fieldErrors{}))
		}
	}
	groups := groupTypes(rows, p, cat, nil)
	if len(groups) != 1 || groups[0].Key != "gravityzone" || groups[0].Enabled != 3 {
		t.Fatalf("groups %+v, want GravityZone with 3 types on", groups)
	}
	own := map[string]bool{}
	for _, row := range groups[0].Types {
		own[row.Key] = row.Own
	}
	if want := map[string]bool{"av": false, "aph": false, "hd": true, "fw": false}; !maps.Equal(own, want) {
		t.Errorf("own settings %v, want %v: only HyperDetect differs from the others", own, want)
	}
	urgency := groups[0].Settings.Urgencies
	if i := slices.IndexFunc(urgency, func(o option) bool { return o.Selected }); i < 0 || urgency[i].Value != "2" {
		t.Errorf("the group's urgency %+v, want 2, as antimalware and antiphishing have", urgency)
	}
}
