package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/setup"
	"halobridge/internal/store"
)

// saveHalo is "Save and test connection" of a client ID and secret (the
// DefensX flow): saved only when Test Connection shows the connection can
// work; otherwise the form stays as typed, with the failing check.
func (h *handler) saveHalo(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	in := haloForm{URL: form.Get("halo_url"), AuthURL: form.Get("auth_url"), Tenant: form.Get("tenant"), ClientID: form.Get("client_id")}
	conn, errs := h.haloConnectionOf(r.Context(), c.partnerID, in, form.Get("client_secret"))
	if len(errs) > 0 {
		h.refuseHalo(w, r, in, errs, nil, flash{})
		return
	}
	report, err := h.deps.Events.ConnectHalo(r.Context(), conn)
	var refused *connect.RefusedError
	if errors.As(err, &refused) {
		h.refuseHalo(w, r, in, fieldErrors{}, &checksView{Report: &refused.Report}, flash{Error: refused.Error()})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.integrationView(r, c.partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Checks = &checksView{Report: &report}
	h.renderIntegration(w, r, http.StatusOK, v, flash{OK: savedMessage(report)})
}

// savedMessage says what was saved, and what the connection still lacks.
func savedMessage(report halo.TestReport) string {
	var missing []string
	for _, c := range report.Checks {
		if !c.OK && !slices.Contains(missing, c.Permission) {
			missing = append(missing, c.Permission)
		}
	}
	if len(missing) == 0 {
		return "HaloPSA connection saved."
	}
	return fmt.Sprintf("HaloPSA connection saved, but the application lacks %s (%s): what needs them waits until you grant them in HaloPSA, as the lines marked ✗ say. Each is an event until then.",
		plural(len(missing), "permission"), strings.Join(missing, ", "))
}

// refuseHalo shows the integration step again with the connection form as
// typed (never the secret), what is wrong with it, and nothing saved.
func (h *handler) refuseHalo(w http.ResponseWriter, r *http.Request, in haloForm, errs fieldErrors, checks *checksView, f flash) {
	v, err := h.integrationView(r, callerOf(r).partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.HaloForm, v.Errors, v.Checks, v.HaloRefused = in, errs, checks, true
	h.renderIntegration(w, r, http.StatusUnprocessableEntity, v, f)
}

// haloConnectionOf checks a client ID and secret connection as a person
// typed it (connect.Halo.CheckForm).
func (h *handler) haloConnectionOf(ctx context.Context, partnerID int64, in haloForm, clientSecret string) (store.HaloConnection, fieldErrors) {
	conn, errs := h.deps.Halo.CheckForm(ctx, partnerID, connect.HaloForm{URL: in.URL, AuthURL: in.AuthURL, Tenant: in.Tenant, ClientID: in.ClientID, ClientSecret: clientSecret})
	return conn, fieldErrors(errs)
}

// testHalo is Test Connection: one line per capability halobridge needs.
func (h *handler) testHalo(w http.ResponseWriter, r *http.Request) {
	checks := h.testConnection(r, callerOf(r).partnerID)
	h.fragment(w, r, http.StatusOK, viewSetup, "checks", checks)
}

func (h *handler) testConnection(r *http.Request, partnerID int64) checksView {
	return setup.TestHalo(r.Context(), h.deps.Events, partnerID, h.deps.Logger)
}
