package portal

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/store"
)

// saveHalo stores a client ID and secret connection (the DefensX flow),
// learns which agent it acts as, and tests it at once.
func (h *handler) saveHalo(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	in := haloForm{URL: form.Get("halo_url"), AuthURL: form.Get("auth_url"), Tenant: form.Get("tenant"), ClientID: form.Get("client_id")}
	conn, errs := haloConnectionOf(c.partnerID, in, form.Get("client_secret"))
	if len(errs) > 0 {
		v, err := h.integrationView(r, c.partnerID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		v.HaloForm, v.Errors = in, errs
		h.renderIntegration(w, r, http.StatusUnprocessableEntity, v, flash{})
		return
	}
	checks, err := h.connectHalo(r, conn)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.integrationView(r, c.partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Checks = &checks
	h.renderIntegration(w, r, http.StatusOK, v, flash{OK: "HaloPSA connection saved."})
}

// haloConnectionOf checks a client ID and secret connection as a person
// typed it.
func haloConnectionOf(partnerID int64, in haloForm, clientSecret string) (store.HaloConnection, fieldErrors) {
	errs := fieldErrors{}
	root, err := haloAddress(in.URL)
	if err != nil {
		errs.add("halo_url", err.Error())
	}
	authURL := root + "/auth"
	if strings.TrimSpace(in.AuthURL) != "" {
		if authURL, err = webAddress(in.AuthURL); err != nil {
			errs.add("auth_url", err.Error())
		}
	}
	if strings.TrimSpace(in.ClientID) == "" {
		errs.add("client_id", "copy the Client ID of your application from HaloPSA, Configuration > Integrations > HaloPSA API > View Applications")
	}
	if strings.TrimSpace(clientSecret) == "" {
		errs.add("client_secret", "copy the Client Secret HaloPSA showed when the application was created")
	}
	return store.HaloConnection{
		PartnerID: partnerID, ResourceURL: root + "/api", AuthURL: authURL, Tenant: strings.TrimSpace(in.Tenant),
		ClientID: strings.TrimSpace(in.ClientID), ClientSecret: strings.TrimSpace(clientSecret), GrantType: store.GrantClientCredentials, Scope: "all",
	}, errs
}

// connectHalo saves a connection and tests it at once.
func (h *handler) connectHalo(r *http.Request, conn store.HaloConnection) (checksView, error) {
	conn, err := h.deps.Store.SaveHaloConnection(r.Context(), conn)
	if err != nil {
		return checksView{}, err
	}
	checks := h.testConnection(r, conn.PartnerID)
	if checks.Report != nil && len(checks.Report.Checks) > 0 && checks.Report.Checks[0].OK {
		// Ticket teams are checked against the agent the connection acts as.
		if err := h.learnAgent(r, conn); err != nil {
			h.deps.Logger.Warn("could not learn the HaloPSA agent of a new connection", "partner_id", conn.PartnerID, "error", err)
		}
	}
	return checks, nil
}

// learnAgent records which HaloPSA agent the connection acts as.
func (h *handler) learnAgent(r *http.Request, conn store.HaloConnection) error {
	hc, err := h.deps.Halo.Client(r.Context(), conn.PartnerID)
	if err != nil {
		return err
	}
	me, err := hc.Me(r.Context())
	if err != nil {
		return err
	}
	conn.AgentID = me.ID
	_, err = h.deps.Store.SaveHaloConnection(r.Context(), conn)
	return err
}

// testHalo is Test Connection: one line per capability halobridge needs.
func (h *handler) testHalo(w http.ResponseWriter, r *http.Request) {
	checks := h.testConnection(r, callerOf(r).partnerID)
	h.fragment(w, r, http.StatusOK, viewSetup, "checks", checks)
}

func (h *handler) testConnection(r *http.Request, partnerID int64) checksView {
	hc, err := h.deps.Halo.Client(r.Context(), partnerID)
	if errors.Is(err, connect.ErrNotConnected) {
		return checksView{Error: "Connect HaloPSA first: log in with HaloPSA, or enter a Client ID and Secret below."}
	}
	if err != nil {
		return checksView{Error: "halobridge could not use the stored connection: " + err.Error()}
	}
	report := hc.TestConnection(r.Context())
	return checksView{Report: &report}
}

// haloRoot is the address of a HaloPSA instance from its resource URL.
func haloRoot(resourceURL string) string {
	return strings.TrimSuffix(strings.TrimRight(resourceURL, "/"), "/api")
}

// haloAddress normalises a HaloPSA address someone typed: https is
// assumed, a pasted /api or /auth is dropped, and plain http is accepted
// for this machine only (the simulator, the demo), since credentials must
// not cross a network unencrypted.
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

// webAddress checks an https address (http for this machine only) and
// drops a trailing slash.
func webAddress(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("%q is not an address like https://yourcompany.halopsa.com", raw)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return "", fmt.Errorf("the address %q must start with https://", raw)
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.Path, "/"), nil
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()
}
