package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"halobridge/internal/catalog"
	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// maxBody bounds a request body; the largest is a bulk accept of a few
// thousand suggestions.
const maxBody = 1 << 20

// errorBody is every error answer: {"error": {"code", "message", "field"}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Field names the input at fault, for 400 answers.
	Field string `json:"field,omitempty"`
}

func (h *handler) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		h.deps.Logger.Warn("API answer not sent", "error", err)
	}
}

func (h *handler) fail(w http.ResponseWriter, status int, code, field, message string) {
	h.json(w, status, errorBody{Error: errorDetail{Code: code, Message: message, Field: field}})
}

// badInput answers 400 naming the field at fault.
func (h *handler) badInput(w http.ResponseWriter, field, message string) {
	h.fail(w, http.StatusBadRequest, "invalid_input", field, message)
}

// failErr answers the status err calls for. A record not found says no
// more than that, whoever's it is, so that another partner's ids reveal
// nothing; unexpected errors are logged and answered in general terms.
func (h *handler) failErr(w http.ResponseWriter, r *http.Request, err error) {
	var (
		input   *catalog.InputError
		limited *halo.RateLimitError
		apiErr  *halo.APIError
		oauth   *halo.OAuthError
	)
	switch {
	case errors.As(err, &input):
		h.badInput(w, input.Field, input.Message)
	case errors.Is(err, store.ErrNotFound):
		h.fail(w, http.StatusNotFound, "not_found", "", "Not found.")
	case errors.Is(err, store.ErrConflict):
		h.fail(w, http.StatusConflict, "conflict", "", err.Error())
	case errors.Is(err, store.ErrInvalid):
		h.fail(w, http.StatusBadRequest, "invalid_input", "", err.Error())
	case errors.Is(err, connect.ErrNotConnected):
		h.fail(w, http.StatusConflict, "halo_not_connected", "", "Connect HaloPSA first.")
	case errors.As(err, &limited):
		w.Header().Set("Retry-After", strconv.Itoa(int(max(limited.RetryAfter, time.Second).Round(time.Second)/time.Second)))
		h.fail(w, http.StatusTooManyRequests, "halo_rate_limited", "", err.Error())
	case errors.As(err, &apiErr), errors.As(err, &oauth):
		// HaloPSA's own words: what went wrong there, and the event raised
		// for it says how to fix it.
		h.fail(w, http.StatusBadGateway, "halo_error", "", err.Error())
	default:
		h.deps.Logger.Error("API request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		h.fail(w, http.StatusInternalServerError, "internal", "", "Something went wrong on our side; it has been logged.")
	}
}

// decode reads a JSON body into v, refusing unknown fields so that a typo
// is an error rather than a silent default. It answers 400 itself and
// returns false on failure.
func (h *handler) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		h.badInput(w, "", "The request needs a JSON body.")
		return false
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		h.badInput(w, typeErr.Field, fmt.Sprintf("%s must be a %s, not a %s.", typeErr.Field, typeErr.Type, typeErr.Value))
		return false
	}
	if err != nil {
		h.badInput(w, "", "The request body is not valid JSON: "+err.Error())
		return false
	}
	return true
}

// pathID reads a positive id from the path; it answers 400 itself and
// returns false when the segment is not one.
func (h *handler) pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		h.badInput(w, name, fmt.Sprintf("%s must be a positive number, not %q.", name, r.PathValue(name)))
		return 0, false
	}
	return id, true
}

// queryInt reads an optional whole-number query parameter.
func (h *handler) queryInt(w http.ResponseWriter, r *http.Request, name string) (int, bool) {
	text := r.URL.Query().Get(name)
	if text == "" {
		return 0, true
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 0 {
		h.badInput(w, name, fmt.Sprintf("%s must be a whole number, not %q.", name, text))
		return 0, false
	}
	return n, true
}
