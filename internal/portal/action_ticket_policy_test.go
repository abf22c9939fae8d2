package portal

import (
	"maps"
	"net/url"
	"slices"
	"testing"
)

func TestParseTicketPolicyTakesTypesOnlyFromTypesFields(t *testing.T) {
	t.Parallel()
	form := url.Values{"types.av.sla_id": {"3"}, "x.sla_id": {"3"}, "types..sla_id": {"3"}, "types.fw.enabled": {"on"}}
	got := parseTicketPolicy(form).Policy.Types
	if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, []string{"av"}) {
		t.Errorf("alert types %v, want only av: x.sla_id and types..sla_id name no type, and a type is read from its sla_id", names)
	}
}
