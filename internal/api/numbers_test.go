package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestNumbersOutOfBoundsNameTheirField sends numbers no id or count can be:
// each is answered 400 naming the field, before anything is looked up.
func TestNumbersOutOfBoundsNameTheirField(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		name, method, path, body, field, says string
	}{
		{"ANegativeClient", "PUT", fmt.Sprintf("/api/v1/mappings/%d/c1", b.src.ID), `{"client_id":-1}`, "client_id", "client_id must be a whole number from 0 to 2147483647, not -1."},
		{"AClientOver31Bits", "PUT", fmt.Sprintf("/api/v1/mappings/%d/c1", b.src.ID), `{"client_id":1,"site_id":2147483648}`, "site_id", "site_id must be a whole number from 0 to 2147483647, not 2147483648."},
		{"AnEventIDOver31Bits", "POST", "/api/v1/events/recheck", `{"ids":[1,99999999999]}`, "ids[1]", "ids[1] must be a whole number from 0 to 2147483647"},
		{"ANegativeSuggestionClient", "POST", "/api/v1/suggestions/accept", fmt.Sprintf(`{"suggestions":[{"source_id":%d,"customer_id":"c1","client_id":-7}]}`, b.src.ID), "suggestions[0].client_id", "suggestions[0].client_id must be a whole number"},
		{"ANegativeGroupWindow", "PUT", "/api/v1/tickets/policy", `{"policy":{"types":{"av":{"enabled":true,"group_window":-1}}}}`, "policy.types.av.group_window", "must be a duration from 0 to 87600h0m0s"},
		{"ALimitOver31Bits", "GET", "/api/v1/events?limit=3000000000", "", "limit", `limit must be a whole number from 0 to 2147483647, not "3000000000".`},
		{"APathIDOver31Bits", "POST", "/api/v1/events/2147483648/recheck", "", "id", `id must be a whole number from 1 to 2147483647, not "2147483648".`},
	} {
		t.Run("Refuses"+tc.name, func(t *testing.T) {
			t.Parallel()
			status, body := b.call(t, b.a.ID, tc.method, tc.path, tc.body)
			var answer struct {
				Error struct{ Code, Field, Message string }
			}
			if err := json.Unmarshal([]byte(body), &answer); err != nil {
				t.Fatalf("%d %s: %v", status, body, err)
			}
			if status != http.StatusBadRequest || answer.Error.Field != tc.field || !strings.Contains(answer.Error.Message, tc.says) {
				t.Errorf("%d %+v; want 400 naming %s and saying %q", status, answer.Error, tc.field, tc.says)
			}
		})
	}
}
