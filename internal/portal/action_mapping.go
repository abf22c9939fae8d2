package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"halobridge/internal/events"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/store"
)

// mappingAction is one action of the mapping page: it does what the form
// asks for the caller's partner and says how it went.
type mappingAction func(r *http.Request, partnerID int64, form url.Values) (flash, error)

// mapping answers a mapping action with the table and the action's flash,
// or with its error.
func (h *handler) mapping(act mappingAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		form, ok := parseForm(w, r)
		if !ok {
			return
		}
		f, err := act(r, callerOf(r).partnerID, form)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.mappingDone(w, r, form, f)
	}
}

// mapCompany maps a company to a client, with ticketing and billing on, as
// an accepted suggestion would be: a company picked (or typed) in a
// client's row, or a client picked (or typed) for a company no client fits.
func (h *handler) mapCompany(r *http.Request, partnerID int64, form url.Values) (flash, error) {
	company, clientID := form.Get("company"), formInt(form, "client_id")
	if name := form.Get("company_name"); company == "" && name != "" {
		companies, err := h.unmappedCompanies(r.Context(), partnerID)
		if err != nil {
			return flash{}, err
		}
		var ok bool
		if company, ok = chosen(companies, name); !ok {
			return flash{}, &events.InputError{Field: "company_name", Message: fmt.Sprintf("no company waiting for a client is named %q: choose one from the list as you type", trimmed(name))}
		}
	}
	if name := form.Get("client_name"); clientID == 0 && name != "" {
		clients, err := h.mappableClients(r.Context(), partnerID)
		if err != nil {
			return flash{}, err
		}
		value, ok := chosen(clients, name)
		if !ok {
			return flash{}, &events.InputError{Field: "client_name", Message: fmt.Sprintf("no active HaloPSA client is named %q (as of the last sync): choose one from the list as you type, or sync first", trimmed(name))}
		}
		clientID, _ = strconv.Atoi(value)
	}
	sourceID, customerID, err := parseCompany(company)
	if err != nil {
		return flash{}, err
	}
	view, err := h.deps.Mappings.Map(r.Context(), partnerID, sourceID, customerID,
		mapper.MapInput{ClientID: clientID, Ticketing: true, Billing: true})
	if err != nil {
		return flash{}, err
	}
	return flash{OK: fmt.Sprintf("Mapped %s to %s.", view.CustomerName, view.ClientName)}, nil
}

// trimmed shortens what a person typed for quoting it back.
func trimmed(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

// createClient creates a HaloPSA client named after a company no client
// fits, and maps the company to it.
func (h *handler) createClient(r *http.Request, partnerID int64, form url.Values) (flash, error) {
	sourceID, customerID, err := parseCompany(form.Get("company"))
	if err != nil {
		return flash{}, err
	}
	view, err := h.deps.Mappings.CreateClient(r.Context(), partnerID, sourceID, customerID, 0)
	if err != nil {
		return flash{}, err
	}
	return flash{OK: fmt.Sprintf("Created the HaloPSA client %s and mapped %s to it.", view.ClientName, view.CustomerName)}, nil
}

func (h *handler) unmapCompany(r *http.Request, partnerID int64, form url.Values) (flash, error) {
	sourceID, customerID, err := mappingTarget(form)
	if err != nil {
		return flash{}, err
	}
	if err := h.deps.Mappings.Unmap(r.Context(), partnerID, sourceID, customerID); err != nil {
		return flash{}, err
	}
	return flash{OK: "Unmapped the company."}, nil
}

// mappingSwitches turns one mapping's ticketing and billing on or off.
func (h *handler) mappingSwitches(r *http.Request, partnerID int64, form url.Values) (flash, error) {
	sourceID, customerID, err := mappingTarget(form)
	if err != nil {
		return flash{}, err
	}
	m, err := h.deps.Store.Mapping(r.Context(), sourceID, customerID)
	if err == nil && (m.PartnerID != partnerID || !m.Confirmed) {
		err = fmt.Errorf("mapping of company %q: %w", customerID, store.ErrNotFound)
	}
	if err != nil {
		return flash{}, err
	}
	view, err := h.deps.Mappings.Map(r.Context(), partnerID, sourceID, customerID,
		mapper.MapInput{ClientID: m.ClientID, SiteID: m.SiteID, Ticketing: checked(form, "ticketing"), Billing: checked(form, "billing")})
	if err != nil {
		return flash{}, err
	}
	return flash{OK: fmt.Sprintf("%s: ticketing %s, billing %s.", view.CustomerName, onOff(view.Ticketing), onOff(view.Billing))}, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// acceptSuggestion confirms one suggestion; for an ambiguous one the
// client chosen comes with it.
func (h *handler) acceptSuggestion(r *http.Request, partnerID int64, form url.Values) (flash, error) {
	sourceID, customerID, err := mappingTarget(form)
	if err != nil {
		return flash{}, err
	}
	res, err := h.deps.Mappings.Confirm(r.Context(), partnerID, []mapper.Accept{{SourceID: sourceID, CustomerID: customerID, ClientID: formInt(form, "client_id")}})
	if err != nil {
		return flash{}, err
	}
	return confirmFlash(res), nil
}

// acceptAllSuggestions is bulk accept: every clear suggestion at once.
func (h *handler) acceptAllSuggestions(r *http.Request, partnerID int64, _ url.Values) (flash, error) {
	res, err := h.deps.Mappings.ConfirmAll(r.Context(), partnerID)
	if err != nil {
		return flash{}, err
	}
	return confirmFlash(res), nil
}

func confirmFlash(res mapper.ConfirmResult) flash {
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

func (h *handler) rejectSuggestion(r *http.Request, partnerID int64, form url.Values) (flash, error) {
	sourceID, customerID, err := mappingTarget(form)
	if err != nil {
		return flash{}, err
	}
	n, err := h.deps.Mappings.Reject(r.Context(), partnerID, []mapper.Accept{{SourceID: sourceID, CustomerID: customerID}})
	if err != nil {
		return flash{}, err
	}
	if n == 0 {
		return flash{OK: "There was no suggestion to reject any more."}, nil
	}
	return flash{OK: "Rejected the suggestion; it will not be made again. Map the company by hand if it does belong to that client."}, nil
}
