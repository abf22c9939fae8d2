package vocab

import (
	"net/url"
	"slices"
	"strings"

	"halobridge/internal/source"
)

// endpointFacts are the endpoint block most GravityZone modules share
// (API.md §3.3), listed after each module's own facts.
var endpointFacts = []Fact{
	{Name: "host_ips", Label: "Host IP addresses"},
	{Name: "computer_fqdn", Wire: w("computer_fqdn"), Label: "FQDN"},
	{Name: "user_sid", Label: "User SID"},
	{Name: "user_id", Label: "User ID"},
	{Name: "product_installed", Wire: w("product_installed"), Label: "Product installed"},
	{Name: "computer_id", Wire: w("computer_id"), Label: "Computer ID"},
	{Name: "endpoint_id", Wire: w("endpointId"), Label: "Endpoint ID"},
	{Name: "hwid", Wire: w("hwid"), Label: "Hardware ID"},
	{Name: "event_name", Label: "GravityZone event", hidden: true},
}

func w(names ...string) []string { return names }

// gz builds a GravityZone type: its own facts, then the endpoint block.
func gz(id, name, title string, base source.Severity, own ...Fact) Type {
	facts := slices.Clone(own)
	for _, f := range endpointFacts {
		if !slices.ContainsFunc(own, func(o Fact) bool { return o.Name == f.Name }) {
			facts = append(facts, f)
		}
	}
	return Type{ID: id, Source: source.GravityZone, Name: name, Title: title, Base: base, Facts: facts}
}

// gravityZoneTypes is GravityZone's vocabulary: every module of API.md §3.2
// with its fields of §3.3, in the order a technician reads them.
//
// Severity is read from the event, per module:
//   - av, hd, storage-antimalware (malware on a file): high while the threat
//     is still present (final status present or ignored, or a "present"
//     count above zero), critical for HyperDetect; medium once it was
//     deleted, quarantined, disinfected or blocked. An EICAR test file is
//     low while present and info once handled; a potentially unwanted
//     application (PUA/PUP/adware/riskware) is medium while present and low
//     once handled. HyperDetect at its aggressive level, which flags the most
//     false positives, is one step lower.
//   - aph, avc, dp, fw, uc (an item blocked and counted): medium for
//     phishing and ATC, low for firewall, content and data protection when
//     blocked; one step higher when only reported (status reportOnly).
//   - antiexploit and network-monitor: medium when the product blocked or
//     killed it, high when it only reported it (reportOnly); an EICAR test
//     is low.
//   - new-incident, new-extended-incident: the incident's own severity
//     (info to critical); without one, its score: 90+ critical, 70+ high, 40+
//     medium, else low. An EICAR detection is low.
//   - ransomware-mitigation: critical from 10 encrypted items, high below.
//   - network-sandboxing: critical for a RANSOMWARE verdict, high for any
//     other malicious verdict, low for a clean or PUA one.
//   - exchange-malware: medium when every item was quarantined, deleted or
//     disinfected, high otherwise.
//   - task-status: medium when the task failed, info when it succeeded.
//   - sva: high when powered off; sva-load: high unless its load is
//     "Normal" (then low); uninstall: high; the other modules keep the
//     severity of their CEF rendering (API.md §3.2).
func gravityZoneTypes() []Type {
	high, medium, low, info := source.SeverityHigh, source.SeverityMedium, source.SeverityLow, source.SeverityInfo
	lastBlocked := Fact{Name: "last_blocked", Wire: w("last_blocked"), Label: "Last blocked", decode: when}
	count := Fact{Name: "count", Wire: w("count"), Label: "Times blocked"}
	blockedAction := Fact{Name: "action", Label: "Action", hidden: true, derive: func(f facts) string {
		switch {
		case f["status"] == "":
			return ""
		case reportOnly(f["status"]):
			return "reported"
		case strings.HasSuffix(strings.ToLower(f["status"]), "blocked"):
			return "blocked"
		}
		return ""
	}}
	status := Fact{Name: "status", Wire: w("status"), Label: "Status", decode: blockStatus}
	malwareFacts := func(extra ...Fact) []Fact {
		return append([]Fact{
			{Name: "malware_name", Wire: w("malware_name"), Label: "Malware"},
			{Name: "final_status", Wire: w("final_status"), Label: "Final status", decode: finalStatus},
			{Name: "malware_type", Wire: w("malware_type"), Label: "Malware type", decode: malwareType},
			{Name: "file_path", Wire: w("file_path"), Label: "File"},
			{Name: "hash", Wire: w("hash"), Label: "SHA-256"},
		}, extra...)
	}
	counter := func(name, flag string) Fact {
		return Fact{Name: name, Wire: w(name), Label: capital(name) + " items", flag: flag, count: true}
	}
	incident := func(id, name, title string) Type {
		own := slices.Concat([]Fact{
			{Name: "detection_name", Wire: w("detection_name"), Label: "Detection"},
			{Name: "incident_severity", Wire: w("severity"), Label: "Incident severity", hidden: true},
			{Name: "severity_score", Wire: w("severity_score", "severityScore"), Label: "Severity score", decode: percent},
			{Name: "main_action", Wire: w("main_action"), Label: "Main action", decode: mainAction},
			{Name: "attack_types", Wire: w("attack_types"), Label: "Attack types"},
			{Name: "att_ck_id", Wire: w("att_ck_id"), Label: "MITRE ATT&CK technique", link: techniqueURLOf},
		}, process("process_path", "process_command_line", "process_pid", "parent_process_path", "parent_process_pid"),
			[]Fact{
				{Name: "file_name", Wire: w("file_name"), Label: "File name"},
				{Name: "file_path", Wire: w("file_path"), Label: "File"},
				{Name: "file_hash_sha256", Wire: w("file_hash_sha256"), Label: "SHA-256"},
				{Name: "file_hash_md5", Wire: w("file_hash_md5"), Label: "MD5"},
				{Name: "incident_id", Wire: w("incident_id"), Label: "Incident ID"},
				{Name: "attack_entry", Wire: w("attack_entry"), Label: "Attack entry"},
				{Name: "created", Wire: w("created"), Label: "Created", decode: when},
			})
		t := gz(id, name, title, medium, own...)
		t.rate, t.judge = rateIncident, judgeIncident
		t.what = func(f facts, _ source.Alert) string { return colon(name, f["detection_name"]) }
		return t
	}

	av := gz("av", "Antimalware", "Malware {{malware_name}} on {{hostname}}", high, malwareFacts(
		Fact{Name: "present", Wire: w("present"), Label: "Present items", flag: "still present", count: true},
		counter("ignored", "ignored"), counter("cleaned", "disinfected"), counter("deleted", "deleted"),
		counter("quarantined", "quarantined"), counter("blocked", "blocked"),
		Fact{Name: "scan_engine_type", Wire: w("scanEngineType"), Label: "Scan engine type", decode: undocumented},
		Fact{Name: "signatures_number", Wire: w("signaturesNumber"), Label: "Signatures version"},
		Fact{Name: "timestamp", Wire: w("timestamp"), Label: "Detected", decode: when},
	)...)
	av.rate, av.judge, av.what, av.flagsLabel = rateMalware, judgeMalware, whatMalware("Malware"), "Items"

	hd := gz("hd", "HyperDetect event", "HyperDetect: {{threat_name}} on {{hostname}}", source.SeverityCritical, malwareFacts(
		Fact{Name: "threat_name", Wire: w("malware_name", "attack_type"), Label: "Threat", hidden: true},
		Fact{Name: "attack_type", Wire: w("attack_type"), Label: "Attack type"},
		Fact{Name: "detection_level", Wire: w("detection_level"), Label: "Detection level", decode: words},
		Fact{Name: "is_fileless_attack", Wire: w("is_fileless_attack"), Label: "Fileless attack", flag: "Fileless attack"},
		Fact{Name: "command_line_parameters", Wire: w("command_line_parameters"), Label: "Command line parameters"},
		Fact{Name: "date", Wire: w("date"), Label: "Detected", decode: when},
	)...)
	hd.Facts = slices.Insert(hd.Facts, slices.IndexFunc(hd.Facts, func(f Fact) bool { return f.Name == "command_line_parameters" }),
		process("process_info_path", "process_info_command_line", "", "parent_process_path", "parent_process_id")...)
	hd.rate, hd.judge, hd.flagsLabel = rateMalware, judgeMalware, "Attack"
	hd.what = func(f facts, _ source.Alert) string {
		return colon("HyperDetect", firstOf(f["malware_name"], f["attack_type"]))
	}

	storage := gz("storage-antimalware", "Security for Storage", "Malware {{malware_name}} on storage {{storage_name}}", high,
		Fact{Name: "malware_name", Wire: w("malware_name"), Label: "Malware"},
		Fact{Name: "storage_name", Wire: w("storage_name"), Label: "Storage"},
		Fact{Name: "file_path", Wire: w("file_path"), Label: "File"},
		Fact{Name: "storage_status", Wire: w("status"), Label: "Status", decode: undocumented},
		Fact{Name: "malware_type", Wire: w("malware_type"), Label: "Malware type", decode: malwareType},
		Fact{Name: "storage_ip", Wire: w("storage_ip"), Label: "Storage IP address"},
		Fact{Name: "storage_type", Wire: w("storage_type"), Label: "Storage type"},
		Fact{Name: "file_hash", Wire: w("file_hash"), Label: "SHA-256"},
		Fact{Name: "detection_time", Wire: w("detection_time"), Label: "Detected", decode: when},
	)
	storage.rate = rateMalware
	storage.what = func(f facts, _ source.Alert) string {
		what := join("Malware", f["malware_name"])
		if f["storage_name"] != "" {
			what += " in storage " + f["storage_name"]
		}
		return what
	}
	storage.judge = func(f facts) verdict {
		return verdict{next: "Check the storage's quarantine and scan it in GravityZone."}
	}

	// blocked is a module that blocks an item and counts it: the item is the alert's URL,
	// else the named facts.
	blocked := func(id, name, title string, base source.Severity, what string, target []string, own ...Fact) Type {
		own = append(own, status, blockedAction, count, lastBlocked)
		t := gz(id, name, title, base, own...)
		t.rate, t.judge = rateBlocked, judgeBlocked
		t.what = func(f facts, a source.Alert) string {
			item := hostOf(a.URL)
			for _, name := range target {
				item = firstOf(item, f[name])
			}
			if item == "" {
				return join(what, f["action"])
			}
			return join(what+":", item, f["action"])
		}
		return t
	}

	antiexploit := gz("antiexploit", "Antiexploit event", "Exploit {{action}}: {{threat_name}} on {{hostname}}", medium,
		Fact{Name: "threat_name", Wire: w("detection_threatName"), Label: "Threat"},
		Fact{Name: "detection_action", Wire: w("detection_action"), Label: "Action taken", decode: actionTaken},
		Fact{Name: "action", Label: "Action", hidden: true, derive: func(f facts) string {
			return firstOf(actionWord(f["detection_action"]), "detected")
		}},
		Fact{Name: "exploit_technique", Wire: w("detection_exploitTechnique"), Label: "Exploit technique"},
		Fact{Name: "cve", Wire: w("detection_cve"), Label: "CVE"},
		Fact{Name: "detection_time", Wire: w("detection_time"), Label: "Detected", decode: when},
	)
	antiexploit.Facts = slices.Insert(antiexploit.Facts, 5,
		process("detection_path", "", "detection_pid", "detection_parentPath", "detection_parentPid")...)
	antiexploit.rate = rateReported("detection_action", source.SeverityMedium)
	antiexploit.judge = judgeReported("detection_action")
	antiexploit.what = func(f facts, _ source.Alert) string {
		if f["threat_name"] == "" {
			return join("Exploit", f["action"])
		}
		return join(join("Exploit", f["action"])+":", f["threat_name"])
	}

	netmon := gz("network-monitor", "Network Attack Defense event", "Network attack {{detection_name}} on {{hostname}}", medium,
		Fact{Name: "detection_name", Wire: w("detection_name"), Label: "Detection"},
		Fact{Name: "action_taken", Wire: w("actionTaken"), Label: "Action taken", decode: actionTaken},
		Fact{Name: "attack_technique", Wire: w("detection_attackTechnique"), Label: "Attack technique", decode: words},
		Fact{Name: "source_ip", Wire: w("source_ip"), Label: "Source IP address"},
		Fact{Name: "victim_ip", Wire: w("victim_ip"), Label: "Target IP address"},
		Fact{Name: "local_port", Wire: w("local_port"), Label: "Local port"},
		Fact{Name: "timestamp", Wire: w("timestamp"), Label: "Detected", decode: when},
	)
	netmon.rate = rateReported("action_taken", source.SeverityMedium)
	netmon.judge = judgeReported("action_taken")
	netmon.what = func(f facts, _ source.Alert) string { return join("Network attack", f["detection_name"]) }

	sandbox := gz("network-sandboxing", "Sandbox Analyzer Detection", "Sandbox Analyzer: {{threat_type}} on {{hostname}}", high,
		Fact{Name: "threat_type", Wire: w("threatType"), Label: "Verdict"},
		Fact{Name: "file_paths", Wire: w("filePaths"), Label: "Files"},
		Fact{Name: "file_sizes", Wire: w("fileSizes"), Label: "File sizes (bytes)"},
		Fact{Name: "remediation_actions", Wire: w("remediationActions"), Label: "Remediation per file", decode: remediation},
		Fact{Name: "detection_time", Wire: w("detectionTime"), Label: "Detected", decode: when},
	)
	sandbox.rate = rateSandbox
	sandbox.what = func(f facts, _ source.Alert) string { return colon("Sandbox Analyzer verdict", f["threat_type"]) }
	sandbox.judge = func(f facts) verdict {
		if strings.TrimSpace(strings.ReplaceAll(f["remediation_actions"], ",", "")) == "" {
			return verdict{outcome: outcomePresent, actionNeeded: true,
				next: "Remove the files the analysis names and scan the endpoint."}
		}
		return verdict{next: "Check that every file the analysis names was remediated."}
	}

	exchange := gz("exchange-malware", "Exchange Malware Detection", "Malware {{malware_name}} in email from {{sender}}", high,
		Fact{Name: "malware_name", Label: "Malware"},
		Fact{Name: "action_taken", Label: "Action taken", decode: actionTaken},
		Fact{Name: "sender", Wire: w("sender"), Label: "Sender"},
		Fact{Name: "recipients", Wire: w("recipients"), Label: "Recipients"},
		Fact{Name: "subject", Wire: w("subject"), Label: "Subject"},
		Fact{Name: "malware_type", Label: "Malware type", decode: malwareType},
		Fact{Name: "infected_object", Label: "Infected object"},
		Fact{Name: "server_name", Wire: w("serverName"), Label: "Exchange server"},
		Fact{Name: "detection_time", Wire: w("detectionTime"), Label: "Detected", decode: when},
	)
	exchange.rate = rateExchange
	exchange.judge = func(f facts) verdict {
		if handledAll(f["action_taken"]) {
			return verdict{outcome: outcomeBlocked, action: actionTaken(firstItem(f["action_taken"]))}
		}
		return verdict{outcome: outcomePresent, actionNeeded: true, next: "Check the message in the recipients' mailboxes."}
	}
	exchange.what = func(f facts, _ source.Alert) string {
		what := join("Malware", f["malware_name"], "in email")
		if f["sender"] != "" {
			what += " from " + f["sender"]
		}
		return what
	}

	ransomware := gz("ransomware-mitigation", "Ransomware Activity Detection",
		"Ransomware activity from {{attack_source}} on {{hostname}}", high,
		Fact{Name: "attack_source", Wire: w("attack_source"), Label: "Attack source"},
		Fact{Name: "item_count", Wire: w("item_count"), Label: "Items affected"},
		Fact{Name: "attack_type", Wire: w("attack_type"), Label: "Attack type", decode: words},
		Fact{Name: "customer_name", Wire: w("company_name"), Label: "Company"},
		Fact{Name: "detected_on", Wire: w("detected_on"), Label: "Detected", decode: when},
	)
	ransomware.rate = rateRansomware
	ransomware.what = func(f facts, _ source.Alert) string { return join("Ransomware activity from", f["attack_source"]) }
	ransomware.judge = func(f facts) verdict {
		return verdict{outcome: "Attack detected: action needed", actionNeeded: true,
			next: "Isolate the attack source and restore the affected items from GravityZone's ransomware mitigation."}
	}

	task := gz("task-status", "Task Status", "Task {{task_name}} {{task_result}} on {{target_name}}", low,
		Fact{Name: "task_name", Wire: w("taskName"), Label: "Task"},
		Fact{Name: "task_result", Label: "Result", hidden: true, derive: func(f facts) string {
			switch f["is_successful"] {
			case "1", "true":
				return "succeeded"
			case "0", "false":
				return "failed"
			}
			return ""
		}},
		Fact{Name: "target_name", Wire: w("targetName"), Label: "Target"},
		Fact{Name: "task_type", Wire: w("taskType"), Label: "Task type", decode: taskType},
		Fact{Name: "task_status", Wire: w("status"), Label: "Task status", decode: taskStatus},
		Fact{Name: "is_successful", Wire: w("isSuccessful"), Label: "Successful", flag: "Successful", hidden: true},
		Fact{Name: "error_message", Wire: w("errorMessage"), Label: "Error"},
		Fact{Name: "error_code", Wire: w("errorCode"), Label: "Error code"},
		Fact{Name: "task_id", Wire: w("taskId"), Label: "Task ID"},
		Fact{Name: "user_id", Wire: w("userId"), Label: "Started by (user ID)"},
	)
	task.rate = func(f facts, base source.Severity) source.Severity {
		switch f["task_result"] {
		case "failed":
			return medium
		case "succeeded":
			return info
		}
		return base
	}
	task.what = func(f facts, _ source.Alert) string { return join(join("Task", f["task_name"]), f["task_result"]) }
	task.judge = func(f facts) verdict {
		switch f["task_result"] {
		case "failed":
			return verdict{outcome: outcomeFailed, actionNeeded: true, next: "Read the error and run the task again from GravityZone."}
		case "succeeded":
			return verdict{outcome: outcomeDone}
		}
		return verdict{}
	}

	trouble := gz("troubleshooting-activity", "Troubleshooting Activity", "Troubleshooting: {{task_type}} on {{hostname}}", low,
		Fact{Name: "task_type", Wire: w("taskType"), Label: "Activity"},
		Fact{Name: "task_status", Wire: w("status"), Label: "Status", decode: troubleStatus},
		Fact{Name: "stop_reason", Wire: w("stopReason"), Label: "Stop reason", decode: stopReason},
		Fact{Name: "failed_storage_type", Wire: w("failedStorageType"), Label: "Failed storage", decode: failedStorageType},
		Fact{Name: "error_code", Wire: w("errorCode"), Label: "Error code"},
		Fact{Name: "local_path", Wire: w("localPath"), Label: "Local path"},
		Fact{Name: "network_share_path", Wire: w("networkSharePath"), Label: "Network share"},
		Fact{Name: "save_to_bitdefender_cloud", Wire: w("saveToBitdefenderCloud"), Label: "Saved to Bitdefender cloud",
			flag: "Saved to Bitdefender's cloud"},
		Fact{Name: "start_date", Wire: w("startDate"), Label: "Started", decode: when},
		Fact{Name: "end_date", Wire: w("endDate"), Label: "Ended", decode: when},
		Fact{Name: "task_id", Wire: w("taskId"), Label: "Task ID"},
	)
	trouble.flagsLabel = "Logs"
	trouble.what = func(f facts, _ source.Alert) string {
		return join("Troubleshooting:", f["task_type"], lower(f["task_status"], troubleStatus))
	}

	adcloud := gz("adcloud", "Cloud AD Integration", "Cloud AD integration issue: {{issue}}", medium,
		Fact{Name: "issue", Label: "Issue", derive: func(f facts) string {
			if f["issue_type"] == "" {
				return ""
			}
			return adIssue(f["issue_type"])
		}},
		Fact{Name: "issue_type", Wire: w("issueType"), Label: "Issue type", hidden: true},
		Fact{Name: "last_ad_report_date", Wire: w("lastAdReportDate"), Label: "Last AD synchronization", decode: when},
		Fact{Name: "syncer_id", Wire: w("syncerId"), Label: "AD integrator ID"},
		Fact{Name: "is_protected_entity_id", Wire: w("isProtectedEntityId"), Label: "Protected entity ID"},
	)
	adcloud.what = func(f facts, _ source.Alert) string { return join("Cloud AD integration issue:", f["issue"]) }
	adcloud.judge = func(facts) verdict {
		return verdict{actionNeeded: true, next: "Check the Active Directory integrator's connection to the domain in GravityZone."}
	}

	var moduleFacts []Fact
	for _, m := range []struct{ wire, name string }{
		{"malware_status", "Antimalware"}, {"aph_status", "Antiphishing"}, {"firewall_status", "Firewall"},
		{"avc_status", "Advanced Threat Control"}, {"uc_web_filtering", "Web filtering"},
		{"uc_categ_filtering", "Category filtering"}, {"uc_application_status", "Application control"},
		{"dp_status", "Data Protection"}, {"pu_status", "Power User"}, {"dlp_status", "Data loss prevention"},
		{"network_monitor_status", "Network Attack Defense"}, {"is_container_host", "Container host"},
	} {
		moduleFacts = append(moduleFacts, Fact{Name: m.wire, Wire: w(m.wire), Label: m.name, flag: m.name})
	}
	modules := gz("modules", "Product Modules Status", "Protection modules changed on {{hostname}}", low, moduleFacts...)
	modules.flagsLabel = "Protection modules"
	modules.what = func(facts, source.Alert) string { return "Protection modules changed" }

	sva := gz("sva", "Security Server Status", "Security Server status changed on {{hostname}}", low,
		Fact{Name: "powered_off", Wire: w("powered_off"), Label: "Powered off", flag: "Powered off"},
		Fact{Name: "product_update_available", Wire: w("product_update_available"), Label: "Update available", flag: "Product update available"},
		Fact{Name: "product_reboot_required", Wire: w("product_reboot_required"), Label: "Reboot required", flag: "Reboot required"},
		Fact{Name: "last_update", Wire: w("lastupdate"), Label: "Last update"},
		Fact{Name: "signatures_version", Wire: w("updatesigam"), Label: "Signatures version"},
	)
	sva.flagsLabel = "Status"
	sva.what = func(facts, source.Alert) string { return "Security Server status changed" }
	sva.rate = func(f facts, base source.Severity) source.Severity {
		if f["powered_off"] == "1" {
			return high
		}
		return base
	}

	svaLoad := gz("sva-load", "Overloaded Security Server", "Security Server load {{sva_load}} on {{hostname}}", high,
		Fact{Name: "sva_load", Wire: w("svaLoad"), Label: "Load"},
		Fact{Name: "overall_usage", Wire: w("overallUsage"), Label: "Overall usage", decode: percent},
		Fact{Name: "cpu_usage", Wire: w("cpuUsage"), Label: "CPU usage", decode: percent},
		Fact{Name: "memory_usage", Wire: w("memoryUsage"), Label: "Memory usage", decode: percent},
		Fact{Name: "network_usage", Wire: w("networkUsage"), Label: "Network usage", decode: percent},
		Fact{Name: "load_average", Wire: w("loadAverage"), Label: "Load average"},
	)
	svaLoad.what = func(f facts, _ source.Alert) string { return join("Security Server load", f["sva_load"]) }
	svaLoad.rate = func(f facts, base source.Severity) source.Severity {
		if strings.EqualFold(f["sva_load"], "normal") {
			return low
		}
		return base
	}

	return []Type{
		av, hd,
		blocked("aph", "Antiphishing", "Phishing: {{url_domain}} {{action}} on {{hostname}}", medium, "Phishing page", nil,
			Fact{Name: "aph_type", Wire: w("aph_type"), Label: "Detection", decode: aphType}),
		blocked("fw", "Firewall", "Firewall: {{source_ip}} {{action}} on {{hostname}}", low, "Firewall", []string{"source_ip"},
			Fact{Name: "source_ip", Wire: w("source_ip"), Label: "Source IP address"},
			Fact{Name: "local_port", Wire: w("local_port"), Label: "Local port"},
			Fact{Name: "protocol_id", Wire: w("protocol_id"), Label: "Protocol", decode: protocol},
			Fact{Name: "application_path", Wire: w("application_path"), Label: "Application"}),
		blocked("avc", "Advanced Threat Control (ATC)", "Advanced Threat Control: {{exploit_path}} {{action}} on {{hostname}}", medium,
			"Advanced Threat Control", []string{"exploit_path"},
			Fact{Name: "exploit_path", Wire: w("exploit_path"), Label: "Process"},
			Fact{Name: "exploit_type", Wire: w("exploit_type"), Label: "Detection"}),
		blocked("uc", "User Control/Content Control", "Content Control: {{url_domain}}{{application_path}} {{action}} on {{hostname}}", low,
			"Content Control", []string{"application_path"},
			Fact{Name: "application_path", Wire: w("application_path"), Label: "Application"},
			Fact{Name: "block_type", Wire: w("block_type"), Label: "Rule", decode: words},
			Fact{Name: "categories", Wire: w("categories"), Label: "Categories"},
			Fact{Name: "uc_type", Wire: w("uc_type"), Label: "Traffic", decode: strings.ToUpper}),
		blocked("dp", "Data Protection", "Data Protection: {{url_domain}} {{action}} on {{hostname}}", low, "Data Protection", nil,
			Fact{Name: "blocking_rule_name", Wire: w("blocking_rule_name"), Label: "Rule"},
			Fact{Name: "target_type", Wire: w("target_type"), Label: "Traffic", decode: strings.ToUpper}),
		deviceControl(),
		exchange,
		withWhat(gz("exchange-user-credentials", "Exchange User Credentials", "Invalid Exchange user credentials on {{hostname}}", info),
			"Invalid Exchange user credentials"),
		withWhat(gz("exchange-organization-info", "Exchange organization info", "Exchange organization info from {{hostname}}", info,
			Fact{Name: "mailboxes", Wire: w("mailboxes"), Label: "Mailboxes"},
			Fact{Name: "license_limit", Wire: w("license_limit"), Label: "Licensed mailboxes"},
			Fact{Name: "license_key", Wire: w("license_key"), Label: "Licence key"}), "Exchange organization info"),
		sandbox,
		incident("new-incident", "New Incident", "EDR incident: {{detection_name}} on {{hostname}}"),
		incident("new-extended-incident", "New Extended Incident", "Extended incident: {{detection_name}} on {{hostname}}"),
		ransomware, antiexploit, netmon, storage, modules,
		registration(),
		withWhat(gz("install", "Install Agent", "Security agent installed on {{hostname}}", info), "Security agent installed"),
		withWhat(gz("uninstall", "Uninstall Agent", "Security agent uninstalled from {{hostname}}", high,
			Fact{Name: "reason", Wire: w("reason"), Label: "Reason", decode: uninstallReason}), "Security agent uninstalled"),
		withWhat(gz("hwid-change", "Hardware ID Change", "Hardware ID changed on {{hostname}}", info,
			Fact{Name: "old_hwid", Wire: w("old_hwid"), Label: "Old hardware ID"},
			Fact{Name: "new_hwid", Wire: w("new_hwid"), Label: "New hardware ID"}), "Hardware ID changed"),
		withWhat(gz("endpoint-moved-in", "Endpoint Moved In", "Endpoint {{hostname}} moved in", info), "Endpoint moved in to this company"),
		withWhat(gz("endpoint-moved-out", "Endpoint Moved Out", "Endpoint {{hostname}} moved out", info), "Endpoint moved out of this company"),
		withWhat(gz("supa-update-status", "Outdated Update Server", "Outdated update server {{hostname}}", info,
			Fact{Name: "status", Wire: w("status"), Label: "Status", decode: updateServer},
			Fact{Name: "from_supa", Wire: w("fromSupa"), Label: "From update server", flag: "Reported by the update server"}),
			"Update server outdated"),
		sva, svaLoad,
		withWhat(gz("security-container-update-available", "Security Container Update Available",
			"Security container update available on {{hostname}}", info), "Security container update available"),
		task, trouble, adcloud,
		partnerChanged(gz("partner-changed", "Partner Change", "Company {{moved_company_name}} {{action}}", info,
			Fact{Name: "moved_company_name", Wire: w("moved_company_name"), Label: "Company"},
			Fact{Name: "action", Wire: w("action"), Label: "Change", decode: words},
			Fact{Name: "license_type", Wire: w("license_type"), Label: "Licence"},
			Fact{Name: "end_subscription_date", Wire: w("end_subscription_date"), Label: "Subscription ends", decode: when},
			Fact{Name: "auto_renew_period", Wire: w("auto_renew_period"), Label: "Auto-renewal (months)"},
			Fact{Name: "minimal_commitment_usage_endpoints", Wire: w("minimal_commitment_usage_endpoints"), Label: "Minimum committed endpoints"},
			Fact{Name: "enabled_services", Wire: w("enabled_services"), Label: "Enabled services"},
			Fact{Name: "moved_company_id", Wire: w("moved_company_id"), Label: "Company ID"})),
	}
}

func deviceControl() Type {
	t := gz("device-control", "Device Control", "Device Control {{action}} {{device_name}} on {{hostname}}", source.SeverityLow,
		Fact{Name: "device_name", Wire: w("deviceName"), Label: "Device"},
		Fact{Name: "action", Wire: w("action"), Label: "Action", decode: words},
		Fact{Name: "device_class", Wire: w("deviceClass"), Label: "Device class", decode: undocumented},
		Fact{Name: "device_id", Wire: w("deviceId"), Label: "Device ID"},
		Fact{Name: "vendor_id", Wire: w("vendorId"), Label: "Vendor ID"},
		Fact{Name: "product_id", Wire: w("productId"), Label: "Product ID"},
		Fact{Name: "date", Wire: w("date"), Label: "Detected", decode: when},
	)
	t.what = func(f facts, _ source.Alert) string { return join(join("Device", f["device_name"]), f["action"]) }
	return t
}

func withWhat(t Type, what string) Type {
	t.what = func(facts, source.Alert) string { return what }
	return t
}

func techniqueURLOf(id string) string {
	if validTechnique(id) {
		return techniqueURL(id)
	}
	return ""
}

// join puts words together, leaving out the empty ones.
func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

func firstOf(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func firstItem(list string) string {
	first, _, _ := strings.Cut(list, ",")
	return strings.TrimSpace(first)
}

func reportOnly(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "reportonly", "report", "reported", "report only":
		return true
	}
	return false
}

// actionWord is the past tense of a product's action, for titles.
func actionWord(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return ""
	case "kill", "killed", "block", "blocked":
		return "blocked"
	case "reportonly", "report", "reported":
		return "reported"
	}
	return strings.ToLower(v)
}

// whatMalware is "Malware <name> <final status>".
func whatMalware(kind string) func(f facts, _ source.Alert) string {
	return func(f facts, _ source.Alert) string {
		status := ""
		if f["final_status"] != "" {
			status = strings.ToLower(finalStatus(f["final_status"]))
		}
		return join(kind, f["malware_name"], status)
	}
}

func registration() Type {
	t := gz("registration", "Product Registration", "Product {{product_registration}} on {{hostname}}", source.SeverityInfo,
		Fact{Name: "product_registration", Wire: w("product_registration"), Label: "Registration", decode: words})
	t.what = func(f facts, _ source.Alert) string { return join("Product", f["product_registration"]) }
	return t
}

func partnerChanged(t Type) Type {
	t.what = func(f facts, _ source.Alert) string { return join("Company", f["moved_company_name"], f["action"]) }
	return t
}

// lower is a code decoded in lower case, for a headline; "" stays "".
func lower(v string, decode func(string) string) string {
	if v == "" {
		return ""
	}
	return strings.ToLower(decode(v))
}

// colon is "what: detail", or what alone without a detail.
func colon(what, detail string) string {
	if strings.TrimSpace(detail) == "" {
		return what
	}
	return what + ": " + strings.TrimSpace(detail)
}

// hostOf is the host of a URL, or the text itself when it has none.
func hostOf(raw string) string {
	raw = strings.TrimSpace(raw)
	if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
		return strings.ToLower(u.Hostname())
	}
	return raw
}

// process are the facts of a process and its parent, read from the named wire fields; an
// empty wire name leaves its fact out.
func process(path, commandLine, pid, parentPath, parentPID string) []Fact {
	var out []Fact
	for _, f := range []Fact{
		{Name: "process_path", Wire: w(path), Label: "Process"},
		{Name: "process_command_line", Wire: w(commandLine), Label: "Command line"},
		{Name: "process_pid", Wire: w(pid), Label: "Process ID"},
		{Name: "parent_process_path", Wire: w(parentPath), Label: "Parent process"},
		{Name: "parent_process_pid", Wire: w(parentPID), Label: "Parent process ID"},
	} {
		if f.Wire[0] != "" {
			out = append(out, f)
		}
	}
	return out
}
