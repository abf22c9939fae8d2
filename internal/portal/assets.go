package portal

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
	"time"
)

// assetFiles are served as they are: htmx (vendored, pinned at 2.0.11; no
// CDN and no Node at build time), the stylesheet and the few lines of
// script that show htmx errors.
//
//go:embed assets/htmx-2.0.11.min.js assets/portal.css assets/portal.js
var assetFiles embed.FS

// assetTypes are the content types of the files served.
var assetTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
}

// asset serves one embedded file, with an ETag so that browsers revalidate
// cheaply after an upgrade changed it.
func (h *handler) asset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	body, err := assetFiles.ReadFile("assets/" + name)
	contentType, known := assetTypes[path.Ext(name)]
	if err != nil || !known {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256(body)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}
