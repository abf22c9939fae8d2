package ticketing

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"halobridge/internal/source"
)

// MandatoryField is a field a ticket type makes mandatory on a new ticket
// and has no default for: HaloPSA refuses a ticket without it.
type MandatoryField struct {
	// Field is the ticket's field as its JSON names it ("category_1").
	Field string
	// Label is the field's name in HaloPSA ("Category").
	Label string
}

// Gap is a mandatory field of a ticket type that the ticket policy leaves
// empty for some enabled alert types: HaloPSA will refuse their tickets.
type Gap struct {
	TicketTypeID int    `json:"tickettype_id"`
	TicketType   string `json:"tickettype"`
	Field        string `json:"field"`
	Label        string `json:"label"`
	// AlertTypes are the enabled alert types lacking the field, sorted; an
	// alert type of a source override is followed by its source.
	AlertTypes []string `json:"alert_types"`
	// Settable says halobridge can fill the field from the ticket policy;
	// when not, only HaloPSA can close the gap.
	Settable bool `json:"settable"`
}

// Message says what HaloPSA will refuse.
func (g Gap) Message() string {
	return fmt.Sprintf("HaloPSA ticket type %s makes %s mandatory, and the ticket policy gives none for %s: HaloPSA will refuse their tickets.",
		quoted(g.TicketType), g.Label, alertTypesPhrase(g.AlertTypes))
}

// Fix says how to close the gap, in halobridge's settings or in HaloPSA.
func (g Gap) Fix() string {
	inHalo := fmt.Sprintf("make the field optional or give it a default in HaloPSA: Configuration > Tickets > Ticket Types > %s > Fields", g.TicketType)
	if !g.Settable {
		return fmt.Sprintf("halobridge cannot set %s on a ticket: %s, or choose another ticket type under Setup › Ticketing.", g.Label, inHalo)
	}
	return fmt.Sprintf("Choose %s for %s under Setup › Ticketing, or %s.", settingOf(g.Field), alertTypesPhrase(g.AlertTypes), inHalo)
}

func alertTypesPhrase(types []string) string {
	if len(types) == 1 {
		return "the alert type " + types[0]
	}
	return "the alert types " + strings.Join(types, ", ")
}

// settingOf names the setting of the ticket policy that fills field.
func settingOf(field string) string {
	switch field {
	case "category_1":
		return "a category"
	case "impact":
		return "an impact"
	case "urgency":
		return "an urgency"
	case "priority_id":
		return "a priority"
	case "sla_id":
		return "an SLA"
	case "team":
		return "a team"
	case "agent_id":
		return "a default agent"
	case "status_id":
		return "an initial status"
	case "source":
		return "a ticket source"
	}
	return "a value"
}

// MandatoryGaps lists, field by field in the order given, the mandatory
// fields of ticket type tt that p leaves empty for an enabled alert type of
// that ticket type: the policy's own types when it uses tt, and those of
// each source override that does. A default of the ticket type fills a
// field HaloPSA is not sent. Fields halobridge always sends (summary,
// details, client, site, user) never make a gap; fields it cannot send at
// all (a second category, a custom field) make one for every enabled type.
func MandatoryGaps(p Policy, tt TicketType, fields []MandatoryField) []Gap {
	type use struct {
		policy Policy
		suffix string
	}
	var uses []use
	if p.TicketTypeID == tt.ID {
		plain := p
		plain.Sources = nil
		uses = append(uses, use{plain, ""})
	}
	for _, k := range slices.Sorted(maps.Keys(p.Sources)) {
		if eff := p.ForSource(k); eff.TicketTypeID == tt.ID {
			uses = append(uses, use{eff, " (" + string(k) + ")"})
		}
	}
	var gaps []Gap
	for _, f := range fields {
		field := strings.ToLower(strings.TrimSpace(f.Field))
		settable := true
		var lacking []string
		for _, u := range uses {
			for _, name := range slices.Sorted(maps.Keys(u.policy.Types)) {
				tp := u.policy.Types[name]
				if !tp.Enabled {
					continue
				}
				provided, known := provides(u.policy, tp, tt, field)
				settable = settable && known
				if !provided && !slices.Contains(lacking, name+u.suffix) {
					lacking = append(lacking, name+u.suffix)
				}
			}
		}
		if len(lacking) > 0 {
			gaps = append(gaps, Gap{TicketTypeID: tt.ID, TicketType: tt.Name, Field: field, Label: f.Label, AlertTypes: lacking, Settable: settable})
		}
	}
	return gaps
}

// provides reports whether tickets of alert type tp carry field, set by the
// policy or filled by the ticket type's default; known is false for a field
// halobridge cannot set.
func provides(p Policy, tp TypePolicy, tt TicketType, field string) (provided, known bool) {
	switch field {
	case "summary", "details", "details_html", "client_id", "site_id", "user_id", "tickettype_id", "dateoccurred", "third_party_id_string":
		return true, true
	case "category_1":
		return tp.Category != "" || tt.DefaultCategory != "", true
	case "impact":
		return tp.Impact > 0 || tt.DefaultImpact > 0, true
	case "urgency":
		return tp.Urgency > 0, true
	case "sla_id":
		return tp.SLAID > 0 || tt.DefaultSLAID > 0, true
	case "priority_id":
		return tp.PriorityID > 0 || tt.DefaultPriorityID > 0 || everySeverity(tp.PriorityBySeverity), true
	case "team":
		return p.teamFor(tp) != "" || tt.DefaultTeam != "", true
	case "agent_id":
		return p.AgentID > UnassignedAgentID || tt.DefaultAgentID > UnassignedAgentID, true
	case "status_id":
		return p.InitialStatusID > 0 || tt.InitialStatusID > 0, true
	case "source":
		return p.SourceID != nil, true
	}
	return false, false
}

// everySeverity reports whether bySeverity gives a priority to every
// severity an alert can have.
func everySeverity(bySeverity map[source.Severity]int) bool {
	for _, s := range []source.Severity{source.SeverityInfo, source.SeverityLow, source.SeverityMedium, source.SeverityHigh, source.SeverityCritical} {
		if bySeverity[s] <= 0 {
			return false
		}
	}
	return true
}
