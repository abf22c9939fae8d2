package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"halobridge/internal/api"
	"halobridge/internal/source/push"
)

// apiRoute matches a ServeMux pattern of the JSON API.
var apiRoute = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE) (/api/v1/\S+)$`)

// registeredRoutes are the /api/v1 routes of the API's route table, with
// their methods: the server mounts no other under /api/v1 (internal/cli's
// TestTenantIsolation holds it to that).
func registeredRoutes() []string {
	var out []string
	for _, r := range api.Patterns() {
		if apiRoute.MatchString(r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

type openAPIDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas   map[string]json.RawMessage `json:"schemas"`
		Responses map[string]json.RawMessage `json:"responses"`
	} `json:"components"`
}

// servedOpenAPI is the document the API serves to anyone, with its
// headers.
func servedOpenAPI(t *testing.T) (openAPIDoc, []byte, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	api.New(api.Deps{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: %d %s", rec.Code, rec.Body)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("the API document is not JSON: %v", err)
	}
	return doc, rec.Body.Bytes(), rec.Header()
}

func TestOpenAPI(t *testing.T) {
	t.Parallel()
	doc, raw, header := servedOpenAPI(t)
	routes := registeredRoutes()

	t.Run("DescribesEveryRegisteredAPIRoute", func(t *testing.T) {
		if len(routes) < 30 {
			t.Fatalf("found only %d routes under /api/v1: %v", len(routes), routes)
		}
		for _, r := range routes {
			m := apiRoute.FindStringSubmatch(r)
			if _, ok := doc.Paths[m[2]][strings.ToLower(m[1])]; !ok {
				t.Errorf("%s is registered but not in the API document", r)
			}
		}
	})

	t.Run("DescribesNoRouteThatIsNotRegistered", func(t *testing.T) {
		for path, methods := range doc.Paths {
			if !strings.HasPrefix(path, "/api/v1/") {
				continue
			}
			for method := range methods {
				if method == "parameters" {
					continue
				}
				if r := strings.ToUpper(method) + " " + path; !slices.Contains(routes, r) {
					t.Errorf("the API document describes %s, which nothing serves", r)
				}
			}
		}
	})

	t.Run("ReferencesEveryPushAPIRouteInItsOwnDocument", func(t *testing.T) {
		pushPaths := regexp.MustCompile(`(?m)^  (/api/push/v1/\S+):$`).FindAllStringSubmatch(string(push.OpenAPI), -1)
		if len(pushPaths) == 0 {
			t.Fatal("no paths found in the push API's document")
		}
		for _, m := range pushPaths {
			var item struct {
				Ref string `json:"$ref"`
			}
			if err := json.Unmarshal(doc.Paths[m[1]]["$ref"], &item.Ref); err != nil || !strings.HasPrefix(item.Ref, "/api/push/v1/openapi.yaml#/paths/") {
				t.Errorf("%s is not referenced to the push API's document: %q", m[1], item.Ref)
			}
		}
	})

	t.Run("EveryReferenceResolves", func(t *testing.T) {
		for _, m := range regexp.MustCompile(`"#/components/(schemas|responses)/([^"]+)"`).FindAllStringSubmatch(string(raw), -1) {
			var ok bool
			if m[1] == "schemas" {
				_, ok = doc.Components.Schemas[m[2]]
			} else {
				_, ok = doc.Components.Responses[m[2]]
			}
			if !ok {
				t.Errorf("%s/%s is referenced but not defined", m[1], m[2])
			}
		}
	})

	t.Run("IsServedAsJSONThatCachesMayKeep", func(t *testing.T) {
		if header.Get("Content-Type") != "application/json" || header.Get("Cache-Control") != "public, max-age=3600" {
			t.Errorf("GET /api/openapi.json: Content-Type %q, Cache-Control %q", header.Get("Content-Type"), header.Get("Cache-Control"))
		}
	})
}
