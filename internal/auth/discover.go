package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"halobridge/internal/outbound"
)

// haloInstance is where a partner's HaloPSA answers.
type haloInstance struct {
	// root is the address the partner gave, normalised; the partner is
	// recognised by it.
	root     string
	resource string
	auth     string
	tenant   string
}

// discoveryTimeout bounds the anonymous GET /api/AuthInfo.
const discoveryTimeout = 10 * time.Second

// haloRoot normalises the HaloPSA address a person typed: a missing scheme
// means https, and a pasted resource (/api) or authorisation (/auth) URL
// means the instance it belongs to. The address must be one the operator
// lets halobridge call (policy): public https unless opened.
func haloRoot(raw string, policy outbound.Policy) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("enter your HaloPSA address, e.g. https://yourcompany.halopsa.com")
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not a HaloPSA address like https://yourcompany.halopsa.com", strings.TrimSpace(raw))
	}
	path := strings.TrimRight(u.Path, "/")
	for _, suffix := range []string{"/api", "/auth"} {
		path = strings.TrimSuffix(path, suffix)
	}
	root := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + path
	if err := policy.CheckURL(root); err != nil {
		return "", fmt.Errorf("the HaloPSA address %s: %w", root, err)
	}
	return root, nil
}

// addressFix is what to do when the HaloPSA address given does not answer
// as a HaloPSA.
const addressFix = "Check the HaloPSA address: it is the address you open HaloPSA at in your browser, such as https://yourcompany.halopsa.com"

// discover finds the authorisation server and tenant of the instance at
// root with the anonymous GET /api/authinfo, as HaloPSA's own tools do, and
// so checks the address before anyone is sent there: an address that does
// not answer, or answers as something other than a HaloPSA, is refused in
// plain words. Anyone may start a sign-in, so nothing is sent before the
// outbound URL guard has checked where it goes: the instance, then the
// authorisation server it names.
func (s *Service) discover(ctx context.Context, root string) (haloInstance, error) {
	policy := s.HaloDefaults.Outbound
	if err := policy.CheckResolved(ctx, root); err != nil {
		return haloInstance{}, fmt.Errorf("the HaloPSA address %s: %w", root, err)
	}
	inst := haloInstance{root: root, resource: root + "/api", auth: root + "/auth"}
	info, err := s.authInfo(ctx, root)
	if err != nil {
		return haloInstance{}, err
	}
	if u, err := url.Parse(info.AuthURL); err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http") {
		inst.auth = strings.TrimRight(info.AuthURL, "/")
	}
	inst.tenant = strings.TrimSpace(info.TenantID)
	if err := policy.CheckResolved(ctx, inst.auth); err != nil {
		return haloInstance{}, fmt.Errorf("the HaloPSA at %s names %s as its authorisation server: %w", root, outbound.Excerpt(inst.auth), err)
	}
	return inst, nil
}

type authInfo struct {
	AuthURL  string `json:"auth_url"`
	TenantID string `json:"tenant_id"`
}

// authInfoPath is where every HaloPSA says, to anyone, where it signs in.
const authInfoPath = "/api/authinfo"

// authInfo asks the HaloPSA at root where it signs people in.
func (s *Service) authInfo(ctx context.Context, root string) (authInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+authInfoPath, nil)
	if err != nil {
		return authInfo{}, fmt.Errorf("the HaloPSA address %s: %w", root, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.HaloDefaults.Outbound.Guard(s.HaloDefaults.HTTPClient, discoveryTimeout).Do(req)
	if outbound.IsRefused(err) {
		return authInfo{}, fmt.Errorf("the HaloPSA address %s: %w", root, err)
	}
	if err != nil {
		return authInfo{}, outbound.Unanswered("The HaloPSA address", root, addressFix, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return authInfo{}, outbound.Unanswered("The HaloPSA address", root, addressFix, err)
	}
	notHalo := func(err error) error {
		return &outbound.NotServiceError{URL: root, Service: "a HaloPSA", Path: authInfoPath, Status: resp.StatusCode,
			Said: outbound.Said(resp.StatusCode, body), Fix: addressFix, Err: err}
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return authInfo{}, fmt.Errorf("the HaloPSA at %s cannot answer just now: %s answered %d (%s); try again in a few minutes",
			root, authInfoPath, resp.StatusCode, outbound.Said(resp.StatusCode, body))
	case resp.StatusCode != http.StatusOK:
		return authInfo{}, notHalo(nil)
	}
	var info authInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return authInfo{}, notHalo(err)
	}
	return info, nil
}

// clientFix says where a HaloPSA application's settings are.
const clientFix = "In HaloPSA, open Configuration > Integrations > HaloPSA API > View Applications"

// checkClient asks HaloPSA's authorisation server for the sign-in page at
// authorizeURL, as the browser is about to, and stops at the first answer:
// HaloPSA answers a Client ID it does not know, or an application that
// cannot sign people in here, with an error of its own (OpenIddict's
// {"error", "error_description"}) that the browser would show raw. That
// error is said here in plain words instead; a sign-in page or a redirect
// to one means the browser may go.
func (s *Service) checkClient(ctx context.Context, authorizeURL, clientID string) error {
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorizeURL, nil)
	if err != nil {
		return fmt.Errorf("start HaloPSA sign-in: %w", err)
	}
	hc := s.HaloDefaults.Outbound.Guard(s.HaloDefaults.HTTPClient, discoveryTimeout)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	server := authorizeURL
	if u, err := url.Parse(authorizeURL); err == nil {
		server = u.Scheme + "://" + u.Host + u.Path
	}
	resp, err := hc.Do(req)
	if outbound.IsRefused(err) {
		return fmt.Errorf("HaloPSA's authorisation server %s: %w", server, err)
	}
	if err != nil {
		return outbound.Unanswered("HaloPSA's authorisation server", server, "Check the authorisation server shown in HaloPSA under Configuration > Integrations > HaloPSA API > API Details", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var refusal struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		// A redirect to HaloPSA's own sign-in page, or back to halobridge:
		// with an error (RFC 6749 §4.1.2.1), HaloPSA refused already.
		loc, err := resp.Location()
		if err != nil || loc.Query().Get("error") == "" || !strings.HasPrefix(loc.String(), s.RedirectURI()) {
			return nil
		}
		refusal.Error, refusal.Description = loc.Query().Get("error"), loc.Query().Get("error_description")
	case resp.StatusCode < 400:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("HaloPSA's authorisation server %s cannot answer just now: it answered %d (%s); try again in a few minutes",
			server, resp.StatusCode, outbound.Said(resp.StatusCode, body))
	default:
		if json.Unmarshal(body, &refusal) != nil || refusal.Error == "" {
			return fmt.Errorf("HaloPSA's authorisation server %s refused the sign-in: it answered %d (%s). %s and check the application whose Client ID is %q",
				server, resp.StatusCode, outbound.Said(resp.StatusCode, body), clientFix, outbound.Excerpt(clientID))
		}
	}
	return clientRefusal(refusal.Error, outbound.Excerpt(refusal.Description), outbound.Excerpt(clientID), s.RedirectURI())
}

// clientRefusal says in plain words why HaloPSA will not show its sign-in
// page for an application, quoting HaloPSA.
func clientRefusal(code, desc, clientID, redirectURI string) error {
	said := code
	if desc != "" {
		said = desc + " (" + code + ")"
	}
	switch {
	case code == "invalid_client" || code == "invalid_request" && strings.Contains(desc, "client_id"):
		return fmt.Errorf("HaloPSA does not know the Client ID %q: it said %q. %s, open your halobridge application and copy its Client ID again "+
			"(HaloPSA may change it when the application is first saved), and check that the application is active", clientID, said, clientFix)
	case code == "unauthorized_client":
		return fmt.Errorf("the HaloPSA application with the Client ID %q cannot sign people in: HaloPSA said %q. %s and set its Authentication Method to Authorization Code", clientID, said, clientFix)
	case strings.Contains(desc, "redirect_uri"):
		return fmt.Errorf("HaloPSA will not send you back to halobridge: it said %q. %s, open the application with the Client ID %q and add %s to its Login Redirect", said, clientFix, clientID, redirectURI)
	}
	return fmt.Errorf("HaloPSA refused to start the sign-in: it said %q. %s and check the application with the Client ID %q", said, clientFix, clientID)
}
