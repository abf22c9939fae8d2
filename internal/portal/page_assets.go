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
	"halobridge/internal/mapping/assetmap"
	"halobridge/internal/mapping/assetmatch"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/store"
)

// assetView is the asset mapping page: the endpoints of one mapped
// company with the HaloPSA asset each maps to, and the smart match's
// settings.
type assetView struct {
	// Companies are the companies mapped to a client with ticketing on,
	// "source/customer" each; Company is the one shown.
	Companies []option
	Company   string
	State     string
	Search    string
	States    []option
	Table     assetmap.Table
	// Assets label the client's active assets for the picker.
	Assets []option
	Config assetmap.Config
	// AssetTypes are the asset types new assets may get, as the stored
	// assets name them, the one configured selected.
	AssetTypes []option
	// Fields are the asset fields a rule can compare, Properties the
	// endpoint properties and Modes the modes.
	Fields     []string
	Properties []string
	Modes      []string
	// Rules are the settings' rules plus blank ones to add.
	Rules []assetmatch.Rule
	Flash flash
}

// maxRuleRows bounds the rules the settings form shows.
const maxRuleRows = 6

// Prev and Next are the pages around this one.
func (v *assetView) Prev() int { return v.Table.Page - 1 }

func (v *assetView) Next() int { return v.Table.Page + 1 }

// PageURL is the address of page n as filtered now.
func (v *assetView) PageURL(n int) string {
	q := url.Values{"page": {strconv.Itoa(n)}}
	for k, val := range map[string]string{"company": v.Company, "state": v.State, "q": v.Search} {
		if val != "" {
			q.Set(k, val)
		}
	}
	return "/asset-mapping?" + q.Encode()
}

// AssetName names an asset in a row.
func (v *assetView) AssetName(a store.HaloAsset) string {
	return cmp.Or(strings.TrimSpace(a.InventoryNumber), strings.TrimSpace(a.KeyField), "asset #"+itoa(a.ID))
}

func (h *handler) assetPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.assetView(r.Context(), callerOf(r).partnerID, r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if isHTMX(r) {
		h.formFragment(w, r, http.StatusOK, viewAssets, "assets-body", v)
		return
	}
	h.render(w, r, viewAssets, "Asset mapping", "assets", v)
}

// assetView reads the page as q asks for it.
func (h *handler) assetView(ctx context.Context, partnerID int64, q url.Values) (*assetView, error) {
	v := &assetView{Company: q.Get("company"), State: q.Get("state"), Search: strings.TrimSpace(q.Get("q")),
		Properties: []string{string(assetmatch.PropertyName), string(assetmatch.PropertyLabel), string(assetmatch.PropertyFQDN), string(assetmatch.PropertyIP), string(assetmatch.PropertyMAC)},
		Modes:      []string{string(assetmatch.ModeExact), string(assetmatch.ModeContains)}}
	if len(v.Search) > maxSearch {
		return nil, &events.InputError{Field: "q", Message: fmt.Sprintf("the search is %d characters long; search for at most %d", len(v.Search), maxSearch)}
	}
	if !slices.Contains(assetmap.States, v.State) {
		v.State = ""
	}
	v.States = withBlank("Every endpoint", options(assetmap.States, func(s string) string { return s }, stateLabel, v.State))
	table, err := h.deps.Mappings.MappingRows(ctx, partnerID, mapper.RowFilter{Mapped: "mapped"})
	if err != nil {
		return nil, err
	}
	for _, row := range table.Rows {
		for _, m := range row.Mappings {
			if m.Confirmed && m.Ticketing {
				value := fmt.Sprintf("%d/%s", m.SourceID, m.CustomerID)
				v.Companies = append(v.Companies, option{Value: value, Label: fmt.Sprintf("%s → %s", cmp.Or(m.CustomerName, m.CustomerID), row.Name), Selected: value == v.Company})
			}
		}
	}
	slices.SortFunc(v.Companies, func(a, b option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	if v.Company == "" && len(v.Companies) > 0 {
		v.Company, v.Companies[0].Selected = v.Companies[0].Value, true
	}
	if v.Config, err = h.deps.Assets.Config(ctx, partnerID); err != nil {
		return nil, err
	}
	v.Rules = append(slices.Clone(v.Config.Match.Rules), make([]assetmatch.Rule, max(0, maxRuleRows-len(v.Config.Match.Rules)))...)
	if v.AssetTypes, err = h.assetTypeOptions(ctx, partnerID, v.Config.AssetTypeID); err != nil {
		return nil, err
	}
	if v.Fields, err = h.deps.Store.HaloAssetFieldNames(ctx, partnerID); err != nil {
		return nil, err
	}
	v.Fields = append([]string{"inventory_number", "key_field", "key_field2", "key_field3"}, v.Fields...)
	if v.Company == "" {
		return v, nil
	}
	sourceID, customerID, err := parseCompany(v.Company)
	if err != nil {
		return nil, err
	}
	if v.Table, err = h.deps.Assets.Rows(ctx, partnerID, sourceID, customerID, assetmap.Filter{State: v.State, Search: v.Search, Page: formInt(q, "page")}); err != nil {
		return nil, err
	}
	for _, a := range v.Table.Assets {
		v.Assets = append(v.Assets, option{Value: itoa(a.ID), Label: v.AssetName(a)})
	}
	v.Assets = uniqueLabels(v.Assets)
	return v, nil
}

// assetTypeOptions offers the asset types of the partner's stored assets
// by name, with current selected; a current type no stored asset has is
// offered by its id, so that saving the form keeps it. None when no asset
// names a type: the form then asks for the id.
func (h *handler) assetTypeOptions(ctx context.Context, partnerID int64, current int) ([]option, error) {
	types, err := h.deps.Store.HaloAssetTypes(ctx, partnerID)
	if err != nil || len(types) == 0 {
		return nil, err
	}
	opts := []option{{Value: "", Label: "Choose the asset type", Selected: current == 0}}
	known := false
	for _, t := range types {
		opts = append(opts, option{Value: itoa(t.ID), Label: fmt.Sprintf("%s (id %d)", cmp.Or(t.Name, "unnamed"), t.ID), Selected: t.ID == current})
		known = known || t.ID == current
	}
	if current != 0 && !known {
		opts = append(opts, option{Value: itoa(current), Label: fmt.Sprintf("id %d (no synced asset has it)", current), Selected: true})
	}
	return opts, nil
}

// stateLabel is how the filter names a state.
func stateLabel(s string) string {
	switch s {
	case assetmap.StateSuggested:
		return "Suggested"
	case assetmap.StateAmbiguous:
		return "Several assets match"
	case assetmap.StateUnmapped:
		return "Unmapped"
	default:
		return "Mapped"
	}
}

// assetAction is one action of the asset mapping page on the company the
// form names.
type assetAction func(r *http.Request, partnerID, sourceID int64, customerID string, form url.Values) (flash, error)

// assets answers an action with the page and the action's flash.
func (h *handler) assets(act assetAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		form, ok := parseForm(w, r)
		if !ok {
			return
		}
		partnerID := callerOf(r).partnerID
		var f flash
		sourceID, customerID, err := parseCompany(form.Get("company"))
		if err == nil {
			f, err = act(r, partnerID, sourceID, customerID, form)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.assetsDone(w, r, partnerID, form, f)
	}
}

// assetsDone answers an action with the page as the form filtered it.
func (h *handler) assetsDone(w http.ResponseWriter, r *http.Request, partnerID int64, form url.Values, f flash) {
	v, err := h.assetView(r.Context(), partnerID, form)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Flash = f
	if !isHTMX(r) {
		http.Redirect(w, r, v.PageURL(v.Table.Page), http.StatusSeeOther)
		return
	}
	h.formFragment(w, r, http.StatusOK, viewAssets, "assets-body", v)
}

func (h *handler) acceptAssets(r *http.Request, partnerID, sourceID int64, customerID string, form url.Values) (flash, error) {
	var ids []string
	if id := form.Get("endpoint_id"); id != "" {
		ids = []string{id}
	} else {
		ids = form["endpoint_ids"]
	}
	if len(ids) == 0 && form.Get("all") != "on" {
		return flash{}, &events.InputError{Field: "endpoint_ids", Message: "tick the suggestions to accept, or choose Accept all"}
	}
	n, err := h.deps.Assets.Accept(r.Context(), partnerID, sourceID, customerID, ids)
	if err != nil {
		return flash{}, err
	}
	return flash{OK: fmt.Sprintf("Confirmed %s.", plural(n, "asset mapping"))}, nil
}

func (h *handler) mapAsset(r *http.Request, partnerID, sourceID int64, customerID string, form url.Values) (flash, error) {
	assetID := formInt(form, "asset_id")
	if name := form.Get("asset_name"); assetID == 0 && name != "" {
		t, err := h.deps.Assets.Rows(r.Context(), partnerID, sourceID, customerID, assetmap.Filter{})
		if err != nil {
			return flash{}, err
		}
		var choices []option
		for _, a := range t.Assets {
			choices = append(choices, option{Value: itoa(a.ID), Label: (&assetView{}).AssetName(a)})
		}
		value, ok := chosen(uniqueLabels(choices), name)
		if !ok {
			return flash{}, &events.InputError{Field: "asset_name", Message: fmt.Sprintf("the client has no active asset named %q (as of the last sync): choose one from the list as you type", trimmed(name))}
		}
		assetID, _ = strconv.Atoi(value)
	}
	if err := h.deps.Assets.Map(r.Context(), partnerID, sourceID, customerID, form.Get("endpoint_id"), assetID); err != nil {
		return flash{}, err
	}
	return flash{OK: "Mapped the endpoint: its tickets now carry the asset."}, nil
}

func (h *handler) unmapAsset(r *http.Request, partnerID, sourceID int64, customerID string, form url.Values) (flash, error) {
	if err := h.deps.Assets.Unmap(r.Context(), partnerID, sourceID, customerID, form.Get("endpoint_id")); err != nil {
		return flash{}, err
	}
	return flash{OK: "Unmapped the endpoint; the next sync suggests an asset again if one matches."}, nil
}

func (h *handler) createAssets(r *http.Request, partnerID, sourceID int64, customerID string, form url.Values) (flash, error) {
	var ids []string
	if id := form.Get("endpoint_id"); id != "" {
		ids = []string{id}
	}
	res, err := h.deps.Assets.Create(r.Context(), partnerID, sourceID, customerID, ids, formInt(form, "assettype_id"))
	if err != nil {
		return flash{}, err
	}
	return flash{OK: fmt.Sprintf("Created %s in HaloPSA; %s already there.", plural(res.Created, "asset"), plural(res.Adopted, "endpoint mapped to an asset"))}, nil
}

// saveAssetSettings saves the smart match's settings, which concern every
// company.
func (h *handler) saveAssetSettings(w http.ResponseWriter, r *http.Request) {
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	partnerID := callerOf(r).partnerID
	f, err := h.assetSettings(r, partnerID, form)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.assetsDone(w, r, partnerID, form, f)
}

func (h *handler) assetSettings(r *http.Request, partnerID int64, form url.Values) (flash, error) {
	cfg := assetmap.Config{CreateAssets: form.Get("create_assets") == "on", AssetTypeID: formInt(form, "assettype_id")}
	fields, props, modes := form["asset_field"], form["property"], form["mode"]
	for i := range min(len(fields), len(props), len(modes), maxRuleRows) {
		if strings.TrimSpace(fields[i]) == "" {
			continue
		}
		cfg.Match.Rules = append(cfg.Match.Rules, assetmatch.Rule{AssetField: strings.TrimSpace(fields[i]), Property: assetmatch.Property(props[i]),
			Mode: assetmatch.Mode(modes[i]), CaseSensitive: slices.Contains(form["case_sensitive"], strconv.Itoa(i))})
	}
	if err := h.deps.Assets.SaveConfig(r.Context(), partnerID, cfg); err != nil {
		return flash{}, err
	}
	return flash{OK: fmt.Sprintf("Saved %s: the next sync matches by them.", plural(len(cfg.Match.Rules), "rule"))}, nil
}
