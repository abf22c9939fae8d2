package portal

import (
	"embed"
	"net/http"

	"halobridge/internal/web"
)

// assetFiles are served as they are: htmx (vendored, pinned at 2.0.11; no
// CDN and no Node at build time), the stylesheet and the few lines of
// script that show htmx errors.
//
//go:embed assets/htmx-2.0.11.min.js assets/portal.css assets/portal.js
var assetFiles embed.FS

// asset serves one embedded file.
func (h *handler) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	body, err := assetFiles.ReadFile("assets/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	web.ServeAsset(w, r, name, body)
}
