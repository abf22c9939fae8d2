package portal

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/web"
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

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (h *handler) apiSetup(w http.ResponseWriter, r *http.Request) {
	p, err := h.deps.Store.SetupProgress(r.Context(), callerOf(r).partnerID)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, setupOf(p))
}

// apiConsent records the caller's agreement to halobridge collecting and
// processing the partner's HaloPSA data.
func (h *handler) apiConsent(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	p, err := h.deps.Store.RecordConsent(r.Context(), c.partnerID, c.accountID(), c.name())
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, setupOf(p))
}

// apiFinishIntegration is the integration step's "Next": it needs HaloPSA,
// a source and the consent, and starts the first sync.
func (h *handler) apiFinishIntegration(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	v, err := h.integrationView(r, c.partnerID)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	if errs := integrationMissing(v, false); len(errs) > 0 {
		apiInvalid(w, "The integration is not complete yet.", apiFields(errs))
		return
	}
	p, job, err := h.completeIntegration(r, c)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"setup": setupOf(p), "job_id": job.ID})
}

// apiActivate is "Save configuration". The billing and ticketing steps
// count as saved once their policies are (PUT /api/v1/billing/policy and
// /api/v1/tickets/policy).
func (h *handler) apiActivate(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	if err := h.stepsFromPolicies(r.Context(), c.partnerID); err != nil {
		h.apiFail(w, r, err)
		return
	}
	p, err := h.deps.Store.ActivateSetup(r.Context(), c.partnerID, c.name())
	if errors.Is(err, store.ErrInvalid) {
		current, perr := h.deps.Store.SetupProgress(r.Context(), c.partnerID)
		if perr != nil {
			h.apiFail(w, r, perr)
			return
		}
		apiError(w, r, http.StatusConflict, "setup_incomplete", "Finish every step first: "+missingWords(current.Missing())+".")
		return
	}
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, setupOf(p))
}

// checksJSON is a connection test's report: a line per capability.
type checksJSON struct {
	OK     bool        `json:"ok"`
	Checks []checkJSON `json:"checks"`
}

type checkJSON struct {
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Message string `json:"message,omitempty"`
	Fix     string `json:"fix,omitempty"`
	// Required checks must pass for a connection to be saved.
	Required bool `json:"required"`
	// Permission is the one HaloPSA refused the check for want of.
	Permission string `json:"permission,omitempty"`
}

func checksOf(v checksView) checksJSON {
	if v.Report == nil {
		return checksJSON{Checks: []checkJSON{{Name: "Use the stored connection", Message: v.Error}}}
	}
	out := checksJSON{OK: v.Report.OK, Checks: []checkJSON{}}
	for _, c := range v.Report.Checks {
		out.Checks = append(out.Checks, checkOf(c))
	}
	return out
}

func checkOf(c halo.Check) checkJSON {
	return checkJSON{Name: c.Name, OK: c.OK, Message: c.Message, Fix: c.Fix, Required: c.Required, Permission: c.Permission}
}

// haloRefusedJSON answers credentials Test Connection refused: the error
// names the check that failed, and checks has every line.
type haloRefusedJSON struct {
	Error  web.Problem `json:"error"`
	Checks checksJSON  `json:"checks"`
}

// apiSaveHalo tests a client ID and secret connection and saves it unless
// the test shows it cannot work: then it answers 422 with the checks, and
// the partner keeps the connection it had.
func (h *handler) apiSaveHalo(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URL          string `json:"url"`
		AuthURL      string `json:"auth_url"`
		Tenant       string `json:"tenant"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	conn, errs := h.haloConnectionOf(r.Context(), callerOf(r).partnerID, haloForm{URL: in.URL, AuthURL: in.AuthURL, Tenant: in.Tenant, ClientID: in.ClientID}, in.ClientSecret)
	if len(errs) > 0 {
		apiInvalid(w, "The HaloPSA connection is not complete.", apiFields(renamed(errs, map[string]string{"halo_url": "url"})))
		return
	}
	report, err := h.deps.Events.ConnectHalo(r.Context(), conn)
	var refused *connect.RefusedError
	if errors.As(err, &refused) {
		writeJSON(w, http.StatusUnprocessableEntity, haloRefusedJSON{
			Error:  web.Problem{Code: "halo_connection_refused", Message: refused.Error()},
			Checks: checksOf(checksView{Report: &refused.Report}),
		})
		return
	}
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, checksOf(checksView{Report: &report}))
}

// apiTestHalo is Test Connection.
func (h *handler) apiTestHalo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, checksOf(h.testConnection(r, callerOf(r).partnerID)))
}

// sourceJSON is a source as the API shows it: its API key masked, its
// push secret never.
type sourceJSON struct {
	ID      int64       `json:"id"`
	Kind    source.Kind `json:"kind"`
	Name    string      `json:"name"`
	APIURL  string      `json:"api_url,omitempty"`
	APIKey  string      `json:"api_key,omitempty"`
	PushURL string      `json:"push_url"`
}

func (h *handler) sourceJSON(src store.Source) sourceJSON {
	return sourceJSON{ID: src.ID, Kind: src.Kind, Name: src.Name, APIURL: src.APIURL, APIKey: secret.Mask(src.APIKey), PushURL: h.deps.Sources.PushURL(src)}
}

func (h *handler) apiSources(w http.ResponseWriter, r *http.Request) {
	sources, err := h.deps.Store.Sources(r.Context(), callerOf(r).partnerID)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	out := []sourceJSON{}
	for _, src := range sources {
		out = append(out, h.sourceJSON(src))
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": out})
}

// apiAddSource connects a security platform. The answer has the push API
// token of a push source, shown this once.
func (h *handler) apiAddSource(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind   source.Kind `json:"kind"`
		Name   string      `json:"name"`
		APIURL string      `json:"api_url"`
		APIKey string      `json:"api_key"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	added, errs := h.connectSource(r, callerOf(r).partnerID, sourceForm{Kind: in.Kind, Name: in.Name, APIURL: in.APIURL}, in.APIKey)
	if len(errs) > 0 {
		apiInvalid(w, "The source could not be connected.", apiFields(errs))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"source":       h.sourceJSON(added.Source),
		"push_url":     added.PushURL,
		"registered":   added.Registered,
		"token":        added.Token,
		"instructions": added.Instructions,
	})
}

// apiUpdateSource changes a source's name, API URL or API key; a field
// left out stays as it is. A new key or URL must pass the platform's test
// first, or nothing is saved.
func (h *handler) apiUpdateSource(w http.ResponseWriter, r *http.Request) {
	id, err := sourceID(r)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	var in struct {
		Name   *string `json:"name"`
		APIURL *string `json:"api_url"`
		APIKey *string `json:"api_key"`
	}
	if !decodeJSON(w, r, &in) {
		return
	}
	up, err := h.editSource(r, id, connect.SourceChange{Name: in.Name, APIURL: in.APIURL, APIKey: in.APIKey})
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"source":     h.sourceJSON(up.Source),
		"tested":     up.Tested,
		"registered": up.Registered,
		"notes":      nonNil(up.Notes),
	})
}

// apiRemoveSource removes a source with its alerts, mappings and events;
// its HaloPSA tickets stay. The answer says what went and what is left to
// do at the platform.
func (h *handler) apiRemoveSource(w http.ResponseWriter, r *http.Request) {
	id, err := sourceID(r)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	removed, err := h.dropSource(r, id)
	if err != nil {
		h.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"source":         h.sourceJSON(removed.Source),
		"removed":        removed.Removal,
		"at_source":      removed.AtSource,
		"left_at_source": removed.LeftAtSource,
		"summary":        removed.Summary(),
	})
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// apiFields lists field errors in a stable order.
func apiFields(errs fieldErrors) []apiField {
	out := make([]apiField, 0, len(errs))
	for field, msg := range errs {
		out = append(out, apiField{Field: field, Message: msg})
	}
	slices.SortFunc(out, func(a, b apiField) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// renamed gives fields the names of the API's JSON.
func renamed(errs fieldErrors, names map[string]string) fieldErrors {
	out := fieldErrors{}
	for field, msg := range errs {
		if n, ok := names[field]; ok {
			field = n
		}
		out[field] = msg
	}
	return out
}
