package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/web"
)

// maxBody bounds a request body; the largest are a bulk accept of a few
// thousand suggestions and a ticket policy.
const maxBody = 1 << 20

// Every answer is JSON written by web.WriteJSON; every error answer is
// web.ErrorBody: {"error": {"code", "message", "field", "request_id"},
// "fields": [...]}; field names the input at fault in 400 answers, fields
// lists every one when there are several, and 5xx answers carry the
// request id.

func (h *handler) json(w http.ResponseWriter, status int, v any) { web.WriteJSON(w, status, v) }

func (h *handler) fail(w http.ResponseWriter, r *http.Request, status int, code, field, message string) {
	web.WriteError(w, r, status, web.Problem{Code: code, Message: message, Field: field})
}

// badInput answers 400 naming the field at fault.
func (h *handler) badInput(w http.ResponseWriter, r *http.Request, field, message string) {
	h.fail(w, r, http.StatusBadRequest, "invalid_input", field, message)
}

// invalid answers 400 with every field at fault, in a stable order.
func (h *handler) invalid(w http.ResponseWriter, message string, fields map[string]string) {
	body := web.ErrorBody{Error: web.Problem{Code: "invalid_input", Message: message}}
	for field, msg := range fields {
		body.Fields = append(body.Fields, web.Problem{Code: "invalid_input", Field: field, Message: sentence(msg)})
	}
	slices.SortFunc(body.Fields, func(a, b web.Problem) int { return strings.Compare(a.Field, b.Field) })
	if len(fields) == 1 {
		body.Error.Field = body.Fields[0].Field
	}
	web.WriteJSON(w, http.StatusBadRequest, body)
}

// StatusOf is the status and error code an error of halobridge's services
// calls for, for the JSON API and the portal's pages alike: the request's
// fault is 400 (invalid_input), a record that is not the caller's or does
// not exist 404, a state that forbids the request 409, HaloPSA's request
// budget spent 429, HaloPSA refusing or failing 502, and anything else
// halobridge's own fault, 500.
func StatusOf(err error) (int, string) {
	var (
		input   *events.InputError
		field   *connect.FieldError
		limited *halo.RateLimitError
	)
	switch {
	case errors.As(err, &input), errors.As(err, &field), errors.Is(err, store.ErrInvalid):
		return http.StatusBadRequest, "invalid_input"
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, connect.ErrNotConnected):
		return http.StatusConflict, "halo_not_connected"
	case errors.Is(err, connect.ErrDeliveryBusy):
		return http.StatusConflict, "delivery_busy"
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.As(err, &limited):
		return http.StatusTooManyRequests, "halo_rate_limited"
	case IsHaloError(err):
		return http.StatusBadGateway, "halo_error"
	}
	return http.StatusInternalServerError, "internal"
}

// IsHaloError says whether err is HaloPSA's refusal or failure, in its own
// words: the event raised for it says how to fix it.
func IsHaloError(err error) bool {
	var (
		apiErr *halo.APIError
		oauth  *halo.OAuthError
	)
	return errors.As(err, &apiErr) || errors.As(err, &oauth)
}

// failErr answers the status err calls for (StatusOf). A record not found
// says no more than that, whoever's it is, so that another partner's ids
// reveal nothing; unexpected errors are logged and answered in general
// terms.
func (h *handler) failErr(w http.ResponseWriter, r *http.Request, err error) {
	status, code := StatusOf(err)
	var (
		input   *events.InputError
		field   *connect.FieldError
		limited *halo.RateLimitError
	)
	switch {
	case errors.As(err, &input):
		h.invalid(w, sentence(input.Message), map[string]string{input.Field: input.Message})
	case errors.As(err, &field):
		h.invalid(w, sentence(field.Message), map[string]string{field.Field: field.Message})
	case status == http.StatusNotFound:
		h.fail(w, r, status, code, "", "Not found.")
	case code == "halo_not_connected":
		h.fail(w, r, status, code, "", "Connect HaloPSA first.")
	case errors.As(err, &limited):
		web.RetryAfter(w, limited.RetryAfter)
		h.fail(w, r, status, code, "", sentence(err.Error()))
	case status == http.StatusBadGateway:
		h.deps.Logger.Warn("HaloPSA failed an API request", "request_id", web.RequestID(r), "path", r.URL.Path, "error", err)
		h.fail(w, r, status, code, "", err.Error())
	case status < 500:
		h.fail(w, r, status, code, "", sentence(err.Error()))
	default:
		partnerID, _ := callerOf(r)
		h.fail(w, r, status, code, "", "halobridge could not do this just now; try again in a moment. "+
			web.Fault(h.deps.Logger, r, "API request failed", err, "partner_id", partnerID))
	}
}

// sentence makes a message a sentence: capitalised, with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// decode reads a JSON body of at most maxBody bytes into v (decodeUpTo).
func (h *handler) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return h.decodeUpTo(w, r, v, maxBody)
}

// decodeUpTo reads a JSON body of at most limit bytes into v, refusing
// unknown fields so that a typo is an error rather than a silent default,
// and numbers out of bounds or texts holding NUL (web.CheckInput). It
// answers 400 naming the field (413 when the body is too large) itself and
// returns false on failure.
func (h *handler) decodeUpTo(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
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
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		h.badInput(w, r, typeErr.Field, fmt.Sprintf("%s must be a %s, not a %s.", typeErr.Field, typeErr.Type, typeErr.Value))
		return false
	}
	if err != nil {
		h.badInput(w, r, "", fmt.Sprintf("The request body is not the JSON this route takes: %v.", err))
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
