package gravityzone

import (
	"slices"
	"strings"
)

// moduleSpec is what the normaliser knows of one GravityZone module (event type) beyond
// its vocabulary (internal/vocab: display name, facts, severity): how to subscribe to it,
// when its events happened and what identifies them.
type moduleSpec struct {
	// subscribable modules can be named in subscribeToEventTypes.
	subscribable bool
	// times are the fields that say when the event happened, first present wins.
	times []string
	// key gives the fingerprint inputs after source, company and type. It reads the
	// event's own fields, so that renaming a fact never moves an alert to another ticket.
	key func(e event) []string
	// derive adds facts that need more than copying a field.
	derive func(e event, facts map[string]string)
}

// blockedTimes is when the modules that report a blocked item and a count last blocked it.
var blockedTimes = []string{"last_blocked"}

// modules is the event type catalog of API.md §3.2 and §3.3.
var modules = map[string]moduleSpec{
	"av":  {subscribable: true, times: []string{"timestamp"}, key: malwareKey},
	"aph": {subscribable: true, times: blockedTimes, key: urlKey},
	"fw":  {subscribable: true, times: blockedTimes, key: fieldsKey("source_ip", "status")},
	"avc": {subscribable: true, times: blockedTimes,
		key: func(e event) []string { return []string{e.hostKey(), strings.ToLower(e.text("exploit_path"))} }},
	"uc": {subscribable: true, times: blockedTimes, key: urlKey},
	"dp": {subscribable: true, times: blockedTimes, key: urlKey},
	"hd": {subscribable: true, times: []string{"date"}, key: malwareKey},
	"antiexploit": {subscribable: true, times: []string{"detection_time"},
		key: func(e event) []string {
			return []string{e.hostKey(), strings.ToLower(e.text("detection_path")), e.text("detection_exploitTechnique")}
		}},
	"device-control": {subscribable: true, times: []string{"date"}, key: fieldsKey("deviceId")},
	"exchange-malware": {subscribable: true, times: []string{"detectionTime"},
		key: func(e event) []string {
			names := exchangeMalware(e, "malwareName")
			slices.Sort(names)
			return []string{e.hostKey(), strings.Join(names, "+")}
		},
		derive: func(e event, facts map[string]string) {
			for fact, field := range map[string]string{"malware_name": "malwareName", "malware_type": "malwareType",
				"action_taken": "actionTaken", "infected_object": "infectedObject"} {
				if v := strings.Join(exchangeMalware(e, field), ", "); v != "" {
					facts[fact] = v
				}
			}
		}},
	"exchange-organization-info": {key: hostKey},
	"exchange-user-credentials":  {subscribable: true, key: hostKey},
	"network-sandboxing":         {subscribable: true, times: []string{"detectionTime"}, key: fieldsKey("threatType")},
	"new-incident":               {subscribable: true, times: []string{"created"}, key: incidentKey},
	"new-extended-incident":      {subscribable: true, times: []string{"created"}, key: incidentKey},
	"ransomware-mitigation":      {subscribable: true, times: []string{"detected_on"}, key: fieldsKey("attack_source")},
	"network-monitor":            {subscribable: true, times: []string{"timestamp"}, key: fieldsKey("source_ip", "detection_name")},
	"storage-antimalware": {subscribable: true, times: []string{"detection_time"},
		key: func(e event) []string {
			return []string{e.hostKey(), strings.ToLower(e.text("storage_name")), e.text("malware_name", "file_hash", "file_path")}
		}},
	"modules":                             {subscribable: true, key: hostKey},
	"registration":                        {subscribable: true, key: hostKey},
	"install":                             {subscribable: true, key: hostKey},
	"uninstall":                           {subscribable: true, key: hostKey},
	"hwid-change":                         {subscribable: true, key: hostKey},
	"endpoint-moved-in":                   {subscribable: true, key: hostKey},
	"endpoint-moved-out":                  {subscribable: true, key: hostKey},
	"supa-update-status":                  {subscribable: true, key: hostKey},
	"sva":                                 {subscribable: true, key: hostKey},
	"sva-load":                            {subscribable: true, key: hostKey},
	"security-container-update-available": {subscribable: true, key: hostKey},
	"task-status":                         {subscribable: true, key: func(e event) []string { return []string{e.text("taskId")} }},
	"troubleshooting-activity": {subscribable: true, times: []string{"endDate", "startDate"},
		key: func(e event) []string { return []string{e.text("taskId")} }},
	"adcloud": {subscribable: true, times: []string{"lastAdReportDate"},
		key: func(e event) []string { return []string{e.text("syncerId"), e.text("issueType")} }},
	"partner-changed": {subscribable: true,
		key: func(e event) []string { return []string{e.text("moved_company_id"), e.text("action")} }},
}

// unknownTimes are tried on events of modules this catalog does not know.
var unknownTimes = []string{"timestamp", "date", "created", "detection_time", "detectionTime", "last_blocked", "detected_on"}

// EventTypes lists every event type that can be subscribed to, sorted.
func EventTypes() []string {
	var out []string
	for name, spec := range modules {
		if spec.subscribable {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func hostKey(e event) []string { return []string{e.hostKey()} }

// fieldsKey is the host plus the named fields.
func fieldsKey(fields ...string) func(e event) []string {
	return func(e event) []string {
		parts := []string{e.hostKey()}
		for _, f := range fields {
			parts = append(parts, e.text(f))
		}
		return parts
	}
}

// malwareKey is the host plus the malware name; HyperDetect may name none, then the file
// hash, then the path stand in.
func malwareKey(e event) []string {
	return []string{e.hostKey(), e.text("malware_name", "hash", "file_path")}
}

func urlKey(e event) []string { return []string{e.hostKey(), domainOf(e.text("url"))} }

// incidentKey is GravityZone's incident id: every event of one incident shares it.
func incidentKey(e event) []string {
	if id := e.text("incident_id"); id != "" {
		return []string{id}
	}
	return []string{e.hostKey(), e.text("detection_name")}
}

// exchangeMalware collects one field of each entry of exchange-malware's malware list.
func exchangeMalware(e event, field string) []string {
	list, _ := e["malware"].([]any)
	var out []string
	for _, item := range list {
		if m, ok := item.(map[string]any); ok {
			if v := event(m).text(field); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}
