package portal

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"halobridge/internal/connect"
	"halobridge/internal/setup"
	"halobridge/internal/store"
)

// The wizard's pages: the three steps the store records, then the one that
// activates the integration.
const stepFinalize = "finalize"

var stepLabels = map[string]string{
	store.SetupIntegration: "1. Integration",
	store.SetupBilling:     "2. Billing",
	store.SetupTicketing:   "3. Ticketing",
	stepFinalize:           "4. Finalize",
}

type stepLink struct {
	Key, Label string
	Done       bool
	Current    bool
}

// setupView is the wizard at one step.
type setupView struct {
	Step     string
	Steps    []stepLink
	Progress store.SetupProgress
	Flash    flash

	Integration *integrationView
	Billing     *billingForm
	Ticketing   *ticketForm
	Finalize    *finalizeView
	// Catalog is the state of HaloPSA's catalog, which the billing and
	// ticketing steps choose from.
	Catalog *catalogState
}

func (h *handler) setupPage(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	progress, err := h.deps.Store.SetupProgress(r.Context(), c.partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	step := r.URL.Query().Get("step")
	if _, ok := stepLabels[step]; !ok {
		step = firstStep(progress)
	}
	v := &setupView{Step: step, Progress: progress}
	if r.URL.Query().Get("saved") != "" {
		v.Flash.OK = "Saved."
	}
	switch step {
	case store.SetupIntegration:
		v.Integration, err = h.integrationView(r, c.partnerID)
	case store.SetupBilling, store.SetupTicketing:
		if v.Catalog, err = h.catalogState(r, c.partnerID); err != nil || !v.Catalog.Ready {
			break
		}
		if step == store.SetupBilling {
			v.Billing, err = h.billingFormFor(r, c.partnerID)
		} else {
			v.Ticketing, err = h.ticketFormFor(r, c.partnerID)
		}
	case stepFinalize:
		v.Finalize, err = h.finalizeView(r, c.partnerID, progress)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderSetup(w, r, http.StatusOK, v)
}

// renderSetup shows the wizard with its step links.
func (h *handler) renderSetup(w http.ResponseWriter, r *http.Request, status int, v *setupView) {
	v.Steps = nil
	for _, key := range append(store.SetupSteps(), stepFinalize) {
		v.Steps = append(v.Steps, stepLink{Key: key, Label: stepLabels[key], Done: v.Progress.Done(key) || key == stepFinalize && v.Progress.Active(), Current: key == v.Step})
	}
	p, err := h.basePage(r, "Setup", "setup")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.write(w, r, status, viewSetup, "layout", view{Page: p, Data: v})
}

// firstStep is where the wizard opens: the first step not saved yet, the
// finalize step while only activation is missing, and the first step once
// everything is done (the wizard is then the settings).
func firstStep(p store.SetupProgress) string {
	if p.Active() {
		return store.SetupIntegration
	}
	for _, step := range store.SetupSteps() {
		if !p.Done(step) {
			return step
		}
	}
	return stepFinalize
}

// nextStep is where saving step leads while the wizard is being walked.
func nextStep(p store.SetupProgress, step string) string {
	if p.Active() {
		return "/setup?step=" + step + "&saved=1"
	}
	steps := append(store.SetupSteps(), stepFinalize)
	i := slices.Index(steps, step)
	return "/setup?step=" + steps[i+1]
}

// finalizeView summarises what activation turns on.
type finalizeView struct {
	Missing []string
	Sources []store.Source
	Halo    string
}

func (h *handler) finalizeView(r *http.Request, partnerID int64, progress store.SetupProgress) (*finalizeView, error) {
	v := &finalizeView{Missing: progress.Missing()}
	conn, err := h.deps.Store.HaloConnection(r.Context(), partnerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		v.Halo = connect.HaloRoot(conn.ResourceURL)
	}
	if v.Sources, err = h.deps.Store.Sources(r.Context(), partnerID); err != nil {
		return nil, err
	}
	return v, nil
}

// activate is "Save configuration": it activates the integration once
// every step is saved and consent given, and opens the other sections.
func (h *handler) activate(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	if err := h.stepsFromPolicies(r.Context(), c.partnerID); err != nil {
		h.fail(w, r, err)
		return
	}
	_, err := h.deps.Store.ActivateSetup(r.Context(), c.partnerID, c.name())
	if errors.Is(err, store.ErrInvalid) {
		progress, perr := h.deps.Store.SetupProgress(r.Context(), c.partnerID)
		if perr != nil {
			h.fail(w, r, perr)
			return
		}
		v := &setupView{Step: stepFinalize, Progress: progress, Flash: flash{Error: "Finish every step first: " + setup.MissingWords(progress.Missing()) + "."}}
		if v.Finalize, err = h.finalizeView(r, c.partnerID, progress); err != nil {
			h.fail(w, r, err)
			return
		}
		h.renderSetup(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.deps.Logger.Info("integration activated", "partner_id", c.partnerID, "by", c.name())
	http.Redirect(w, r, "/?activated=1", http.StatusSeeOther)
}

// stepsFromPolicies counts the billing and ticketing steps as saved when
// their policies are (setup.StepsFromPolicies).
func (h *handler) stepsFromPolicies(ctx context.Context, partnerID int64) error {
	return setup.StepsFromPolicies(ctx, h.deps.Store, h.deps.Billing, h.deps.Tickets, partnerID)
}
