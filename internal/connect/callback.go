package connect

import (
	"encoding/json"
	"fmt"
	"strings"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

// PushSettings are a push API source's own settings, kept in store.Source.Settings.
type PushSettings struct {
	// CallbackURL, when set, receives a signed POST each time a ticket of the source's
	// alerts is closed or reopened in HaloPSA.
	CallbackURL string `json:"callback_url,omitempty"`
}

// maxCallbackURL bounds the callback address a person gives.
const maxCallbackURL = 2000

// PushSettingsOf reads a push source's settings; unreadable settings are empty ones.
func PushSettingsOf(src store.Source) PushSettings {
	var p PushSettings
	if src.Kind == source.Push {
		_ = json.Unmarshal(src.Settings, &p)
	}
	return p
}

// withCallback sets (or, when empty, removes) a push source's callback URL in its
// settings, keeping the settings' other keys. The address must be one halobridge may
// call under the operator's outbound policy.
func (s *Sources) withCallback(next store.Source, raw string) (store.Source, error) {
	v := strings.TrimSpace(raw)
	switch {
	case next.Kind != source.Push:
		return store.Source{}, &FieldError{Field: "callback_url", Message: "only push API sources have a callback URL: GravityZone and DefensX are told of closures through their own APIs"}
	case len(v) > maxCallbackURL:
		return store.Source{}, &FieldError{Field: "callback_url", Message: fmt.Sprintf("the callback URL is longer than %d characters", maxCallbackURL)}
	case v != "":
		if err := s.Outbound.CheckURL(v); err != nil {
			return store.Source{}, &FieldError{Field: "callback_url", Message: "the callback URL is refused: " + err.Error()}
		}
	}
	settings := map[string]json.RawMessage{}
	if len(next.Settings) > 0 {
		if err := json.Unmarshal(next.Settings, &settings); err != nil || settings == nil {
			settings = map[string]json.RawMessage{}
		}
	}
	if v == "" {
		delete(settings, "callback_url")
	} else {
		settings["callback_url"], _ = json.Marshal(v)
	}
	b, err := json.Marshal(settings)
	if err != nil {
		return store.Source{}, err
	}
	next.Settings = b
	return next, nil
}
