package api_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"halobridge/internal/api"
	"halobridge/internal/auth"
	"halobridge/internal/store"
	"halobridge/internal/store/storetest"
	"halobridge/internal/web"
)

// TestHostileInputIsTheRequestsFault sends every route path parameters,
// queries and bodies no client of the API documents: each answer is the
// request's fault (4xx) or a normal answer, never a 5xx, which the API
// keeps for halobridge's own faults.
func TestHostileInputIsTheRequestsFault(t *testing.T) {
	t.Parallel()
	b := setup(t)
	values := []string{"", "-1", "0", "99999999999999999999", "nope:x", "2026-13", "<b>\u0000\r\n" + strings.Repeat("é", 1000)}
	var bodies []string
	for _, v := range values {
		q, _ := json.Marshal(v)
		bodies = append(bodies,
			fmt.Sprintf(`{"client_id": %[1]s}`, q),
			fmt.Sprintf(`{"suggestions": [{"source_id": %d, "customer_id": %s, "client_id": 99999999}]}`, b.src.ID, q),
			fmt.Sprintf(`{"products": [%s]}`, q),
			fmt.Sprintf(`{"month": %s, "dry_run": true}`, q),
			fmt.Sprintf(`{"source_id": %d, "customer_id": %s}`, b.src.ID, q),
			fmt.Sprintf(`{"policy": {"tickettype_id": 99999999, "title_template": %[1]s, "types": {%[1]s: {"enabled": true}}}}`, q),
			fmt.Sprintf(`{"tickettype_id": 99999999, "title_template": %s}`, q),
			fmt.Sprintf(`{"mode": %[1]s, "products": {%[1]s: {"item_id": -1}}}`, q),
			fmt.Sprintf(`{"url": %[1]s, "auth_url": %[1]s, "tenant": %[1]s, "client_id": %[1]s, "client_secret": %[1]s}`, q),
			fmt.Sprintf(`{"kind": %[1]s, "name": %[1]s, "api_url": %[1]s, "api_key": %[1]s}`, q),
			fmt.Sprintf(`{"name": %s}`, q),
			fmt.Sprintf(`{"title_template": %[1]s, "type": %[1]s}`, q),
		)
	}
	bodies = append(bodies, ``, `null`, `[]`, `{}`, `{"ids": [-1, 99999999999]}`, `{"all": true, "suggestions": []}`,
		`{"top_level_id": -1}`, `{"client_id": 1e300}`, `{"products": `+strings.Repeat("[", 10000)+`}`)
	for _, route := range api.Patterns() {
		method, path, ok := strings.Cut(route, " ")
		if !ok {
			// The 404 of every other path under /api/v1/.
			continue
		}
		for _, v := range []string{"999999", "-1", "x", "nope:x", fmt.Sprint(b.src.ID), "same"} {
			target := strings.NewReplacer("{source}", v, "{customer}", v, "{id}", v).Replace(path)
			if method == http.MethodGet {
				query := "?mapped=" + v + "&top_level=" + v + "&search=" + v + "&state=" + v + "&kind=" + v + "&limit=" + v
				if status, got := b.call(t, b.a.ID, method, target+query, ""); status >= 500 {
					t.Errorf("%s %s%s: %d\n%.600s", method, target, query, status, got)
				}
				continue
			}
			for _, body := range bodies {
				if status, got := b.call(t, b.a.ID, method, target, body); status >= 500 {
					t.Errorf("%s %s with %.80q: %d\n%.600s", method, target, body, status, got)
				}
			}
		}
	}
}

// TestOwnFaultsCarryTheRequestID answers with the database gone: 500,
// with the request id of the answer's header in the body, for a person
// to quote, and in the log line of the failure.
func TestOwnFaultsCarryTheRequestID(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.Context(), store.Config{DatabaseURL: "sqlite://" + filepath.Join(t.TempDir(), "halobridge.db"), Keys: storetest.NewKeyring(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	var logs strings.Builder
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	handler := api.New(api.Deps{Store: st, Logger: logger})
	srv := web.New(web.Deps{Store: st, Gatherer: prometheus.NewRegistry(), Logger: logger, Routes: []web.Route{{Pattern: "/api/v1/",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			handler.ServeHTTP(w, r.WithContext(auth.WithPartner(r.Context(), 1)))
		})}}})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/events", nil))
	id := rec.Header().Get(web.RequestIDHeader)
	var answer struct{ Error web.Problem }
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		t.Fatalf("%v: %s", err, rec.Body.String())
	}
	if rec.Code != http.StatusInternalServerError || id == "" || answer.Error.RequestID != id || !strings.Contains(answer.Error.Message, "request id "+id) {
		t.Errorf("GET /api/v1/events without a database: %d, X-Request-Id %q, answer %+v; want 500 carrying the id", rec.Code, id, answer.Error)
	}
	if !strings.Contains(logs.String(), `"request_id":"`+id+`"`) || !strings.Contains(logs.String(), `"msg":"API request failed"`) {
		t.Errorf("the log does not carry the request id %s:\n%s", id, logs.String())
	}
}
