package connect

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"halobridge/internal/outbound"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// FieldErrors are what a person must correct in what they typed, by field
// (in the API's words), each a sentence without its full stop.
type FieldErrors map[string]string

// Add keeps the first message of a field, capitalised.
func (e FieldErrors) Add(field, message string) {
	if _, ok := e[field]; !ok && message != "" {
		e[field] = strings.ToUpper(message[:1]) + message[1:]
	}
}

// HaloForm is a client ID and secret connection as a person typed it (the
// DefensX flow): the pages' form and PUT /api/v1/halo/connection alike.
type HaloForm struct {
	URL, AuthURL, Tenant, ClientID, ClientSecret string
}

// Bounds of what a typed connection takes.
const (
	maxHaloURL  = 2048
	maxHaloName = 256
)

// CheckForm checks a typed connection and returns it as it would be
// stored. Both addresses must be ones the operator lets halobridge call
// (the outbound URL guard): they are refused here, in the field's words,
// before anything is sent to them. The fields are halo_url, auth_url,
// tenant, client_id and client_secret.
func (h *Halo) CheckForm(ctx context.Context, partnerID int64, in HaloForm) (store.HaloConnection, FieldErrors) {
	errs := FieldErrors{}
	root, err := haloAddress(in.URL)
	if err == nil {
		err = h.Outbound.CheckResolved(ctx, root)
	}
	if err != nil {
		errs.Add("halo_url", err.Error())
	}
	authURL := root + "/auth"
	if strings.TrimSpace(in.AuthURL) != "" {
		authURL, err = webAddress(in.AuthURL)
		if err == nil {
			err = h.Outbound.CheckResolved(ctx, authURL)
		}
		if err != nil {
			errs.Add("auth_url", err.Error())
		}
	}
	if strings.TrimSpace(in.ClientID) == "" {
		errs.Add("client_id", "copy the Client ID of your application from HaloPSA, Configuration > Integrations > HaloPSA API > View Applications")
	}
	if strings.TrimSpace(in.ClientSecret) == "" {
		errs.Add("client_secret", "copy the Client Secret HaloPSA showed when the application was created")
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
		{"client_secret", in.ClientSecret, "a Client Secret", maxHaloName},
	} {
		if len(f.value) > f.max {
			delete(errs, f.field)
			errs.Add(f.field, fmt.Sprintf("%s is at most %d characters; copy it again from HaloPSA", f.what, f.max))
		}
	}
	return store.HaloConnection{
		PartnerID: partnerID, ResourceURL: root + "/api", AuthURL: authURL, Tenant: strings.TrimSpace(in.Tenant),
		ClientID: strings.TrimSpace(in.ClientID), ClientSecret: strings.TrimSpace(in.ClientSecret), GrantType: store.GrantClientCredentials, Scope: "all",
	}, errs
}

// HaloRoot is the address of a HaloPSA instance from its resource URL.
func HaloRoot(resourceURL string) string {
	return strings.TrimSuffix(strings.TrimRight(resourceURL, "/"), "/api")
}

// Root is the address of the partner's HaloPSA, for links into it; ""
// when it is not connected.
func (h *Halo) Root(ctx context.Context, partnerID int64) (string, error) {
	conn, err := h.Store.HaloConnection(ctx, partnerID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return HaloRoot(conn.ResourceURL), nil
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

// AddTyped checks a source as a person typed it, then connects it and
// sets up its delivery (AddSource). The errors are by field: kind,
// api_url, api_key, and source for the platform's refusal. The source of
// the answer is named even when nothing was connected.
func (s *Sources) AddTyped(ctx context.Context, n NewSource) (Connected, FieldErrors) {
	n, errs := checkNewSource(n)
	if len(errs) > 0 {
		return Connected{Source: store.Source{Name: n.Name}}, errs
	}
	added, err := s.AddSource(ctx, n)
	if err != nil {
		// Mostly the platform's own refusal (a wrong key or URL), which the
		// person needs to read to fix it.
		s.logger().WarnContext(ctx, "connecting a source failed", "partner_id", n.PartnerID, "kind", n.Kind, "error", err, "detail", outbound.Detail(err))
		errs.Add("source", fmt.Sprintf("%s could not be connected: %v", KindName(n.Kind), err))
		return Connected{Source: store.Source{Name: n.Name}}, errs
	}
	s.logger().Info("source connected", "partner_id", n.PartnerID, "kind", n.Kind, "source_id", added.Source.ID)
	return added, nil
}

// checkNewSource checks a source as a person typed it, trimmed, named
// after its platform when left unnamed.
func checkNewSource(n NewSource) (NewSource, FieldErrors) {
	n.Name, n.APIURL, n.APIKey = strings.TrimSpace(n.Name), strings.TrimSpace(n.APIURL), strings.TrimSpace(n.APIKey)
	errs := FieldErrors{}
	switch n.Kind {
	case source.GravityZone:
		if n.APIURL == "" {
			errs.Add("api_url", "copy the access URL from GravityZone, My Account > Control Center API")
		}
		if n.APIKey == "" {
			errs.Add("api_key", "generate an API key in GravityZone, My Account > API keys, with the Companies, Licensing, Network, Quarantine, Accounts and Event Push Service APIs")
		}
	case source.DefensX:
		if n.APIKey == "" {
			errs.Add("api_key", "copy the Partner API key from the DefensX portal")
		}
	case source.Push:
	default:
		errs.Add("kind", "choose GravityZone, DefensX or the push API")
	}
	if n.Name == "" {
		n.Name = KindName(n.Kind)
	}
	return n, errs
}
