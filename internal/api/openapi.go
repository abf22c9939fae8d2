package api

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes halobridge's JSON API: every route under
// /api/v1/, and the push API's routes by reference to its own document.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPI serves the document, to anyone: it holds no partner's data.
func (h *handler) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(openAPIDocument)
}
