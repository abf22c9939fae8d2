package api_test

import (
	"strings"
	"testing"
)

// TestPartner renames partner B by the API; partner A keeps its name.
func TestPartner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := b.b.ID
	long := strings.Repeat("x", 101)
	cases := []struct {
		name, method, path, body string
		wantStatus               int
		want                     []string
	}{
		{"ReadsTheCallersPartner", "GET", "/api/v1/partner", "", 200, []string{`"name":"` + b.b.Name + `"`, `"slug":"` + b.b.Slug + `"`}},
		{"RefusesAnEmptyName", "PATCH", "/api/v1/partner", `{"name":"   "}`, 400, []string{`"field":"name"`, "Enter a name"}},
		{"RefusesANameTooLong", "PATCH", "/api/v1/partner", `{"name":"` + long + `"}`, 400, []string{`"field":"name"`, "at most 100 characters; this one has 101"}},
		{"RefusesALineBreak", "PATCH", "/api/v1/partner", `{"name":"Acme\nIT"}`, 400, []string{`"field":"name"`, "control characters"}},
		{"NeedsTheName", "PATCH", "/api/v1/partner", `{}`, 400, []string{`"field":"name"`}},
		{"RefusesUnknownFields", "PATCH", "/api/v1/partner", `{"name":"Acme","slug":"x"}`, 400, []string{`unknown field \"slug\"`}},
		{"RenamesTrimmedAndKeepsTheSlug", "PATCH", "/api/v1/partner", `{"name":"  Harbour Managed IT  "}`, 200,
			[]string{`"name":"Harbour Managed IT"`, `"slug":"` + b.b.Slug + `"`}},
		{"ReadsTheNewName", "GET", "/api/v1/partner", "", 200, []string{`"name":"Harbour Managed IT"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, got := b.call(t, p, tc.method, tc.path, tc.body)
			if status != tc.wantStatus {
				t.Fatalf("%s %s: %d, want %d\n%s", tc.method, tc.path, status, tc.wantStatus, got)
			}
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("%s %s lacks %s:\n%s", tc.method, tc.path, want, got)
				}
			}
		})
	}
	if _, got := b.call(t, b.a.ID, "GET", "/api/v1/partner", ""); !strings.Contains(got, `"name":"`+b.a.Name+`"`) {
		t.Errorf("partner A after B was renamed: %s", got)
	}
}
