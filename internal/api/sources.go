package api

import (
	"net/http"

	"halobridge/internal/connect"
	"halobridge/internal/secret"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// sourceJSON is a source as the API shows it: its API key masked, its
// push secret never.
type sourceJSON struct {
	ID      int64       `json:"id"`
	Kind    source.Kind `json:"kind"`
	Name    string      `json:"name"`
	APIURL  string      `json:"api_url,omitempty"`
	APIKey  string      `json:"api_key,omitempty"`
	PushURL string      `json:"push_url"`
	// CallbackURL is where a push source's vendor is told of closures in HaloPSA.
	CallbackURL string `json:"callback_url,omitempty"`
}

func (h *handler) sourceJSON(src store.Source) sourceJSON {
	return sourceJSON{ID: src.ID, Kind: src.Kind, Name: src.Name, APIURL: src.APIURL, APIKey: secret.Mask(src.APIKey), PushURL: h.deps.Sources.PushURL(src),
		CallbackURL: connect.PushSettingsOf(src).CallbackURL}
}

func (h *handler) listSources(w http.ResponseWriter, r *http.Request, partnerID int64) {
	sources, err := h.deps.Store.Sources(r.Context(), partnerID)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	out := []sourceJSON{}
	for _, src := range sources {
		out = append(out, h.sourceJSON(src))
	}
	h.json(w, http.StatusOK, map[string]any{"sources": out})
}

// addSource connects a security platform. The answer has the push API
// token of a push source, shown this once.
func (h *handler) addSource(w http.ResponseWriter, r *http.Request, partnerID int64) {
	var in struct {
		Kind   source.Kind `json:"kind"`
		Name   string      `json:"name"`
		APIURL string      `json:"api_url"`
		APIKey string      `json:"api_key"`
	}
	if !h.decode(w, r, &in) {
		return
	}
	added, errs := h.deps.Sources.AddTyped(r.Context(), connect.NewSource{PartnerID: partnerID, Kind: in.Kind, Name: in.Name, APIURL: in.APIURL, APIKey: in.APIKey})
	if len(errs) > 0 {
		h.invalid(w, "The source could not be connected.", errs)
		return
	}
	h.json(w, http.StatusCreated, map[string]any{
		"source":       h.sourceJSON(added.Source),
		"push_url":     added.PushURL,
		"registered":   added.Registered,
		"token":        added.Token,
		"instructions": added.Instructions,
	})
}

// updateSource changes a source's name, API URL or API key; a field left
// out stays as it is. A new key or URL must pass the platform's test
// first, or nothing is saved.
func (h *handler) updateSource(w http.ResponseWriter, r *http.Request, partnerID int64) {
	id, ok := h.pathID(w, r, "id")
	if !ok {
		return
	}
	var in struct {
		Name   *string `json:"name"`
		APIURL *string `json:"api_url"`
		APIKey *string `json:"api_key"`
		// CallbackURL sets a push source's callback URL; "" removes it.
		CallbackURL *string `json:"callback_url"`
	}
	if !h.decode(w, r, &in) {
		return
	}
	_, c := callerOf(r)
	up, err := h.deps.Sources.UpdateSource(r.Context(), partnerID, id, connect.SourceChange{Name: in.Name, APIURL: in.APIURL, APIKey: in.APIKey, CallbackURL: in.CallbackURL})
	if err != nil {
		h.deps.Logger.Warn("editing a source failed", "partner_id", partnerID, "source_id", id, "by", c.Name(), "error", err)
		h.failErr(w, r, err)
		return
	}
	h.deps.Logger.Info("source edited", "partner_id", partnerID, "source_id", id, "by", c.Name(), "tested", up.Tested, "registered", up.Registered)
	notes := up.Notes
	if notes == nil {
		notes = []string{}
	}
	h.json(w, http.StatusOK, map[string]any{
		"source":     h.sourceJSON(up.Source),
		"tested":     up.Tested,
		"registered": up.Registered,
		"notes":      notes,
	})
}

// removeSource removes a source with its alerts, mappings and events; its
// HaloPSA tickets stay. The answer says what went and what is left to do
// at the platform.
func (h *handler) removeSource(w http.ResponseWriter, r *http.Request, partnerID int64) {
	id, ok := h.pathID(w, r, "id")
	if !ok {
		return
	}
	_, c := callerOf(r)
	removed, err := h.deps.Sources.RemoveSource(r.Context(), partnerID, id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.deps.Logger.Info("source removed", "partner_id", partnerID, "source_id", id, "kind", removed.Source.Kind, "by", c.Name(),
		"alerts", removed.Removal.Alerts, "left_at_source", removed.LeftAtSource != "")
	h.json(w, http.StatusOK, map[string]any{
		"source":         h.sourceJSON(removed.Source),
		"removed":        removed.Removal,
		"at_source":      removed.AtSource,
		"left_at_source": removed.LeftAtSource,
		"summary":        removed.Summary(),
	})
}
