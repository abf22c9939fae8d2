package halo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
)

// Check is one line of a connection test.
type Check struct {
	Name string
	OK   bool
	// Message is Halo's exact message when the check failed, or what the check found.
	Message string
	// Fix says, in an MSP admin's words, what to change in HaloPSA.
	Fix string
}

// TestReport is the result of TestConnection.
type TestReport struct {
	Checks []Check
	OK     bool
}

// appPermissionsPath is where HaloPSA keeps an API application's permissions.
const appPermissionsPath = "In HaloPSA, Configuration > Integrations > HaloPSA API > Applications > <your application> > Permissions"

// TestConnection checks, one line each, that the connection can do what halobridge needs:
// sign in, read the catalog, create tickets and actions, and read and edit recurring invoices.
// It never saves anything in Halo (see the probes below).
func (c *Client) TestConnection(ctx context.Context) TestReport {
	token := c.checkToken(ctx)
	report := TestReport{Checks: []Check{token}, OK: token.OK}
	if !token.OK {
		// Without a token every other check would fail the same way.
		return report
	}
	for _, spec := range c.permissionChecks() {
		check := spec.run(ctx)
		report.Checks = append(report.Checks, check)
		report.OK = report.OK && check.OK
	}
	return report
}

func (c *Client) checkToken(ctx context.Context) Check {
	check := Check{Name: "Get an access token"}
	_, err := withRetries(ctx, c.link, func() (*oauth2.Token, verdict, error) {
		return c.auth.token(ctx)
	})
	if err != nil {
		check.Message, check.Fix = haloMessage(err), tokenFix(err)
		return check
	}
	check.OK = true
	me, err := c.Me(ctx)
	if err != nil {
		check.Message = "signed in, but could not tell which agent: " + haloMessage(err)
		return check
	}
	check.Message = fmt.Sprintf("signed in as agent %q (id %d)", me.Name, me.ID)
	return check
}

func tokenFix(err error) string {
	var oe *OAuthError
	var rl *RateLimitError
	switch {
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

// probe is one request that proves a permission without saving anything.
type probe func(ctx context.Context) error

type checkSpec struct {
	name string
	// permission is the application permission the check needs, and ability what the agent
	// the application logs in as must be allowed to do.
	permission string
	ability    string
	probes     []probe
}

func (s checkSpec) run(ctx context.Context) Check {
	check := Check{Name: s.name, OK: true}
	for _, p := range s.probes {
		if err := p(ctx); err != nil {
			check.OK = false
			check.Message = haloMessage(err)
			check.Fix = s.fix(err)
			break
		}
	}
	return check
}

func (s checkSpec) fix(err error) string {
	var ae *APIError
	var rl *RateLimitError
	switch {
	case errors.As(err, &rl):
		return fmt.Sprintf("HaloPSA is rate limiting this tenant: test again in %s.", rl.RetryAfter.Round(time.Second))
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		permission := s.permission
		if ae.Permission != "" {
			permission = ae.Permission
		}
		return fmt.Sprintf("%s: enable %s (and check that the agent it logs in as may %s).", appPermissionsPath, permission, s.ability)
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		return "HaloPSA refused the access token on its resource server: check that the resource server URL (e.g. https://<your instance>.halopsa.com/api) belongs to the same instance and tenant as the authorisation server."
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		return "Check the resource server URL (e.g. https://<your instance>.halopsa.com/api), as shown in HaloPSA under Configuration > Integrations > HaloPSA API > API Details."
	default:
		return "HaloPSA could not answer; test again later, and check the resource server URL if this persists."
	}
}

func (c *Client) permissionChecks() []checkSpec {
	return []checkSpec{
		{
			name: "Read clients and sites", permission: "read:customers", ability: "view customers",
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
		return err
	}
}

// firstPage reads one record of a paginated list: enough to prove access at the cost of one
// small request.
func (c *Client) firstPage(template string) probe {
	return func(ctx context.Context) error {
		q := url.Values{"pageinate": {"true"}, "page_size": {"1"}, "page_no": {"1"}}
		_, err := c.do(ctx, request{method: http.MethodGet, template: template, path: template, query: q})
		return err
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
		return err
	}
}

// haloMessage is Halo's own words for err when it has some.
func haloMessage(err error) string {
	var ae *APIError
	var oe *OAuthError
	switch {
	case errors.As(err, &ae) && ae.Message != "":
		return ae.Message
	case errors.As(err, &oe) && oe.Description != "":
		return oe.Code + ": " + oe.Description
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
