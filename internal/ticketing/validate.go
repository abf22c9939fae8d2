package ticketing

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"halobridge/internal/source"
)

// FieldError is one problem with a policy field. Field is the JSON path of
// the field ("types.av.priority_id", "sources.defensx.title_template").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// minWindow keeps group and reopen windows from being so short that every
// alert opens a ticket anyway.
const minWindow = time.Minute

// Validate checks p against the partner's HaloPSA catalog and returns every
// problem, in a stable order; none means p can be saved. Source overrides are
// checked as they apply (merged with p), reporting only what the override
// adds.
func Validate(p Policy, c Catalog) []FieldError {
	plain := p
	plain.Sources = nil
	base := validatePolicy(plain, c)
	errs := base
	for _, k := range slices.Sorted(maps.Keys(p.Sources)) {
		prefix := "sources." + string(k) + "."
		switch k {
		case source.GravityZone, source.DefensX, source.Push:
		default:
			errs = append(errs, FieldError{"sources." + string(k), fmt.Sprintf("%s is not a source; use gravityzone, defensx or push", quoted(string(k)))})
			continue
		}
		if len(p.Sources[k].Sources) > 0 {
			errs = append(errs, FieldError{prefix + "sources", "a source override cannot have overrides of its own"})
		}
		if p.Sources[k].MatchEndUser {
			errs = append(errs, FieldError{prefix + "match_end_user", "filing tickets on the end user is chosen for the whole policy, not per source; set match_end_user at the top level"})
		}
		for _, e := range validatePolicy(p.ForSource(k), c) {
			if !slices.Contains(base, e) {
				errs = append(errs, FieldError{prefix + e.Field, e.Message})
			}
		}
	}
	return errs
}

type checker struct {
	c    Catalog
	errs []FieldError
}

func (k *checker) add(field, format string, args ...any) {
	k.errs = append(k.errs, FieldError{field, fmt.Sprintf(format, args...)})
}

func validatePolicy(p Policy, c Catalog) []FieldError {
	k := &checker{c: c}
	switch _, ok := c.ticketType(p.TicketTypeID); {
	case p.TicketTypeID == 0:
		k.add("tickettype_id", "choose a ticket type")
	case !ok:
		k.add("tickettype_id", "ticket type %d does not exist in HaloPSA; refresh the catalog or choose another", p.TicketTypeID)
	}
	if p.ShowUpdatesToUser == nil {
		k.add("show_updates_to_user", "choose whether updates are shown to the HaloPSA user")
	}
	k.agent(p.AgentID)
	if p.Team != "" {
		k.team("team", p.Team)
	}
	k.initialStatus(p.InitialStatusID)
	k.closingStatus(p)
	if p.SourceID != nil && !c.hasRequestSource(*p.SourceID) {
		k.add("source_id", "request source %d does not exist in HaloPSA; refresh the catalog or choose another", *p.SourceID)
	}
	k.outcome(p.NoteOutcomeID)

	var enabled []string
	for _, name := range slices.Sorted(maps.Keys(p.Types)) {
		if p.Types[name].Enabled {
			enabled = append(enabled, name)
		}
	}
	if err := ValidateTemplate(p.TitleTemplate, enabled...); err != nil {
		k.add("title_template", "%s", err.Error())
	}
	if err := ValidateTemplate(p.DetailsTemplate, enabled...); err != nil {
		k.add("details_template", "%s", err.Error())
	}
	for _, name := range slices.Sorted(maps.Keys(p.Types)) {
		k.alertType(p, name, p.Types[name])
	}
	return k.errs
}

func (k *checker) agent(id int) {
	a, ok := k.c.agent(id)
	switch {
	case id == UnassignedAgentID:
	case id == 0:
		k.add("agent_id", "choose a default agent, or Unassigned")
	case !ok:
		k.add("agent_id", "agent %d does not exist in HaloPSA (or the integration agent cannot see it); choose another agent or Unassigned", id)
	case a.APIOnly:
		k.add("agent_id", "agent %s is an API-only agent, and HaloPSA does not assign tickets to API-only agents; choose another agent or Unassigned", quoted(a.Name))
	case a.Disabled:
		k.add("agent_id", "agent %s is disabled in HaloPSA; choose another agent or Unassigned", quoted(a.Name))
	}
}

// team checks that tickets can go to the team: HaloPSA lets the integration
// agent use only the teams it belongs to.
func (k *checker) team(field, name string) {
	if !k.c.hasTeam(name) {
		k.add(field, "team %s does not exist in HaloPSA; refresh the catalog or choose another", quoted(name))
		return
	}
	agent, ok := k.c.agent(k.c.IntegrationAgentID)
	switch {
	case !ok:
		k.add(field, "the integration agent (id %d) is not in the HaloPSA catalog, so its teams are unknown; refresh the catalog", k.c.IntegrationAgentID)
	case !slices.Contains(agent.Teams, name):
		teams := "none"
		if len(agent.Teams) > 0 {
			teams = strings.Join(agent.Teams, ", ")
		}
		k.add(field, "team %s is not one of the integration agent's teams (%s); in HaloPSA add agent %s to the team (Departments & Teams), or choose another team",
			quoted(name), teams, quoted(agent.Name))
	}
}

func (k *checker) initialStatus(id int) {
	s, ok := k.c.status(id)
	switch {
	case id == 0:
		k.add("initial_status_id", "choose an initial status")
	case !ok:
		k.add("initial_status_id", "status %d does not exist in HaloPSA; refresh the catalog or choose another", id)
	case s.Closed:
		k.add("initial_status_id", "status %s closes tickets; new and reopened tickets need an open status", quoted(s.Name))
	}
}

func (k *checker) closingStatus(p Policy) {
	id := p.ClosingStatusID
	if id == 0 {
		var auto []string
		for _, name := range slices.Sorted(maps.Keys(p.Types)) {
			if p.Types[name].AutoClose {
				auto = append(auto, name)
			}
		}
		if len(auto) > 0 {
			k.add("closing_status_id", "auto-close is on for %s; choose a closing status", strings.Join(auto, ", "))
		}
		return
	}
	s, ok := k.c.status(id)
	switch {
	case !ok:
		k.add("closing_status_id", "status %d does not exist in HaloPSA; refresh the catalog or choose another", id)
	case !s.Closed:
		var closed []string
		for _, cs := range k.c.Statuses {
			if cs.Closed {
				closed = append(closed, fmt.Sprintf("%s (%d)", cs.Name, cs.ID))
			}
		}
		k.add("closing_status_id", "status %s does not close tickets; choose one of: %s", quoted(s.Name), strings.Join(closed, ", "))
	}
}

func (k *checker) outcome(id int) {
	o, ok := k.c.outcome(id)
	switch {
	case id == 0:
		k.add("note_outcome_id", "choose the outcome of halobridge's notes; HaloPSA refuses a note without one")
	case !ok:
		k.add("note_outcome_id", "outcome %d does not exist in HaloPSA; refresh the catalog or choose another", id)
	case o.Hidden:
		k.add("note_outcome_id", "outcome %s is hidden in HaloPSA; choose another", quoted(o.Name))
	case o.Restricted:
		k.add("note_outcome_id", "the integration agent may not use outcome %s (HaloPSA: You do not have access to this Action at the moment); give it access or choose another",
			quoted(o.Name))
	}
}

func (k *checker) alertType(p Policy, name string, tp TypePolicy) {
	if strings.TrimSpace(name) == "" {
		k.add("types", "an alert type has no name")
		return
	}
	field := func(f string) string { return "types." + name + "." + f }
	switch tp.Grouping {
	case "", GroupByAlert, GroupByHost, GroupByCustomer:
	default:
		k.add(field("grouping"), "grouping %s is not one of alert, host, customer", quoted(string(tp.Grouping)))
	}
	switch tp.SourceLoop {
	case "", LoopOff, LoopNote, LoopNoteAndStatus:
	default:
		k.add(field("source_loop"), "source_loop %s is not one of off, note, note_and_status", quoted(string(tp.SourceLoop)))
	}
	k.window(field("group_window"), tp.GroupWindow)
	k.window(field("reopen_window"), tp.ReopenWindow)

	sla, slaFound := k.c.sla(tp.SLAID)
	switch {
	case tp.SLAID == 0 && tp.Enabled:
		k.add(field("sla_id"), "choose an SLA")
	case tp.SLAID != 0 && !slaFound:
		k.add(field("sla_id"), "SLA %d does not exist in HaloPSA; refresh the catalog or choose another", tp.SLAID)
	}
	if tp.PriorityID != 0 {
		k.priority(field("priority_id"), tp, sla, slaFound, tp.PriorityID)
	}
	for _, sev := range slices.Sorted(maps.Keys(tp.PriorityBySeverity)) {
		f := field("priority_by_severity." + string(sev))
		switch sev {
		case source.SeverityInfo, source.SeverityLow, source.SeverityMedium, source.SeverityHigh, source.SeverityCritical:
			k.priority(f, tp, sla, slaFound, tp.PriorityBySeverity[sev])
		default:
			k.add(f, "severity %s is not one of info, low, medium, high, critical", quoted(string(sev)))
		}
	}

	switch {
	case tp.Category == "" && tp.Enabled:
		k.add(field("category_1"), "choose a category")
	case tp.Category != "" && !k.c.hasCategory(tp.Category):
		k.add(field("category_1"), "category %s does not exist in HaloPSA; refresh the catalog or choose another", quoted(tp.Category))
	}
	switch {
	case tp.Urgency < 0:
		k.add(field("urgency"), "urgency cannot be negative")
	case tp.Urgency == 0 && tp.Enabled:
		k.add(field("urgency"), "choose an urgency")
	}
	if tp.Impact < 0 {
		k.add(field("impact"), "impact cannot be negative")
	}
	switch {
	case tp.Team != "":
		k.team(field("team"), tp.Team)
	case tp.Enabled && p.Team == "":
		k.add(field("team"), "choose a team for %s alerts, or a default team", name)
	}
}

// priority checks that id belongs to the type's SLA; an unknown SLA is
// reported on its own field.
func (k *checker) priority(field string, tp TypePolicy, sla SLA, slaFound bool, id int) {
	switch {
	case tp.SLAID == 0:
		k.add(field, "choose an SLA first: a priority only means something within its SLA")
	case !slaFound:
	case id <= 0 || !sla.hasPriority(id):
		valid := make([]string, len(sla.Priorities))
		for i, pr := range sla.Priorities {
			valid[i] = fmt.Sprintf("%s (%d)", pr.Name, pr.ID)
		}
		k.add(field, "priority %d does not belong to SLA %s; choose one of: %s", id, quoted(sla.Name), strings.Join(valid, ", "))
	}
}

func (k *checker) window(field string, d time.Duration) {
	if d < 0 || (d > 0 && d < minWindow) {
		k.add(field, "must be 0 (off) or at least 1 minute")
	}
}
