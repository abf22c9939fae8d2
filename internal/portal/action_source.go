package portal

import (
	"fmt"
	"net/http"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/store"
)

// addSource connects a security platform and sets up its delivery.
func (h *handler) addSource(w http.ResponseWriter, r *http.Request) {
	c := callerOf(r)
	form, ok := parseForm(w, r)
	if !ok {
		return
	}
	in := sourceForm{Kind: form.Get("kind"), Name: form.Get("name"), APIURL: form.Get("api_url")}
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

// connectSource checks a source as a person typed it, then connects it and
// sets up its delivery. The errors are by field, "source" for the
// platform's refusal.
func (h *handler) connectSource(r *http.Request, partnerID int64, in sourceForm, apiKey string) (connect.Connected, fieldErrors) {
	in.Name, in.APIURL, apiKey = strings.TrimSpace(in.Name), strings.TrimSpace(in.APIURL), strings.TrimSpace(apiKey)
	errs := fieldErrors{}
	switch in.Kind {
	case store.SourceGravityZone:
		if in.APIURL == "" {
			errs.add("api_url", "copy the access URL from GravityZone, My Account > Control Center API")
		}
		if apiKey == "" {
			errs.add("api_key", "generate an API key in GravityZone, My Account > API keys, with the Companies, Licensing, Network, Quarantine, Accounts and Event Push Service APIs")
		}
	case store.SourceDefensX:
		if apiKey == "" {
			errs.add("api_key", "copy the Partner API key from the DefensX portal")
		}
	case store.SourcePush:
	default:
		errs.add("kind", "choose GravityZone, DefensX or the push API")
	}
	if in.Name == "" {
		in.Name = connect.KindName(in.Kind)
	}
	if len(errs) > 0 {
		return connect.Connected{Source: store.Source{Name: in.Name}}, errs
	}
	added, err := h.deps.Sources.AddSource(r.Context(), connect.NewSource{
		PartnerID: partnerID, Kind: in.Kind, Name: in.Name, APIURL: in.APIURL, APIKey: apiKey,
	})
	if err != nil {
		// Mostly the platform's own refusal (a wrong key or URL), which the
		// person needs to read to fix it.
		h.deps.Logger.Warn("connecting a source failed", "partner_id", partnerID, "kind", in.Kind, "error", err)
		errs.add("source", fmt.Sprintf("%s could not be connected: %v", connect.KindName(in.Kind), err))
		return connect.Connected{Source: store.Source{Name: in.Name}}, errs
	}
	h.deps.Logger.Info("source connected", "partner_id", partnerID, "kind", in.Kind, "source_id", added.Source.ID)
	return added, nil
}
