package api

import (
	"net/http"

	"halobridge/internal/mapping/mapper"
)

// listSuggestions answers the suggestions waiting for a person.
func (h *handler) listSuggestions(w http.ResponseWriter, r *http.Request, partnerID int64) {
	suggestions, err := h.deps.Mappings.Suggestions(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, map[string]any{"suggestions": suggestions})
}

// suggestionsRequest names suggestions, or all of them.
type suggestionsRequest struct {
	Suggestions []mapper.Accept `json:"suggestions"`
	// All accepts every stored suggestion (ambiguous ones need a choice).
	All bool `json:"all"`
}

// acceptSuggestions confirms suggestions, one or in bulk; for an
// ambiguous one, client_id says which candidate.
func (h *handler) acceptSuggestions(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var req suggestionsRequest
	if !h.decode(w, r, &req) || !h.named(w, r, req) {
		return
	}
	var (
		res mapper.ConfirmResult
		err error
	)
	if req.All {
		res, err = h.deps.Mappings.ConfirmAll(r.Context(), partnerID)
	} else {
		res, err = h.deps.Mappings.Confirm(r.Context(), partnerID, req.Suggestions)
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, res)
}

// rejectSuggestions withdraws suggestions.
func (h *handler) rejectSuggestions(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var req suggestionsRequest
	if !h.decode(w, r, &req) || !h.named(w, r, req) {
		return
	}
	if req.All {
		h.badInput(w, r, "all", "Rejecting every suggestion at once is not offered: name the suggestions to reject.")
		return
	}
	n, err := h.deps.Mappings.Reject(r.Context(), partnerID, req.Suggestions)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, map[string]int{"rejected": n})
}

// named checks that a request names suggestions or asks for all of them.
func (h *handler) named(w http.ResponseWriter, r *http.Request, req suggestionsRequest) bool {
	switch {
	case req.All && len(req.Suggestions) > 0:
		h.badInput(w, r, "all", "Give either all or suggestions, not both.")
	case !req.All && len(req.Suggestions) == 0:
		h.badInput(w, r, "suggestions", "Name at least one suggestion: [{\"source_id\": 1, \"customer_id\": \"...\"}].")
	default:
		for _, s := range req.Suggestions {
			if s.SourceID <= 0 || s.CustomerID == "" {
				h.badInput(w, r, "suggestions", "Each suggestion needs a source_id and a customer_id.")
				return false
			}
		}
		return true
	}
	return false
}
