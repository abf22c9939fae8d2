package gravityzone

import (
	"slices"
	"strings"

	"halobridge/internal/source"
)

// moduleSpec is what the normaliser knows of one GravityZone module (event type).
type moduleSpec struct {
	display  string
	severity source.Severity
	// subscribable modules can be named in subscribeToEventTypes.
	subscribable bool
	// times are the fields that say when the event happened, first present wins.
	times []string
	// facts are the module's own fields kept on the alert, by their GravityZone name.
	facts []string
	// key gives the fingerprint inputs after source, company and type.
	key func(e event) []string
	// derive adds facts that need more than copying a field.
	derive func(e event, facts map[string]string)
	// rate replaces severity for modules that carry their own.
	rate func(e event) source.Severity
}

// blockedTimes is when the modules that report a blocked item and a count last blocked it.
var blockedTimes = []string{"last_blocked"}

// modules is the event type catalog of API.md §3.2 and §3.3; severities follow the CEF
// severities there (see doc.go).
var modules = map[string]moduleSpec{
	"av": {display: "Antimalware", severity: source.SeverityHigh, subscribable: true,
		times: []string{"timestamp"},
		facts: []string{"malware_type", "malware_name", "file_path", "hash", "final_status", "signaturesNumber",
			"scanEngineType", "cleaned", "blocked", "deleted", "quarantined", "ignored", "present"},
		key: malwareKey},
	"aph": {display: "Antiphishing", severity: source.SeverityHigh, subscribable: true,
		times: blockedTimes, facts: []string{"aph_type", "url", "status", "count"}, key: urlKey},
	"fw": {display: "Firewall", severity: source.SeverityHigh, subscribable: true,
		times: blockedTimes, facts: []string{"status", "protocol_id", "source_ip", "count"},
		key: fieldsKey("source_ip", "status")},
	"avc": {display: "Advanced Threat Control", severity: source.SeverityHigh, subscribable: true,
		times: blockedTimes, facts: []string{"exploit_type", "exploit_path", "status", "count"},
		key: func(e event) []string { return []string{e.hostKey(), strings.ToLower(e.text("exploit_path"))} }},
	"uc": {display: "Content Control", severity: source.SeverityHigh, subscribable: true,
		times: blockedTimes, facts: []string{"uc_type", "url", "block_type", "categories", "status", "count"}, key: urlKey},
	"dp": {display: "Data Protection", severity: source.SeverityHigh, subscribable: true,
		times: blockedTimes, facts: []string{"target_type", "blocking_rule_name", "url", "status", "count"}, key: urlKey},
	"hd": {display: "HyperDetect", severity: source.SeverityCritical, subscribable: true,
		times: []string{"date"},
		facts: []string{"malware_type", "malware_name", "hash", "final_status", "file_path", "attack_type", "detection_level",
			"is_fileless_attack", "command_line_parameters", "process_info_path", "process_info_command_line",
			"parent_process_id", "parent_process_path", "hwid"},
		key: malwareKey},
	"antiexploit": {display: "Antiexploit", severity: source.SeverityCritical, subscribable: true,
		times: []string{"detection_time"},
		facts: []string{"detection_action", "detection_threatName", "detection_pid", "detection_exploitTechnique",
			"detection_parentPid", "detection_path", "detection_parentPath", "detection_cve"},
		key: func(e event) []string {
			return []string{e.hostKey(), strings.ToLower(e.text("detection_path")), e.text("detection_exploitTechnique")}
		}},
	"device-control": {display: "Device Control", severity: source.SeverityLow, subscribable: true,
		times: []string{"date"},
		facts: []string{"action", "deviceName", "deviceClass", "deviceId", "productId", "vendorId"},
		key:   fieldsKey("deviceId")},
	"exchange-malware": {display: "Exchange Malware Detection", severity: source.SeverityHigh, subscribable: true,
		times: []string{"detectionTime"}, facts: []string{"serverName", "sender", "recipients", "subject"},
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
	"exchange-organization-info": {display: "Exchange Organization Info", severity: source.SeverityInfo,
		facts: []string{"mailboxes", "license_limit", "license_key"}, key: hostKey},
	"exchange-user-credentials": {display: "Exchange User Credentials", severity: source.SeverityInfo, subscribable: true,
		key: hostKey},
	"network-sandboxing": {display: "Sandbox Analyzer Detection", severity: source.SeverityMedium, subscribable: true,
		times: []string{"detectionTime"}, facts: []string{"threatType", "filePaths", "fileSizes", "remediationActions"},
		key: fieldsKey("threatType")},
	"new-incident": {display: "New Incident", severity: source.SeverityMedium, subscribable: true,
		times: []string{"created"}, facts: incidentFacts, key: incidentKey, derive: incidentScore, rate: incidentSeverity},
	"new-extended-incident": {display: "New Extended Incident", severity: source.SeverityMedium, subscribable: true,
		times: []string{"created"}, facts: incidentFacts, key: incidentKey, derive: incidentScore, rate: incidentSeverity},
	"ransomware-mitigation": {display: "Ransomware Activity Detection", severity: source.SeverityHigh, subscribable: true,
		times: []string{"detected_on"}, facts: []string{"company_name", "attack_type", "item_count", "attack_source"},
		key: fieldsKey("attack_source")},
	"network-monitor": {display: "Network Attack Defense", severity: source.SeverityMedium, subscribable: true,
		times: []string{"timestamp"},
		facts: []string{"actionTaken", "detection_name", "detection_attackTechnique", "source_ip", "victim_ip", "local_port"},
		key:   fieldsKey("source_ip", "detection_name")},
	"storage-antimalware": {display: "Security for Storage", severity: source.SeverityHigh, subscribable: true,
		times: []string{"detection_time"},
		facts: []string{"storage_name", "storage_ip", "storage_type", "file_path", "file_hash", "malware_type", "malware_name", "status"},
		key: func(e event) []string {
			return []string{e.hostKey(), strings.ToLower(e.text("storage_name")), e.text("malware_name", "file_hash", "file_path")}
		}},
	"modules": {display: "Product Modules Status", severity: source.SeverityLow, subscribable: true,
		facts: []string{"malware_status", "aph_status", "firewall_status", "avc_status", "uc_web_filtering", "uc_categ_filtering",
			"uc_application_status", "dp_status", "pu_status", "dlp_status", "network_monitor_status", "is_container_host"},
		key: hostKey},
	"registration": {display: "Product Registration", severity: source.SeverityInfo, subscribable: true,
		facts: []string{"product_registration"}, key: hostKey},
	"install": {display: "Install Agent", severity: source.SeverityInfo, subscribable: true,
		facts: []string{"hwid"}, key: hostKey},
	"uninstall": {display: "Uninstall Agent", severity: source.SeverityHigh, subscribable: true,
		facts: []string{"reason"}, key: hostKey},
	"hwid-change": {display: "Hardware ID Change", severity: source.SeverityInfo, subscribable: true,
		facts: []string{"old_hwid", "new_hwid"}, key: hostKey},
	"endpoint-moved-in": {display: "Endpoint Moved In", severity: source.SeverityInfo, subscribable: true,
		facts: []string{"hwid"}, key: hostKey},
	"endpoint-moved-out": {display: "Endpoint Moved Out", severity: source.SeverityInfo, subscribable: true,
		facts: []string{"hwid"}, key: hostKey},
	"supa-update-status": {display: "Outdated Update Server", severity: source.SeverityInfo, subscribable: true,
		facts: []string{"status", "fromSupa"}, key: hostKey},
	"sva": {display: "Security Server Status", severity: source.SeverityLow, subscribable: true,
		facts: []string{"powered_off", "product_update_available", "product_reboot_required", "lastupdate", "updatesigam"},
		key:   hostKey},
	"sva-load": {display: "Overloaded Security Server", severity: source.SeverityHigh, subscribable: true,
		facts: []string{"loadAverage", "cpuUsage", "memoryUsage", "networkUsage", "overallUsage", "svaLoad"}, key: hostKey},
	"security-container-update-available": {display: "Security Container Update Available", severity: source.SeverityInfo,
		subscribable: true, key: hostKey},
	"task-status": {display: "Task Status", severity: source.SeverityLow, subscribable: true,
		facts: []string{"userId", "taskId", "taskName", "taskType", "targetName", "isSuccessful", "status", "errorMessage", "errorCode"},
		key:   func(e event) []string { return []string{e.text("taskId")} }},
	"troubleshooting-activity": {display: "Troubleshooting Activity", severity: source.SeverityLow, subscribable: true,
		times: []string{"endDate", "startDate"},
		facts: []string{"taskId", "taskType", "errorCode", "localPath", "networkSharePath", "saveToBitdefenderCloud", "status",
			"stopReason", "failedStorageType", "startDate", "endDate"},
		key: func(e event) []string { return []string{e.text("taskId")} }},
	"adcloud": {display: "Cloud AD Integration", severity: source.SeverityMedium, subscribable: true,
		times: []string{"lastAdReportDate"}, facts: []string{"syncerId", "issueType", "lastAdReportDate", "isProtectedEntityId"},
		key: func(e event) []string { return []string{e.text("syncerId"), e.text("issueType")} }},
	"partner-changed": {display: "Partner Change", severity: source.SeverityInfo, subscribable: true,
		facts: []string{"moved_company_id", "moved_company_name", "action", "license_type", "end_subscription_date",
			"auto_renew_period", "minimal_commitment_usage_endpoints", "enabled_services"},
		key: func(e event) []string { return []string{e.text("moved_company_id"), e.text("action")} }},
}

var incidentFacts = []string{"incident_id", "detection_name", "attack_types", "attack_entry", "att_ck_id", "severity",
	"main_action", "process_path", "process_pid", "parent_process_path", "parent_process_pid", "process_command_line",
	"file_name", "file_path", "file_hash_md5", "file_hash_sha256"}

// commonFacts are the endpoint block most modules share.
var commonFacts = []string{"computer_fqdn", "computer_id", "endpointId", "product_installed"}

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

// incidentScore keeps the score under one name: 2024 captures say severity_score, the 2020
// documentation sample severityScore.
func incidentScore(e event, facts map[string]string) {
	if s := e.text("severity_score", "severityScore"); s != "" {
		facts["severity_score"] = s
	}
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
