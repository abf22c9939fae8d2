package api

import (
	"errors"
	"net/http"

	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
	"halobridge/internal/web"
)

// getTicketPolicy answers the partner's ticket policy; 404 before one is saved.
func (h *handler) getTicketPolicy(w http.ResponseWriter, r *http.Request, partnerID int64) {
	p, err := h.deps.Tickets.Policy(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, p)
}

// putTicketPolicy validates and saves the ticket policy; every field at
// fault is named.
func (h *handler) putTicketPolicy(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var in deliver.SavedPolicy
	if !h.decode(w, r, &in) {
		return
	}
	saved, err := h.deps.Tickets.SavePolicy(r.Context(), partnerID, in)
	var pe *deliver.PolicyError
	if errors.As(err, &pe) {
		h.json(w, http.StatusBadRequest, fieldErrors(pe.Fields, ticketingField))
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, saved)
}

// ticketPolicyDefaults fills what a draft policy leaves empty from its
// ticket type's defaults in HaloPSA.
func (h *handler) ticketPolicyDefaults(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var in ticketing.Policy
	if !h.decode(w, r, &in) {
		return
	}
	out, err := h.deps.Tickets.PolicyDefaults(r.Context(), partnerID, in)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, out)
}

type testTicketInput struct {
	SourceID   int64  `json:"source_id"`
	CustomerID string `json:"customer_id"`
}

// testTicket creates a real test ticket for one mapping with the current
// policy and answers what HaloPSA said.
func (h *handler) testTicket(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var in testTicketInput
	if !h.decode(w, r, &in) {
		return
	}
	if in.SourceID <= 0 || in.CustomerID == "" {
		h.badInput(w, r, "customer_id", "source_id and customer_id name the mapping to test.")
		return
	}
	res, err := h.deps.Tickets.TestTicket(r.Context(), partnerID, in.SourceID, in.CustomerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, res)
}

// fieldErrors is the answer to a policy refused for several fields; field
// reads one problem's field and message.
func fieldErrors[F any](fields []F, field func(F) (name, message string)) errorList {
	out := errorList{Error: web.Problem{Code: "invalid_policy", Message: "The policy was not saved: fix the fields listed."}}
	for _, f := range fields {
		name, message := field(f)
		out.Fields = append(out.Fields, web.Problem{Code: "invalid_input", Field: name, Message: message})
	}
	return out
}

func ticketingField(f ticketing.FieldError) (string, string) { return f.Field, f.Message }

// errorList is an error answer naming every field at fault.
type errorList struct {
	Error  web.Problem   `json:"error"`
	Fields []web.Problem `json:"fields"`
}

// previewTitle renders a title template on a made-up alert of a type.
func (h *handler) previewTitle(w http.ResponseWriter, r *http.Request, _ int64) {
	var in struct {
		TitleTemplate string `json:"title_template"`
		Type          string `json:"type"`
	}
	if !h.decode(w, r, &in) {
		return
	}
	var types []string
	if in.Type != "" {
		types = []string{in.Type}
	}
	p := ticketing.PreviewTitle(in.TitleTemplate, types, h.deps.Now())
	h.json(w, http.StatusOK, map[string]string{"type": p.Type, "title": p.Title, "error": p.Error})
}
