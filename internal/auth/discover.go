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

// discover finds the authorisation server and tenant of the instance at
// root with the anonymous GET /api/AuthInfo, as HaloPSA's own tools do;
// when that fails it falls back to <root>/auth without a tenant, the usual
// layout of a self-hosted HaloPSA. Anyone may start a sign-in, so nothing
// is sent before the outbound URL guard has checked where it goes: the
// instance, then the authorisation server it names, each refused in clear
// words when the operator keeps it closed.
func (s *Service) discover(ctx context.Context, root string) (haloInstance, error) {
	policy := s.HaloDefaults.Outbound
	if err := policy.CheckResolved(ctx, root); err != nil {
		return haloInstance{}, fmt.Errorf("the HaloPSA address %s: %w", root, err)
	}
	inst := haloInstance{root: root, resource: root + "/api", auth: root + "/auth"}
	info, err := s.authInfo(ctx, inst.resource)
	switch {
	case outbound.IsRefused(err):
		return haloInstance{}, fmt.Errorf("the HaloPSA address %s: %w", root, err)
	case err != nil:
		s.logger().Info("HaloPSA AuthInfo unavailable; assuming <url>/auth", "halo_url", root, "error", err)
		return inst, nil
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

func (s *Service) authInfo(ctx context.Context, resource string) (authInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, resource+"/authinfo", nil)
	if err != nil {
		return authInfo{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.HaloDefaults.Outbound.Guard(s.HaloDefaults.HTTPClient, discoveryTimeout).Do(req)
	if err != nil {
		return authInfo{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return authInfo{}, fmt.Errorf("GET /api/authinfo answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	var info authInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&info); err != nil {
		return authInfo{}, fmt.Errorf("GET /api/authinfo: %w", err)
	}
	return info, nil
}
