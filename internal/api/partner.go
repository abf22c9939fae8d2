package api

import (
	"net/http"
	"time"

	"halobridge/internal/setup"
	"halobridge/internal/store"
)

// partnerJSON is the caller's partner as the API shows it.
type partnerJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Slug      string    `json:"slug"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func partnerOf(p store.Partner) partnerJSON {
	return partnerJSON{ID: p.ID, Name: p.Name, Slug: p.Slug, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func (h *handler) getPartner(w http.ResponseWriter, r *http.Request, partnerID int64) {
	p, err := h.deps.Store.Partner(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, partnerOf(p))
}

// updatePartner renames the caller's partner; its slug stays.
func (h *handler) updatePartner(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var in struct {
		Name *string `json:"name"`
	}
	if !h.decode(w, r, &in) {
		return
	}
	if in.Name == nil {
		h.badInput(w, r, "name", "Give the partner's new name as \"name\".")
		return
	}
	p, err := setup.RenamePartner(r.Context(), h.deps.Store, partnerID, *in.Name)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	_, c := callerOf(r)
	h.deps.Logger.Info("partner renamed", "partner_id", partnerID, "by", c.Name())
	h.json(w, http.StatusOK, partnerOf(p))
}
