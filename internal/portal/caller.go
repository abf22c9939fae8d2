package portal

import (
	"errors"
	"net/http"

	"halobridge/internal/auth"
	"halobridge/internal/store"
)

// caller is who sent a request, as auth.Middleware established it. The
// partner every page acts for comes from here, never from the request.
type caller struct {
	partnerID int64
	auth      auth.Caller
}

func callerOf(r *http.Request) caller {
	c, _ := auth.CallerFrom(r.Context())
	return caller{partnerID: c.PartnerID, auth: c}
}

func (c caller) name() string { return c.auth.Name() }

func (c caller) accountID() int64 { return c.auth.AccountID() }

// requireActive keeps the sections after setup locked until "Save
// configuration" has activated the integration: pages send the person to
// the wizard, actions are refused.
func (h *handler) requireActive(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		progress, err := h.deps.Store.SetupProgress(r.Context(), callerOf(r).partnerID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			h.fail(w, r, err)
			return
		}
		if !progress.Active() {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/setup", http.StatusSeeOther)
				return
			}
			h.problem(w, r, http.StatusConflict, "Finish the setup first: this section opens once the configuration is saved.")
			return
		}
		next.ServeHTTP(w, r)
	})
}
