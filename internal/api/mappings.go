package api

import (
	"net/http"

	"halobridge/internal/mapping/mapper"
)

// listMappings answers the mapping table: every HaloPSA client with its
// mappings and suggestions. Query: mapped=mapped|unmapped, top_level=<id>,
// search=<text>.
func (h *handler) listMappings(w http.ResponseWriter, r *http.Request, partnerID int64) {
	topLevel, ok := h.queryInt(w, r, "top_level")
	if !ok {
		return
	}
	q := r.URL.Query()
	table, err := h.deps.Mappings.MappingRows(r.Context(), partnerID, mapper.RowFilter{
		Mapped: q.Get("mapped"), TopLevelID: topLevel, Search: q.Get("search"),
	})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, table)
}

// mapRequest is a mapping made by hand. Ticketing and billing are on
// unless turned off.
type mapRequest struct {
	ClientID  int   `json:"client_id"`
	SiteID    int   `json:"site_id"`
	Ticketing *bool `json:"ticketing"`
	Billing   *bool `json:"billing"`
}

// putMapping maps a company to a HaloPSA client (and optionally a site),
// replacing its mapping or suggestion.
func (h *handler) putMapping(w http.ResponseWriter, r *http.Request, partnerID int64) {
	sourceID, ok := h.pathID(w, r, "source")
	if !ok {
		return
	}
	var req mapRequest
	if !h.decode(w, r, &req) {
		return
	}
	in := mapper.MapInput{ClientID: req.ClientID, SiteID: req.SiteID, Ticketing: on(req.Ticketing), Billing: on(req.Billing)}
	view, err := h.deps.Mappings.Map(r.Context(), partnerID, sourceID, r.PathValue("customer"), in)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, view)
}

func on(b *bool) bool { return b == nil || *b }

// deleteMapping unmaps a company.
func (h *handler) deleteMapping(w http.ResponseWriter, r *http.Request, partnerID int64) {
	sourceID, ok := h.pathID(w, r, "source")
	if !ok {
		return
	}
	if err := h.deps.Mappings.Unmap(r.Context(), partnerID, sourceID, r.PathValue("customer")); err != nil {
		h.failErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// createClientRequest says where the new HaloPSA client goes.
type createClientRequest struct {
	TopLevelID int `json:"top_level_id"`
}

// createClient creates a HaloPSA client for an unmatched company and maps
// the company to it. The body is optional.
func (h *handler) createClient(w http.ResponseWriter, r *http.Request, partnerID int64) {
	sourceID, ok := h.pathID(w, r, "source")
	if !ok {
		return
	}
	var req createClientRequest
	if r.ContentLength != 0 && !h.decode(w, r, &req) {
		return
	}
	view, err := h.deps.Mappings.CreateClient(r.Context(), partnerID, sourceID, r.PathValue("customer"), req.TopLevelID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusCreated, view)
}
