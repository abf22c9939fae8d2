package portal

import (
	"fmt"
	"net/http"
	"strings"

	"halobridge/internal/catalog"
	"halobridge/internal/store"
)

// mapCompany maps a company chosen in a client's picker to that client,
// with ticketing and billing on, as an accepted suggestion would be.
func (h *handler) mapCompany(w http.ResponseWriter, r *http.Request) {
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
	view, err := h.deps.Catalog.Map(r.Context(), c.partnerID, sourceID, customerID,
		catalog.MapInput{ClientID: formInt(form, "client_id"), Ticketing: true, Billing: true})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.mappingDone(w, r, form, flash{OK: fmt.Sprintf("Mapped %s to %s.", view.CustomerName, view.ClientName)})
}

// createClient creates a HaloPSA client named after a company no client
// fits, and maps the company to it.
func (h *handler) createClient(w http.ResponseWriter, r *http.Request) {
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
	view, err := h.deps.Catalog.CreateClient(r.Context(), c.partnerID, sourceID, customerID, 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.mappingDone(w, r, form, flash{OK: fmt.Sprintf("Created the HaloPSA client %s and mapped %s to it.", view.ClientName, view.CustomerName)})
}

func (h *handler) unmapCompany(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	sourceID, customerID, err := mappingTarget(form)
	if err == nil {
		err = h.deps.Catalog.Unmap(r.Context(), c.partnerID, sourceID, customerID)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.mappingDone(w, r, form, flash{OK: "Unmapped the company."})
}

// mappingSwitches turns one mapping's ticketing and billing on or off.
func (h *handler) mappingSwitches(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	sourceID, customerID, err := mappingTarget(form)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	m, err := h.deps.Store.Mapping(r.Context(), sourceID, customerID)
	if err == nil && (m.PartnerID != c.partnerID || !m.Confirmed) {
		err = fmt.Errorf("mapping of company %q: %w", customerID, store.ErrNotFound)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	view, err := h.deps.Catalog.Map(r.Context(), c.partnerID, sourceID, customerID,
		catalog.MapInput{ClientID: m.ClientID, SiteID: m.SiteID, Ticketing: checked(form, "ticketing"), Billing: checked(form, "billing")})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.mappingDone(w, r, form, flash{OK: fmt.Sprintf("%s: ticketing %s, billing %s.", view.CustomerName, onOff(view.Ticketing), onOff(view.Billing))})
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// acceptSuggestion confirms one suggestion; for an ambiguous one the
// client chosen comes with it.
func (h *handler) acceptSuggestion(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	sourceID, customerID, err := mappingTarget(form)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.deps.Catalog.Confirm(r.Context(), c.partnerID, []catalog.Accept{{SourceID: sourceID, CustomerID: customerID, ClientID: formInt(form, "client_id")}})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.mappingDone(w, r, form, confirmFlash(res))
}

// acceptAllSuggestions is bulk accept: every clear suggestion at once.
func (h *handler) acceptAllSuggestions(w http.ResponseWriter, r *http.Request) {
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	res, err := h.deps.Catalog.ConfirmAll(r.Context(), callerOf(r).partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.mappingDone(w, r, form, confirmFlash(res))
}

func confirmFlash(res catalog.ConfirmResult) flash {
	var f flash
	if n := len(res.Confirmed); n > 0 {
		f.OK = fmt.Sprintf("Accepted %s.", plural(n, "suggestion"))
	}
	if len(res.Conflicts) > 0 {
		msgs := make([]string, len(res.Conflicts))
		for i, c := range res.Conflicts {
			msgs[i] = c.Message
		}
		f.Error = strings.Join(msgs, " ")
	}
	if f.OK == "" && f.Error == "" {
		f.OK = "There was nothing left to accept."
	}
	return f
}

func (h *handler) rejectSuggestion(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	sourceID, customerID, err := mappingTarget(form)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	n, err := h.deps.Catalog.Reject(r.Context(), c.partnerID, []catalog.Accept{{SourceID: sourceID, CustomerID: customerID}})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := flash{OK: "Rejected the suggestion; it will not be made again. Map the company by hand if it does belong to that client."}
	if n == 0 {
		f = flash{OK: "There was no suggestion to reject any more."}
	}
	h.mappingDone(w, r, form, f)
}
