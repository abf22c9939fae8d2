package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"time"
)

// assetTypes are the content types of the files pages load.
var assetTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
}

// ServeAsset serves body, a file embedded in the binary, as name: with an
// ETag, so that browsers revalidate cheaply after an upgrade changed it.
// Names of other types than scripts and stylesheets are not found.
func ServeAsset(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	contentType, known := assetTypes[path.Ext(name)]
	if !known {
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
