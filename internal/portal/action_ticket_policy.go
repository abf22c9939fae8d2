package portal

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
	"halobridge/internal/ticketing/deliver"
)

// parseTicketPolicy reads the ticketing step's form.
func parseTicketPolicy(form url.Values) deliver.SavedPolicy {
	p := ticketing.Policy{
		TicketTypeID: formInt(form, "tickettype_id"), AgentID: formInt(form, "agent_id"), Team: form.Get("team"),
		InitialStatusID: formInt(form, "initial_status_id"), ClosingStatusID: formInt(form, "closing_status_id"),
		NoteOutcomeID: formInt(form, "note_outcome_id"), TitleTemplate: strings.TrimSpace(form.Get("title_template")),
		Types: map[string]ticketing.TypePolicy{},
	}
	p.MatchEndUser = form.Get("match_end_user") == "yes"
	switch form.Get("show_updates_to_user") {
	case "yes":
		p.ShowUpdatesToUser = new(true)
	case "no":
		p.ShowUpdatesToUser = new(false)
	}
	if v := form.Get("source_id"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			p.SourceID = &n
		}
	}
	for field := range form {
		// Only types.<name>.group or types.<name>.sla_id names an alert
		// type: "x.sla_id" names none.
		name, typed := strings.CutPrefix(field, "types.")
		name, ok := strings.CutSuffix(name, ".group")
		if !ok {
			name, ok = strings.CutSuffix(name, ".sla_id")
		}
		if !typed || !ok || name == "" {
			continue
		}
		p.Types[name] = parseTypePolicy(form, name)
	}
	if name := strings.TrimSpace(form.Get("add_type")); name != "" {
		if _, ok := p.Types[name]; !ok {
			p.Types[name] = ticketing.TypePolicy{Enabled: true, Urgency: firstUrgency}
		}
	}
	return deliver.SavedPolicy{Policy: p, FallbackClientID: formInt(form, "fallback_client_id")}
}

// parseTypePolicy reads one alert type: its own settings when it has
// them, else its group's, which only close the tickets of the types whose
// source reports resolutions.
func parseTypePolicy(form url.Values, name string) ticketing.TypePolicy {
	prefix, group := "types."+name+".", form.Get("types."+name+".group")
	own := group == "" || checked(form, prefix+"own")
	settings := prefix
	if !own {
		settings = "groups." + group + "."
	}
	tp := ticketing.TypePolicy{
		Enabled: checked(form, prefix+"enabled"), SLAID: formInt(form, settings+"sla_id"), PriorityID: formInt(form, settings+"priority_id"),
		Category: form.Get(settings + "category_1"), Urgency: formInt(form, settings+"urgency"), Impact: formInt(form, settings+"impact"),
		Team: form.Get(settings + "team"), Grouping: ticketing.Grouping(form.Get(settings + "grouping")),
		AutoClose: checked(form, prefix+"auto_close"), SourceLoop: ticketing.SourceLoop(form.Get(prefix + "source_loop")),
	}
	if !own {
		tp.AutoClose = checked(form, settings+"auto_close") && canClose(name, source.Kind(group))
	}
	for _, sev := range ticketing.Severities {
		field := settings + "priority_by_severity." + string(sev)
		if !form.Has(field) {
			continue
		}
		if tp.PriorityBySeverity == nil {
			tp.PriorityBySeverity = map[source.Severity]int{}
		}
		if n := formInt(form, field); n != 0 {
			tp.PriorityBySeverity[sev] = n
		}
	}
	return tp
}

// mergeSaved keeps what the form does not show (per-source overrides, the
// details template, each type's windows, its GravityZone loop when the form
// had no select for it, and its severity priorities when
// the form had none to show) from the stored policy.
func mergeSaved(sent, stored deliver.SavedPolicy) deliver.SavedPolicy {
	sent.Policy.DetailsTemplate = stored.Policy.DetailsTemplate
	sent.Policy.Sources = stored.Policy.Sources
	for name, tp := range sent.Policy.Types {
		old := stored.Policy.Types[name]
		tp.GroupWindow, tp.ReopenWindow = old.GroupWindow, old.ReopenWindow
		if tp.SourceLoop == "" {
			tp.SourceLoop = old.SourceLoop
		}
		switch {
		case tp.PriorityBySeverity == nil:
			tp.PriorityBySeverity = old.PriorityBySeverity
		case len(tp.PriorityBySeverity) == 0:
			tp.PriorityBySeverity = nil
		}
		sent.Policy.Types[name] = tp
	}
	for name, tp := range stored.Policy.Types {
		if _, shown := sent.Policy.Types[name]; !shown {
			sent.Policy.Types[name] = tp
		}
	}
	return sent
}

// saveTicketPolicy saves the ticketing step, or shows every field HaloPSA's
// catalog refuses.
func (h *handler) saveTicketPolicy(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	sent, err := h.sentPolicy(r.Context(), c.partnerID, form)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_, err = h.deps.Tickets.SavePolicy(r.Context(), c.partnerID, sent)
	if pe, ok := deliver.IsPolicyError(err); ok {
		errs := fieldErrors{}
		for _, fe := range pe.Fields {
			errs.add(fe.Field, fe.Message)
		}
		f, err := h.buildTicketForm(r.Context(), c.partnerID, sent, errs)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		progress, err := h.deps.Store.SetupProgress(r.Context(), c.partnerID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.renderSetup(w, r, http.StatusUnprocessableEntity, &setupView{Step: store.SetupTicketing, Progress: progress, Ticketing: f,
			Catalog: &catalogState{Ready: true}, Flash: flash{Error: "The ticket policy was not saved: " + plural(len(pe.Fields), "field") + " to correct, marked below."}})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	progress, err := h.deps.Store.CompleteSetupStep(r.Context(), c.partnerID, store.SetupTicketing)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, nextStep(progress, store.SetupTicketing), http.StatusSeeOther)
}

// sentPolicy is the form's policy over the stored one.
func (h *handler) sentPolicy(ctx context.Context, partnerID int64, form url.Values) (deliver.SavedPolicy, error) {
	stored, err := h.deps.Tickets.Policy(ctx, partnerID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return deliver.SavedPolicy{}, err
	}
	return mergeSaved(parseTicketPolicy(form), stored), nil
}

// ticketPolicyForm re-renders the form after a ticket type was chosen,
// filling what is still empty with that type's defaults.
func (h *handler) ticketPolicyForm(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	sent, err := h.sentPolicy(r.Context(), c.partnerID, form)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if sent.Policy, err = h.deps.Tickets.PolicyDefaults(r.Context(), c.partnerID, sent.Policy); err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := h.buildTicketForm(r.Context(), c.partnerID, sent, fieldErrors{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.fragment(w, r, http.StatusOK, viewSetup, "ticket-form", f)
}

// priorityChoices answers the priority choices of the SLA a type, or a
// group of types, now has.
func (h *handler) priorityChoices(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	prefix := ""
	switch alertType, group := form.Get("type"), form.Get("group"); {
	case alertType != "" && len(alertType) <= 200:
		prefix = "types." + alertType + "."
	case group != "" && len(group) <= 20:
		prefix = "groups." + group + "."
	default:
		h.problem(w, r, http.StatusUnprocessableEntity, "Say which alert type, or which source's alert types, the SLA is for.")
		return
	}
	cat, err := h.deps.Tickets.Catalog(r.Context(), c.partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	row := typeRow{Key: prefix, Prefix: prefix}
	row.Priorities, row.Severities = priorityOptions(cat, formInt(form, prefix+"sla_id"), 0, nil)
	h.fragment(w, r, http.StatusOK, viewSetup, "priority-select", row)
}

// previewTitle renders the title template on made-up alerts of the enabled
// types, as the person types.
func (h *handler) previewTitle(w http.ResponseWriter, r *http.Request) {
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	sent := parseTicketPolicy(form)
	h.fragment(w, r, http.StatusOK, viewSetup, "title-preview", h.preview(sent.Policy))
}

// preview renders p's title on a made-up alert of each enabled type, known
// types first in their order, then those push API vendors name.
func (h *handler) preview(p ticketing.Policy) ticketing.Samples {
	var enabled []string
	for _, t := range ticketing.KnownTypes() {
		if p.Types[t.Type].Enabled {
			enabled = append(enabled, t.Type)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Types)) {
		if p.Types[name].Enabled && !slices.Contains(enabled, name) {
			enabled = append(enabled, name)
		}
	}
	return ticketing.PreviewSamples(p.TitleTemplate, enabled, h.deps.Now())
}
