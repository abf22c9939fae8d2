package halosim

import (
	"net/http"
)

// authInfo answers the anonymous GET /api/AuthInfo clients use to find the authorisation server.
func (s *Sim) authInfo(r *http.Request) reply {
	return jsonReply(http.StatusOK, map[string]string{
		"auth_url":  baseURL(r) + "/auth",
		"tenant_id": s.opts.Tenant,
	})
}

// InstanceInfo describes the instance (API.md §1.8).
type InstanceInfo struct {
	DBID                   string `json:"dbid"`
	AppVersion             string `json:"app_version"`
	DatabaseVersion        string `json:"database_version"`
	AgentCount             int    `json:"agent_count"`
	LicensedAgentCount     int    `json:"licensed_agent_count"`
	OnlineAgentCount       int    `json:"online_agent_count"`
	LastLogin              string `json:"last_login"`
	AppName                string `json:"app_name"`
	AgentURL               string `json:"agent_url"`
	PortalURL              string `json:"portal_url"`
	AuthURL                string `json:"auth_url"`
	MobileAppEnabled       bool   `json:"mobileapp_enabled"`
	TeamsBotEnabled        bool   `json:"teamsbot_enabled"`
	NHServerVersion        string `json:"nhserver_version"`
	TeamsChatProfile       int    `json:"teams_chat_profile"`
	UsingEventService      bool   `json:"using_event_service"`
	UsingSchedulingService bool   `json:"using_scheduling_service"`
	UsingOutgoingService   bool   `json:"using_outgoing_service"`
	UsingIncomingService   bool   `json:"using_incoming_service"`
}

// simVersion is the Halo version the simulator presents itself as.
const simVersion = "2.190.7"

func (s *Sim) instanceInfo(c *call) reply {
	base := baseURL(c.r)
	info := InstanceInfo{
		DBID: "halosim", AppVersion: simVersion, DatabaseVersion: simVersion, AppName: "Halo PSA",
		AgentURL: base, PortalURL: base + "/portal", AuthURL: base + "/auth", NHServerVersion: simVersion,
		LastLogin: s.stamp(), UsingEventService: true, UsingSchedulingService: true, UsingOutgoingService: true, UsingIncomingService: true,
	}
	for _, a := range s.db.agents {
		if a.ID == unassignedAgentID {
			continue
		}
		info.AgentCount++
		if !a.IsAPIAgent && !a.IsDisabled {
			info.LicensedAgentCount++
		}
	}
	return jsonReply(http.StatusOK, info)
}

// oidcDiscoveryPath is where the OpenIddict-based authorisation server publishes its
// OpenID Connect discovery document, relative to the site root.
const oidcDiscoveryPath = "/auth/.well-known/openid-configuration"

// openIDConfiguration is the discovery document's part integrations read: where to send
// users to authorise and where to get tokens, and what the server supports.
type openIDConfiguration struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
}

// openIDConfiguration answers GET /auth/.well-known/openid-configuration, anonymously.
func (s *Sim) openIDConfiguration(r *http.Request) reply {
	if r.Method != http.MethodGet {
		return oauthError(http.StatusMethodNotAllowed, "invalid_request", "The configuration endpoint only accepts GET.")
	}
	auth := baseURL(r) + "/auth"
	return jsonReply(http.StatusOK, openIDConfiguration{
		Issuer:                            auth + "/",
		AuthorizationEndpoint:             auth + "/authorize",
		TokenEndpoint:                     auth + "/token",
		GrantTypesSupported:               []string{"authorization_code", "client_credentials", "refresh_token"},
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query", "form_post", "fragment"},
		ScopesSupported:                   append([]string{"openid", scopeOfflineAccess}, knownScopes...),
		ClaimsSupported:                   []string{"aud", "exp", "iat", "iss", "sub", "name", "email"},
		IDTokenSigningAlgValuesSupported:  []string{"HS256"},
		CodeChallengeMethodsSupported:     []string{"plain", "S256"},
		SubjectTypesSupported:             []string{"public"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
	})
}
