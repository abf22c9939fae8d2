package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
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

// Bounds of what the Client ID and Secret form takes.
const (
	maxHaloURL  = 2048
	maxHaloName = 256
)

// haloConnectionOf checks a client ID and secret connection as a person
// typed it. Both addresses must be ones the operator lets halobridge call
// (the outbound URL guard): they are refused here, in the field's words,
// before anything is sent to them.
func (h *handler) haloConnectionOf(ctx context.Context, partnerID int64, in haloForm, clientSecret string) (store.HaloConnection, fieldErrors) {
	errs := fieldErrors{}
	policy := h.deps.Halo.Outbound
	root, err := haloAddress(in.URL)
	if err == nil {
		err = policy.CheckResolved(ctx, root)
	}
	if err != nil {
		errs.add("halo_url", err.Error())
	}
	authURL := root + "/auth"
	if strings.TrimSpace(in.AuthURL) != "" {
		authURL, err = webAddress(in.AuthURL)
		if err == nil {
			err = policy.CheckResolved(ctx, authURL)
		}
		if err != nil {
			errs.add("auth_url", err.Error())
		}
	}
	if strings.TrimSpace(in.ClientID) == "" {
		errs.add("client_id", "copy the Client ID of your application from HaloPSA, Configuration > Integrations > HaloPSA API > View Applications")
	}
	if strings.TrimSpace(clientSecret) == "" {
		errs.add("client_secret", "copy the Client Secret HaloPSA showed when the application was created")
	}
	// HaloPSA's values are far shorter (client IDs and secrets are GUIDs);
	// anything longer was pasted by mistake and is not sent to HaloPSA.
	for _, f := range []struct {
		field, value, what string
		max                int
	}{
		{"halo_url", in.URL, "a HaloPSA address", maxHaloURL},
		{"auth_url", in.AuthURL, "an authorisation server address", maxHaloURL},
		{"tenant", in.Tenant, "a tenant name", maxHaloName},
		{"client_id", in.ClientID, "a Client ID", maxHaloName},
		{"client_secret", clientSecret, "a Client Secret", maxHaloName},
	} {
		if len(f.value) > f.max {
			errs[f.field] = capitalise(fmt.Sprintf("%s is at most %d characters; copy it again from HaloPSA", f.what, f.max))
		}
	}
	return store.HaloConnection{
		PartnerID: partnerID, ResourceURL: root + "/api", AuthURL: authURL, Tenant: strings.TrimSpace(in.Tenant),
		ClientID: strings.TrimSpace(in.ClientID), ClientSecret: strings.TrimSpace(clientSecret), GrantType: store.GrantClientCredentials, Scope: "all",
	}, errs
}

// testHalo is Test Connection: one line per capability halobridge needs.
func (h *handler) testHalo(w http.ResponseWriter, r *http.Request) {
	checks := h.testConnection(r, callerOf(r).partnerID)
	h.fragment(w, r, http.StatusOK, viewSetup, "checks", checks)
}

func (h *handler) testConnection(r *http.Request, partnerID int64) checksView {
	report, err := h.deps.Events.TestHalo(r.Context(), partnerID)
	switch {
	case errors.Is(err, connect.ErrNotConnected):
		return checksView{Error: "Connect HaloPSA first: log in with HaloPSA, or enter a Client ID and Secret below."}
	case err != nil && len(report.Checks) == 0:
		return checksView{Error: "halobridge could not use the stored connection: " + err.Error()}
	case err != nil:
		h.deps.Logger.Error("could not record what Test Connection found", "partner_id", partnerID, "error", err)
	}
	return checksView{Report: &report}
}

// haloRoot is the address of a HaloPSA instance from its resource URL.
func haloRoot(resourceURL string) string {
	return strings.TrimSuffix(strings.TrimRight(resourceURL, "/"), "/api")
}

// haloPages are the pages of HaloPSA's agent UI halobridge links to, at the
// addresses HaloPSA's own links use.
var haloPages = map[string]string{
	"ticket":  "/ticket?id=",
	"client":  "/customers?clientid=",
	"invoice": "/recurringinvoice?id=",
}

// haloPage is the address of a record's page in the HaloPSA at root: record
// is "ticket", "client" or "invoice". It is "" while HaloPSA is not
// connected or the record has no id yet (recurring-invoice ids are negative).
func haloPage(root, record string, id int) string {
	path, ok := haloPages[record]
	if !ok {
		panic("haloPage: no HaloPSA page for a " + record)
	}
	if root == "" || id == 0 {
		return ""
	}
	return root + path + strconv.Itoa(id)
}

// haloAddress normalises a HaloPSA address someone typed: https is
// assumed, and a pasted /api or /auth is dropped.
func haloAddress(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", errors.New("enter your HaloPSA address, e.g. https://yourcompany.halopsa.com")
	}
	addr, err := webAddress(raw)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(strings.TrimSuffix(addr, "/api"), "/auth"), nil
}

// webAddress checks the form of an http(s) address and drops a trailing
// slash; which addresses may be called is the outbound guard's to say.
func webAddress(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("%q is not an address like https://yourcompany.halopsa.com", raw)
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.Path, "/"), nil
}
