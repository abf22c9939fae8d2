package gzsim

import (
	"fmt"
	"strings"
	"time"
)

var (
	malwareNames = []string{"EICAR-Test-File (not a virus)", "Trojan.GenericKD.46542180", "Gen:Variant.Ransom.LockBit.12",
		"JS:Trojan.Cryxos.4512", "Trojan.Agent.FSFK", "Generic.Malware.SF!.1A2B3C4D"}
	phishingURLs = []string{"http://login-micros0ft-support.com/account/verify/", "https://secure-paypa1.example.net/signin",
		"http://dhl-parcel-track.example.org/redeliver"}
	blockedURLs = []string{"http://casino-royale.example.com/", "https://social.example.net/feed", "http://torrents.example.org/latest"}
)

// builders make one event per module, with the field names and value types of the Event
// Push Service's documented sample for that module.
var builders = map[string]func(b *builder) Event{
	"av":                                  buildAV,
	"aph":                                 buildAPH,
	"fw":                                  buildFW,
	"avc":                                 buildAVC,
	"uc":                                  buildUC,
	"dp":                                  buildDP,
	"hd":                                  buildHD,
	"antiexploit":                         buildAntiexploit,
	"device-control":                      buildDeviceControl,
	"exchange-malware":                    buildExchangeMalware,
	"exchange-organization-info":          buildExchangeOrganizationInfo,
	"exchange-user-credentials":           buildExchangeUserCredentials,
	"network-sandboxing":                  buildNetworkSandboxing,
	"new-incident":                        buildNewIncident,
	"ransomware-mitigation":               buildRansomwareMitigation,
	"network-monitor":                     buildNetworkMonitor,
	"storage-antimalware":                 buildStorageAntimalware,
	"modules":                             buildModules,
	"registration":                        buildRegistration,
	"install":                             buildInstall,
	"uninstall":                           buildUninstall,
	"hwid-change":                         buildHWIDChange,
	"endpoint-moved-in":                   buildMoved("endpoint-moved-in"),
	"endpoint-moved-out":                  buildMoved("endpoint-moved-out"),
	"supa-update-status":                  buildSUPAUpdateStatus,
	"sva":                                 buildSVA,
	"sva-load":                            buildSVALoad,
	"security-container-update-available": buildSecurityContainerUpdate,
	"task-status":                         buildTaskStatus,
	"troubleshooting-activity":            buildTroubleshooting,
	"adcloud":                             buildADCloud,
	"partner-changed":                     buildPartnerChanged,
}

func (b *builder) randomIP(prefix string) string {
	return fmt.Sprintf("%s.%d.%d", prefix, b.rng.IntN(255), 1+b.rng.IntN(254))
}

func (b *builder) userPath(rest string) string { return `C:\Users\` + b.ep.User + `\` + rest }

func buildAV(b *builder) Event {
	status := b.pick("deleted", "quarantined", "cleaned", "blocked")
	e := with(b.block("BEST"), Event{
		"malware_type":     "file",
		"malware_name":     b.pick(malwareNames...),
		"file_path":        b.userPath(`Downloads\` + b.pick("invoice.pdf.exe", "setup.exe", "eicar.com.txt")),
		"hash":             b.hex(32),
		"final_status":     status,
		"timestamp":        b.iso(time.Minute),
		"signaturesNumber": fmt.Sprintf("7.%05d", 90000+b.rng.IntN(9999)),
		"scanEngineType":   3,
		"cleaned":          0,
		"blocked":          0,
		"deleted":          0,
		"quarantined":      0,
		"ignored":          0,
		"present":          0,
		"module":           "av",
	})
	e[status] = 1
	return e
}

func buildAPH(b *builder) Event {
	return with(b.block("BEST"), Event{
		"aph_type":     "phishing",
		"url":          b.pick(phishingURLs...),
		"status":       "aph_blocked",
		"last_blocked": b.iso(time.Minute),
		"count":        1 + b.rng.IntN(3),
		"module":       "aph",
	})
}

func buildFW(b *builder) Event {
	return with(b.block("BEST"), Event{
		"status":       "portscan_blocked",
		"protocol_id":  "6",
		"source_ip":    b.randomIP("10.0"),
		"last_blocked": b.iso(time.Minute),
		"count":        1 + b.rng.IntN(5),
		"module":       "fw",
	})
}

func buildAVC(b *builder) Event {
	return with(b.block("BEST"), Event{
		"exploit_type": "AVC Blocked Exploit",
		"exploit_path": b.userPath(`AppData\Local\Temp\` + b.pick("updater.exe", "svch0st.exe", "run.exe")),
		"status":       "avc_blocked",
		"last_blocked": b.iso(time.Minute),
		"count":        1,
		"module":       "avc",
	})
}

func buildUC(b *builder) Event {
	return with(b.block("BEST"), Event{
		"uc_type":      "http",
		"url":          b.pick(blockedURLs...),
		"block_type":   "http_timelimiter",
		"categories":   b.pick("", "Gambling", "Social Networks"),
		"status":       "uc_site_blocked",
		"last_blocked": b.iso(time.Minute),
		"count":        1,
		"module":       "uc",
	})
}

func buildDP(b *builder) Event {
	return with(b.block("BEST"), Event{
		"target_type":        "http",
		"blocking_rule_name": b.pick("card numbers", "payroll"),
		"url":                b.pick(blockedURLs...),
		"status":             "data_protection_blocked",
		"last_blocked":       b.iso(time.Minute),
		"count":              1,
		"module":             "dp",
	})
}

func buildHD(b *builder) Event {
	return with(b.block("EPS"), Event{
		"module":                    "hd",
		"user":                      map[string]any{"name": b.ep.User, "sid": b.ep.UserSID},
		"malware_type":              "file",
		"malware_name":              b.pick(malwareNames...),
		"hash":                      b.hex(32),
		"final_status":              b.pick("quarantined", "deleted"),
		"file_path":                 `C:\ProgramData\` + b.hex(8) + ".dll",
		"attack_type":               b.pick("suspicious files and network traffic", "ransomware", "exploits"),
		"detection_level":           b.pick("normal", "permissive", "aggressive"),
		"is_fileless_attack":        b.rng.IntN(2),
		"command_line_parameters":   "-enc " + b.hex(6),
		"process_info_path":         `C:\Windows\System32\rundll32.exe`,
		"process_info_command_line": `rundll32.exe C:\ProgramData\payload.dll,Start`,
		"parent_process_id":         1000 + b.rng.IntN(9000),
		"parent_process_path":       `C:\Windows\System32\cmd.exe`,
		"hwid":                      b.ep.HWID,
		"date":                      b.iso(time.Minute),
	})
}

func buildAntiexploit(b *builder) Event {
	return with(b.block("BEST"), Event{
		"module":                     "antiexploit",
		"endpointId":                 b.ep.EndpointID,
		"detection_action":           "kill",
		"detection_threatName":       b.pick("Exploit.Flash.Generic", "Exploit.ROP.Gen"),
		"detection_pid":              fmt.Sprint(1000 + b.rng.IntN(9000)),
		"detection_exploitTechnique": b.pick("Flash/Generic", "ROP/StackPivot"),
		"detection_parentPid":        fmt.Sprint(1000 + b.rng.IntN(9000)),
		"detection_path":             `C:\Program Files\Reader\reader.exe`,
		"detection_parentPath":       `C:\Windows\explorer.exe`,
		"detection_username":         b.ep.User + "@" + b.c.domain,
		"detection_time":             b.iso(time.Minute),
	})
}

// buildDeviceControl follows the documented sample, which names no company.
func buildDeviceControl(b *builder) Event {
	e := with(b.block("BEST"), Event{
		"module":      "device-control",
		"username":    b.ep.User,
		"action":      "blocked",
		"deviceName":  b.pick("USB Mass Storage Device", "CD-ROM Drive"),
		"deviceClass": 2,
		"deviceId":    `USBSTOR\DISK&VEN_GENERIC&PROD_FLASH\` + strings.ToUpper(b.hex(6)),
		"productId":   0,
		"vendorId":    0,
		"date":        b.iso(time.Minute),
	})
	delete(e, "companyId")
	return e
}

func buildExchangeMalware(b *builder) Event {
	return with(b.block("BEST"), Event{
		"endpointId":    b.ep.EndpointID,
		"serverName":    b.ep.Name,
		"sender":        "billing@" + b.pick("invoices-online.example", "docs-share.example"),
		"recipients":    []string{b.ep.User + "@" + b.c.domain},
		"subject":       "Invoice " + fmt.Sprint(10000+b.rng.IntN(90000)),
		"detectionTime": b.iso(time.Minute),
		"malware": []map[string]any{{
			"malwareName":    b.pick(malwareNames...),
			"malwareType":    "virus",
			"actionTaken":    "quarantine",
			"infectedObject": "invoice.zip",
		}},
		"module": "exchange-malware",
	})
}

func buildExchangeOrganizationInfo(b *builder) Event {
	return Event{
		"companyId":     b.c.ID,
		"endpointId":    b.ep.EndpointID,
		"module":        "exchange-organization-info",
		"mailboxes":     5 + b.rng.IntN(40),
		"license_limit": 50,
		"license_key":   strings.ToUpper(b.hex(4)),
	}
}

func buildExchangeUserCredentials(b *builder) Event {
	return Event{"companyId": b.c.ID, "endpointId": b.ep.EndpointID, "module": "exchange-user-credentials"}
}

// buildNetworkSandboxing follows the sample's camelCase host fields and unix-seconds time.
func buildNetworkSandboxing(b *builder) Event {
	return Event{
		"companyId":          b.c.ID,
		"endpointId":         b.ep.EndpointID,
		"computerName":       b.ep.Name,
		"computerIp":         b.ep.IP,
		"detectionTime":      b.now.Add(-time.Minute).Unix(),
		"threatType":         b.pick("RANSOMWARE", "TROJAN", "EXPLOIT"),
		"filePaths":          []string{b.userPath(`Downloads\report.docm`)},
		"fileSizes":          []string{fmt.Sprint(2000 + b.rng.IntN(90000))},
		"remediationActions": []string{"1"},
		"module":             "network-sandboxing",
	}
}

// buildNewIncident follows the 2024 capture and opens the incident it announces.
func buildNewIncident(b *builder) Event {
	score := 20 + b.rng.IntN(80)
	detection := b.pick(detections...)
	inc := b.s.newIncident(b.c, b.ep, b.s.hexID(), detection, score, b.now)
	return Event{
		"att_ck_id":      []string{"T1059", "T1204", "T1105"},
		"attack_entry":   b.now.Unix(),
		"attack_types":   []string{b.pick("Malware", "Other", "Ransomware")},
		"companyId":      b.c.ID,
		"computer_fqdn":  b.ep.FQDN,
		"computer_id":    b.ep.ComputerID,
		"computer_ip":    b.ep.IP,
		"computer_name":  b.ep.Name,
		"created":        inc.Created,
		"detection_name": detection,
		"endpointId":     b.ep.EndpointID,
		"file_name":      "payload.ps1",
		"file_path":      b.userPath(`AppData\Local\Temp\payload.ps1`),
		"incident_id":    inc.IncidentID,
		"main_action":    "no action",
		"module":         "new-incident",
		"process_path":   `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		"severity":       severityOf(score),
		"severity_score": score,
	}
}

func buildRansomwareMitigation(b *builder) Event {
	return with(b.block("SVA"), Event{
		"module":        "ransomware-mitigation",
		"user":          map[string]any{"name": b.ep.User, "sid": b.ep.UserSID},
		"company_name":  b.c.Name,
		"attack_type":   b.pick("remote", "local"),
		"item_count":    fmt.Sprint(1 + b.rng.IntN(60)),
		"detected_on":   b.now.Add(-time.Minute).Unix(),
		"attack_source": b.randomIP("10.1"),
	})
}

// buildNetworkMonitor follows the documented sample, which names no company.
func buildNetworkMonitor(b *builder) Event {
	e := with(b.block("BEST"), Event{
		"module":                    "network-monitor",
		"user":                      map[string]any{"userName": b.ep.User + "@" + b.c.domain, "userSid": b.ep.UserSID},
		"actionTaken":               "reportOnly",
		"detection_name":            b.pick("PrivacyThreat.PasswordStealer.HTTP", "Exploit.SMB.EternalBlue"),
		"detection_attackTechnique": b.pick("discovery", "lateral movement"),
		"source_ip":                 b.ep.IP,
		"victim_ip":                 b.randomIP("198.51"),
		"local_port":                "80",
		"timestamp":                 b.iso(time.Minute),
	})
	delete(e, "companyId")
	return e
}

func buildStorageAntimalware(b *builder) Event {
	return Event{
		"companyId":      b.c.ID,
		"endpointId":     b.ep.EndpointID,
		"computerName":   b.ep.Name,
		"storage_name":   strings.ToLower(hostPrefix(b.c.Name)) + "-nas01",
		"storage_ip":     b.ep.IP,
		"storage_type":   "Nutanix",
		"file_path":      `\\share\finance\` + b.pick("q3.xlsm", "scan.pdf.exe"),
		"file_hash":      b.hex(32),
		"malware_type":   "1",
		"malware_name":   b.pick(malwareNames...),
		"status":         "5",
		"detection_time": b.iso(time.Minute),
		"module":         "storage-antimalware",
	}
}

func buildModules(b *builder) Event {
	return with(b.block("BEST"), Event{
		"malware_status":        1,
		"aph_status":            1,
		"firewall_status":       b.rng.IntN(2),
		"avc_status":            1,
		"uc_web_filtering":      0,
		"uc_categ_filtering":    0,
		"uc_application_status": 0,
		"dp_status":             0,
		"pu_status":             1,
		"dlp_status":            0,
		"module":                "modules",
	})
}

func buildRegistration(b *builder) Event {
	return with(b.block("BEST"), Event{
		"product_registration": b.pick("registered", "unregistered"),
		"module":               "registration",
	})
}

func buildInstall(b *builder) Event {
	return with(b.block("BEST"), Event{"module": "install", "endpointId": b.ep.EndpointID, "hwid": b.ep.HWID})
}

func buildUninstall(b *builder) Event {
	return with(b.block("BEST"), Event{"endpointId": b.ep.EndpointID, "reason": 1, "module": "uninstall"})
}

func buildHWIDChange(b *builder) Event {
	return with(b.block("BEST"), Event{
		"module":     "hwid-change",
		"old_hwid":   b.ep.HWID,
		"new_hwid":   fmt.Sprintf("00000000-0000-0000-0000-%012x", b.rng.Uint64()&0xffffffffffff),
		"endpointId": b.ep.EndpointID,
	})
}

func buildMoved(module string) func(b *builder) Event {
	return func(b *builder) Event {
		return with(b.block("BEST"), Event{"endpointId": b.ep.EndpointID, "module": module, "hwid": b.ep.HWID})
	}
}

func buildSUPAUpdateStatus(b *builder) Event {
	return with(b.block("BEST"), Event{"status": 0, "fromSupa": 1, "module": "supa-update-status"})
}

func buildSVA(b *builder) Event {
	return with(b.block("SVA"), Event{
		"powered_off":              0,
		"product_update_available": b.rng.IntN(2),
		"product_reboot_required":  0,
		"lastupdate":               "0",
		"updatesigam":              fmt.Sprintf("7.%05d", 70000+b.rng.IntN(9999)),
		"module":                   "sva",
	})
}

func buildSVALoad(b *builder) Event {
	load, state := 40+b.rng.IntN(60), "Normal"
	if load > 85 {
		state = "Overloaded"
	}
	return with(b.block("SVA"), Event{
		"loadAverage":  1 + b.rng.IntN(4),
		"cpuUsage":     load,
		"memoryUsage":  30 + b.rng.IntN(60),
		"networkUsage": b.rng.IntN(20),
		"overallUsage": load,
		"svaLoad":      state,
		"module":       "sva-load",
	})
}

// buildSecurityContainerUpdate has no jsonRPC sample; the qradar and splunk ones add
// host_name to the endpoint block.
func buildSecurityContainerUpdate(b *builder) Event {
	return with(b.block("BEST"), Event{"host_name": b.ep.Name, "module": "security-container-update-available"})
}

func buildTaskStatus(b *builder) Event {
	e := with(b.block("BEST"), Event{
		"userId":       b.s.hexID(),
		"taskId":       b.s.hexID(),
		"taskName":     "Quick Scan " + b.now.Format("2006-01-02") + "(sub-task)",
		"taskType":     272,
		"targetName":   b.ep.Name,
		"isSuccessful": 1,
		"status":       3,
		"errorMessage": "",
		"errorCode":    0,
		"module":       "task-status",
	})
	if b.rng.IntN(4) == 0 {
		e["isSuccessful"], e["errorMessage"], e["errorCode"] = 0, "The endpoint could not be reached", 1
	}
	return e
}

func buildTroubleshooting(b *builder) Event {
	return with(b.block("BEST"), Event{
		"module":                 "troubleshooting-activity",
		"taskId":                 b.s.hexID(),
		"taskType":               "Debug Session",
		"errorCode":              3,
		"username":               b.ep.User + "@" + b.c.domain,
		"localPath":              "/tmp/bd-debug",
		"networkSharePath":       "//fileserver/debug",
		"saveToBitdefenderCloud": 0,
		"status":                 3,
		"stopReason":             2,
		"failedStorageType":      1,
		"startDate":              b.iso(20 * time.Minute),
		"endDate":                b.iso(time.Minute),
	})
}

func buildADCloud(b *builder) Event {
	return Event{
		"companyId":        b.c.ID,
		"syncerId":         b.s.hexID(),
		"issueType":        0,
		"lastAdReportDate": b.iso(time.Hour),
		"module":           "adcloud",
	}
}

// buildPartnerChanged reports b's company joining its partner: companyId is the partner.
func buildPartnerChanged(b *builder) Event {
	moved := b.c
	if moved.ParentID == "" {
		moved = b.s.companies[len(b.s.companies)-1]
	}
	return Event{
		"module":                             "partner-changed",
		"companyId":                          moved.ParentID,
		"moved_company_id":                   moved.ID,
		"moved_company_name":                 moved.Name,
		"action":                             "joined",
		"license_type":                       "Monthly",
		"end_subscription_date":              time.Date(b.now.Year()+1, 12, 30, 23, 59, 0, 0, time.UTC).Format(naiveTime),
		"auto_renew_period":                  12,
		"minimal_commitment_usage_endpoints": moved.minimum,
		"enabled_services":                   []string{"Email Security", "Full Disk Encryption", "Patch Management"},
	}
}
