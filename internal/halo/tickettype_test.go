package halo

import (
	"context"
	"net/http"
	"testing"

	"halobridge/internal/halo/halosim"
)

func TestTicketTypeDetail(t *testing.T) {
	t.Parallel()

	t.Run("ReadsTheSimulatorsStrictTypeInOneRequest", func(t *testing.T) {
		t.Parallel()
		c, b := setupSim(t, halosim.Options{}, nil)
		got, err := c.TicketTypeDetail(context.Background(), 22)
		mustNoErr(t, "read ticket type 22", err)
		if n := len(b.sent("GET", "/api/TicketType/22")); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
		mandatory := map[string]string{}
		for _, f := range got.Fields {
			if f.Mandatory() {
				mandatory[f.Field()] = f.Label()
			}
		}
		want := map[string]string{"summary": "Summary", "category_1": "Category", "impact": "Impact"}
		if len(mandatory) != len(want) {
			t.Errorf("mandatory fields %v, want %v", mandatory, want)
		}
		for field, label := range want {
			if mandatory[field] != label {
				t.Errorf("mandatory %s labelled %q, want %q", field, mandatory[field], label)
			}
		}
		if got.ID != 22 || got.Name == "" {
			t.Errorf("type %d %q", got.ID, got.Name)
		}
	})

	t.Run("DecodesLenientlyAndKnowsDefaults", func(t *testing.T) {
		t.Parallel()
		f := newFakeHalo(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("includedetails") != "true" {
				t.Errorf("query %s lacks includedetails=true", r.URL.RawQuery)
			}
			w.Header().Set("Content-Type", "application/json")
			// technew as text, a mandatory fieldinfo with a default, default_impact -1.
			_, _ = w.Write([]byte(`{"id":7,"name":"Alerts","default_impact":-1,"default_category_1":"",
				"fields":[
				 {"id":1,"fieldname":"Category","technew":"3","fieldinfo":{"name":"category_1","label":"Category","faults_field_name":"category_1"}},
				 {"id":2,"fieldname":"Urgency","technew":1,"fieldinfo":{"name":"urgency","mandatory":true,"defaultvalue":"2","faults_field_name":"urgency"}},
				 {"id":3,"fieldname":"Impact","technew":2,"fieldinfo":{"name":"impact","mandatory":true,"faults_field_name":null}},
				 {"id":4,"fieldname":"Device","technew":2,"fieldinfo":{"name":"CFDevice","label":"Device"}}]}`))
		})
		got, err := f.client(t, nil).TicketTypeDetail(context.Background(), 7)
		mustNoErr(t, "read ticket type 7", err)
		if got.DefaultImpact != 0 {
			t.Errorf("default impact %d, want 0 for -1", got.DefaultImpact)
		}
		want := []struct {
			field     string
			mandatory bool
		}{{"category_1", true}, {"urgency", false}, {"impact", true}, {"cfdevice", false}}
		if len(got.Fields) != len(want) {
			t.Fatalf("%d fields, want %d", len(got.Fields), len(want))
		}
		for i, w := range want {
			if f := got.Fields[i]; f.Field() != w.field || f.Mandatory() != w.mandatory {
				t.Errorf("field %d: %s mandatory %v, want %s mandatory %v", i, f.Field(), f.Mandatory(), w.field, w.mandatory)
			}
		}
	})

	t.Run("AnUnknownTypeIsNotFound", func(t *testing.T) {
		t.Parallel()
		c, _ := setupSim(t, halosim.Options{}, nil)
		if _, err := c.TicketTypeDetail(context.Background(), 999); !IsNotFound(err) {
			t.Errorf("err %v, want not found", err)
		}
	})
}
