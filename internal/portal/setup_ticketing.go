package portal

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
)

// ticketForm is the wizard's ticketing step: the policy with every choice
// filled from the partner's HaloPSA.
type ticketForm struct {
	TicketTypes []option
	ShowUpdates string // "yes", "no", or "" while not chosen
	// MatchEndUser files tickets on the HaloPSA user the alert names.
	MatchEndUser   bool
	Agents         []option
	Teams          []option
	OpenStatuses   []option
	ClosedStatuses []option
	Outcomes       []option
	RequestSources []option
	FallbackClient []option
	TitleTemplate  string
	DefaultTitle   string
	Variables      []string
	Preview        ticketing.Samples
	// Groups are the alert types by source, each with the settings its
	// types share.
	Groups []typeGroup
	// ClosingTypes names the enabled types whose tickets close when their
	// source resolves them, said next to the closing status.
	ClosingTypes []string
	Errors       fieldErrors
	// NoTicketTypes says the catalog has none: HaloPSA could not be read.
	NoTicketTypes bool
	// AddType offers to add an alert type by name, for push API sources.
	AddType bool
	// Other are the problems of fields the form does not show (per-source
	// overrides saved through the API).
	Other []string
	// Gaps are the mandatory fields of the chosen ticket type that the
	// policy leaves empty: warnings, since the policy is saved anyway, and
	// GapsUnchecked says why HaloPSA could not be asked.
	Gaps          []ticketing.Gap
	GapsUnchecked string
}

// ticketFields are the policy fields the form shows outside the table.
var ticketFields = []string{"tickettype_id", "show_updates_to_user", "match_end_user", "agent_id", "team", "initial_status_id", "closing_status_id",
	"note_outcome_id", "source_id", "fallback_client_id", "title_template"}

// typeGroup is the alert types of one source: the settings they share,
// shown once, and each type with its own settings opened on demand.
type typeGroup struct {
	Key, Name string
	// Settings are what the types without settings of their own follow;
	// its Prefix is "groups.<source>.".
	Settings typeRow
	Types    []typeRow
	Enabled  int
	// Closing names the group's types whose source reports resolutions,
	// the only ones "Close when resolved" applies to.
	Closing []string
}

// typeRow is one alert type's settings, or a group's.
type typeRow struct {
	Key, Name string
	Source    string
	// Group is the source whose settings the type follows unless Own.
	Group   string
	Prefix  string
	Enabled bool
	// Own says the type has settings of its own rather than its group's.
	Own       bool
	AutoClose bool
	// CanClose says the type's source reports when its alerts are
	// resolved, so that "Close when resolved" means something.
	CanClose   bool
	SLAs       []option
	Priorities []option
	Severities []severityChoice
	Categories []option
	Urgencies  []option
	Impacts    []option
	Teams      []option
	Groupings  []option
	// Loops are what a ticket closed or reopened in HaloPSA does at the type's
	// GravityZone incident; empty for the types that have none.
	Loops []option
	// Errors are by the type's own field names (sla_id, priority_id...).
	Errors map[string]string
}

// severityChoice is the priority of the alerts of one severity.
type severityChoice struct {
	Severity, Label string
	Options         []option
}

// Anchor identifies the type's priority choices in the page, whatever
// characters a push API vendor puts in a type's name.
func (r typeRow) Anchor() string { return "prio-" + hex.EncodeToString([]byte(r.Prefix)) }

// Scope is how the priority choices name what the row is for: a "type",
// or a source's "group" of types.
func (r typeRow) Scope() string {
	if strings.HasPrefix(r.Prefix, "groups.") {
		return "group"
	}
	return "type"
}

// enabledAtFirst are the alert types a new policy raises tickets for: the
// ones a person acts on, as the vendors' own integrations suggest.
var enabledAtFirst = []string{"av", "hd", "aph", "avc", "new-incident", "ransomware-mitigation", "network-sandboxing",
	"antiexploit", "user_request", "url_block"}

// firstUrgency is the urgency enabled types start with: HaloPSA has no
// default urgency per ticket type, and the policy needs one.
const firstUrgency = 2

func (h *handler) ticketFormFor(r *http.Request, partnerID int64) (*ticketForm, error) {
	saved, err := h.deps.Tickets.Policy(r.Context(), partnerID)
	if errors.Is(err, store.ErrNotFound) {
		saved, err = h.newTicketPolicy(r.Context(), partnerID)
	}
	if err != nil {
		return nil, err
	}
	return h.buildTicketForm(r.Context(), partnerID, saved, fieldErrors{})
}

// newTicketPolicy is what the step offers before anything was saved: the
// usual alert types on, no agent, and whatever HaloPSA's statuses and
// outcomes make obvious.
func (h *handler) newTicketPolicy(ctx context.Context, partnerID int64) (deliver.SavedPolicy, error) {
	kinds, err := h.sourceKinds(ctx, partnerID)
	if err != nil {
		return deliver.SavedPolicy{}, err
	}
	cat, err := h.deps.Tickets.Catalog(ctx, partnerID)
	if err != nil {
		return deliver.SavedPolicy{}, err
	}
	// Unassigned is what the vendors' guides suggest when no one agent
	// should own every security ticket.
	p := ticketing.Policy{AgentID: ticketing.UnassignedAgentID, Types: map[string]ticketing.TypePolicy{}}
	for _, st := range cat.Statuses {
		if st.Closed && p.ClosingStatusID == 0 {
			p.ClosingStatusID = st.ID
		}
	}
	// A type whose source reports resolutions closes its ticket when
	// there is a status to close it with.
	for _, t := range ticketing.KnownTypes() {
		if slices.Contains(kinds, t.Source) && slices.Contains(enabledAtFirst, t.Type) {
			p.Types[t.Type] = ticketing.TypePolicy{Enabled: true, Urgency: firstUrgency,
				AutoClose: p.ClosingStatusID != 0 && ticketing.ReportsResolution(t.Type)}
		}
	}
	for _, o := range cat.Outcomes {
		if !o.Hidden && !o.Restricted && p.NoteOutcomeID == 0 && strings.Contains(strings.ToLower(o.Name), "private") {
			p.NoteOutcomeID = o.ID
		}
	}
	return deliver.SavedPolicy{Policy: p}, nil
}

func (h *handler) sourceKinds(ctx context.Context, partnerID int64) ([]source.Kind, error) {
	sources, err := h.deps.Store.Sources(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	var kinds []source.Kind
	for _, src := range sources {
		if !slices.Contains(kinds, src.Kind) {
			kinds = append(kinds, src.Kind)
		}
	}
	return kinds, nil
}

// buildTicketForm lays saved out with the partner's catalog.
func (h *handler) buildTicketForm(ctx context.Context, partnerID int64, saved deliver.SavedPolicy, errs fieldErrors) (*ticketForm, error) {
	cat, err := h.deps.Tickets.Catalog(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	kinds, err := h.sourceKinds(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	p := saved.Policy
	f := &ticketForm{TitleTemplate: p.TitleTemplate, MatchEndUser: p.MatchEndUser, Errors: errs, NoTicketTypes: len(cat.TicketTypes) == 0}
	if p.ShowUpdatesToUser != nil {
		f.ShowUpdates = map[bool]string{true: "yes", false: "no"}[*p.ShowUpdatesToUser]
	}
	id := func(n int) string {
		if n == 0 {
			return ""
		}
		return itoa(n)
	}
	f.TicketTypes = withBlank("Choose a ticket type", options(cat.TicketTypes, func(t ticketing.TicketType) string { return itoa(t.ID) },
		func(t ticketing.TicketType) string { return t.Name }, id(p.TicketTypeID)))
	agents := []ticketing.Agent{{ID: ticketing.UnassignedAgentID, Name: "Unassigned"}}
	for _, a := range cat.Agents {
		if a.ID != ticketing.UnassignedAgentID && !a.APIOnly && !a.Disabled {
			agents = append(agents, a)
		}
	}
	f.Agents = withBlank("Choose the default agent", options(agents, func(a ticketing.Agent) string { return itoa(a.ID) },
		func(a ticketing.Agent) string { return a.Name }, id(p.AgentID)))
	teams := usableTeams(cat)
	f.Teams = withBlank("No default team", options(teams, func(t string) string { return t }, func(t string) string { return t }, p.Team))
	var open, closed []ticketing.Status
	for _, st := range cat.Statuses {
		if st.Closed {
			closed = append(closed, st)
		} else {
			open = append(open, st)
		}
	}
	statusValue, statusLabel := func(s ticketing.Status) string { return itoa(s.ID) }, func(s ticketing.Status) string { return s.Name }
	f.OpenStatuses = withBlank("Choose the initial status", options(open, statusValue, statusLabel, id(p.InitialStatusID)))
	f.ClosedStatuses = withBlank("Never close tickets", options(closed, statusValue, statusLabel, id(p.ClosingStatusID)))
	var outcomes []ticketing.Outcome
	for _, o := range cat.Outcomes {
		if !o.Hidden && !o.Restricted {
			outcomes = append(outcomes, o)
		}
	}
	f.Outcomes = withBlank("Choose the outcome of notes", options(outcomes, func(o ticketing.Outcome) string { return itoa(o.ID) },
		func(o ticketing.Outcome) string { return o.Name }, id(p.NoteOutcomeID)))
	src := ""
	if p.SourceID != nil {
		src = itoa(*p.SourceID)
	}
	f.RequestSources = withBlank("HaloPSA's default", options(cat.RequestSources, func(s ticketing.RequestSource) string { return itoa(s.ID) },
		func(s ticketing.RequestSource) string { return s.Name }, src))
	clients, err := h.deps.Store.Catalog(ctx, partnerID, store.KindClient)
	if err != nil {
		return nil, err
	}
	f.FallbackClient = withBlank("No ticket for unmapped companies", options(clients, func(e store.CatalogEntry) string { return e.HaloID },
		func(e store.CatalogEntry) string { return e.Name }, id(saved.FallbackClientID)))

	var enabled []string
	var rows []typeRow
	known := ticketing.KnownTypes()
	for _, t := range known {
		tp, configured := p.Types[t.Type]
		if !slices.Contains(kinds, t.Source) && !configured {
			continue
		}
		if tp.Enabled {
			enabled = append(enabled, t.Type)
		}
		rows = append(rows, typeRowOf(t, tp, cat, teams, errs))
	}
	// Types halobridge does not know come from the push API, whose
	// vendors name their own.
	for _, name := range slices.Sorted(maps.Keys(p.Types)) {
		if slices.ContainsFunc(known, func(t ticketing.TypeInfo) bool { return t.Type == name }) {
			continue
		}
		tp := p.Types[name]
		if tp.Enabled {
			enabled = append(enabled, name)
		}
		rows = append(rows, typeRowOf(ticketing.TypeInfo{Type: name, Source: source.Push, Name: name}, tp, cat, teams, errs))
	}
	f.Groups = groupTypes(rows, p, cat, teams)
	f.AddType = slices.Contains(kinds, source.Push)
	for _, field := range slices.Sorted(maps.Keys(errs)) {
		shown := slices.Contains(ticketFields, field) || slices.ContainsFunc(rows, func(row typeRow) bool { return strings.HasPrefix(field, row.Prefix) })
		if !shown {
			f.Other = append(f.Other, field+": "+errs[field])
		}
	}
	for _, row := range rows {
		if row.Enabled && row.AutoClose {
			f.ClosingTypes = append(f.ClosingTypes, row.Name)
		}
	}
	f.Variables = ticketing.KnownVariables(enabled...)
	f.Gaps, err = h.deps.Tickets.TicketTypeGaps(ctx, partnerID, p)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		f.GapsUnchecked = "halobridge could not read which fields the ticket type makes mandatory in HaloPSA (" + err.Error() + "); the next sync checks again and raises an event for any left empty."
	}
	f.Preview = h.preview(p)
	f.DefaultTitle = ticketing.DefaultTitle(f.Preview.List[0].Type)
	return f, nil
}

func typeRowOf(t ticketing.TypeInfo, tp ticketing.TypePolicy, cat ticketing.Catalog, teams []string, errs fieldErrors) typeRow {
	row := settingsRow("types."+t.Type+".", tp, cat, teams)
	row.Key, row.Name, row.Source, row.Group = t.Type, t.Name, connect.KindName(t.Source), string(t.Source)
	row.Enabled, row.AutoClose, row.CanClose = tp.Enabled, tp.AutoClose, canClose(t.Type, t.Source)
	if _, incident := gravityzone.IncidentWriteTypeOf(t.Type); incident && t.Source == source.GravityZone {
		row.Loops = options(sourceLoops, func(l ticketing.SourceLoop) string { return string(l) },
			func(l ticketing.SourceLoop) string { return loopLabel[l] }, string(tp.Loop()))
	}
	for field, msg := range errs {
		if sub, ok := strings.CutPrefix(field, row.Prefix); ok {
			row.Errors[sub] = msg
		}
	}
	return row
}

// sourceLoops are the GravityZone loop's choices, the default first.
var sourceLoops = []ticketing.SourceLoop{ticketing.LoopNoteAndStatus, ticketing.LoopNote, ticketing.LoopOff}

var loopLabel = map[ticketing.SourceLoop]string{
	ticketing.LoopNoteAndStatus: "Add the agent's note and resolve the incident",
	ticketing.LoopNote:          "Add the agent's note only",
	ticketing.LoopOff:           "Leave the incident as it is",
}

// canClose says whether alerts of a type are ever resolved by their source:
// GravityZone's incidents, and anything the push API's vendors send.
func canClose(alertType string, kind source.Kind) bool {
	return kind == source.Push || ticketing.ReportsResolution(alertType)
}

// settingsRow lays out the settings tp holds under the field prefix.
func settingsRow(prefix string, tp ticketing.TypePolicy, cat ticketing.Catalog, teams []string) typeRow {
	row := typeRow{Prefix: prefix, Errors: map[string]string{}}
	id := func(n int) string {
		if n == 0 {
			return ""
		}
		return itoa(n)
	}
	row.SLAs = withBlank("Choose an SLA", options(cat.SLAs, func(s ticketing.SLA) string { return itoa(s.ID) },
		func(s ticketing.SLA) string { return s.Name }, id(tp.SLAID)))
	row.Priorities, row.Severities = priorityOptions(cat, tp.SLAID, tp.PriorityID, tp.PriorityBySeverity)
	row.Categories = withBlank("Choose a category", options(cat.Categories, func(c ticketing.Category) string { return c.Value },
		func(c ticketing.Category) string { return c.Value }, tp.Category))
	levels := []int{1, 2, 3}
	level := func(n int) string { return map[int]string{1: "1 – High", 2: "2 – Medium", 3: "3 – Low"}[n] }
	row.Urgencies = withBlank("Choose", options(levels, itoa, level, id(tp.Urgency)))
	row.Impacts = withBlank("None", options(levels, itoa, level, id(tp.Impact)))
	row.Teams = withBlank("The default team", options(teams, func(s string) string { return s }, func(s string) string { return s }, tp.Team))
	groupings := []ticketing.Grouping{ticketing.GroupByAlert, ticketing.GroupByHost, ticketing.GroupByCustomer}
	groupLabel := map[ticketing.Grouping]string{ticketing.GroupByAlert: "One ticket per alert", ticketing.GroupByHost: "One per device",
		ticketing.GroupByCustomer: "One per company"}
	row.Groupings = options(groupings, func(g ticketing.Grouping) string { return string(g) },
		func(g ticketing.Grouping) string { return groupLabel[g] }, string(cmp.Or(tp.Grouping, ticketing.GroupByAlert)))
	return row
}

// groupTypes puts rows in one group per source. A group's settings are
// those most of its enabled types share; a type whose settings differ
// keeps its own, and a type with none follows the group.
func groupTypes(rows []typeRow, p ticketing.Policy, cat ticketing.Catalog, teams []string) []typeGroup {
	var groups []typeGroup
	for _, row := range rows {
		i := slices.IndexFunc(groups, func(g typeGroup) bool { return g.Key == row.Group })
		if i < 0 {
			groups = append(groups, typeGroup{Key: row.Group, Name: row.Source})
			i = len(groups) - 1
		}
		groups[i].Types = append(groups[i].Types, row)
	}
	for gi := range groups {
		g := &groups[gi]
		shared := sharedSettings(g.Types, p.Types)
		g.Settings = settingsRow("groups."+g.Key+".", shared, cat, teams)
		g.Settings.Key, g.Settings.Name, g.Settings.Group = g.Key, g.Name, g.Key
		for ti := range g.Types {
			row := &g.Types[ti]
			tp := p.Types[row.Key]
			key := settingsKey(tp)
			row.Own = key != settingsKey(shared) && key != settingsKey(ticketing.TypePolicy{})
			if row.Enabled {
				g.Enabled++
			}
			if row.CanClose {
				g.Closing = append(g.Closing, row.Name)
				g.Settings.CanClose = true
				g.Settings.AutoClose = g.Settings.AutoClose || tp.AutoClose
			}
			if row.Own {
				continue
			}
			// The group's fields show what its types were refused for.
			for field, msg := range row.Errors {
				if _, ok := g.Settings.Errors[field]; !ok && field != "enabled" {
					g.Settings.Errors[field] = msg
				}
			}
		}
	}
	return groups
}

// sharedSettings are the settings most of the enabled rows have (of every
// row when none is enabled), ties going to the first.
func sharedSettings(rows []typeRow, types map[string]ticketing.TypePolicy) ticketing.TypePolicy {
	counts := map[string]int{}
	var best ticketing.TypePolicy
	bestCount := 0
	anyEnabled := slices.ContainsFunc(rows, func(r typeRow) bool { return r.Enabled })
	for _, row := range rows {
		tp := types[row.Key]
		if anyEnabled && !row.Enabled {
			continue
		}
		key := settingsKey(tp)
		counts[key]++
		if counts[key] > bestCount {
			best, bestCount = tp, counts[key]
		}
	}
	best.Enabled, best.AutoClose = false, false
	return best
}

// settingsKey is what a type shares with its group: every setting but
// whether it is on and whether it closes.
func settingsKey(tp ticketing.TypePolicy) string {
	return fmt.Sprintf("%d|%d|%v|%q|%d|%d|%q|%s|%d|%d", tp.SLAID, tp.PriorityID, tp.PriorityBySeverity, tp.Category, tp.Urgency, tp.Impact,
		tp.Team, cmp.Or(tp.Grouping, ticketing.GroupByAlert), tp.GroupWindow, tp.ReopenWindow)
}

// priorityOptions are the priorities of one SLA, and for each severity
// the priority its alerts get: those saved, or else the SLA's priority
// named after the severity. A HaloPSA priority only means something within
// its SLA, so none are offered before one is chosen.
func priorityOptions(cat ticketing.Catalog, slaID, current int, bySeverity map[source.Severity]int) ([]option, []severityChoice) {
	i := slices.IndexFunc(cat.SLAs, func(s ticketing.SLA) bool { return s.ID == slaID })
	if i < 0 {
		return []option{{Value: "", Label: "Choose an SLA first", Selected: true}}, nil
	}
	sla := cat.SLAs[i]
	value, label := func(p ticketing.Priority) string { return itoa(p.ID) }, func(p ticketing.Priority) string { return p.Name }
	cur := ""
	if current != 0 {
		cur = itoa(current)
	}
	if bySeverity == nil {
		bySeverity = sla.PriorityBySeverityName()
	}
	var sevs []severityChoice
	for _, sev := range ticketing.Severities {
		chosen := ""
		if n := bySeverity[sev]; n != 0 {
			chosen = itoa(n)
		}
		sevs = append(sevs, severityChoice{Severity: string(sev), Label: capitalise(string(sev)),
			Options: withBlank("The priority above", options(sla.Priorities, value, label, chosen))})
	}
	return withBlank("HaloPSA's default", options(sla.Priorities, value, label, cur)), sevs
}

// usableTeams are the teams tickets can go to: those of halobridge's
// integration agent when it is known, since HaloPSA lets the agent use only
// its own teams; otherwise every team.
func usableTeams(cat ticketing.Catalog) []string {
	for _, a := range cat.Agents {
		if a.ID == cat.IntegrationAgentID && len(a.Teams) > 0 {
			return a.Teams
		}
	}
	var out []string
	for _, t := range cat.Teams {
		out = append(out, t.Name)
	}
	return out
}

func withBlank(label string, opts []option) []option {
	selected := slices.ContainsFunc(opts, func(o option) bool { return o.Selected })
	return append([]option{{Value: "", Label: label, Selected: !selected}}, opts...)
}
