package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"halobridge/internal/halo"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// Catalog is the partner's HaloPSA catalog as ticket policies are checked
// against it, read from the copy the last sync stored.
func (s *Service) Catalog(ctx context.Context, partnerID int64) (ticketing.Catalog, error) {
	var c ticketing.Catalog
	conn, err := s.store.HaloConnection(ctx, partnerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return c, fmt.Errorf("read the HaloPSA catalog of partner %d: %w", partnerID, err)
	default:
		c.IntegrationAgentID = conn.AgentID
	}
	r := catalogReader{ctx: ctx, st: s.store, partnerID: partnerID}
	teams := map[int]string{}
	read(&r, store.KindTeam, func(t halo.Team) {
		if !t.Inactive {
			c.Teams = append(c.Teams, ticketing.Team{ID: t.ID, Name: t.Name})
		}
		teams[t.ID] = t.Name
	})
	read(&r, store.KindTicketType, func(t ticketType) { c.TicketTypes = append(c.TicketTypes, t.catalog()) })
	read(&r, store.KindStatus, func(st halo.Status) {
		c.Statuses = append(c.Statuses, ticketing.Status{ID: st.ID, Name: st.Name, Closed: closedStatus(st)})
	})
	read(&r, store.KindAgent, func(a halo.Agent) { c.Agents = append(c.Agents, agent(a, teams)) })
	priorities := map[int][]ticketing.Priority{}
	read(&r, store.KindPriority, func(p halo.Priority) {
		if !p.IsHidden {
			priorities[p.SLAID] = addPriority(priorities[p.SLAID], p)
		}
	})
	read(&r, store.KindSLA, func(sla halo.SLA) {
		list := priorities[sla.ID]
		for _, p := range sla.Priorities {
			if !p.IsHidden {
				list = addPriority(list, p)
			}
		}
		c.SLAs = append(c.SLAs, ticketing.SLA{ID: sla.ID, Name: sla.Name, Priorities: list})
	})
	read(&r, store.KindCategory, func(cat halo.Category) {
		if cat.TypeID == 1 || cat.TypeID == 0 {
			c.Categories = append(c.Categories, ticketing.Category{ID: cat.ID, Value: cat.Value})
		}
	})
	read(&r, store.KindOutcome, func(o halo.Outcome) {
		c.Outcomes = append(c.Outcomes, ticketing.Outcome{ID: o.ID, Name: o.Outcome, Hidden: o.Hidden})
	})
	read(&r, store.KindRequestSource, func(rs halo.RequestSource) {
		c.RequestSources = append(c.RequestSources, ticketing.RequestSource{ID: rs.ID, Name: rs.Name})
	})
	if r.err != nil {
		return ticketing.Catalog{}, fmt.Errorf("read the HaloPSA catalog of partner %d: %w", partnerID, r.err)
	}
	return c, nil
}

// catalogReader reads catalog kinds until the first error.
type catalogReader struct {
	ctx       context.Context
	st        *store.Store
	partnerID int64
	err       error
}

// read decodes every stored record of kind as T, the internal/halo type
// the sync stored it from.
func read[T any](r *catalogReader, kind string, add func(T)) {
	if r.err != nil {
		return
	}
	entries, err := r.st.Catalog(r.ctx, r.partnerID, kind)
	if err != nil {
		r.err = err
		return
	}
	for _, e := range entries {
		var v T
		if err := json.Unmarshal(e.Data, &v); err != nil {
			r.err = fmt.Errorf("%s %s: %w", kind, e.HaloID, err)
			return
		}
		add(v)
	}
}

// ticketType is a ticket type of the synced catalog, with its defaults.
type ticketType struct {
	halo.TicketType
}

func (t ticketType) catalog() ticketing.TicketType {
	return ticketing.TicketType{
		ID: t.ID, Name: t.Name, DefaultSLAID: t.DefaultSLAID, InitialStatusID: t.InitialStatus,
		DefaultPriorityID: max(t.DefaultPriority, 0), DefaultAgentID: t.DefaultAgent, DefaultTeam: t.DefaultTeam,
		DefaultCategory: t.DefaultCategory1, DefaultImpact: t.DefaultImpact,
	}
}

// closedStatus reports whether tickets in status st are closed: HaloPSA's
// own Closed status (id 9), or one named as closing.
func closedStatus(st halo.Status) bool {
	return st.ID == haloClosedStatusID || slices.Contains([]string{"closed", "resolved", "cancelled"}, strings.ToLower(strings.TrimSpace(st.Name)))
}

// agent reads an agent's teams by name, whether HaloPSA named them or only
// gave their ids.
func agent(a halo.Agent, teams map[int]string) ticketing.Agent {
	out := ticketing.Agent{ID: a.ID, Name: a.Name, APIOnly: a.IsAPIAgent, Disabled: a.IsDisabled}
	for _, t := range a.Teams {
		name := t.TeamName
		if name == "" {
			name = teams[t.TeamID]
		}
		if name != "" && !slices.Contains(out.Teams, name) {
			out.Teams = append(out.Teams, name)
		}
	}
	if a.Team != "" && !slices.Contains(out.Teams, a.Team) {
		out.Teams = append(out.Teams, a.Team)
	}
	return out
}

func addPriority(list []ticketing.Priority, p halo.Priority) []ticketing.Priority {
	if slices.ContainsFunc(list, func(x ticketing.Priority) bool { return x.ID == p.PriorityID }) {
		return list
	}
	return append(list, ticketing.Priority{ID: p.PriorityID, Name: p.Name})
}
