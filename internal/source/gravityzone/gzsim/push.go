package gzsim

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"time"
)

// Push service types the simulator delivers in.
const (
	ServiceJSONRPC = "jsonRPC"
	ServiceSplunk  = "splunk"
	ServiceQRadar  = "qradar"
)

// PushSettings is the stored Event Push Service configuration, authorization unmasked.
type PushSettings struct {
	Status                int             `json:"status"`
	ServiceType           string          `json:"serviceType"`
	ServiceSettings       ServiceSettings `json:"serviceSettings"`
	SubscribeToEventTypes map[string]bool `json:"subscribeToEventTypes"`
	SubscribeToCompanies  []string        `json:"subscribeToCompanies"`
}

// ServiceSettings says where to push and with which Authorization header.
type ServiceSettings struct {
	URL                        string `json:"url"`
	Authorization              string `json:"authorization"`
	RequireValidSSLCertificate bool   `json:"requireValidSslCertificate"`
}

// Stats are the Event Push Service counters. Events and TestEvents count the events of
// delivered messages; SentMessages the messages answered 200, ErrorMessages the others.
type Stats struct {
	Count struct {
		Events        int `json:"events"`
		TestEvents    int `json:"testEvents"`
		SentMessages  int `json:"sentMessages"`
		ErrorMessages int `json:"errorMessages"`
	} `json:"count"`
	Error struct {
		ConfigurationError int `json:"configurationError"`
		ConnectionError    int `json:"connectionError"`
		ServiceError       int `json:"serviceError"`
		StatusCode2xx      int `json:"statusCode2xx"`
		StatusCode300      int `json:"statusCode300"`
		StatusCode400      int `json:"statusCode400"`
		StatusCode500      int `json:"statusCode500"`
		Timeout            int `json:"timeout"`
	} `json:"error"`
	LastUpdateTime string `json:"lastUpdateTime"`
}

type pushState struct {
	settings *PushSettings
	stats    Stats
	// failingSince is the first failure after the last delivered message.
	failingSince time.Time
	// failedSinceSet counts the failed messages since setPushEventSettings was
	// last called. The service stops after more than 100 of them: stats keep
	// counting across a re-enable (only resetPushEventStats clears them), and
	// GravityZone documents a new setPushEventSettings as what turns a
	// stopped push back on, which it could not do if the stop counted the
	// statistics' errorMessages.
	failedSinceSet int
}

// PushSettings returns the stored settings, authorization included, and whether any were set.
func (s *Sim) PushSettings() (PushSettings, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.push.settings == nil {
		return PushSettings{}, false
	}
	return s.push.settings.clone(), true
}

// Stats returns the push counters.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.push.stats
}

func (p PushSettings) clone() PushSettings {
	p.SubscribeToEventTypes = maps.Clone(p.SubscribeToEventTypes)
	p.SubscribeToCompanies = slices.Clone(p.SubscribeToCompanies)
	return p
}

func (s *Sim) setPushEventSettings(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct {
		Status          *int    `json:"status"`
		ServiceType     *string `json:"serviceType"`
		ServiceSettings *struct {
			URL                        *string `json:"url"`
			Authorization              string  `json:"authorization"`
			RequireValidSSLCertificate *bool   `json:"requireValidSslCertificate"`
			SplunkAuthorization        string  `json:"splunkAuthorization"`
		} `json:"serviceSettings"`
		SubscribeToEventTypes map[string]bool `json:"subscribeToEventTypes"`
		SubscribeToCompanies  *[]string       `json:"subscribeToCompanies"`
	}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	switch {
	case p.Status == nil || (*p.Status != 0 && *p.Status != 1):
		return nil, invalidParams("Invalid value for 'status': expected 0 or 1")
	case p.ServiceType == nil:
		return nil, invalidParams("Missing required parameter 'serviceType'")
	case !slices.Contains([]string{ServiceJSONRPC, ServiceSplunk, ServiceQRadar}, *p.ServiceType):
		return nil, invalidParams("Invalid value for 'serviceType': the simulator pushes jsonRPC, splunk or qradar")
	case p.ServiceSettings == nil || p.ServiceSettings.URL == nil:
		return nil, invalidParams("Missing required parameter 'serviceSettings.url'")
	}
	if u, err := url.Parse(*p.ServiceSettings.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, invalidParams("Invalid value for 'serviceSettings.url'")
	}
	for t := range p.SubscribeToEventTypes {
		if !slices.Contains(subscribable, t) {
			return nil, invalidParams("Invalid value for 'subscribeToEventTypes': unknown event type '%s'", t)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var companies []string
	if p.SubscribeToCompanies != nil {
		companies = *p.SubscribeToCompanies
		if len(companies) == 0 || !slices.Contains(companies, s.companies[0].ID) {
			return nil, invalidParams("Invalid value for 'subscribeToCompanies': it must include your own company")
		}
		for _, id := range companies {
			if s.byID[id] == nil {
				return nil, invalidParams("Invalid value for 'subscribeToCompanies': unknown company '%s'", id)
			}
		}
	}
	s.push.settings = &PushSettings{
		Status:      *p.Status,
		ServiceType: *p.ServiceType,
		ServiceSettings: ServiceSettings{
			URL:                        *p.ServiceSettings.URL,
			Authorization:              p.ServiceSettings.Authorization,
			RequireValidSSLCertificate: p.ServiceSettings.RequireValidSSLCertificate == nil || *p.ServiceSettings.RequireValidSSLCertificate,
		},
		SubscribeToEventTypes: maps.Clone(p.SubscribeToEventTypes),
		SubscribeToCompanies:  slices.Clone(companies),
	}
	s.push.failingSince = time.Time{}
	s.push.failedSinceSet = 0
	return true, nil
}

// getPushEventSettings answers the settings with the authorization masked.
func (s *Sim) getPushEventSettings(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct{}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.push.settings == nil {
		return PushSettings{ServiceSettings: ServiceSettings{}, SubscribeToEventTypes: map[string]bool{}, SubscribeToCompanies: []string{}}, nil
	}
	out := s.push.settings.clone()
	if out.ServiceSettings.Authorization != "" {
		out.ServiceSettings.Authorization = "********"
	}
	if out.SubscribeToCompanies == nil {
		out.SubscribeToCompanies = []string{}
	}
	return out, nil
}

// sendTestPushEvent pushes the module's template event with data applied over it and
// "_testEvent_": true, and answers that event.
func (s *Sim) sendTestPushEvent(ctx context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct {
		EventType *string        `json:"eventType"`
		Data      map[string]any `json:"data"`
	}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	if p.EventType == nil {
		return nil, invalidParams("Missing required parameter 'eventType'")
	}
	if _, ok := builders[*p.EventType]; !ok {
		return nil, invalidParams("Invalid value for 'eventType'")
	}
	s.mu.Lock()
	enabled := s.push.settings != nil && s.push.settings.Status == 1
	var ev Event
	if enabled {
		ev = s.buildLocked(*p.EventType, nil)
	}
	s.mu.Unlock()
	if !enabled {
		return nil, newError(codeServerError, "Server error", "The Event Push Service is not enabled: call setPushEventSettings first")
	}
	for k, v := range p.Data {
		ev[k] = v
	}
	ev["_testEvent_"] = true
	// A failed delivery is counted in the statistics, as for any push; the answer still
	// describes the event sent.
	_ = s.deliver(ctx, []Event{ev}, true)
	return ev, nil
}

func (s *Sim) getPushEventStats(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct{}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	return s.Stats(), nil
}

func (s *Sim) resetPushEventStats(_ context.Context, params json.RawMessage) (any, *rpcError) {
	var p struct{}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.push.stats = Stats{}
	return true, nil
}
