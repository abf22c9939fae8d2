package ticketing

import (
	"slices"

	"halobridge/internal/source"
)

// DefaultsFromTicketType fills what the partner left empty with the defaults
// of the chosen ticket type, where HaloPSA has them and they would pass
// Validate: initial status, default agent and default team on the policy;
// SLA, priority (only one of that SLA), category and impact on every alert
// type. It never replaces a value the partner chose. A type left without a
// team keeps following the policy's default team. Source overrides get their
// alert types filled from the ticket type that applies to them.
func DefaultsFromTicketType(p Policy, c Catalog) Policy {
	out := p
	if tt, ok := c.ticketType(p.TicketTypeID); ok {
		if s, ok := c.status(tt.InitialStatusID); out.InitialStatusID == 0 && ok && !s.Closed {
			out.InitialStatusID = s.ID
		}
		if out.AgentID == 0 && tt.DefaultAgentID > 0 && c.assignable(tt.DefaultAgentID) {
			out.AgentID = tt.DefaultAgentID
		}
		if out.Team == "" && teamAllowed(c, tt.DefaultTeam) {
			out.Team = tt.DefaultTeam
		}
		out.Types = typeDefaults(p.Types, tt, c)
	}
	if len(p.Sources) > 0 {
		out.Sources = make(map[source.Kind]Policy, len(p.Sources))
		for k, o := range p.Sources {
			if tt, ok := c.ticketType(p.ForSource(k).TicketTypeID); ok {
				o.Types = typeDefaults(o.Types, tt, c)
			}
			out.Sources[k] = o
		}
	}
	return out
}

func typeDefaults(types map[string]TypePolicy, tt TicketType, c Catalog) map[string]TypePolicy {
	if types == nil {
		return nil
	}
	out := make(map[string]TypePolicy, len(types))
	for name, tp := range types {
		if _, ok := c.sla(tt.DefaultSLAID); tp.SLAID == 0 && ok {
			tp.SLAID = tt.DefaultSLAID
		}
		if sla, ok := c.sla(tp.SLAID); tp.PriorityID == 0 && ok && sla.hasPriority(tt.DefaultPriorityID) {
			tp.PriorityID = tt.DefaultPriorityID
		}
		if tp.Category == "" && tt.DefaultCategory != "" && c.hasCategory(tt.DefaultCategory) {
			tp.Category = tt.DefaultCategory
		}
		if tp.Impact == 0 && tt.DefaultImpact > 0 {
			tp.Impact = tt.DefaultImpact
		}
		out[name] = tp
	}
	return out
}

// teamAllowed reports whether tickets can go to team: it exists and the
// integration agent belongs to it.
func teamAllowed(c Catalog, team string) bool {
	agent, ok := c.agent(c.IntegrationAgentID)
	return team != "" && c.hasTeam(team) && ok && slices.Contains(agent.Teams, team)
}
