package halo

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// HaloPSA's authorisation server (OpenIddict) publishes where it takes authorisations and
// gives tokens in its OpenID Connect discovery document. halobridge reads it once an hour
// per authorisation server and process, and falls back to the paths every HaloPSA serves
// (<auth>/token, <auth>/authorize) when the document is missing (older versions), unreadable,
// or names another site than the authorisation server's own: a client secret is never sent
// where the partner did not point halobridge.
const (
	discoveryPath = "/.well-known/openid-configuration"
	// discoveryTTL is how long a discovered (or defaulted) answer is kept, and
	// discoveryRetry how long the usual paths stand in after the server gave no answer, so
	// that a HaloPSA that is down does not cost two timeouts per token.
	discoveryTTL   = time.Hour
	discoveryRetry = time.Minute
	// maxDiscoveryBody bounds the document: real ones are about 2 KB.
	maxDiscoveryBody = 64 << 10
)

// endpoints are the authorisation server's token and authorize URLs, without the tenant.
type endpoints struct{ token, authorize string }

type discoveredEntry struct {
	ep    endpoints
	until time.Time
}

// discovered caches endpoints by authorisation server URL and tenant, for every link of the
// process.
var discovered sync.Map

// endpoints returns where to get tokens and authorisations, discovering them when the
// cache has no fresh answer. It never fails: any trouble gives the usual paths, and the
// token request that follows reports what is wrong with the address.
func (l *link) endpoints(ctx context.Context) endpoints {
	key := l.cfg.AuthURL + "\x00" + l.cfg.Tenant
	if e, ok := discovered.Load(key); ok && time.Now().Before(e.(discoveredEntry).until) {
		return e.(discoveredEntry).ep
	}
	ep, answered := l.discover(ctx)
	ttl := discoveryTTL
	if !answered {
		ttl = discoveryRetry
	}
	if ctx.Err() == nil {
		discovered.Store(key, discoveredEntry{ep: ep, until: time.Now().Add(ttl)})
	}
	return ep
}

// discover reads the discovery document. answered is false when the answer says nothing
// about the server (no answer at all, a 5xx, a rate limit), so that it is asked again soon.
func (l *link) discover(ctx context.Context) (ep endpoints, answered bool) {
	ep = endpoints{token: l.cfg.AuthURL + "/token", authorize: l.cfg.AuthURL + "/authorize"}
	// The document is the authorisation server's metadata, read once an hour: like the
	// authorize page, it is not spent from the tenant's API budget.
	if ctx.Err() != nil {
		return ep, false
	}
	req, err := http.NewRequestWithContext(withTemplate(ctx, discoveryPath), http.MethodGet, l.cfg.AuthURL+discoveryPath+l.cfg.tenantQuery(), http.NoBody)
	if err != nil {
		return ep, true
	}
	req.Header.Set("Accept", "application/json")
	resp, err := l.http.Do(req)
	if err != nil {
		return ep, false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDiscoveryBody))
	switch {
	case err != nil || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return ep, false
	case resp.StatusCode != http.StatusOK:
		return ep, true
	}
	var doc struct {
		TokenEndpoint         string `json:"token_endpoint"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return ep, true
	}
	if u, ok := l.sameSite(doc.TokenEndpoint); ok {
		ep.token = u
	}
	if u, ok := l.sameSite(doc.AuthorizationEndpoint); ok {
		ep.authorize = u
	}
	return ep, true
}

// sameSite returns raw without query or fragment when it is an absolute URL on the
// authorisation server's own scheme and host, and the outbound guard allows it.
func (l *link) sameSite(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	auth, aerr := url.Parse(l.cfg.AuthURL)
	if err != nil || aerr != nil || u.Scheme != auth.Scheme || !strings.EqualFold(u.Host, auth.Host) || u.User != nil {
		return "", false
	}
	u.RawQuery, u.Fragment = "", ""
	if l.cfg.Outbound.CheckURL(u.String()) != nil {
		return "", false
	}
	return u.String(), true
}

// withTenant adds the tenant to an endpoint, where Halo-hosted instances expect it.
func (cfg Config) withTenant(endpoint string) string { return endpoint + cfg.tenantQuery() }
