package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/web"
)

// maxBody bounds a request body; the largest is a bulk accept of a few
// thousand suggestions.
const maxBody = 1 << 20

// errorBody is every error answer: {"error": {"code", "message", "field",
// "request_id"}}; field names the input at fault in 400 answers, and 5xx
// answers carry the request id.
type errorBody struct {
	Error web.Problem `json:"error"`
}

func (h *handler) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		h.deps.Logger.Warn("API answer not sent", "error", err)
	}
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, status int, code, field, message string) {
	h.json(w, status, errorBody{Error: web.Problem{Code: code, Message: message, Field: field}.ForStatus(r, status)})
}

// badInput answers 400 naming the field at fault.
func (h *handler) badInput(w http.ResponseWriter, r *http.Request, field, message string) {
	h.fail(w, r, http.StatusBadRequest, "invalid_input", field, message)
}

// failErr answers the status err calls for. A record not found says no
// more than that, whoever's it is, so that another partner's ids reveal
// nothing; unexpected errors are logged and answered in general terms.
func (h *handler) failErr(w http.ResponseWriter, r *http.Request, err error) {
	var (
		input   *events.InputError
		limited *halo.RateLimitError
		apiErr  *halo.APIError
		oauth   *halo.OAuthError
	)
	switch {
	case errors.As(err, &input):
		h.badInput(w, r, input.Field, input.Message)
	case errors.Is(err, store.ErrNotFound):
		h.fail(w, r, http.StatusNotFound, "not_found", "", "Not found.")
	case errors.Is(err, store.ErrConflict):
		h.fail(w, r, http.StatusConflict, "conflict", "", err.Error())
	case errors.Is(err, store.ErrInvalid):
		h.fail(w, r, http.StatusBadRequest, "invalid_input", "", err.Error())
	case errors.Is(err, connect.ErrNotConnected):
		h.fail(w, r, http.StatusConflict, "halo_not_connected", "", "Connect HaloPSA first.")
	case errors.As(err, &limited):
		web.RetryAfter(w, limited.RetryAfter)
		h.fail(w, r, http.StatusTooManyRequests, "halo_rate_limited", "", err.Error())
	case errors.As(err, &apiErr), errors.As(err, &oauth):
		// HaloPSA's own words: what went wrong there, and the event raised
		// for it says how to fix it.
		h.deps.Logger.Warn("HaloPSA failed an API request", "request_id", web.RequestID(r), "path", r.URL.Path, "error", err)
		h.fail(w, r, http.StatusBadGateway, "halo_error", "", err.Error())
	default:
		h.fail(w, r, http.StatusInternalServerError, "internal", "", "Something went wrong on our side; it has been logged. "+
			web.Fault(h.deps.Logger, r, "API request failed", err))
	}
}

// decode reads a JSON body into v, refusing unknown fields so that a typo
// is an error rather than a silent default, and numbers out of bounds or
// texts holding NUL (web.CheckInput). It answers 400 naming the field (413 when the body is
// too large) itself and returns false on failure.
func (h *handler) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if msg, tooBig := web.TooLarge(err); tooBig {
		h.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", "", msg)
		return false
	}
	if errors.Is(err, io.EOF) {
		h.badInput(w, r, "", "The request needs a JSON body.")
		return false
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		h.badInput(w, r, typeErr.Field, fmt.Sprintf("%s must be a %s, not a %s.", typeErr.Field, typeErr.Type, typeErr.Value))
		return false
	}
	if err != nil {
		h.badInput(w, r, "", "The request body is not valid JSON: "+err.Error())
		return false
	}
	if field, msg := web.CheckInput(v); field != "" {
		h.badInput(w, r, field, msg)
		return false
	}
	return true
}

// pathID reads a positive id from the path; it answers 400 itself and
// returns false when the segment is not one.
func (h *handler) pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, ok := web.ParseID(r.PathValue(name))
	if !ok {
		h.badInput(w, r, name, fmt.Sprintf("%s must be a whole number from 1 to %d, not %q.", name, web.MaxNumber, r.PathValue(name)))
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
	if err != nil || n < 0 || n > web.MaxNumber {
		h.badInput(w, r, name, fmt.Sprintf("%s must be a whole number from 0 to %d, not %q.", name, web.MaxNumber, text))
		return 0, false
	}
	return n, true
}
