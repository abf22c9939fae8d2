package portal

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/web"
)

// The portal answers under /api/v1/ for what its pages do that the API of
// package api does not: the setup, the HaloPSA connection and its test,
// the sources, the title preview, the latest alerts and the activity the
// charts draw. Answers have the shape of that API's, errors included:
// {"error": {"code", "message", "field"}}.

// maxAPIBody bounds a JSON request body; the largest is a ticket policy.
const maxAPIBody = 1 << 20

type apiErrorBody struct {
	Error web.Problem `json:"error"`
	// Fields lists every field at fault when there are several, as package
	// api lists a refused policy's.
	Fields []web.Problem `json:"fields,omitempty"`
}

type apiField struct {
	Field   string
	Message string
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	writeJSON(w, status, apiErrorBody{Error: web.Problem{Code: code, Message: message}.ForStatus(r, status)})
}

// apiInvalid answers 400 with every field at fault.
func apiInvalid(w http.ResponseWriter, message string, fields []apiField) {
	body := apiErrorBody{Error: web.Problem{Code: "invalid_input", Message: message}}
	for _, f := range fields {
		body.Fields = append(body.Fields, web.Problem{Code: "invalid_input", Field: f.Field, Message: capitalise(f.Message) + "."})
	}
	if len(fields) == 1 {
		body.Error.Field = fields[0].Field
	}
	writeJSON(w, http.StatusBadRequest, body)
}

// apiFail answers a service error as package api does.
func (h *handler) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		input   *events.InputError
		field   *connect.FieldError
		limited *halo.RateLimitError
	)
	switch {
	case errors.As(err, &input):
		apiInvalid(w, capitalise(input.Message)+".", []apiField{{Field: input.Field, Message: input.Message}})
	case errors.As(err, &field):
		apiInvalid(w, capitalise(field.Message)+".", []apiField{{Field: field.Field, Message: field.Message}})
	case errors.Is(err, connect.ErrDeliveryBusy):
		apiError(w, r, http.StatusConflict, "delivery_busy", capitalise(connect.ErrDeliveryBusy.Error())+".")
	case errors.Is(err, store.ErrNotFound):
		apiError(w, r, http.StatusNotFound, "not_found", "Not found.")
	case errors.Is(err, connect.ErrNotConnected):
		apiError(w, r, http.StatusConflict, "halo_not_connected", "Connect HaloPSA first.")
	case errors.Is(err, store.ErrConflict):
		apiError(w, r, http.StatusConflict, "conflict", capitalise(err.Error())+".")
	case errors.Is(err, store.ErrInvalid):
		apiError(w, r, http.StatusBadRequest, "invalid_input", capitalise(err.Error())+".")
	case errors.As(err, &limited):
		web.RetryAfter(w, limited.RetryAfter)
		apiError(w, r, http.StatusTooManyRequests, "halo_rate_limited", capitalise(err.Error())+".")
	case isHaloError(err):
		h.deps.Logger.Warn("HaloPSA failed an API request", "request_id", web.RequestID(r), "path", r.URL.Path, "error", err)
		apiError(w, r, http.StatusBadGateway, "halo_error", err.Error())
	default:
		apiError(w, r, http.StatusInternalServerError, "internal", "halobridge could not do this just now; try again in a moment. "+
			web.Fault(h.deps.Logger, r, "API request failed", err, "partner_id", callerOf(r).partnerID))
	}
}

// decodeJSON reads a JSON body into v, refusing unknown fields so that a
// misspelt one is noticed, and numbers out of bounds or texts holding NUL
// (web.CheckInput); it
// answers 400 (413 when the body is too large) itself and returns false.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if msg, tooBig := web.TooLarge(err); tooBig {
		apiError(w, r, http.StatusRequestEntityTooLarge, "too_large", msg)
		return false
	}
	if err != nil {
		apiInvalid(w, fmt.Sprintf("The body is not the JSON this route takes: %v.", err), nil)
		return false
	}
	if field, msg := web.CheckInput(v); field != "" {
		apiInvalid(w, capitalise(msg), []apiField{{Field: field, Message: strings.TrimSuffix(msg, ".")}})
		return false
	}
	return true
}
