package portal

import (
	"errors"
	"net/http"

	"halobridge/internal/auth"
	"halobridge/internal/connect"
	"halobridge/internal/setup"
	"halobridge/internal/store"
)

// partnerForm is the name of the partner, first in the wizard.
type partnerForm struct {
	Name string
	// Guessed says the name is still the one halobridge guessed from the
	// HaloPSA address at the first sign-in.
	Guessed bool
}

// partnerFormFor is the partner's name as the form shows it.
func (h *handler) partnerFormFor(r *http.Request, partnerID int64) (partnerForm, error) {
	p, err := h.deps.Store.Partner(r.Context(), partnerID)
	if err != nil {
		return partnerForm{}, err
	}
	f := partnerForm{Name: p.Name}
	login, err := h.deps.Store.PartnerLogin(r.Context(), partnerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return partnerForm{}, err
	default:
		f.Guessed = p.Name == auth.GuessPartnerName(login.HaloURL, "")
	}
	return f, nil
}

// renamePartner saves the partner's name, shown in every page's header.
func (h *handler) renamePartner(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	_, err := setup.RenamePartner(r.Context(), h.deps.Store, c.partnerID, form.Get("name"))
	var field *connect.FieldError
	if errors.As(err, &field) {
		v, err := h.integrationView(r, c.partnerID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		v.Partner.Name = form.Get("name")
		v.Errors.add("name", field.Message)
		h.renderIntegration(w, r, http.StatusUnprocessableEntity, v, flash{Error: "The name was not saved; see below."})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/setup?step="+store.SetupIntegration+"&saved=1", http.StatusSeeOther)
}
