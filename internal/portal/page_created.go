package portal

import (
	"errors"
	"net/http"

	"halobridge/internal/store"
	"halobridge/internal/web"
)

// createdPage shows what the first HaloPSA sign-in created in the
// partner's HaloPSA, or what stopped it; the sign-in ends here when it
// set something up.
func (h *handler) createdPage(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	setup, err := h.deps.Provisioning.Setup(r.Context(), c.partnerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.problem(w, r, http.StatusNotFound, "This partner does not log in with HaloPSA, so halobridge created nothing in a HaloPSA for it.")
	case err != nil:
		h.problem(w, r, http.StatusInternalServerError, "halobridge could not read its HaloPSA setup; try again in a moment. "+
			web.Fault(h.deps.Logger, r, "could not read the HaloPSA setup", err, "partner_id", c.partnerID))
	default:
		h.render(w, r, viewCreated, "HaloPSA setup", "setup", setup)
	}
}
