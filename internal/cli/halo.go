package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"halobridge/internal/config"
	"halobridge/internal/halo"
)

// haloURLs turns what an MSP admin copies from HaloPSA into the two server
// URLs: the resource server (<url>/api) and the authorisation server
// (<url>/auth unless given).
func haloURLs(base, authURL string) (resource, auth string, err error) {
	base = strings.TrimRight(strings.TrimSpace(base), "/")
	if base == "" {
		return "", "", errors.New("--url is required: your HaloPSA address, e.g. https://acme.halopsa.com")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", "", fmt.Errorf("--url %q is not a web address like https://acme.halopsa.com", base)
	}
	root := strings.TrimSuffix(base, "/api")
	resource = root + "/api"
	auth = strings.TrimRight(strings.TrimSpace(authURL), "/")
	if auth == "" {
		auth = root + "/auth"
	}
	return resource, auth, nil
}

func haloTestCommand() *command {
	var (
		baseURL, authURL, tenant, clientID, clientSecret, scope string
		timeout                                                 time.Duration
	)
	cfg := config.Default()
	return &command{
		name:    "test",
		summary: "Test Connection: check credentials and every permission halobridge needs",
		usage:   "halobridge halo test --url URL --client-id ID --client-secret SECRET [--tenant NAME] [--auth-url URL]",
		long: `Signs in to HaloPSA with an API application's Client ID and Secret (the "Client ID
and Secret (Services)" authentication method), then checks each capability the
integration needs: reading clients and sites, agents and teams, statuses and
ticket types, items and recurring invoices; creating tickets and actions; editing
recurring invoices. Nothing is created in HaloPSA. Each check prints one line;
the last line says "Connection successful" or lists what to fix, naming the
permission and where to set it. The exit code is 0 only when every check passed.

Find the values in HaloPSA under Configuration > Integrations > HaloPSA API:
the Resource Server (your HaloPSA address), the Authorisation Server (only if it
is not <url>/auth), the Tenant (hosted HaloPSA only), and the application's
Client ID and Secret under View Applications.

Example:
  halobridge halo test --url https://acme.halopsa.com --tenant acme \
      --client-id 6f0c... --client-secret "$SECRET"`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&baseURL, "url", "", "HaloPSA address (the resource server), e.g. https://acme.halopsa.com")
			fs.StringVar(&authURL, "auth-url", "", "authorisation server URL (default <url>/auth)")
			fs.StringVar(&tenant, "tenant", "", "tenant name, for HaloPSA hosted by Halo")
			fs.StringVar(&clientID, "client-id", "", "the API application's Client ID")
			fs.StringVar(&clientSecret, "client-secret", "", "the API application's Client Secret (prefer the environment variable)")
			fs.StringVar(&scope, "scope", "all", "OAuth scopes to request, space separated")
			fs.DurationVar(&timeout, "timeout", 60*time.Second, "give up after this long")
			cfg.Outbound(fs)
		},
		run: func(ctx context.Context, env Env, args []string) error {
			resource, auth, err := haloURLs(baseURL, authURL)
			if err != nil {
				return err
			}
			if clientID == "" || clientSecret == "" {
				return errors.New("--client-id and --client-secret are required (from Configuration > Integrations > HaloPSA API > View Applications)")
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			client, err := halo.New(halo.Config{
				Outbound:     cfg.OutboundPolicy(),
				ResourceURL:  resource,
				AuthURL:      auth,
				Tenant:       tenant,
				ClientID:     clientID,
				ClientSecret: clientSecret,
				Scope:        scope,
				GrantType:    halo.GrantClientCredentials,
			})
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			report := client.TestConnection(ctx)
			halo.FormatReport(env.Stdout, report)
			if !report.OK {
				return errors.New("the connection is not ready")
			}
			return nil
		},
	}
}
