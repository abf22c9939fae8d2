package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
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
// means the instance it belongs to. Plain http is accepted for loopback
// addresses only (the simulator and the demo): tokens must not cross a
// network unencrypted.
func haloRoot(raw string) (string, error) {
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
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", fmt.Errorf("the HaloPSA address %q must start with https://", raw)
	}
	path := strings.TrimRight(u.Path, "/")
	for _, suffix := range []string{"/api", "/auth"} {
		path = strings.TrimSuffix(path, suffix)
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + path, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// discover finds the authorisation server and tenant of the instance at
// root with the anonymous GET /api/AuthInfo, as HaloPSA's own tools do;
// when that fails it falls back to <root>/auth without a tenant, the usual
// layout of a self-hosted HaloPSA.
func (s *Service) discover(ctx context.Context, root string) haloInstance {
	inst := haloInstance{root: root, resource: root + "/api", auth: root + "/auth"}
	info, err := s.authInfo(ctx, inst.resource)
	if err != nil {
		s.logger().Info("HaloPSA AuthInfo unavailable; assuming <url>/auth", "halo_url", root, "error", err)
		return inst
	}
	if u, err := url.Parse(info.AuthURL); err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http") {
		inst.auth = strings.TrimRight(info.AuthURL, "/")
	}
	inst.tenant = strings.TrimSpace(info.TenantID)
	return inst
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
	client := s.HaloDefaults.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: discoveryTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return authInfo{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return authInfo{}, fmt.Errorf("GET /api/authinfo answered %s", resp.Status)
	}
	var info authInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&info); err != nil {
		return authInfo{}, fmt.Errorf("GET /api/authinfo: %w", err)
	}
	return info, nil
}
