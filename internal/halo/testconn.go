package halo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"halobridge/internal/outbound"
)

// Check is one line of a connection test.
type Check struct {
	Name string
	OK   bool
	// Message is Halo's exact message when the check failed, or what the check found.
	Message string
	// Fix says, in an MSP admin's words, what to change in HaloPSA.
	Fix string
	// Required says that halobridge cannot work at all without this check passing, so a
	// connection failing it must not be saved (see permissionChecks).
	Required bool
	// Permission is the application permission HaloPSA refused this check for want of, as
	// HaloPSA named it when it did; "" when the check passed or failed for another reason.
	Permission string
}

// TestReport is the result of TestConnection.
type TestReport struct {
	Checks []Check
	OK     bool
	// Agent is the HaloPSA agent the connection acts as; zero when it could not be told.
	Agent Agent
}

// Blocker is the first check that stops the connection from being saved: a required check
// that failed, or any check that failed for another reason than a missing permission (HaloPSA
// unreachable, rate limiting or failing). A connection with no blocker can work, and only
// lacks permissions that the partner may grant later.
func (r TestReport) Blocker() (Check, bool) {
	if len(r.Checks) == 0 {
		return Check{Name: "Get an access token", Message: "the connection was not tested"}, true
	}
	for _, c := range r.Checks {
		if !c.OK && (c.Required || c.Permission == "") {
			return c, true
		}
	}
	return Check{}, false
}

// appPermissionsPath is where HaloPSA keeps an API application's permissions.
const appPermissionsPath = "In HaloPSA, Configuration > Integrations > HaloPSA API > Applications > <your application> > Permissions"

// TestConnection checks, one line each, that the connection can do what halobridge needs:
// sign in, read the catalog, create tickets and actions, and read and edit recurring invoices.
// It never saves anything in Halo (see the probes below).
func (c *Client) TestConnection(ctx context.Context) TestReport {
	// A token keeps the permissions it was issued with, and one kept in memory may have been
	// revoked since: a test asks for a new one, so that it reports what the credentials can
	// do now.
	c.auth.reset()
	token, agent := c.CheckToken(ctx)
	report := TestReport{Checks: []Check{token}, OK: token.OK, Agent: agent}
	if !token.OK {
		// Without a token every other check would fail the same way.
		return report
	}
	for _, spec := range c.permissionChecks() {
		check, err := spec.run(ctx)
		if err != nil {
			c.logFailed(ctx, check, err)
		}
		report.Checks = append(report.Checks, check)
		report.OK = report.OK && check.OK
	}
	return report
}

// CheckToken is Test Connection's first step alone: it gets an access token and asks who
// the connection acts as. A connection whose token check fails cannot work at all.
func (c *Client) CheckToken(ctx context.Context) (Check, Agent) {
	check := Check{Name: "Get an access token", Required: true}
	_, err := withRetries(ctx, c.link, func() (*oauth2.Token, verdict, error) {
		return c.auth.token(ctx)
	})
	if err != nil {
		check.Message, check.Fix = haloMessage(err), tokenFix(err)
		c.logFailed(ctx, check, err)
		return check, Agent{}
	}
	check.OK = true
	me, err := c.Me(ctx)
	if err != nil {
		err = alwaysThere(c.cfg.ResourceURL+"/Agent/me", err)
		check.Message = "signed in, but could not tell which agent: " + haloMessage(err)
		return check, Agent{}
	}
	check.Message = fmt.Sprintf("signed in as agent %q (id %d)", me.Name, me.ID)
	return check, me
}

func tokenFix(err error) string {
	if f, ok := outbound.AsFixer(err); ok {
		return f.FixText()
	}
	var oe *OAuthError
	var rl *RateLimitError
	switch {
	case outbound.IsRefused(err):
		return refusedFix
	case errors.As(err, &oe) && oe.Tenant != "":
		return fmt.Sprintf("Check the tenant name (now %q): for hosted HaloPSA it is usually the first part of your HaloPSA address (acme for https://acme.halopsa.com), "+
			"as shown in HaloPSA under Configuration > Integrations > HaloPSA API > API Details. If it is right, HaloPSA itself is failing: test again later.", oe.Tenant)
	case errors.As(err, &oe) && oe.Code == "invalid_client":
		return "Copy the Client ID and Client Secret again from HaloPSA, Configuration > Integrations > HaloPSA API > Applications > <your application>: the Client ID may change when the application is saved, and the application must be saved."
	case errors.As(err, &oe) && oe.Code == "invalid_scope":
		return "Use the scope \"all\", or only scopes HaloPSA knows (e.g. read:tickets edit:tickets read:customers): there is no read:actions or edit:actions scope."
	case errors.As(err, &oe) && oe.Code == "invalid_grant":
		return "Log in with HaloPSA again: the stored authorisation was used, revoked or has expired."
	case errors.Is(err, ErrNoRefreshToken):
		return "Log in with HaloPSA to authorise halobridge."
	case errors.As(err, &rl):
		return fmt.Sprintf("HaloPSA is rate limiting this tenant: test again in %s.", rl.RetryAfter.Round(time.Second))
	default:
		return "Check the authorisation server URL (e.g. https://<your instance>.halopsa.com/auth) and, for hosted HaloPSA, the tenant name, as shown in HaloPSA under Configuration > Integrations > HaloPSA API > API Details."
	}
}

// refusedFix is the fix of a HaloPSA address the outbound URL guard keeps closed.
const refusedFix = "Use your HaloPSA's public https address (e.g. https://<your instance>.halopsa.com). " +
	"An on-premises HaloPSA on a private network, or one reached over plain http, must first be allowed by whoever runs halobridge " +
	"(--allow-private-urls and --allow-http, see the README)."

// probe is one request that proves a permission without saving anything.
type probe func(ctx context.Context) error

type checkSpec struct {
	name string
	// permission is the application permission the check needs, and ability what the agent
	// the application logs in as must be allowed to do.
	permission string
	ability    string
	// required: see Check.Required.
	required bool
	probes   []probe
}

// run runs the check's probes up to the first that fails, whose error it returns too.
func (s checkSpec) run(ctx context.Context) (Check, error) {
	check := Check{Name: s.name, OK: true, Required: s.required}
	for _, p := range s.probes {
		if err := p(ctx); err != nil {
			check.OK = false
			check.Message = haloMessage(err)
			check.Fix = s.fix(err)
			if IsForbidden(err) {
				check.Permission = s.missing(err)
			}
			return check, err
		}
	}
	return check, nil
}

// logFailed logs the whole error of a failed check, which its message to a person shortens.
func (c *Client) logFailed(ctx context.Context, check Check, err error) {
	c.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "Test Connection check failed", slog.String("check", check.Name),
		slog.String("error", err.Error()), slog.String("detail", outbound.Detail(err)))
}

// missing is the permission a 403 says is missing, or the one the check needs when Halo
// did not name it.
func (s checkSpec) missing(err error) string {
	var ae *APIError
	if errors.As(err, &ae) && ae.Permission != "" {
		return ae.Permission
	}
	return s.permission
}

func (s checkSpec) fix(err error) string {
	if f, ok := outbound.AsFixer(err); ok {
		return f.FixText()
	}
	var ae *APIError
	var rl *RateLimitError
	switch {
	case outbound.IsRefused(err):
		return refusedFix
	case errors.As(err, &rl):
		return fmt.Sprintf("HaloPSA is rate limiting this tenant: test again in %s.", rl.RetryAfter.Round(time.Second))
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		return fmt.Sprintf("%s: enable %s (and check that the agent it logs in as may %s).", appPermissionsPath, s.missing(err), s.ability)
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		return "HaloPSA refused the access token on its resource server: check that the resource server URL (e.g. https://<your instance>.halopsa.com/api) belongs to the same instance and tenant as the authorisation server."
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		return "Check the resource server URL (e.g. https://<your instance>.halopsa.com/api), as shown in HaloPSA under Configuration > Integrations > HaloPSA API > API Details."
	default:
		return "HaloPSA could not answer; test again later, and check the resource server URL if this persists."
	}
}

// permissionChecks are the checks after the token. Reading clients and sites is required:
// every flow starts from mapping a security customer to a HaloPSA client, so a connection
// that cannot read them does nothing at all. The others are each needed by one part that a
// partner may not use (tickets need agents, teams, statuses, ticket types, tickets and
// actions; billing needs items and recurring invoices), so a connection lacking them may be
// saved, each missing permission then being an integration event until it is granted.
// Asset mapping needs assets.
func (c *Client) permissionChecks() []checkSpec {
	return []checkSpec{
		{
			name: "Read clients and sites", permission: "read:customers", ability: "view customers", required: true,
			probes: []probe{c.firstPage("/Client"), c.firstPage("/Site")},
		},
		{
			name: "Read agents and teams", permission: "all:teams (or admin)", ability: "view agents and teams",
			probes: []probe{c.getProbe("/Agent"), c.getProbe("/Team")},
		},
		{
			name: "Read statuses and ticket types", permission: "read:tickets", ability: "view tickets",
			probes: []probe{c.getProbe("/Status"), c.getProbe("/TicketType")},
		},
		{
			// _validate_only saves nothing; the ticket also names no client, so a Halo that
			// ignored the flag would refuse it ("Please select a valid Client/Site/User")
			// after the permission check, which is all this probe needs.
			name: "Create tickets", permission: "edit:tickets", ability: "create tickets",
			probes: []probe{c.postProbe("/Tickets", []Ticket{{Summary: "halobridge connection test", ValidateOnly: true}})},
		},
		{
			// An action without a ticket can never be saved: Halo answers 400 "An Action must
			// be associated with a ticket_id" once the permission check passed, and 403 when
			// the permission is missing.
			name: "Create actions", permission: "edit:tickets", ability: "add actions to tickets",
			probes: []probe{c.postProbe("/Actions", []Action{{Note: "halobridge connection test", HiddenFromUser: true}})},
		},
		{
			// Asset mapping reads the mapped clients' assets and their types; without
			// them tickets name no device, and the rest works.
			name: "Read assets", permission: permReadAssets, ability: "view assets",
			probes: []probe{c.firstPage("/Asset"), c.getProbe("/AssetType")},
		},
		{
			name: "Read items", permission: "read:items", ability: "view items",
			probes: []probe{c.firstPage("/Item")},
		},
		{
			name: "Read and edit recurring invoices", permission: "edit:invoices", ability: "view and edit recurring invoices",
			probes: []probe{
				c.firstPage("/RecurringInvoice"),
				c.postProbe("/RecurringInvoice", []RecurringInvoice{{ValidateOnly: true}}),
			},
		},
	}
}

func (c *Client) getProbe(template string) probe {
	return func(ctx context.Context) error {
		_, err := c.do(ctx, request{method: http.MethodGet, template: template, path: template})
		return alwaysThere(c.cfg.ResourceURL+template, err)
	}
}

// firstPage reads one record of a paginated list: enough to prove access at the cost of one
// small request.
func (c *Client) firstPage(template string) probe {
	return func(ctx context.Context) error {
		q := url.Values{"pageinate": {"true"}, "page_size": {"1"}, "page_no": {"1"}}
		_, err := c.do(ctx, request{method: http.MethodGet, template: template, path: template, query: q})
		return alwaysThere(c.cfg.ResourceURL+template, err)
	}
}

// postProbe sends a write that cannot be saved; a 400 means Halo got past the permission
// check to validating the record, so only other errors fail the probe.
func (c *Client) postProbe(template string, body any) probe {
	return func(ctx context.Context) error {
		_, err := c.do(ctx, request{method: http.MethodPost, template: template, path: template, body: body})
		if IsBadRequest(err) {
			return nil
		}
		return alwaysThere(c.cfg.ResourceURL+template, err)
	}
}

// haloMessage is Halo's own words for err when it has some, or what failed when the address
// did not answer or answered as something else.
func haloMessage(err error) string {
	if f, ok := outbound.AsFixer(err); ok {
		return f.Problem()
	}
	var ae *APIError
	var oe *OAuthError
	switch {
	case errors.As(err, &ae) && ae.Message != "":
		return ae.Message
	case errors.As(err, &oe) && oe.Tenant != "":
		return oe.Error()
	case errors.As(err, &oe) && oe.Code != "" && oe.Description != "":
		return oe.Code + ": " + oe.Description
	case errors.As(err, &oe) && oe.Description != "":
		return oe.Description
	case errors.As(err, &oe):
		return oe.Code
	default:
		return err.Error()
	}
}

// FormatReport prints r for a person: one line per check, then either "Connection
// successful" or the numbered fixes.
func FormatReport(w io.Writer, r TestReport) {
	var fixes []string
	for _, ch := range r.Checks {
		switch {
		case !ch.OK:
			fmt.Fprintf(w, "✗ %s: %s\n", ch.Name, ch.Message)
			if ch.Fix != "" {
				fixes = append(fixes, ch.Fix)
			}
		case ch.Message != "":
			fmt.Fprintf(w, "✓ %s (%s)\n", ch.Name, ch.Message)
		default:
			fmt.Fprintf(w, "✓ %s\n", ch.Name)
		}
	}
	if r.OK {
		fmt.Fprintln(w, "Connection successful")
		return
	}
	fmt.Fprintln(w, "Fix these to finish the connection:")
	for i, fix := range fixes {
		fmt.Fprintf(w, "%d. %s\n", i+1, fix)
	}
}
