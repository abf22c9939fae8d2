package portal

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
)

// recentAlerts is how many alerts the ticketing page lists.
const recentAlerts = 50

// chartDays is how many days the activity chart covers.
const chartDays = 30

// ticketingView is the ticketing page: the policy, the latest alerts and
// the tickets they became, and the test ticket.
type ticketingView struct {
	Policy *policySummary
	Alerts []alertRow
	// Mappings are the mapped companies by HaloPSA client, for the test
	// ticket.
	Mappings []clientCompanies
	Chart    chart
	Loop     loopView
}

// clientCompanies are the companies mapped to one HaloPSA client.
type clientCompanies struct {
	Client    string
	Companies []option
}

// policySummary says the ticket policy in words.
type policySummary struct {
	TicketType, ShowUpdates, Agent, Team string
	Initial, Closing, Outcome, Title     string
	Enabled                              []string
}

// alertRow is an alert and what it became.
type alertRow struct {
	store.RecentAlert
	Customer  string
	TypeName  string
	Outcome   string
	TicketURL string
}

func (h *handler) ticketingPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.ticketingView(r.Context(), callerOf(r).partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, viewTicketing, "Ticketing", "ticketing", v)
}

func (h *handler) ticketingView(ctx context.Context, partnerID int64) (*ticketingView, error) {
	v := &ticketingView{}
	var err error
	if v.Policy, err = h.policySummary(ctx, partnerID); err != nil {
		return nil, err
	}
	names, err := connect.CompanyNames(ctx, h.deps.Store, partnerID)
	if err != nil {
		return nil, err
	}
	root, err := h.deps.Halo.Root(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	alerts, err := h.deps.Store.RecentAlerts(ctx, partnerID, recentAlerts)
	if err != nil {
		return nil, err
	}
	for _, a := range alerts {
		row := alertRow{RecentAlert: a, Customer: connect.AlertCompany(names, a.SourceID, a.Alert), TypeName: typeName(a.Type)}
		row.Outcome, row.TicketURL = deliver.Outcome(a, root)
		v.Alerts = append(v.Alerts, row)
	}
	if v.Loop, err = h.loopView(ctx, partnerID, root); err != nil {
		return nil, err
	}
	if v.Mappings, err = h.mappedCompanies(ctx, partnerID, names); err != nil {
		return nil, err
	}
	activity, err := h.deps.Store.DailyActivity(ctx, partnerID, h.deps.Now().AddDate(0, 0, -chartDays))
	if err != nil {
		return nil, err
	}
	v.Chart = activityChart(activity, h.deps.Now(), chartDays)
	return v, nil
}

func typeName(alertType string) string {
	for _, t := range ticketing.KnownTypes() {
		if t.Type == alertType {
			return t.Name
		}
	}
	return alertType
}

// mappedCompanies are the confirmed mappings by client name, for choosing
// where a test ticket goes.
func (h *handler) mappedCompanies(ctx context.Context, partnerID int64, names map[connect.Company]string) ([]clientCompanies, error) {
	mappings, err := h.deps.Store.Mappings(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	clients, err := h.deps.Store.Catalog(ctx, partnerID, store.KindClient)
	if err != nil {
		return nil, err
	}
	clientNames := map[string]string{}
	for _, c := range clients {
		clientNames[c.HaloID] = c.Name
	}
	var out []clientCompanies
	for _, m := range mappings {
		if !m.Confirmed {
			continue
		}
		value := companyValue(m.SourceID, m.CustomerID)
		company := names[connect.Company{SourceID: m.SourceID, CustomerID: m.CustomerID}]
		if company == "" {
			company = m.CustomerID
		}
		client := clientNames[strconv.Itoa(m.ClientID)]
		if client == "" {
			client = "client " + strconv.Itoa(m.ClientID)
		}
		i := slices.IndexFunc(out, func(c clientCompanies) bool { return c.Client == client })
		if i < 0 {
			out = append(out, clientCompanies{Client: client})
			i = len(out) - 1
		}
		out[i].Companies = append(out[i].Companies, option{Value: value, Label: company})
	}
	slices.SortFunc(out, func(a, b clientCompanies) int {
		return strings.Compare(strings.ToLower(a.Client), strings.ToLower(b.Client))
	})
	return out, nil
}

// policySummary reads the ticket policy with the names HaloPSA gives its
// records; nil when none is saved.
func (h *handler) policySummary(ctx context.Context, partnerID int64) (*policySummary, error) {
	saved, err := h.deps.Tickets.Policy(ctx, partnerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cat, err := h.deps.Tickets.Catalog(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	p := saved.Policy
	s := &policySummary{Team: p.Team, Title: p.TitleTemplate}
	s.TicketType = nameOf(cat.TicketTypes, p.TicketTypeID, func(t ticketing.TicketType) (int, string) { return t.ID, t.Name })
	s.Agent = nameOf(append([]ticketing.Agent{{ID: ticketing.UnassignedAgentID, Name: "Unassigned"}}, cat.Agents...), p.AgentID,
		func(a ticketing.Agent) (int, string) { return a.ID, a.Name })
	status := func(st ticketing.Status) (int, string) { return st.ID, st.Name }
	s.Initial, s.Closing = nameOf(cat.Statuses, p.InitialStatusID, status), nameOf(cat.Statuses, p.ClosingStatusID, status)
	s.Outcome = nameOf(cat.Outcomes, p.NoteOutcomeID, func(o ticketing.Outcome) (int, string) { return o.ID, o.Name })
	if p.ShowUpdatesToUser != nil {
		s.ShowUpdates = map[bool]string{true: "yes", false: "no"}[*p.ShowUpdatesToUser]
	}
	for _, name := range slices.Sorted(maps.Keys(p.Types)) {
		if p.Types[name].Enabled {
			s.Enabled = append(s.Enabled, typeName(name))
		}
	}
	return s, nil
}

// nameOf names the record with id, or says it is gone.
func nameOf[T any](list []T, id int, key func(T) (int, string)) string {
	if id == 0 {
		return ""
	}
	i := slices.IndexFunc(list, func(x T) bool { k, _ := key(x); return k == id })
	if i < 0 {
		return fmt.Sprintf("id %d (not in HaloPSA any more)", id)
	}
	_, name := key(list[i])
	return name
}
