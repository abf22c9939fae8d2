package halosim

import (
	"net/http"
	"testing"
)

func TestTicketTypeMandatoryFields(t *testing.T) {
	t.Parallel()
	b := setup(t, Options{})
	tok := b.token(t, "all")
	sc := findTicketScene(t, b)

	t.Run("DetailsListTheFieldsAndWhichAreMandatory", func(t *testing.T) {
		t.Parallel()
		resp := b.send(t, "GET", "/api/TicketType/22?includedetails=true", tok, nil)
		wantStatus(t, resp, http.StatusOK)
		got := decode[TicketType](t, resp)
		if !got.HasMandatoryTechFields {
			t.Error("hasmandatorytechfields is false")
		}
		mandatory := map[string]bool{}
		for _, f := range got.Fields {
			if f.RTID != 22 {
				t.Errorf("field %q has rtid %d, want 22", f.FieldName, f.RTID)
			}
			mandatory[f.FieldInfo.FaultsFieldName] = f.TechNew == 3
		}
		want := map[string]bool{"summary": true, "category_1": true, "impact": true, "urgency": false}
		for name, m := range want {
			if got, ok := mandatory[name]; !ok || got != m {
				t.Errorf("field %s: listed %v, mandatory %v; want mandatory %v", name, ok, got, m)
			}
		}
	})

	t.Run("FieldsOnlyWithIncludeDetails", func(t *testing.T) {
		t.Parallel()
		if got := decode[TicketType](t, b.send(t, "GET", "/api/TicketType/22", tok, nil)); len(got.Fields) != 0 {
			t.Errorf("without includedetails: %d fields", len(got.Fields))
		}
		for _, tt := range decode[[]TicketType](t, b.send(t, "GET", "/api/TicketType", tok, nil)) {
			if len(tt.Fields) != 0 {
				t.Errorf("the list answers %d fields for type %d", len(tt.Fields), tt.ID)
			}
		}
	})

	refused := []struct {
		name    string
		ticket  map[string]any
		message string
	}{
		{"LackingCategoryAndImpact", map[string]any{}, "Category and Impact are required"},
		{"LackingImpact", map[string]any{"category_1": "Security"}, "Impact is required"},
		{"LackingCategory", map[string]any{"impact": 2, "urgency": 1}, "Category is required"},
		{"WithAnEmptyCategory", map[string]any{"category_1": "", "impact": 2}, "Category is required"},
	}
	for _, tc := range refused {
		t.Run("Refuses"+tc.name, func(t *testing.T) {
			t.Parallel()
			body := map[string]any{"summary": "s", "client_id": sc.client.ID, "tickettype_id": 22}
			for k, v := range tc.ticket {
				body[k] = v
			}
			wantHaloError(t, b.send(t, "POST", "/api/Tickets", tok, []map[string]any{body}), http.StatusBadRequest, tc.message)
		})
	}

	t.Run("AcceptsATicketWithEveryMandatoryField", func(t *testing.T) {
		t.Parallel()
		body := []map[string]any{{"summary": "s", "client_id": sc.client.ID, "tickettype_id": 22, "category_1": "Security", "impact": 2}}
		resp := b.send(t, "POST", "/api/Tickets", tok, body)
		wantStatus(t, resp, http.StatusCreated)
		if got := decode[Ticket](t, resp); got.Category1 != "Security" || got.Impact != 2 || got.TicketTypeID != 22 {
			t.Errorf("stored category %q, impact %d, type %d", got.Category1, got.Impact, got.TicketTypeID)
		}
	})

	t.Run("OtherTypesRequireNothing", func(t *testing.T) {
		t.Parallel()
		body := []map[string]any{{"summary": "s", "client_id": sc.client.ID, "tickettype_id": 1}}
		wantStatus(t, b.send(t, "POST", "/api/Tickets", tok, body), http.StatusCreated)
	})
}
