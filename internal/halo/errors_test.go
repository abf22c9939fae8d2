package halo

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewAPIError(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		status    int
		body      string
		want      APIError
		wantError string
	}{
		{
			name:   "KeepsHalosValidationMessageVerbatim",
			status: http.StatusBadRequest,
			body:   `{"ClassName":"System.Exception","Message":"Please select a valid Client/Site/User"}`,
			want: APIError{Status: 400, ClassName: "System.Exception", Message: "Please select a valid Client/Site/User",
				Body: `{"ClassName":"System.Exception","Message":"Please select a valid Client/Site/User"}`},
			wantError: "HaloPSA said: Please select a valid Client/Site/User",
		},
		{
			name:      "ReadsTheResultCodeShape",
			status:    http.StatusBadRequest,
			body:      `{"resultCode":1,"errorMessage":"Invalid advanced search parameter(s)"}`,
			want:      APIError{Status: 400, Message: "Invalid advanced search parameter(s)", Body: `{"resultCode":1,"errorMessage":"Invalid advanced search parameter(s)"}`},
			wantError: "HaloPSA said: Invalid advanced search parameter(s)",
		},
		{
			name:      "ReadsPlainText",
			status:    http.StatusBadRequest,
			body:      "An Outcome must be entered for this Action",
			want:      APIError{Status: 400, Message: "An Outcome must be entered for this Action", Body: "An Outcome must be entered for this Action"},
			wantError: "HaloPSA said: An Outcome must be entered for this Action",
		},
		{
			name:      "SaysWhenA400HasNoMessage",
			status:    http.StatusBadRequest,
			body:      "",
			want:      APIError{Status: 400},
			wantError: "HaloPSA rejected POST /api/Actions (400) without saying why",
		},
		// HaloPSA answers 403, 404 and 500 without JSON as often as not (issue 19).
		{
			name:      "NamesThePermissionAPlainText403Names",
			status:    http.StatusForbidden,
			body:      "You do not have permission to access this area (edit:invoices)",
			want:      APIError{Status: 403, Message: "You do not have permission to access this area (edit:invoices)", Permission: "edit:invoices", Body: "You do not have permission to access this area (edit:invoices)"},
			wantError: "HaloPSA denied POST /api/Actions (403), it needs the edit:invoices permission: You do not have permission to access this area (edit:invoices)",
		},
		{
			name:      "ReadsAnEmpty404",
			status:    http.StatusNotFound,
			body:      "",
			want:      APIError{Status: 404},
			wantError: "HaloPSA has no such record: POST /api/Actions (404)",
		},
		{
			name:      "ReadsAPlainText500",
			status:    http.StatusInternalServerError,
			body:      "An error has occurred. Please contact your administrator.",
			want:      APIError{Status: 500, Message: "An error has occurred. Please contact your administrator.", Body: "An error has occurred. Please contact your administrator."},
			wantError: "HaloPSA answered POST /api/Actions with 500: An error has occurred. Please contact your administrator.",
		},
		{
			name:   "NamesThePermissionA403Names",
			status: http.StatusForbidden,
			body:   `{"ClassName":"System.Exception","Message":"You do not have permission to access this area (read:customers)"}`,
			want: APIError{Status: 403, ClassName: "System.Exception", Message: "You do not have permission to access this area (read:customers)",
				Permission: "read:customers", Body: `{"ClassName":"System.Exception","Message":"You do not have permission to access this area (read:customers)"}`},
			wantError: "HaloPSA denied POST /api/Actions (403), it needs the read:customers permission: You do not have permission to access this area (read:customers)",
		},
		{
			name:   "NamesEveryAlternativePermission",
			status: http.StatusForbidden,
			body:   `{"Message":"You do not have permission to access this area (all:teams or admin)"}`,
			want: APIError{Status: 403, Message: "You do not have permission to access this area (all:teams or admin)",
				Permission: "all:teams or admin", Body: `{"Message":"You do not have permission to access this area (all:teams or admin)"}`},
			wantError: "HaloPSA denied POST /api/Actions (403), it needs the all:teams or admin permission: You do not have permission to access this area (all:teams or admin)",
		},
		{
			name:      "CutsALongAnswerToOneShortLine",
			status:    http.StatusInternalServerError,
			body:      "Stack trace:\r\n\tat Halo.Api\u001b[0m " + strings.Repeat("frame ", 60),
			want:      APIError{Status: 500, Message: "Stack trace: at Halo.Api [0m " + strings.TrimSpace(strings.Repeat("frame ", 28)) + " fra…", Body: "Stack trace:\r\n\tat Halo.Api\u001b[0m " + strings.Repeat("frame ", 60)},
			wantError: "HaloPSA answered POST /api/Actions with 500: Stack trace: at Halo.Api [0m " + strings.TrimSpace(strings.Repeat("frame ", 28)) + " fra…",
		},
		{
			name:      "IgnoresAnHTMLErrorPage",
			status:    http.StatusBadGateway,
			body:      "<html><body>Bad Gateway</body></html>",
			want:      APIError{Status: 502, Body: "<html><body>Bad Gateway</body></html>"},
			wantError: "HaloPSA answered POST /api/Actions with 502",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := newAPIError(http.MethodPost, "/api/Actions", tt.status, []byte(tt.body))
			tt.want.Method, tt.want.Path = http.MethodPost, "/api/Actions"
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("APIError (-want +got):\n%s", diff)
			}
			if got.Error() != tt.wantError {
				t.Errorf("Error() = %q, want %q", got.Error(), tt.wantError)
			}
		})
	}
}

func TestErrorHelpers(t *testing.T) {
	t.Parallel()

	wrap := func(err error) error { return fmt.Errorf("deliver alert: %w", err) }
	notFound := wrap(&APIError{Status: http.StatusNotFound})
	forbidden := wrap(&APIError{Status: http.StatusForbidden})
	badRequest := wrap(&APIError{Status: http.StatusBadRequest})
	limited := wrap(&RateLimitError{})
	maybe := wrap(&MaybeAppliedError{Err: &APIError{Status: http.StatusInternalServerError}})
	grant := wrap(&OAuthError{Status: 400, Code: "invalid_grant"})
	plain := errors.New("boom")

	tests := []struct {
		name  string
		check func(error) bool
		yes   []error
		no    []error
	}{
		{"IsNotFound", IsNotFound, []error{notFound}, []error{forbidden, plain, nil}},
		{"IsForbidden", IsForbidden, []error{forbidden}, []error{notFound, plain}},
		{"IsBadRequest", IsBadRequest, []error{badRequest}, []error{forbidden, maybe}},
		{"IsRateLimited", IsRateLimited, []error{limited}, []error{forbidden, plain}},
		{"IsMaybeApplied", IsMaybeApplied, []error{maybe}, []error{badRequest, plain}},
		{"isInvalidGrant", isInvalidGrant, []error{grant}, []error{wrap(&OAuthError{Code: "invalid_client"}), plain}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, err := range tt.yes {
				if !tt.check(err) {
					t.Errorf("%s(%v) = false, want true", tt.name, err)
				}
			}
			for _, err := range tt.no {
				if tt.check(err) {
					t.Errorf("%s(%v) = true, want false", tt.name, err)
				}
			}
		})
	}
}
