package api

import (
	"errors"
	"net/http"
	"time"

	"halobridge/internal/setup"
	"halobridge/internal/store"
)

// setupJSON is a partner's progress through the setup, as the API shows it.
type setupJSON struct {
	// Steps holds when each step was last saved, null while it was not.
	Steps       map[string]*time.Time `json:"steps"`
	ConsentBy   string                `json:"consent_by,omitempty"`
	ConsentAt   *time.Time            `json:"consent_at"`
	ActivatedBy string                `json:"activated_by,omitempty"`
	ActivatedAt *time.Time            `json:"activated_at"`
	// Missing lists what activation still needs: steps, then "consent".
	Missing []string `json:"missing"`
	Active  bool     `json:"active"`
}

func setupOf(p store.SetupProgress) setupJSON {
	out := setupJSON{Steps: map[string]*time.Time{}, ConsentBy: p.ConsentBy, ConsentAt: optionalTime(p.ConsentAt),
		ActivatedBy: p.ActivatedBy, ActivatedAt: optionalTime(p.ActivatedAt), Missing: p.Missing(), Active: p.Active()}
	for _, step := range store.SetupSteps() {
		out.Steps[step] = optionalTime(p.Completed[step])
	}
	if out.Missing == nil {
		out.Missing = []string{}
	}
	return out
}

// optionalTime is t, or null when it is the zero time.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (h *handler) getSetup(w http.ResponseWriter, r *http.Request, partnerID int64) {
	p, err := h.deps.Store.SetupProgress(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, setupOf(p))
}

// consent records the caller's agreement to halobridge collecting and
// processing the partner's HaloPSA data.
func (h *handler) consent(w http.ResponseWriter, r *http.Request, partnerID int64) {
	_, c := callerOf(r)
	p, err := h.deps.Store.RecordConsent(r.Context(), partnerID, c.AccountID(), c.Name())
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusOK, setupOf(p))
}

// finishIntegration is the integration step's "Next": it needs HaloPSA,
// a source and the consent, and starts the first sync.
func (h *handler) finishIntegration(w http.ResponseWriter, r *http.Request, partnerID int64) {
	if h.deps.Queue == nil {
		h.fail(w, r, http.StatusServiceUnavailable, "no_queue", "", "This server runs no job queue: run 'halobridge sync' instead.")
		return
	}
	ctx := r.Context()
	_, err := h.deps.Store.HaloConnection(ctx, partnerID)
	connected := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.failErr(w, r, err)
		return
	}
	sources, err := h.deps.Store.Sources(ctx, partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	progress, err := h.deps.Store.SetupProgress(ctx, partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	if errs := setup.IntegrationMissing(connected, len(sources), !progress.ConsentAt.IsZero()); len(errs) > 0 {
		h.invalid(w, "The integration is not complete yet.", errs)
		return
	}
	_, c := callerOf(r)
	p, job, err := setup.CompleteIntegration(ctx, h.deps.Store, h.deps.Queue, partnerID, c.AccountID(), c.Name())
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.json(w, http.StatusAccepted, map[string]any{"setup": setupOf(p), "job_id": job.ID})
}

// activate is "Save configuration". The billing and ticketing steps
// count as saved once their policies are (PUT /api/v1/billing/policy and
// /api/v1/tickets/policy).
func (h *handler) activate(w http.ResponseWriter, r *http.Request, partnerID int64) {
	ctx := r.Context()
	if err := setup.StepsFromPolicies(ctx, h.deps.Store, h.deps.Billing, h.deps.Tickets, partnerID); err != nil {
		h.failErr(w, r, err)
		return
	}
	_, c := callerOf(r)
	p, err := h.deps.Store.ActivateSetup(ctx, partnerID, c.Name())
	if errors.Is(err, store.ErrInvalid) {
		current, perr := h.deps.Store.SetupProgress(ctx, partnerID)
		if perr != nil {
			h.failErr(w, r, perr)
			return
		}
		h.fail(w, r, http.StatusConflict, "setup_incomplete", "", "Finish every step first: "+setup.MissingWords(current.Missing())+".")
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.deps.Logger.Info("integration activated", "partner_id", partnerID, "by", c.Name())
	h.json(w, http.StatusOK, setupOf(p))
}
