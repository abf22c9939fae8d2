package portal

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"halobridge/internal/events"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/store"
)

// clientsPerPage is how many HaloPSA clients one page of the mapping
// table shows; the filters and the search narrow the table, the pages
// reach the rest.
const clientsPerPage = 50

// maxSearch bounds the search term.
const maxSearch = 200

// maxUnsuggested bounds the list of companies no client fits.
const maxUnsuggested = 50

// mappingView is the client mapping page: every HaloPSA client with the
// companies mapped or suggested to it.
type mappingView struct {
	// Mapped is "mapped", "unmapped", "has_events" or "" for every client.
	Mapped    string
	TopLevel  string
	Search    string
	TopLevels []option
	Rows      []clientRow
	// Page is the page shown, of Pages; Total counts the clients the
	// filters keep, First and Last the rows of this page among them.
	Page, Pages, Total, First, Last int
	// HaloRoot is the partner's HaloPSA, for links to its clients.
	HaloRoot string
	// Companies are the companies not mapped yet, for the pickers, each
	// labelled uniquely.
	Companies []option
	// Clients are the HaloPSA clients a company can be mapped to, by
	// name, for the pickers.
	Clients []option
	// Unsuggested are the companies with neither a mapping nor a
	// suggestion (those the search matches), which may need a HaloPSA
	// client of their own; at most maxUnsuggested of them.
	Unsuggested     []option
	MoreUnsuggested int
	// Ambiguous are suggestions that need a person to choose the client.
	Ambiguous   []mapper.Suggestion
	Suggestions int
	Flash       flash
}

// Prev and Next are the pages around this one.
func (v *mappingView) Prev() int { return v.Page - 1 }

func (v *mappingView) Next() int { return v.Page + 1 }

// PageURL is the address of page n of the table as filtered now.
func (v *mappingView) PageURL(n int) string {
	q := url.Values{"page": {strconv.Itoa(n)}}
	for k, val := range map[string]string{"mapped": v.Mapped, "toplevel": v.TopLevel, "q": v.Search} {
		if val != "" {
			q.Set(k, val)
		}
	}
	return "/mapping?" + q.Encode()
}

// clientRow is one HaloPSA client, its mappings and its suggestions.
type clientRow struct {
	mapper.ClientRow
	Mapped    []mapper.MappingView
	Suggested []mapper.MappingView
}

func (h *handler) mappingPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.mappingView(r.Context(), callerOf(r).partnerID, r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if isHTMX(r) {
		h.formFragment(w, r, http.StatusOK, viewMapping, "mapping-body", v)
		return
	}
	h.render(w, r, viewMapping, "Client mapping", "mapping", v)
}

// mappingView reads one page of the table as the filters in q narrow it.
func (h *handler) mappingView(ctx context.Context, partnerID int64, q url.Values) (*mappingView, error) {
	v := &mappingView{Mapped: q.Get("mapped"), TopLevel: q.Get("toplevel"), Search: strings.TrimSpace(q.Get("q"))}
	if len(v.Search) > maxSearch {
		return nil, &events.InputError{Field: "q", Message: fmt.Sprintf("the search is %d characters long; search for at most %d", len(v.Search), maxSearch)}
	}
	filter := mapper.RowFilter{Mapped: v.Mapped, Search: v.Search}
	switch v.Mapped {
	case "mapped", "unmapped":
	case "has_events":
		filter.Mapped = ""
	default:
		v.Mapped, filter.Mapped = "", ""
	}
	filter.TopLevelID, _ = strconv.Atoi(v.TopLevel)
	table, err := h.deps.Mappings.MappingRows(ctx, partnerID, filter)
	if err != nil {
		return nil, err
	}
	v.TopLevels = withBlank("All top levels", options(table.TopLevels, func(t mapper.TopLevel) string { return itoa(t.ID) },
		func(t mapper.TopLevel) string { return t.Name }, v.TopLevel))
	rows := table.Rows
	if v.Mapped == "has_events" {
		rows = slices.DeleteFunc(rows, func(r mapper.ClientRow) bool {
			return !slices.ContainsFunc(r.Mappings, func(m mapper.MappingView) bool { return m.Status == "has_events" })
		})
	}
	v.Total = len(rows)
	v.Pages = max(1, (v.Total+clientsPerPage-1)/clientsPerPage)
	v.Page = min(max(1, formInt(q, "page")), v.Pages)
	start := (v.Page - 1) * clientsPerPage
	end := min(start+clientsPerPage, v.Total)
	v.First, v.Last = start+1, end
	for _, row := range rows[start:end] {
		cr := clientRow{ClientRow: row}
		for _, m := range row.Mappings {
			if m.Confirmed {
				cr.Mapped = append(cr.Mapped, m)
			} else {
				cr.Suggested = append(cr.Suggested, m)
			}
		}
		v.Rows = append(v.Rows, cr)
	}
	if v.Companies, err = h.unmappedCompanies(ctx, partnerID); err != nil {
		return nil, err
	}
	v.Clients = clientChoices(table.Rows)
	if v.HaloRoot, err = h.deps.Halo.Root(ctx, partnerID); err != nil {
		return nil, err
	}
	if err := h.unsuggested(ctx, partnerID, v); err != nil {
		return nil, err
	}
	suggestions, err := h.deps.Mappings.Suggestions(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	for _, s := range suggestions {
		if s.Ambiguous {
			v.Ambiguous = append(v.Ambiguous, s)
		} else {
			v.Suggestions++
		}
	}
	return v, nil
}

// mappableClients are the HaloPSA clients a company can be mapped to.
func (h *handler) mappableClients(ctx context.Context, partnerID int64) ([]option, error) {
	table, err := h.deps.Mappings.MappingRows(ctx, partnerID, mapper.RowFilter{})
	if err != nil {
		return nil, err
	}
	return clientChoices(table.Rows), nil
}

// clientChoices are the rows' clients that exist and are active, by name.
func clientChoices(rows []mapper.ClientRow) []option {
	var out []option
	for _, row := range rows {
		if !row.Missing && !row.Inactive {
			out = append(out, option{Value: itoa(row.ClientID), Label: row.Name})
		}
	}
	return uniqueLabels(out)
}

// uniqueLabels tells apart the choices that share a label by their value,
// so that a name typed in a picker names one of them.
func uniqueLabels(opts []option) []option {
	seen := map[string]int{}
	for _, o := range opts {
		seen[strings.ToLower(o.Label)]++
	}
	for i, o := range opts {
		if seen[strings.ToLower(o.Label)] > 1 {
			opts[i].Label = o.Label + " · " + o.Value
		}
	}
	return opts
}

// chosen is the value of the choice whose label is name, ignoring case:
// what a person picked in a list by typing.
func chosen(opts []option, name string) (string, bool) {
	name = strings.TrimSpace(name)
	i := slices.IndexFunc(opts, func(o option) bool { return strings.EqualFold(o.Label, name) })
	if i < 0 {
		return "", false
	}
	return opts[i].Value, true
}

// unmappedCompanies lists every source company without a confirmed
// mapping, by name: the only ones a picker offers. Resellers, which only
// group other companies, are left out.
func (h *handler) unmappedCompanies(ctx context.Context, partnerID int64) ([]option, error) {
	sources, err := h.deps.Store.Sources(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	mappings, err := h.deps.Store.Mappings(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	mapped := map[string]bool{}
	for _, m := range mappings {
		if m.Confirmed {
			mapped[companyValue(m.SourceID, m.CustomerID)] = true
		}
	}
	var out []option
	for _, src := range sources {
		customers, err := h.deps.Store.SourceCustomers(ctx, src.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range customers {
			value := companyValue(src.ID, c.ID)
			if c.Reseller || mapped[value] {
				continue
			}
			label := cmp.Or(c.Name, c.ID)
			if len(sources) > 1 {
				label += " (" + src.Name + ")"
			}
			if c.SeenInPush {
				// Not in the source's customer list (yet): known from its events.
				label += " · seen in an event"
			}
			out = append(out, option{Value: value, Label: label})
		}
	}
	slices.SortFunc(out, func(a, b option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	return uniqueLabels(out), nil
}

// unsuggested fills the companies that have neither a mapping nor a
// suggestion.
func (h *handler) unsuggested(ctx context.Context, partnerID int64, v *mappingView) error {
	mappings, err := h.deps.Store.Mappings(ctx, partnerID)
	if err != nil {
		return err
	}
	suggested := map[string]bool{}
	for _, m := range mappings {
		suggested[companyValue(m.SourceID, m.CustomerID)] = true
	}
	term := strings.ToLower(v.Search)
	for _, c := range v.Companies {
		if suggested[c.Value] || !strings.Contains(strings.ToLower(c.Label), term) {
			continue
		}
		if len(v.Unsuggested) == maxUnsuggested {
			v.MoreUnsuggested++
			continue
		}
		v.Unsuggested = append(v.Unsuggested, c)
	}
	return nil
}

// companyValue names a source's company in a form: "<source id>/<customer id>".
func companyValue(sourceID int64, customerID string) string {
	return strconv.FormatInt(sourceID, 10) + "/" + customerID
}

func parseCompany(v string) (int64, string, error) {
	src, customer, ok := strings.Cut(v, "/")
	id, err := strconv.ParseInt(src, 10, 64)
	if !ok || err != nil || customer == "" {
		return 0, "", &events.InputError{Field: "company", Message: "choose a company"}
	}
	return id, customer, nil
}

// mappingTarget reads the source and customer an action is about.
func mappingTarget(form url.Values) (int64, string, error) {
	id, err := strconv.ParseInt(form.Get("source_id"), 10, 64)
	customer := form.Get("customer_id")
	if err != nil || customer == "" {
		return 0, "", fmt.Errorf("company %q of source %q: %w", customer, form.Get("source_id"), store.ErrNotFound)
	}
	return id, customer, nil
}

// mappingDone answers a mapping action with the table as the page's
// filters show it, and what the action did.
func (h *handler) mappingDone(w http.ResponseWriter, r *http.Request, form url.Values, f flash) {
	v, err := h.mappingView(r.Context(), callerOf(r).partnerID, form)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Flash = f
	if !isHTMX(r) {
		http.Redirect(w, r, v.PageURL(v.Page), http.StatusSeeOther)
		return
	}
	h.formFragment(w, r, http.StatusOK, viewMapping, "mapping-body", v)
}
