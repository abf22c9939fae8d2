package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"halobridge/internal/web"
)

func TestCheckInput(t *testing.T) {
	t.Parallel()
	type typePolicy struct {
		SLAID  int           `json:"sla_id,omitempty"`
		Window time.Duration `json:"group_window"`
	}
	type Embedded struct {
		TopLevel int `json:"top_level_id"`
	}
	type request struct {
		Embedded
		ClientID int                   `json:"client_id"`
		IDs      []int64               `json:"ids"`
		Types    map[string]typePolicy `json:"types"`
		Ratio    float64               `json:"ratio"`
		Site     *int                  `json:"site_id"`
		Raw      json.RawMessage       `json:"raw"`
		At       time.Time             `json:"at"`
		Name     string                `json:"name"`
		Tags     map[string][]string   `json:"tags"`
		Skipped  int                   `json:"-"`
		NoTag    uint
	}
	for _, tc := range []struct {
		name, body, field, message string
	}{
		{"TakesNumbersInBounds", `{"client_id":2147483647,"ids":[0,1],"types":{"av":{"sla_id":3,"group_window":3600000000000}},"ratio":0.5,"site_id":7,"raw":[-1],"at":"2026-01-01T00:00:00Z","NoTag":2}`, "", ""},
		{"RefusesANegativeID", `{"client_id":-1}`, "client_id", "client_id must be a whole number from 0 to 2147483647, not -1."},
		{"RefusesAnIDOver31Bits", `{"ids":[1,2147483648]}`, "ids[1]", "ids[1] must be a whole number from 0 to 2147483647, not 2147483648."},
		{"NamesAFieldInAMap", `{"types":{"av":{"sla_id":1},"aph":{"sla_id":-5}}}`, "types.aph.sla_id", "types.aph.sla_id must be a whole number from 0 to 2147483647, not -5."},
		{"RefusesANegativeDuration", `{"types":{"av":{"group_window":-1}}}`, "types.av.group_window", "types.av.group_window must be a duration from 0 to 87600h0m0s (315360000000000000 nanoseconds), not -1."},
		{"TakesALongDurationUpToTenYears", `{"types":{"av":{"group_window":315360000000000000}}}`, "", ""},
		{"RefusesANegativeFloat", `{"ratio":-0.5}`, "ratio", "ratio must be a number from 0 to 2147483647, not -0.5."},
		{"RefusesAFloatOver31Bits", `{"ratio":1e300}`, "ratio", "ratio must be a number from 0 to 2147483647, not 1e+300."},
		{"LooksThroughPointers", `{"site_id":-2}`, "site_id", "site_id must be a whole number from 0 to 2147483647, not -2."},
		{"NamesAnEmbeddedFieldAsJSONDoes", `{"top_level_id":-3}`, "top_level_id", "top_level_id must be a whole number from 0 to 2147483647, not -3."},
		{"RefusesANULInAText", `{"name":"a\u0000b"}`, "name", "name holds a NUL character or bytes that are not UTF-8, which halobridge does not take."},
		{"RefusesANULInANameOfAMap", `{"tags":{"x\u0000":["a"]}}`, "tags", "a name in tags holds a NUL character or bytes that are not UTF-8, which halobridge does not take."},
		{"RefusesANULDeepInALists", `{"tags":{"x":["a","\u0000"]}}`, "tags.x[1]", "tags.x[1] holds a NUL character or bytes that are not UTF-8, which halobridge does not take."},
		{"TakesTextThatEncodingJSONMadeValid", "{\"name\":\"caf\xe9 \\ud800\"}", "", ""},
		{"NamesAFieldWithoutATagByItsName", `{"NoTag":4294967296}`, "NoTag", "NoTag must be a whole number from 0 to 2147483647, not 4294967296."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var req request
			if err := json.Unmarshal([]byte(tc.body), &req); err != nil {
				t.Fatal(err)
			}
			req.Skipped = -1
			field, message := web.CheckInput(&req)
			if field != tc.field || message != tc.message {
				t.Errorf("CheckInput = %q, %q; want %q, %q", field, message, tc.field, tc.message)
			}
		})
	}
}

func TestUnreadableAddressesAndFormsAreRefused(t *testing.T) {
	t.Parallel()
	reached := 0
	srv := web.New(web.Deps{Store: nil, Routes: []web.Route{{Pattern: "/", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ })}}})
	for _, tc := range []struct {
		name, target, form, says string
	}{
		{"ANULInThePath", "/ingest/a%00b", "", "The path of the address holds a NUL character"},
		{"BytesThatAreNotUTF8InThePath", "/mapping/%ff", "", "The path of the address holds"},
		{"ANULInAQueryValue", "/api/v1/events?kind=x%00", "", `The query parameter \"kind\" holds a NUL character`},
		{"ANULInAQueryName", "/api/v1/events?k%00=1", "", "A query parameter name holds"},
		{"ANULInAFormField", "/login", "email=a%00%40b.example&password=x", `The form field "email" holds a NUL character or bytes that are not UTF-8, which halobridge does not take.`},
		{"BytesThatAreNotUTF8InAFormField", "/setup/sources", "name=%c3", `The form field "name" holds`},
	} {
		var body io.Reader
		method := http.MethodGet
		if tc.form != "" {
			method, body = http.MethodPost, strings.NewReader(tc.form)
		}
		req := httptest.NewRequest(method, tc.target, body)
		if tc.form != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.says) {
			t.Errorf("%s: %d %s; want 400 saying %q", tc.name, rec.Code, rec.Body, tc.says)
		}
	}
	if reached != 0 {
		t.Errorf("the route was reached %d times", reached)
	}
}
