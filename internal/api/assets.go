package api

import (
	"net/http"

	"halobridge/internal/mapping/assetmap"
)

// listAssetMappings answers one page of the endpoints of a mapped company
// with the HaloPSA asset each maps to or is suggested for. Query:
// state=suggested|ambiguous|unmapped|confirmed, search=<text>, page=<n>.
func (h *handler) listAssetMappings(w http.ResponseWriter, r *http.Request, partnerID int64) {
	sourceID, ok := h.pathID(w, r, "source")
	if !ok {
		return
	}
	page, ok := h.queryInt(w, r, "page")
	if !ok {
		return
	}
	q := r.URL.Query()
	table, err := h.deps.Assets.Rows(r.Context(), partnerID, sourceID, r.PathValue("customer"),
		assetmap.Filter{State: q.Get("state"), Search: q.Get("search"), Page: page})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, table)
}

// endpointsRequest names endpoints of a company; none means all that
// apply.
type endpointsRequest struct {
	EndpointIDs []string `json:"endpoint_ids"`
	AssetTypeID int      `json:"assettype_id,omitempty"`
}

// acceptAssetMappings confirms suggestions: those of the endpoints named,
// or every suggestion of the company when none are named.
func (h *handler) acceptAssetMappings(w http.ResponseWriter, r *http.Request, partnerID int64) {
	sourceID, ok := h.pathID(w, r, "source")
	if !ok {
		return
	}
	var req endpointsRequest
	if r.ContentLength != 0 && !h.decode(w, r, &req) {
		return
	}
	n, err := h.deps.Assets.Accept(r.Context(), partnerID, sourceID, r.PathValue("customer"), req.EndpointIDs)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, map[string]int{"confirmed": n})
}

// assetRequest is an endpoint mapped to an asset by hand.
type assetRequest struct {
	AssetID int `json:"asset_id"`
}

// putAssetMapping maps an endpoint to a HaloPSA asset of the company's
// client, replacing any suggestion.
func (h *handler) putAssetMapping(w http.ResponseWriter, r *http.Request, partnerID int64) {
	sourceID, ok := h.pathID(w, r, "source")
	if !ok {
		return
	}
	var req assetRequest
	if !h.decode(w, r, &req) {
		return
	}
	if err := h.deps.Assets.Map(r.Context(), partnerID, sourceID, r.PathValue("customer"), r.PathValue("endpoint"), req.AssetID); err != nil {
		h.failErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deleteAssetMapping forgets what an endpoint maps to.
func (h *handler) deleteAssetMapping(w http.ResponseWriter, r *http.Request, partnerID int64) {
	sourceID, ok := h.pathID(w, r, "source")
	if !ok {
		return
	}
	if err := h.deps.Assets.Unmap(r.Context(), partnerID, sourceID, r.PathValue("customer"), r.PathValue("endpoint")); err != nil {
		h.failErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// createAssets creates HaloPSA assets of assettype_id for the endpoints
// named (every unmapped managed endpoint when none are) and maps them.
func (h *handler) createAssets(w http.ResponseWriter, r *http.Request, partnerID int64) {
	sourceID, ok := h.pathID(w, r, "source")
	if !ok {
		return
	}
	var req endpointsRequest
	if !h.decode(w, r, &req) {
		return
	}
	res, err := h.deps.Assets.Create(r.Context(), partnerID, sourceID, r.PathValue("customer"), req.EndpointIDs, req.AssetTypeID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, map[string]int{"created": res.Created, "adopted": res.Adopted})
}

// getAssetSettings answers the partner's asset mapping settings.
func (h *handler) getAssetSettings(w http.ResponseWriter, r *http.Request, partnerID int64) {
	cfg, err := h.deps.Assets.Config(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, cfg)
}

// putAssetSettings saves them; the next sync matches by them.
func (h *handler) putAssetSettings(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var cfg assetmap.Config
	if !h.decode(w, r, &cfg) {
		return
	}
	if err := h.deps.Assets.SaveConfig(r.Context(), partnerID, cfg); err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, cfg)
}
