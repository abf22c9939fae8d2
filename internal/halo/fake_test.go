package halo

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"halobridge/internal/outbound"
)

// fakeHalo is a tiny Halo for unit tests: a token endpoint that counts its calls and an /api
// handler each test writes. Integration tests use halosim instead.
type fakeHalo struct {
	srv *httptest.Server

	mu        sync.Mutex
	tokenForm []url.Values // one per token request
	tokenURLs []string
	api       []recorded // one per /api request
	expiresIn int
}

type recorded struct {
	Method string
	Path   string
	Query  url.Values
	Auth   string
	Body   string
}

func newFakeHalo(t *testing.T, api http.HandlerFunc) *fakeHalo {
	t.Helper()
	f := &fakeHalo{expiresIn: 3600}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		f.tokenForm = append(f.tokenForm, r.PostForm)
		f.tokenURLs = append(f.tokenURLs, r.URL.String())
		n, expires := len(f.tokenForm), f.expiresIn
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": fmt.Sprintf("access-%d", n), "token_type": "Bearer", "expires_in": expires,
		})
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.api = append(f.api, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Auth: r.Header.Get("Authorization"), Body: string(body)})
		f.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		api(w, r)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeHalo) config() Config {
	return Config{
		Outbound:     outbound.Local(),
		ResourceURL:  f.srv.URL + "/api/",
		AuthURL:      f.srv.URL + "/auth",
		ClientID:     "client-id",
		ClientSecret: "client-secret",
		RetryBackoff: time.Millisecond,
	}
}

func (f *fakeHalo) client(t *testing.T, edit func(*Config)) *Client {
	t.Helper()
	cfg := f.config()
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func (f *fakeHalo) apiRequests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.api...)
}

func (f *fakeHalo) tokenRequests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.tokenForm...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// pagedClients serves /api/Client like Halo: {record_count, clients, page_no, page_size},
// honouring pageinate/page_size/page_no, with the page size capped at capSize when above 0.
func pagedClients(total, capSize int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		rows := make([]map[string]any, 0, total)
		for i := 1; i <= total; i++ {
			rows = append(rows, map[string]any{"id": i, "name": fmt.Sprintf("Client %d", i)})
		}
		body := map[string]any{"record_count": total}
		if q.Get("pageinate") == "true" {
			var size, pageNo int
			fmt.Sscan(q.Get("page_size"), &size)
			fmt.Sscan(q.Get("page_no"), &pageNo)
			if capSize > 0 && size > capSize {
				size = capSize
			}
			start := min((pageNo-1)*size, total)
			rows = rows[start:min(start+size, total)]
			body["page_no"], body["page_size"] = pageNo, q.Get("page_size")
		}
		body["clients"] = rows
		writeJSON(w, http.StatusOK, body)
	}
}
