package ingest

import (
	"net/http"
	"strings"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/gravityzone"
)

// AgentType is the alert type of a recorded DefensX Agent.* event. No
// ticket policy enables it by default: such events are kept, not ticketed.
const AgentType = "agent"

// Parsers are the request parsers of the sources that push to /ingest/{token}.
func Parsers() map[source.Kind]Parse {
	return map[source.Kind]Parse{
		source.GravityZone: gravityzone.ParsePushAt,
		source.DefensX:     parseDefensX,
	}
}

// parseDefensX keeps Agent.* events as info alerts of type "agent", so that
// they are recorded beside user requests and shown, but never ticketed
// unless a partner enables the type. DefensX's envelope carries the time
// the event happened and the EventID hashes the whole body, so a repeat has
// another EventID: its alerts are never Timeless.
func parseDefensX(header http.Header, body []byte, _ time.Time, _ int) (source.Inbound, error) {
	in, agents, err := defensx.ParseWebhook(header, body)
	if err != nil {
		return source.Inbound{}, err
	}
	for _, a := range agents {
		in.Alerts = append(in.Alerts, source.Alert{
			Source:     source.DefensX,
			CustomerID: a.CustomerID,
			Type:       AgentType,
			Severity:   source.SeverityInfo,
			HostName:   a.Hostname,
			Facts: map[string]string{
				"event": a.Event, "action": strings.ToLower(strings.TrimPrefix(a.Event, "Agent.")),
				"agent_id": a.AgentID, "deployment_id": a.DeploymentID,
				"platform": a.Platform, "product": a.Product, "version": a.Version,
			},
			OccurredAt:  a.Time,
			Raw:         a.Raw,
			Fingerprint: "defensx:" + a.CustomerID + ":agent:" + a.AgentID,
			EventID:     a.EventID,
		})
	}
	return in, nil
}
