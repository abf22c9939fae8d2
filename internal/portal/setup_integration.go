package portal

import (
	"errors"
	"net/http"

	"halobridge/internal/connect"
	"halobridge/internal/jobs"
	"halobridge/internal/secret"
	"halobridge/internal/setup"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// integrationView is the wizard's first step: the partner's name,
// HaloPSA, the sources and the consent.
type integrationView struct {
	Partner partnerForm
	// Halo is the stored connection, secrets masked; nil when none.
	Halo *haloView
	// SignIn is what "Log in with HaloPSA" created, when the partner signs
	// in that way.
	SignIn   *connect.Setup
	HaloForm haloForm
	// HaloRefused keeps the connection form open: what was typed was not
	// saved.
	HaloRefused bool
	Checks      *checksView

	Sources    []sourceView
	SourceForm sourceForm
	// Added is the source just connected, with what to do next.
	Added *connect.Connected
	// Removed says what removing a source just did and left.
	Removed []string

	ConsentAt string
	ConsentBy string
	Errors    fieldErrors
}

type haloView struct {
	URL, AuthURL, Tenant, ClientID string
	ClientCredentials              bool
	AgentID                        int
}

// haloForm is the client ID and secret form of the DefensX flow.
type haloForm struct {
	URL, AuthURL, Tenant, ClientID string
}

type sourceView struct {
	ID      int64
	Kind    source.Kind
	Name    string
	APIURL  string
	PushURL string
}

type sourceForm struct {
	Kind         source.Kind
	Name, APIURL string
	// CallbackURL is a push source's callback address.
	CallbackURL string
}

// checksView is a connection test's report, or why it could not run.
type checksView = setup.Checks

func (h *handler) integrationView(r *http.Request, partnerID int64) (*integrationView, error) {
	v := &integrationView{Errors: fieldErrors{}, SourceForm: sourceForm{Kind: source.GravityZone}}
	var err error
	if v.Partner, err = h.partnerFormFor(r, partnerID); err != nil {
		return nil, err
	}
	conn, err := h.deps.Store.HaloConnection(r.Context(), partnerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		v.Halo = &haloView{URL: connect.HaloRoot(conn.ResourceURL), AuthURL: conn.AuthURL, Tenant: conn.Tenant,
			ClientID: secret.Mask(conn.ClientID), ClientCredentials: conn.GrantType == store.GrantClientCredentials, AgentID: conn.AgentID}
		v.HaloForm = haloForm{URL: v.Halo.URL, AuthURL: conn.AuthURL, Tenant: conn.Tenant}
	}
	signIn, err := h.deps.Provisioning.Setup(r.Context(), partnerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		v.SignIn = &signIn
	}
	sources, err := h.deps.Store.Sources(r.Context(), partnerID)
	if err != nil {
		return nil, err
	}
	for _, src := range sources {
		v.Sources = append(v.Sources, h.sourceView(src))
	}
	progress, err := h.deps.Store.SetupProgress(r.Context(), partnerID)
	if err != nil {
		return nil, err
	}
	if !progress.ConsentAt.IsZero() {
		v.ConsentAt, v.ConsentBy = formatTime(progress.ConsentAt), progress.ConsentBy
	}
	return v, nil
}

func (h *handler) sourceView(src store.Source) sourceView {
	return sourceView{ID: src.ID, Kind: src.Kind, Name: src.Name, APIURL: src.APIURL, PushURL: h.deps.Sources.PushURL(src)}
}

// renderIntegration shows the integration step as v has it.
func (h *handler) renderIntegration(w http.ResponseWriter, r *http.Request, status int, v *integrationView, f flash) {
	progress, err := h.deps.Store.SetupProgress(r.Context(), callerOf(r).partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderSetup(w, r, status, &setupView{Step: store.SetupIntegration, Progress: progress, Integration: v, Flash: f})
}

// finishIntegration is the first step's "Next": it needs HaloPSA, a source
// and the consent, then starts the first sync, whose catalog the next
// steps choose from.
func (h *handler) finishIntegration(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	v, err := h.integrationView(r, c.partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Errors = integrationMissing(v, checked(form, "consent"))
	if len(v.Errors) > 0 {
		h.renderIntegration(w, r, http.StatusUnprocessableEntity, v, flash{Error: "The integration is not complete yet; see below."})
		return
	}
	progress, job, err := h.completeIntegration(r, c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	next := nextStep(progress, store.SetupIntegration)
	if !progress.Active() {
		next += "&job=" + itoa(int(job.ID))
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// integrationMissing says what the integration step still lacks.
func integrationMissing(v *integrationView, consent bool) fieldErrors {
	return fieldErrors(setup.IntegrationMissing(v.Halo != nil, len(v.Sources), v.ConsentAt != "" || consent))
}

// completeIntegration records the consent and the step, and starts the
// first sync, whose catalog the next steps choose from.
func (h *handler) completeIntegration(r *http.Request, c caller) (store.SetupProgress, jobs.JobInfo, error) {
	return setup.CompleteIntegration(r.Context(), h.deps.Store, h.deps.Queue, c.partnerID, c.accountID(), c.name())
}
