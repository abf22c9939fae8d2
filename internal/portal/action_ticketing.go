package portal

import (
	"fmt"
	"net/http"

	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/ticketing/deliver"
)

// testResult is what a test ticket did.
type testResult struct {
	Result    deliver.TestTicketResult
	TicketURL string
	Error     string
}

// testTicket creates a real ticket in HaloPSA for one mapped company with
// the current policy, and shows HaloPSA's answer.
func (h *handler) testTicket(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	sourceID, customerID, err := parseCompany(form.Get("company"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	src, err := h.deps.Store.Source(r.Context(), sourceID)
	if err == nil && src.PartnerID != c.partnerID {
		err = fmt.Errorf("source %d: %w", sourceID, store.ErrNotFound)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.deps.Tickets.TestTicket(r.Context(), c.partnerID, sourceID, customerID)
	out := testResult{Result: res}
	if err != nil {
		// TestTicket explains what stops the test (no policy, HaloPSA
		// unreachable) in words meant for the person who asked.
		h.deps.Logger.Info("test ticket not made", "partner_id", c.partnerID, "error", err)
		out.Error = capitalise(err.Error()) + "."
	}
	if res.TicketID > 0 {
		root, err := h.deps.Halo.Root(r.Context(), c.partnerID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out.TicketURL = halo.AgentPage(root, "ticket", res.TicketID)
	}
	h.fragment(w, r, http.StatusOK, viewTicketing, "test-result", out)
}
