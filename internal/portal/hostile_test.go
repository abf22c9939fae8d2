package portal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"halobridge/internal/portal"
)

// formFields are the names the portal's forms read, with the per-type and
// per-product fields of the policies.
var formFields = []string{
	"activated", "add_type", "agent_id", "api_key", "api_url", "auth_url", "basis", "bill_day", "billing", "client_id",
	"client_secret", "closing_status_id", "company", "confirm", "consent", "customer_id", "days", "fallback_client_id",
	"halo_url", "id", "include_period", "initial_status_id", "job", "kind", "limit", "match_end_user", "mode", "month", "name",
	"note_outcome_id", "rounding.push", "saved", "show", "show_updates_to_user", "source_id", "step", "team", "tenant",
	"then", "ticketing", "tickettype_id", "title_template", "type", "types.malware.enabled", "types.malware.sla_id",
	"types.malware.priority_id", "types.<b>.enabled", "products.endpoint-protection", "products.nope:x", "top_level_id",
	"types.malware.group", "types.malware.own", "types.malware.priority_by_severity.high", "groups.push.sla_id",
	"groups.push.priority_by_severity.critical", "groups.push.auto_close", "group", "company_name", "client_name", "page", "q", "mapped",
}

// hostileValues are what a form or a query may carry instead of what the
// page sent.
var hostileValues = []string{
	"",
	"-1",
	"99999999999999999999",
	"nope:x",
	"2026-13",
	"<script>alert(1)</script>\x00\r\n" + strings.Repeat("é", 1000),
}

// hostileJSON are bodies the JSON routes may receive instead of theirs:
// junk, and their own fields with each hostile value.
func hostileJSON() []string {
	bodies := slices.Clone(hostileBodies)
	for _, v := range hostileValues {
		q, _ := json.Marshal(v)
		for _, shape := range []string{
			`{"url": %[1]s, "auth_url": %[1]s, "tenant": %[1]s, "client_id": %[1]s, "client_secret": %[1]s}`,
			`{"kind": %[1]s, "name": %[1]s, "api_url": %[1]s, "api_key": %[1]s}`,
			`{"kind": "push", "name": %[1]s}`,
			`{"name": %[1]s, "api_url": %[1]s, "api_key": %[1]s}`,
			`{"title_template": %[1]s, "type": %[1]s}`,
		} {
			bodies = append(bodies, fmt.Sprintf(shape, q))
		}
	}
	return bodies
}

var hostileBodies = []string{
	``,
	`null`,
	`[]`,
	`{}`,
	`"x"`,
	`{"id": -1, "source_id": -1, "client_id": 99999999999, "customer_id": "` + strings.Repeat("x", 5000) + `"}`,
	`{"url": "javascript:alert(1)", "client_id": "\u0000", "client_secret": "", "tenant": "../../"}`,
	`{"kind": "nope", "name": "", "api_url": "http://169.254.169.254/", "api_key": "k"}`,
	`{"template": "{{` + strings.Repeat("{{", 2000) + `"}`,
	`{"consent": true, "activated": "yes"}`,
	`{"tickettype_id": -5, "types": {"<b>": {"enabled": true, "sla_id": 99999999}}}`,
}

// TestHostileInputIsTheRequestsFault sends every route of the portal, as
// an active partner, forms, queries and JSON bodies no page of
// halobridge sends: each answer is the request's fault (4xx) or a normal
// answer, never a 5xx, which halobridge keeps for its own faults.
func TestHostileInputIsTheRequestsFault(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p, src := b.activePartner(t, "Hostile Input")
	b.mapForTickets(t, p, src)
	ids := []string{"999999", "-1", "x", fmt.Sprint(src.ID)}
	for _, pattern := range portal.Patterns() {
		method, path, _ := strings.Cut(pattern, " ")
		if method == http.MethodGet && strings.HasPrefix(path, "/assets/") {
			continue
		}
		for _, id := range ids {
			target := strings.NewReplacer("{id}", id, "{file}", id, "{$}", "").Replace(path)
			for _, v := range hostileValues {
				form := url.Values{}
				for _, f := range formFields {
					form.Set(f, v)
				}
				var res response
				switch {
				case method == http.MethodGet:
					res = b.get(t, p, target+"?"+form.Encode())
				case strings.HasPrefix(target, "/api/"):
					continue
				default:
					res = b.post(t, p, target, form, true)
				}
				if res.status >= 500 {
					t.Errorf("%s %s with every field %.40q: %d\n%.600s", method, target, v, res.status, res.body)
				}
			}
			if !strings.HasPrefix(target, "/api/") || method == http.MethodGet {
				continue
			}
			for _, body := range hostileJSON() {
				if res := b.sendJSON(t, p, method, target, body); res.status >= 500 {
					t.Errorf("%s %s with %.60q: %d\n%.600s", method, target, body, res.status, res.body)
				}
			}
		}
	}
}
