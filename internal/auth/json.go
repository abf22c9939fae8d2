package auth

import (
	"encoding/json"
	"net/http"

	"halobridge/internal/web"
)

// errorBody is the JSON API's error answer:
// {"error":{"code":"unauthenticated","message":"..."}}.
type errorBody struct {
	Error web.Problem `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	writeJSON(w, status, errorBody{Error: web.Problem{Code: code, Message: message}.ForStatus(r, status)})
}
