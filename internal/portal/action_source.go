package portal

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/outbound"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/web"
)

// addSource connects a security platform and sets up its delivery.
func (h *handler) addSource(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	in := sourceForm{Kind: source.Kind(form.Get("kind")), Name: form.Get("name"), APIURL: form.Get("api_url")}
	added, errs := h.connectSource(r, c.partnerID, in, form.Get("api_key"))
	in.Name = added.Source.Name
	v, err := h.integrationView(r, c.partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(errs) > 0 {
		v.SourceForm, v.Errors = in, errs
		h.renderIntegration(w, r, http.StatusUnprocessableEntity, v, flash{})
		return
	}
	v.Added = &added
	h.renderIntegration(w, r, http.StatusOK, v, flash{OK: fmt.Sprintf("%s %q is connected.", connect.KindName(in.Kind), added.Source.Name)})
}

// connectSource connects a source as a person typed it
// (connect.Sources.AddTyped).
func (h *handler) connectSource(r *http.Request, partnerID int64, in sourceForm, apiKey string) (connect.Connected, fieldErrors) {
	added, errs := h.deps.Sources.AddTyped(r.Context(), connect.NewSource{PartnerID: partnerID, Kind: in.Kind, Name: in.Name, APIURL: in.APIURL, APIKey: apiKey})
	return added, fieldErrors(errs)
}

// sourcePageView is a source's own page: its edit form, and its removal
// with what goes with it.
type sourcePageView struct {
	Source sourceView
	Label  string
	// KeyHint shows the stored API key masked.
	KeyHint string
	Form    sourceForm
	Errors  fieldErrors
	Flash   flash
	// Notes say what saving did at the platform.
	Notes []string
	// Alerts and Mappings count what removing it deletes.
	Alerts, Mappings int
}

func sourceID(r *http.Request) (int64, error) {
	id, ok := web.ParseID(r.PathValue("id"))
	if !ok {
		return 0, fmt.Errorf("source %q: %w", r.PathValue("id"), store.ErrNotFound)
	}
	return id, nil
}

// sourcePageFor reads what the source's page shows.
func (h *handler) sourcePageFor(r *http.Request, id int64) (*sourcePageView, error) {
	c := callerOf(r)
	src, err := h.deps.Store.Source(r.Context(), id)
	if err == nil && src.PartnerID != c.partnerID {
		err = fmt.Errorf("source %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	v := &sourcePageView{Source: h.sourceView(src), Label: connect.Label(src), KeyHint: secret.Mask(src.APIKey),
		Form: sourceForm{Kind: src.Kind, Name: src.Name, APIURL: src.APIURL, CallbackURL: connect.PushSettingsOf(src).CallbackURL}, Errors: fieldErrors{}}
	if v.Alerts, err = h.deps.Store.CountAlerts(r.Context(), src.ID); err != nil {
		return nil, err
	}
	mappings, err := h.deps.Store.Mappings(r.Context(), c.partnerID)
	if err != nil {
		return nil, err
	}
	for _, m := range mappings {
		if m.SourceID == src.ID && m.Confirmed {
			v.Mappings++
		}
	}
	return v, nil
}

func (h *handler) renderSource(w http.ResponseWriter, r *http.Request, status int, v *sourcePageView) {
	p, err := h.basePage(r, v.Label, "setup")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.write(w, r, status, viewSource, "layout", view{Page: p, Data: v})
}

// sourcePage shows a source's edit form and its removal.
func (h *handler) sourcePage(w http.ResponseWriter, r *http.Request) {
	id, err := sourceID(r)
	if err == nil {
		var v *sourcePageView
		if v, err = h.sourcePageFor(r, id); err == nil {
			h.renderSource(w, r, http.StatusOK, v)
			return
		}
	}
	h.fail(w, r, err)
}

// sourceFormOf reads a form posted on a source's page, and the page as it
// stands; it answers the failure itself and returns false.
func (h *handler) sourceFormOf(w http.ResponseWriter, r *http.Request) (int64, url.Values, *sourcePageView, bool) {
	id, err := sourceID(r)
	if err != nil {
		h.fail(w, r, err)
		return 0, nil, nil, false
	}
	form, ok := parseForm(w, r)
	if !ok {
		return 0, nil, nil, false
	}
	v, err := h.sourcePageFor(r, id)
	if err != nil {
		h.fail(w, r, err)
		return 0, nil, nil, false
	}
	return id, form, v, true
}

// updateSource saves the edit form: a new API key or URL is tested first,
// and an empty key field keeps the stored key.
func (h *handler) updateSource(w http.ResponseWriter, r *http.Request) {
	id, form, v, ok := h.sourceFormOf(w, r)
	if !ok {
		return
	}
	name, apiURL, apiKey := form.Get("name"), strings.TrimSpace(form.Get("api_url")), strings.TrimSpace(form.Get("api_key"))
	change := connect.SourceChange{Name: &name}
	if apiURL != "" && apiURL != v.Form.APIURL {
		change.APIURL = &apiURL
	}
	if apiKey != "" {
		change.APIKey = &apiKey
	}
	if v.Form.Kind == source.Push {
		callback := strings.TrimSpace(form.Get("callback_url"))
		change.CallbackURL, v.Form.CallbackURL = &callback, callback
	}
	v.Form.Name, v.Form.APIURL = name, cmp.Or(apiURL, v.Form.APIURL)
	up, err := h.editSource(r, id, change)
	var field *connect.FieldError
	if errors.As(err, &field) {
		v.Errors.add(field.Field, field.Message)
		h.renderSource(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if v, err = h.sourcePageFor(r, id); err != nil {
		h.fail(w, r, err)
		return
	}
	v.Flash.OK, v.Notes = fmt.Sprintf("%s is saved.", connect.Label(up.Source)), up.Notes
	h.renderSource(w, r, http.StatusOK, v)
}

// removeSource removes the source once the person ticked that they mean
// it, and shows the integration step with what went and what is left.
func (h *handler) removeSource(w http.ResponseWriter, r *http.Request) {
	id, form, v, ok := h.sourceFormOf(w, r)
	if !ok {
		return
	}
	if !checked(form, "confirm") {
		v.Errors.add("confirm", "tick the box to confirm the removal: nothing was removed")
		h.renderSource(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	removed, err := h.dropSource(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	iv, err := h.integrationView(r, callerOf(r).partnerID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	iv.Removed = removed.Summary()
	h.renderIntegration(w, r, http.StatusOK, iv, flash{OK: fmt.Sprintf("%s is removed.", connect.Label(removed.Source))})
}

// editSource and dropSource are the portal's and the API's way to change
// and remove a source, logged without its credentials.
func (h *handler) editSource(r *http.Request, id int64, ch connect.SourceChange) (connect.Updated, error) {
	c := callerOf(r)
	up, err := h.deps.Sources.UpdateSource(r.Context(), c.partnerID, id, ch)
	if err != nil {
		h.deps.Logger.WarnContext(r.Context(), "editing a source failed", "partner_id", c.partnerID, "source_id", id, "by", c.name(), "error", err, "detail", outbound.Detail(err))
		return connect.Updated{}, err
	}
	h.deps.Logger.Info("source edited", "partner_id", c.partnerID, "source_id", id, "by", c.name(), "tested", up.Tested, "registered", up.Registered)
	return up, nil
}

func (h *handler) dropSource(r *http.Request, id int64) (connect.Removed, error) {
	c := callerOf(r)
	removed, err := h.deps.Sources.RemoveSource(r.Context(), c.partnerID, id)
	if err != nil {
		return connect.Removed{}, err
	}
	h.deps.Logger.Info("source removed", "partner_id", c.partnerID, "source_id", id, "kind", removed.Source.Kind, "by", c.name(),
		"alerts", removed.Removal.Alerts, "left_at_source", removed.LeftAtSource != "")
	return removed, nil
}
