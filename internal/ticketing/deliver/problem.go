package deliver

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/mapping"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// Problem is something HaloPSA refused, said so a person can fix it: what
// happened, in HaloPSA's own words where it gave some, and what to do. It
// becomes an integration event; Kind and Data are what the events service
// acts on (Data of site_without_general_user holds client_id and site_id).
type Problem struct {
	Kind    string         `json:"kind"`
	Key     string         `json:"key"`
	Subject string         `json:"subject"`
	Message string         `json:"message"`
	Fix     string         `json:"fix"`
	Data    map[string]any `json:"data,omitempty"`
}

func (pr Problem) Error() string { return pr.Message + " " + pr.Fix }

// Event kinds delivery raises.
const (
	KindUnmappedCustomer       = events.EventUnmappedCustomer
	KindNoCompany              = events.EventNoCompany
	KindSiteWithoutGeneralUser = string(mapping.FindingSiteWithoutGeneralUser)
	KindClientInactive         = string(mapping.FindingClientInactive)
	KindPermissionMissing      = events.EventPermissionMissing
	KindTicketRefused          = events.EventTicketRefused
)

// refused reports whether HaloPSA answered that it will not do this, as
// opposed to failing to answer: sending the same again would get the same.
func refused(err error) bool {
	var ae *halo.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Status {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// retryNote ends the fixes of problems that clear by themselves once fixed.
const retryNote = " halobridge tries the alerts again by itself, at least every 15 minutes."

// explainTicket says why HaloPSA refused a ticket. "Please select a valid
// Client/Site/User" is HaloPSA's answer to several different problems, so
// it looks at the client and site to name the one that applies; known is
// the client's name as the catalog last read it, for a client HaloPSA no
// longer has.
func explainTicket(ctx context.Context, client *halo.Client, f ticketing.TicketFields, known string, err error) Problem {
	var ae *halo.APIError
	errors.As(err, &ae)
	switch {
	case ae.Status == http.StatusForbidden:
		return permissionProblem(ae, "create tickets")
	case strings.Contains(ae.Message, "valid Client/Site/User"):
		if pr, ok := diagnoseCustomer(ctx, client, f, known, ae); ok {
			return pr
		}
	}
	return fieldProblem(ae, "ticket")
}

// explainAction says why HaloPSA refused a note or a status change.
func explainAction(err error) Problem {
	var ae *halo.APIError
	errors.As(err, &ae)
	if ae.Status == http.StatusForbidden {
		return permissionProblem(ae, "add notes to tickets")
	}
	return fieldProblem(ae, "note")
}

// diagnoseCustomer finds which of client, site and General User HaloPSA
// could not resolve. It reads HaloPSA, but only after a refusal.
func diagnoseCustomer(ctx context.Context, client *halo.Client, f ticketing.TicketFields, known string, ae *halo.APIError) (Problem, bool) {
	cl, err := client.Client(ctx, f.ClientID)
	if halo.IsNotFound(err) || (err == nil && cl.Inactive) {
		name := clientNamed(cmp.Or(cl.Name, known), f.ClientID)
		why := "no longer exists"
		if err == nil {
			why = "is inactive"
		}
		return Problem{
			Kind: KindClientInactive, Key: fmt.Sprintf("%s/%d", KindClientInactive, f.ClientID),
			Subject: "HaloPSA " + name,
			Message: fmt.Sprintf("HaloPSA refused a ticket for %s because the client %s (HaloPSA: %s).", name, why, ae.Message),
			Fix:     "On the Client mapping page, map the company to an active HaloPSA client, or make the client active again in HaloPSA." + retryNote,
			Data:    map[string]any{"client_id": f.ClientID},
		}, true
	}
	if err != nil {
		return Problem{}, false
	}
	siteID := f.SiteID
	if siteID == 0 {
		siteID = cl.MainSiteID
	}
	users, err := client.Users(ctx, halo.UserQuery{SiteID: siteID})
	if err != nil {
		return Problem{}, false
	}
	if _, ok := halo.GeneralUser(users, siteID); ok {
		return Problem{}, false
	}
	siteName := fmt.Sprintf("id %d", siteID)
	if sites, err := client.Sites(ctx, halo.SiteQuery{ClientID: cl.ID}); err == nil {
		for _, s := range sites {
			if s.ID == siteID {
				siteName = fmt.Sprintf("%q", s.Name)
			}
		}
	}
	return Problem{
		Kind: KindSiteWithoutGeneralUser, Key: fmt.Sprintf("%s/%d/%d", KindSiteWithoutGeneralUser, cl.ID, siteID),
		Subject: fmt.Sprintf("HaloPSA client %q, site %s", cl.Name, siteName),
		Message: fmt.Sprintf("HaloPSA refused the ticket because site %s of client %q has no General User, and tickets that name no user go to the site's General User (HaloPSA: %s).",
			siteName, cl.Name, ae.Message),
		Fix: fmt.Sprintf("In HaloPSA open client %q, site %s, and add a user named %q, or create it from this event in halobridge.",
			cl.Name, siteName, halo.GeneralUserName) + retryNote,
		Data: map[string]any{"client_id": cl.ID, "site_id": siteID},
	}, true
}

// permissionProblem names the permission a 403 says is missing.
func permissionProblem(ae *halo.APIError, what string) Problem {
	perm := ae.Permission
	if perm == "" {
		perm = "needed"
	}
	msg := fmt.Sprintf("HaloPSA does not let halobridge %s: its API application lacks the %s permission", what, perm)
	if ae.Message != "" {
		msg += " (HaloPSA: " + ae.Message + ")"
	}
	return Problem{
		Kind: KindPermissionMissing, Key: KindPermissionMissing + "/" + perm, Subject: "halobridge's HaloPSA API application",
		Message: msg + ".",
		Fix: fmt.Sprintf("In HaloPSA, under Configuration > Integrations > HaloPSA API > View Applications, open halobridge's application and add the %s permission on its Permissions tab.", perm) +
			retryNote,
		Data: map[string]any{"permission": perm},
	}
}

// haloFields maps the words of HaloPSA's refusals to the policy field that
// sets them; the first match wins.
// label is the name Setup › Ticketing gives the field.
var haloFields = []struct {
	pattern      *regexp.Regexp
	field, label string
}{
	{regexp.MustCompile(`(?i)CAB members`), "tickettype_id", "Ticket type"},
	{regexp.MustCompile(`(?i)ticket ?type`), "tickettype_id", "Ticket type"},
	{regexp.MustCompile(`(?i)outcome|access to this action`), "note_outcome_id", "Outcome of halobridge's notes"},
	{regexp.MustCompile(`(?i)\bstatus\b`), "initial_status_id", "Initial status"},
	{regexp.MustCompile(`(?i)\bSLA\b`), "types.*.sla_id", "SLA of the alert types"},
	{regexp.MustCompile(`(?i)priority`), "types.*.priority_id", "Priority of the alert types"},
	{regexp.MustCompile(`(?i)categor`), "types.*.category_1", "Category of the alert types"},
	{regexp.MustCompile(`(?i)\bteam\b`), "team", "Default team"},
	{regexp.MustCompile(`(?i)\bagent\b`), "agent_id", "Default agent"},
	{regexp.MustCompile(`(?i)urgency`), "types.*.urgency", "Urgency of the alert types"},
	{regexp.MustCompile(`(?i)impact`), "types.*.impact", "Impact of the alert types"},
	{regexp.MustCompile(`(?i)summary`), "title_template", "Ticket title"},
}

// mandatory finds the field a "required" refusal names, in HaloPSA's words.
var mandatory = regexp.MustCompile(`(?i)(?:please (?:enter|select) an? (?:valid )?([^(.]+?)\s*(?:\(|\.|$))|(?:([\w ]+?) (?:is|are) (?:mandatory|required))`)

// fieldProblem says which field a 400 is about, quoting HaloPSA.
func fieldProblem(ae *halo.APIError, what string) Problem {
	message := ae.Message
	if message == "" {
		message = ae.Error()
	}
	field, label := "", ""
	for _, f := range haloFields {
		if f.pattern.MatchString(message) {
			field, label = f.field, f.label
			break
		}
	}
	named := ""
	if m := mandatory.FindStringSubmatch(message); m != nil {
		named = strings.TrimSpace(m[1] + m[2])
	}
	msg := fmt.Sprintf("HaloPSA refused the %s: %s", what, strings.TrimRight(message, "."))
	var fix string
	switch {
	case field != "":
		msg += fmt.Sprintf(" (the ticket policy's %s).", label)
		fix = fmt.Sprintf("Under Setup › Ticketing, check %s against HaloPSA (if it changed in HaloPSA, choose Sync now on the Sync page first).", label)
	case named != "":
		msg += fmt.Sprintf(": HaloPSA requires %q on these tickets and halobridge does not fill it.", named)
		fix = fmt.Sprintf("In HaloPSA make %q optional for the ticket type, or give it a default value.", named)
	default:
		msg += "."
		fix = "Under Setup › Ticketing, check the ticket policy against HaloPSA's message."
	}
	key := field
	if key == "" {
		key = strings.ToLower(firstWords(message, 8))
	}
	return Problem{
		Kind: KindTicketRefused, Key: KindTicketRefused + "/" + key, Subject: "HaloPSA " + what + "s from halobridge",
		Message: msg, Fix: fix + retryNote, Data: map[string]any{"field": field, "required": named, "halo_message": ae.Message},
	}
}

func firstWords(s string, n int) string {
	words := strings.Fields(s)
	return strings.Join(words[:min(n, len(words))], " ")
}

// raise records the problem as an integration event, once per pass.
func (p *pass) raise(ctx context.Context, pr Problem) error {
	if p.raised[pr.Key] {
		return nil
	}
	p.raised[pr.Key] = true
	return raiseEvent(ctx, p.svc.store, p.partnerID, pr)
}

func raiseEvent(ctx context.Context, st *store.Store, partnerID int64, pr Problem) error {
	data, err := json.Marshal(pr.Data)
	if err != nil {
		return fmt.Errorf("event %s data: %w", pr.Key, err)
	}
	_, err = st.RaiseEvent(ctx, store.Event{PartnerID: partnerID, Kind: pr.Kind, Key: pr.Key, Subject: pr.Subject, Message: pr.Message, Fix: pr.Fix, Data: data})
	return err
}

// raiseUnmapped tells the partner that a customer's alerts went to the
// fallback client, or nowhere: never silently. It names the company, its
// source and the fallback client as halobridge knows them; the ids are the
// event's data. in is what decided: for an alert that names no company,
// the company of its endpoint stands in, and without one the event says
// that the source sent the event without a company.
func (p *pass) raiseUnmapped(ctx context.Context, a store.PendingAlert, in ticketing.Input) error {
	customerID := ticketing.Company(in)
	if customerID == "" {
		return p.raiseNoCompany(ctx, a, in.Endpoint)
	}
	key := events.UnmappedKey(a.SourceID, customerID)
	if p.raised[key] {
		return nil
	}
	company, err := p.companyName(ctx, a, customerID)
	if err != nil {
		return err
	}
	src, err := p.svc.store.Source(ctx, a.SourceID)
	if err != nil {
		return fmt.Errorf("source of unmapped company %q: %w", customerID, err)
	}
	fallback, err := p.fallback(ctx)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s is not mapped to a HaloPSA client, so its alerts raise no tickets: no fallback client is configured.", company)
	if fallback != "" {
		msg = fmt.Sprintf("%s is not mapped to a HaloPSA client, so its alerts go to the fallback %s with an \"[Unmapped]\" title.", company, fallback)
	}
	return p.raise(ctx, Problem{
		Kind: KindUnmappedCustomer, Key: key,
		Subject: fmt.Sprintf("%s of %s", company, connect.Label(src)), Message: msg,
		Fix:  "Map the company to its HaloPSA client on the Client mapping page: its alerts are then tried again at once. Move any ticket raised on the fallback client to that client in HaloPSA.",
		Data: map[string]any{"source_id": a.SourceID, "customer_id": customerID},
	})
}

// fallback names the partner's fallback client, "" when it has none.
func (p *pass) fallback(ctx context.Context) (string, error) {
	if p.fallbackClientID <= 0 {
		return "", nil
	}
	name, err := p.svc.catalogClientName(ctx, p.partnerID, p.fallbackClientID)
	if err != nil {
		return "", err
	}
	return clientNamed(name, p.fallbackClientID), nil
}

// raiseNoCompany tells the partner that a source sent events without a
// company whose endpoint no event of one company names, once per source:
// no mapping can route them, so the fix is a fallback client, or an event
// of the endpoint's company.
func (p *pass) raiseNoCompany(ctx context.Context, a store.PendingAlert, endpoint *ticketing.EndpointCompany) error {
	key := fmt.Sprintf("%s/%d", KindNoCompany, a.SourceID)
	if p.raised[key] {
		return nil
	}
	src, err := p.svc.store.Source(ctx, a.SourceID)
	if err != nil {
		return fmt.Errorf("source of an event without a company: %w", err)
	}
	fallback, err := p.fallback(ctx)
	if err != nil {
		return err
	}
	var why string
	switch host, named := endpointLabel(a); {
	case !named:
		why = "it names no endpoint either, so halobridge cannot tell which client it is for"
	case endpoint != nil && len(endpoint.CustomerIDs) > 1:
		why = fmt.Sprintf("its endpoint %s is named in events or device lists of several companies, so halobridge cannot tell which client it is for", host)
	default:
		why = fmt.Sprintf("neither another event nor its source's device list names the company of its endpoint %s, so halobridge cannot tell which client it is for", host)
	}
	head := fmt.Sprintf("%s (%s, received %s): %s.", ticketing.NoCompany(a.Alert), a.Type, a.ReceivedAt.UTC().Format("2006-01-02 15:04 UTC"), why)
	msg := head + " Such events raise no tickets: no fallback client is configured."
	fix := "Choose a fallback client under Setup › Ticketing, so that such events raise tickets there. "
	if fallback != "" {
		msg = head + fmt.Sprintf(" Such events go to the fallback %s with an \"[Unmapped]\" title.", fallback)
		fix = "Move their tickets from the fallback client to the endpoint's client in HaloPSA. "
	}
	fix += "Once an event of one company names the endpoint, halobridge routes the endpoint's events without a company to that company's client " +
		"(map the company on the Client mapping page if it is not mapped yet); Recheck then clears this event."
	return p.raise(ctx, Problem{
		Kind: KindNoCompany, Key: key,
		Subject: "Events without a company from " + connect.Label(src), Message: msg, Fix: fix,
		Data: map[string]any{"source_id": a.SourceID, "alert_id": a.ID},
	})
}

// endpointLabel names an alert's endpoint for an event, and says whether it
// names one.
func endpointLabel(a store.PendingAlert) (string, bool) {
	name := ticketing.EndpointName(a.Alert)
	return fmt.Sprintf("%q", name), name != ""
}

// companyName names a company as its source does: by the name the alert
// carries when the alert is the company's own, or the one the source's
// catalog holds.
func (p *pass) companyName(ctx context.Context, a store.PendingAlert, customerID string) (string, error) {
	if n := a.CustomerName(); n != "" && a.CustomerID == customerID {
		return fmt.Sprintf("Company %q", n), nil
	}
	name, err := p.svc.customerName(ctx, a.SourceID, customerID)
	if err != nil {
		return "", err
	}
	if name != "" {
		return fmt.Sprintf("Company %q", name), nil
	}
	return fmt.Sprintf("The company with id %q", customerID), nil
}

// customerName is the name of a customer as its source's customers give
// it, "" when unknown.
func (s *Service) customerName(ctx context.Context, sourceID int64, customerID string) (string, error) {
	customers, err := s.store.SourceCustomers(ctx, sourceID)
	if err != nil {
		return "", fmt.Errorf("name company %q: %w", customerID, err)
	}
	if i := slices.IndexFunc(customers, func(c source.Customer) bool { return c.ID == customerID }); i >= 0 {
		return customers[i].Name, nil
	}
	return "", nil
}

// catalogClientName is the name of a HaloPSA client as the catalog last
// read it, "" when it does not know the client.
func (s *Service) catalogClientName(ctx context.Context, partnerID int64, id int) (string, error) {
	e, err := s.store.CatalogEntry(ctx, partnerID, store.KindClient, strconv.Itoa(id))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return e.Name, err
}

// clientNamed says "client \"Name\"", or "client id N" without a name.
func clientNamed(name string, id int) string {
	if name == "" {
		return fmt.Sprintf("client id %d", id)
	}
	return fmt.Sprintf("client %q", name)
}
