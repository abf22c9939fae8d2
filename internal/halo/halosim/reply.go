package halosim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// reply is a handler's answer. Handlers run under the store lock and only build replies;
// ServeHTTP writes them once the lock is released.
type reply struct {
	status      int
	body        []byte
	contentType string
	header      http.Header
}

func (r reply) write(w http.ResponseWriter) {
	for k, vs := range r.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if r.contentType != "" {
		w.Header().Set("Content-Type", r.contentType)
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body)
}

func jsonReply(status int, v any) reply {
	body, err := marshalJSON(v)
	if err != nil {
		return textReply(http.StatusInternalServerError, fmt.Sprintf("halosim: encoding the answer: %v", err))
	}
	return reply{status: status, body: body, contentType: "application/json; charset=utf-8"}
}

// marshalJSON encodes the way Halo does: no HTML escaping of note bodies or names with "&".
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func textReply(status int, text string) reply {
	return reply{status: status, body: []byte(text), contentType: "text/plain; charset=utf-8"}
}

// The error strings Halo is known to send (API.md §2.6); they are facts of the wire format.
const (
	msgInvalidClientSiteUser = "Please select a valid Client/Site/User"
	msgOutcomeRequired       = "An Outcome must be entered for this Action."
	msgOutcomeNoAccess       = "You do not have access to this Action at the moment"
	msgCABApproval           = "CODE:APP03/2 Please select the CAB members to approve"
	// No source quotes HaloPSA's refusal of a ticket missing a mandatory field: API.md §3.20
	// only says that "the API reported that Details and Category were required". These texts
	// are written after that report, in the style of HaloPSA's other refusals.
	msgMandatoryField          = "%s is required"
	msgMandatoryFields         = "%s and %s are required"
	msgActionNeedsTicket       = "An Action must be associated with a ticket_id"
	msgActionGetNeedsTicket    = "ticket_id must be specified"
	msgActionDeleteNeedsTicket = "ticket_id must be included when deleting an Action"
	msgInvalidAdvancedSearch   = "Invalid advanced search parameter(s)"
)

// exception is the serialized .NET exception Halo answers 4xx errors with.
type exception struct {
	ClassName string `json:"ClassName"`
	Message   string `json:"Message"`
}

func haloError(status int, msg string) reply {
	return haloException(status, "System.Exception", msg)
}

// haloException is the serialized .NET exception of the given class.
func haloException(status int, className, msg string) reply {
	return jsonReply(status, exception{ClassName: className, Message: msg})
}

func badRequest(format string, args ...any) reply {
	return haloError(http.StatusBadRequest, fmt.Sprintf(format, args...))
}

// HaloPSA answers 403, 404 and 500 without JSON (API.md §2.6 and issue 19): a 404 has an
// empty body, a 403 names the missing permission in plain text. Only 400 carries the
// serialized exception.

func notFound(string, any) reply { return reply{status: http.StatusNotFound} }

func forbidden(scopes []string) reply {
	return textReply(http.StatusForbidden, fmt.Sprintf("You do not have permission to access this area (%s)", strings.Join(scopes, " or ")))
}

// unauthorized follows RFC 6750: no body, the reason in WWW-Authenticate.
func unauthorized(desc string) reply {
	h := http.Header{}
	h.Set("WWW-Authenticate", fmt.Sprintf("Bearer error=\"invalid_token\", error_description=%q", desc))
	return reply{status: http.StatusUnauthorized, header: h}
}

// oauthErrorBody is the RFC 6749 error shape of the OpenIddict-based authorisation server.
type oauthErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func oauthError(status int, code, desc string) reply {
	return jsonReply(status, oauthErrorBody{Error: code, Description: desc})
}

// errReply turns a refusal into an error for the Go-side mutators.
func errReply(r reply) error {
	var e exception
	if err := json.Unmarshal(r.body, &e); err == nil && e.Message != "" {
		return errors.New("halosim: " + e.Message)
	}
	return fmt.Errorf("halosim: refused with status %d", r.status)
}
