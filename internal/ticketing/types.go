package ticketing

import (
	"slices"

	"halobridge/internal/source"
)

// TypeInfo describes an alert type halobridge knows: its display name, its
// default ticket title and the facts its connector fills in. The fact names
// are the contract with the connectors: each becomes a {{variable}}.
type TypeInfo struct {
	Type         string
	Source       source.Kind
	Name         string
	DefaultTitle string
	Facts        []string
}

// resolvedBySource are the known alert types whose source says when they
// are resolved: GravityZone's EDR incidents, whose status halobridge polls.
// (The push API's vendors may resolve any alert of theirs.)
var resolvedBySource = []string{"new-incident", "new-extended-incident"}

// ReportsResolution reports whether the source of alerts of type t says
// when they are resolved, so that their tickets can close by themselves.
func ReportsResolution(t string) bool { return slices.Contains(resolvedBySource, t) }

// genericTitle serves alert types halobridge has no title for.
const genericTitle = "{{type}} alert on {{hostname}}"

// KnownTypes lists every alert type with a default title, GravityZone
// modules first (display names as GravityZone gives them), then DefensX.
func KnownTypes() []TypeInfo {
	gz, dx := source.GravityZone, source.DefensX
	malware := []string{"malware_name", "malware_type", "file_path", "hash", "final_status"}
	incident := []string{"incident_id", "detection_name", "attack_types", "att_ck_id", "main_action",
		"process_path", "process_command_line", "parent_process_path", "file_name", "file_path",
		"file_hash_sha256", "severity_score"}
	blocked := func(facts ...string) []string { return append(facts, "status", "count") }
	return []TypeInfo{
		{"av", gz, "Antimalware", "Malware {{malware_name}} on {{hostname}}", malware},
		{"hd", gz, "HyperDetect event", "HyperDetect: {{malware_name}} on {{hostname}}",
			append(slices.Clone(malware), "attack_type", "detection_level", "process_path", "command_line")},
		{"aph", gz, "Antiphishing", "Phishing blocked: {{url_domain}} on {{hostname}}", blocked("aph_type")},
		{"fw", gz, "Firewall", "Firewall blocked {{source_ip}} on {{hostname}}", blocked("protocol_id", "source_ip")},
		{"avc", gz, "Advanced Threat Control (ATC)", "Advanced Threat Control blocked {{exploit_path}} on {{hostname}}",
			blocked("exploit_type", "exploit_path")},
		{"uc", gz, "User Control/Content Control", "Blocked web access to {{url_domain}} on {{hostname}}",
			blocked("uc_type", "block_type", "categories")},
		{"dp", gz, "Data Protection", "Data Protection blocked {{url_domain}} on {{hostname}}",
			blocked("target_type", "blocking_rule_name")},
		{"device-control", gz, "Device Control", "Device Control: {{device_name}} {{action}} on {{hostname}}",
			[]string{"action", "device_name", "device_class", "device_id", "product_id", "vendor_id"}},
		{"exchange-malware", gz, "Exchange Malware Detection", "Malware {{malware_name}} in email from {{sender}}",
			[]string{"server_name", "sender", "recipients", "subject", "malware_name", "malware_type", "action_taken", "infected_object"}},
		{"exchange-user-credentials", gz, "Exchange User Credentials", "Invalid Exchange user credentials on {{hostname}}", nil},
		{"exchange-organization-info", gz, "Exchange organization info", "Exchange organization info from {{hostname}}",
			[]string{"mailboxes", "license_limit"}},
		{"network-sandboxing", gz, "Sandbox Analyzer Detection", "Sandbox Analyzer detected {{threat_type}} on {{hostname}}",
			[]string{"threat_type", "file_paths", "remediation_actions"}},
		{"new-incident", gz, "New Incident", "EDR incident: {{detection_name}} on {{hostname}}", incident},
		{"new-extended-incident", gz, "New Extended Incident", "Extended incident: {{detection_name}} on {{hostname}}", incident},
		{"ransomware-mitigation", gz, "Ransomware Activity Detection", "Ransomware activity from {{attack_source}} on {{hostname}}",
			[]string{"attack_type", "attack_source", "item_count"}},
		{"antiexploit", gz, "Antiexploit event", "Exploit blocked: {{threat_name}} on {{hostname}}",
			[]string{"threat_name", "exploit_technique", "process_path", "action", "cve"}},
		{"network-monitor", gz, "Network Attack Defense event", "Network attack {{detection_name}} on {{hostname}}",
			[]string{"detection_name", "attack_technique", "source_ip", "victim_ip", "local_port", "action_taken"}},
		{"storage-antimalware", gz, "Security for Storage", "Malware {{malware_name}} on storage {{storage_name}}",
			[]string{"storage_name", "storage_ip", "storage_type", "file_path", "file_hash", "malware_name", "malware_type"}},
		{"modules", gz, "Product Modules Status", "Protection modules changed on {{hostname}}", nil},
		{"registration", gz, "Product Registration", "Product {{product_registration}} on {{hostname}}",
			[]string{"product_registration"}},
		{"install", gz, "Install Agent", "Security agent installed on {{hostname}}", nil},
		{"uninstall", gz, "Uninstall Agent", "Security agent uninstalled from {{hostname}}", []string{"reason"}},
		{"hwid-change", gz, "Hardware ID Change", "Hardware ID changed on {{hostname}}", []string{"old_hwid", "new_hwid"}},
		{"endpoint-moved-in", gz, "Endpoint Moved In", "Endpoint {{hostname}} moved in", nil},
		{"endpoint-moved-out", gz, "Endpoint Moved Out", "Endpoint {{hostname}} moved out", nil},
		{"supa-update-status", gz, "Outdated Update Server", "Outdated update server {{hostname}}", []string{"status"}},
		{"sva", gz, "Security Server Status", "Security Server status changed on {{hostname}}",
			[]string{"powered_off", "product_update_available", "product_reboot_required"}},
		{"sva-load", gz, "Overloaded Security Server", "Security Server overloaded: {{hostname}}",
			[]string{"load", "cpu_usage", "memory_usage", "network_usage", "overall_usage"}},
		{"security-container-update-available", gz, "Security Container Update Available",
			"Security container update available on {{hostname}}", nil},
		{"task-status", gz, "Task Status", "Task {{task_name}} on {{target_name}}",
			[]string{"task_name", "task_type", "target_name", "is_successful", "error_message"}},
		{"troubleshooting-activity", gz, "Troubleshooting Activity", "Troubleshooting activity on {{hostname}}",
			[]string{"task_type", "error_code", "stop_reason"}},
		{"adcloud", gz, "Cloud AD Integration", "Cloud AD integration issue: {{issue_type}}", []string{"issue_type"}},
		{"partner-changed", gz, "Partner Change", "Company {{moved_company_name}} {{action}}",
			[]string{"moved_company_name", "action"}},
		{"user_request", dx, "User Request", "New user request: {{report_type}}", []string{"report_type", "reason", "request_id"}},
		{"url_block", dx, "URL Block", "Blocked web access to {{url_domain}} for {{user}}", []string{"report_type", "reason", "categories"}},
	}
}

// typeInfo finds alertType among KnownTypes.
func typeInfo(alertType string) (TypeInfo, bool) {
	types := KnownTypes()
	i := slices.IndexFunc(types, func(t TypeInfo) bool { return t.Type == alertType })
	if i < 0 {
		return TypeInfo{}, false
	}
	return types[i], true
}

// DefaultTitle is the title template used when the policy leaves it blank.
func DefaultTitle(alertType string) string {
	if t, ok := typeInfo(alertType); ok {
		return t.DefaultTitle
	}
	return genericTitle
}
