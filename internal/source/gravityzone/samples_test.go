package gravityzone

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
)

// sampleCase is what one reference sample must parse into, written from the sample by hand.
type sampleCase struct {
	file     string
	typ      string
	customer string
	host     string
	ip       string
	user     string
	url      string
	severity source.Severity
	// at is the event's own time; zero means it has none and the receive time stands in.
	at          time.Time
	facts       map[string]string
	fingerprint string
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

var sampleCases = []sampleCase{
	{file: "addEvents.adcloud.json", typ: "adcloud", customer: "59a14b271da197c6108b4567",
		severity: source.SeverityMedium, at: utc("2017-09-14T08:03:49.671Z"),
		facts:       map[string]string{"syncer_id": "59b7d9bfa849af3a1465b7e3", "issue_type": "0", "issue": "LDAP interrogation", "event_name": "Cloud AD Integration"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|adcloud|59b7d9bfa849af3a1465b7e3|0"},
	{file: "addEvents.antiexploit.json", typ: "antiexploit", customer: "5cf10c8af23f73097377c924",
		host: "TEST_ENDPOINT", ip: "10.10.18.226", user: "user@domain.com",
		// An EICAR test file, killed: low.
		severity: source.SeverityLow, at: utc("2019-06-03T13:58:30Z"),
		facts: map[string]string{"threat_name": "EICAR-Test-File (not a virus)", "detection_action": "kill", "action": "blocked",
			"exploit_technique": "Flash/Generic", "process_pid": "2000", "endpoint_id": "5cf51ba5e8ee8c5b1852a9d6",
			"process_path": `C:\file15c8ba8b90ea1de127962f464.exe`, "parent_process_path": `C:\file25c8ba8b90ea1de127962f464.exe`,
			"parent_process_pid": "4000", "detection_time": "2019-06-03T13:58:30.000Z"},
		fingerprint: `gravityzone|5cf10c8af23f73097377c924|antiexploit|5cf51ba5e8ee8c5b1852a9d6|c:\file15c8ba8b90ea1de127962f464.exe|Flash/Generic`},
	{file: "addEvents.aph.json", typ: "aph", customer: "59a14b271da197c6108b4567",
		host: "FC-EXCHANGE-01", ip: "192.168.0.1", url: "http://example.com/account/support/",
		// Blocked phishing: medium.
		severity: source.SeverityMedium, at: utc("2017-09-14T08:49:43Z"),
		facts: map[string]string{"aph_type": "phishing", "status": "aph_blocked", "action": "blocked", "count": "1",
			"computer_fqdn": "fc-exchange-01.fc.dom", "last_blocked": "2017-09-14T08:49:43.000Z"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|aph|59b7d9bfa849af3a1465b7e4|example.com"},
	{file: "addEvents.av.json", typ: "av", customer: "59a14b271da197c6108b4567",
		host: "FC-WIN7-X64-01", ip: "10.17.46.196",
		// An EICAR test file, deleted: info.
		severity: source.SeverityInfo, at: utc("2017-09-08T12:01:36Z"),
		facts: map[string]string{"malware_name": "EICAR-Test-File (not a virus)", "file_path": `C:\eicar0000001.txt`,
			"final_status": "deleted", "quarantined": "2", "present": "0", "malware_type": "file", "product_installed": "BEST",
			"scan_engine_type": "3", "signatures_number": "7.95265", "timestamp": "2017-09-08T12:01:36.000Z",
			"hash": "8b3f191819931d1f2cef7289239b5f77c00b079847b9c2636e56854d1e5eff71"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|av|59a1604e60369e06733f8abb|EICAR-Test-File (not a virus)"},
	{file: "addEvents.avc.json", typ: "avc", customer: "59a14b271da197c6108b4567",
		host: "FC-WIN7-X64-01", ip: "192.168.0.1",
		severity: source.SeverityMedium, at: utc("2017-09-14T07:56:33Z"),
		facts: map[string]string{"exploit_type": "AVC Blocked Exploit", "status": "avc_blocked", "action": "blocked",
			"exploit_path": `C:\Users\admin\Desktop\Tools\avcsim\win32\avcsim32.exe`},
		fingerprint: `gravityzone|59a14b271da197c6108b4567|avc|59a1604e60369e06733f8abb|c:\users\admin\desktop\tools\avcsim\win32\avcsim32.exe`},
	{file: "addEvents.device-control.json", typ: "device-control",
		host: "FC-WIN7-X64-01", ip: "10.17.46.207", user: "Admin",
		severity: source.SeverityLow, at: utc("2019-08-13T11:33:18Z"),
		facts: map[string]string{"device_name": "CD-ROM Drive", "action": "blocked", "device_class": "2",
			"device_id": `IDE\CDROMNECVMWAR_VMWARE_IDE_CDR10_______________1.00____\5&3A794E10&0&1.0.0`, "product_id": "0", "vendor_id": "0"},
		fingerprint: `gravityzone||device-control|5d529fb7008739443adb4003|IDE\CDROMNECVMWAR_VMWARE_IDE_CDR10_______________1.00____\5&3A794E10&0&1.0.0`},
	{file: "addEvents.dp.json", typ: "dp", customer: "59a14b271da197c6108b4567",
		host: "FC-WIN7-X64-01", ip: "192.168.0.1", url: "http://example.com/",
		severity: source.SeverityLow, at: utc("2017-09-11T10:23:43Z"),
		facts:       map[string]string{"blocking_rule_name": "dv", "target_type": "http", "status": "data_protection_blocked", "action": "blocked"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|dp|59a1604e60369e06733f8abb|example.com"},
	{file: "addEvents.endpoint-moved-in.json", typ: "endpoint-moved-in", customer: "59a14b271da197c6108b4568",
		host: "TEST_ENDPOINT", ip: "10.10.18.226", severity: source.SeverityInfo,
		facts:       map[string]string{"hwid": "5e284ff-5b7e43d387ba-54a95", "computer_id": "59b7d9bfa849af3a1465b7e3"},
		fingerprint: "gravityzone|59a14b271da197c6108b4568|endpoint-moved-in|5e2085febf255a545e52276a"},
	{file: "addEvents.endpoint-moved-out.json", typ: "endpoint-moved-out", customer: "59a14b271da197c6108b4567",
		host: "TEST_ENDPOINT", ip: "10.10.18.226", severity: source.SeverityInfo,
		facts:       map[string]string{"hwid": "5e284ff-5b7e43d387ba-54a95"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|endpoint-moved-out|5e2085febf255a545e52276b"},
	{file: "addEvents.exchange-malware.json", typ: "exchange-malware", customer: "59a14b271da197c6108b4567",
		host: "FC- EXCHANGE - 01", ip: "192.168.0.1",
		// Every item quarantined: medium.
		severity: source.SeverityMedium, at: utc("2017-09-13T14:20:37Z"),
		facts: map[string]string{"malware_name": "Trojan.Generic.KD.874127", "server_name": "FC- EXCHANGE - 01", "malware_type": "virus", "action_taken": "quarantine",
			"infected_object": "WL- cbe100c9f42a20ef9a4b1c20ed1a59f9 - 0", "sender": "fc_test01@fc.dom", "recipients": "fc_test02@fc.dom",
			"subject": "Emailing Sending.. WL - cbe100c9f42a20ef9a4b1c20ed1a59f9 - 0"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|exchange-malware|59b7d9bfa849af3a1465b7e3|Trojan.Generic.KD.874127"},
	{file: "addEvents.exchange-organization-info.json", typ: "exchange-organization-info", customer: "59a14b271da197c6108b4567",
		severity:    source.SeverityInfo,
		facts:       map[string]string{"mailboxes": "8", "license_limit": "5", "license_key": "5IMI111"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|exchange-organization-info|59b7d9bfa849af3a1465b7e3"},
	{file: "addEvents.exchange-user-credentials.json", typ: "exchange-user-credentials", customer: "59a14b271da197c6108b4567",
		severity:    source.SeverityInfo,
		facts:       map[string]string{"endpoint_id": "59b7d9bfa849af3a1465b7e3", "event_name": "Exchange User Credentials"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|exchange-user-credentials|59b7d9bfa849af3a1465b7e3"},
	{file: "addEvents.fw.json", typ: "fw", customer: "59a14b271da197c6108b4567",
		host: "FC-WIN7-X64-01", ip: "192.168.0.1",
		// A port scan blocked: low.
		severity: source.SeverityLow, at: utc("2017-09-08T12:52:03Z"),
		facts: map[string]string{"source_ip": "192.168.0.2", "protocol_id": "6", "status": "portscan_blocked", "count": "1",
			"action": "blocked", "last_blocked": "2017-09-08T12:52:03.000Z"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|fw|59a1604e60369e06733f8abb|192.168.0.2|portscan_blocked"},
	{file: "addEvents.hd.json", typ: "hd", customer: "5c497704f9bf8d0b1b4df***",
		host: "DHMSI", ip: "10.10.18.226", user: "admin",
		// Quarantined: medium, though HyperDetect's threats left in place are critical.
		severity: source.SeverityMedium, at: utc("2019-01-24T11:13:04Z"),
		facts: map[string]string{"user_sid": "BF410F3B-5F3A-41E1-BF8F-28DE6948A355", "attack_type": "suspicious files and network traffic",
			"threat_name": "suspicious files and network traffic", "process_path": `C:\a.exe`, "parent_process_pid": "1716",
			"process_command_line": `c:\a.exe  -testParam`, "command_line_parameters": "a b c", "hwid": "00000000-0000-0000-0000-406186b5****",
			"final_status": "quarantined", "hash": "hash_3", "is_fileless_attack": "1", "detection_level": "normal",
			"parent_process_path": `C:\Windows\System32\cmd.exe`, "product_installed": "EPS"},
		fingerprint: "gravityzone|5c497704f9bf8d0b1b4df***|hd|5c4999491ddfad7177316f80|hash_3"},
	{file: "addEvents.hwid-change.json", typ: "hwid-change", customer: "5e207bc354060806ed24a132",
		host: "A", ip: "10.10.18.526", severity: source.SeverityInfo,
		facts:       map[string]string{"old_hwid": "00000000-0000-0000-0000-406186b5bde7", "new_hwid": "00000000-0000-0000-0000-406186b5bde6"},
		fingerprint: "gravityzone|5e207bc354060806ed24a132|hwid-change|5e284ff5b7e43d387ba54a95"},
	{file: "addEvents.install.json", typ: "install", customer: "59a14b271da197c6108b4567",
		host: "TEST_ENDPOINT", ip: "10.10.18.226", severity: source.SeverityInfo,
		facts:       map[string]string{"hwid": "00000000-0000-0000-0000-406186b5bdbd50"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|install|5e2085febf255a545e52276b"},
	{file: "addEvents.modules.json", typ: "modules", customer: "59a14b271da197c6108b4567",
		host: "FC- WIN7 - X64 - 01", ip: "192.168.0.1", severity: source.SeverityLow,
		facts:       map[string]string{"malware_status": "1", "uc_web_filtering": "0", "pu_status": "1", "dlp_status": "0", "event_name": "Product Modules Status"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|modules|59a1604e60369e06733f8abb"},
	{file: "addEvents.network-monitor.json", typ: "network-monitor",
		host: "TEST_ENDPOINT", ip: "10.10.18.226", user: "user1@domain.com",
		// Only reported, not blocked: high.
		severity: source.SeverityHigh, at: utc("2019-01-24T11:13:04Z"),
		facts: map[string]string{"user_sid": "S-1-2-3-4", "detection_name": "PrivacyThreat.PasswordStealer.HTTP",
			"source_ip": "10.17.134.4", "victim_ip": "213.211.198.58", "local_port": "80", "action_taken": "reportOnly",
			"attack_technique": "discovery", "timestamp": "2019-01-24T11:13:04.000Z"},
		fingerprint: "gravityzone||network-monitor|5d639e8f48ac2f04f6e00b1c|10.17.134.4|PrivacyThreat.PasswordStealer.HTTP"},
	{file: "addEvents.network-sandboxing.json", typ: "network-sandboxing", customer: "59a14b271da197c6108b4567",
		host: "FC-WIN7-X64-01", ip: "192.168.0.1",
		// A RANSOMWARE verdict: critical.
		severity: source.SeverityCritical, at: utc("2017-09-14T11:02:49Z"),
		facts: map[string]string{"threat_type": "RANSOMWARE", "file_sizes": "2614, 2615, 2616", "remediation_actions": "1, , 1",
			"endpoint_id": "59a1604e60369e06733f8aba", "detection_time": "1505386969",
			"file_paths": `C:\Users\Administrator\Documents\installer.xml, D:\opt\bitdefender\installer2.xml, ` +
				`D:\sources\console\CommonConsole\app\modules\policies\view\endpoints\networkSandboxing\installer3.xml`},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|network-sandboxing|59a1604e60369e06733f8aba|RANSOMWARE"},
	{file: "addEvents.new-incident.json", typ: "new-incident", customer: "5efb2f7154060876cb4a13d2",
		host: "DESKTOP-JAC14GS", ip: "10.17.23.30", user: `DESKTOP-JAC14GS\bdadmin`,
		severity: source.SeverityHigh, at: utc("2020-07-20T09:36:23.485Z"),
		facts: map[string]string{"incident_id": "5f1557cbe7b2584f3959ee19", "detection_name": "ATC.Malicious", "attack_types": "Other",
			"severity_score": "90", "att_ck_id": "T1036, T1059, T1002, T1012", "main_action": "no action",
			"user_sid": "S-1-5-21-3349207704-443292085-2237656896-1003", "process_pid": "10324", "incident_severity": "high",
			"parent_process_pid": "9636", "process_command_line": "detect", "file_hash_md5": "ccb1b07bdf330627f02b3c832663a489"},
		fingerprint: "gravityzone|5efb2f7154060876cb4a13d2|new-incident|5f1557cbe7b2584f3959ee19"},
	{file: "addEvents.new-incident.2024.json", typ: "new-incident", customer: "59a14b271da197c6108b4567",
		host: "computer-name1", ip: "192.168.0.1",
		// GravityZone rates it high, but it is the EICAR test file: low.
		severity: source.SeverityLow, at: utc("2024-07-12T08:00:58.876Z"),
		facts: map[string]string{"incident_id": "6690e2c52ca2436a3af4adbe", "host_ips": "192.168.0.1, 192.168.0.2",
			"severity_score": "89", "attack_types": "Malware", "file_name": "index.html?wpdmdl=8842", "attack_entry": "4169751531",
			"computer_id": "668e8236e372169b71286dae", "endpoint_id": "648e8236e272169b71286efd", "process_path": "/usr/bin/wget"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|new-incident|6690e2c52ca2436a3af4adbe"},
	{file: "addEvents.partner-changed.json", typ: "partner-changed", customer: "638f118f6b82bec40d0976df",
		severity: source.SeverityInfo,
		facts: map[string]string{"moved_company_id": "628f107f6b82bec40d0976af", "moved_company_name": "Bitdefender",
			"action": "joined", "license_type": "Monthly", "end_subscription_date": "2022-12-30T23:59:00",
			"enabled_services":  "Email Security, Full Disk Encryption, Patch Management, HyperDetect, Sandbox Analyzer",
			"auto_renew_period": "12", "minimal_commitment_usage_endpoints": "2"},
		fingerprint: "gravityzone|638f118f6b82bec40d0976df|partner-changed|628f107f6b82bec40d0976af|joined"},
	{file: "addEvents.ransomware-mitigation.json", typ: "ransomware-mitigation", customer: "5dad6f685f627d42cb3cd434",
		host: "DC-Nebula", ip: "10.17.16.10", user: "user",
		// 23 items attacked: critical.
		severity: source.SeverityCritical, at: utc("2020-06-01T10:33:14Z"),
		facts: map[string]string{"user_sid": "S-11-22-33", "attack_source": "10.10.20.120", "item_count": "23",
			"attack_type": "remote", "customer_name": "Bitdefender", "product_installed": "SVA", "detected_on": "1591007594"},
		fingerprint: "gravityzone|5dad6f685f627d42cb3cd434|ransomware-mitigation|5ed4d2fef23f7325715dbb22|10.10.20.120"},
	{file: "addEvents.registration.json", typ: "registration", customer: "59a14b271da197c6108b4567",
		host: "FC-EXCHANGE-01", ip: "192.168.0.1", severity: source.SeverityInfo,
		facts:       map[string]string{"product_registration": "registered"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|registration|59b7d9bfa849af3a1465b7e4"},
	{file: "addEvents.storage-antimalware.json", typ: "storage-antimalware", customer: "59a14b271da197c6108b4567",
		host: "SVA_WITH_ICAP", severity: source.SeverityHigh, at: utc("2018-05-07T10:23:43Z"),
		facts: map[string]string{"storage_name": "fileserver001", "storage_ip": "192.168.0.1", "storage_type": "Nutanix",
			"malware_name": "BAT.Trojan.FormatC.Z", "storage_status": "5", "malware_type": "1",
			"file_hash": "04d7cff845e23111633cc0a268634f5e6c18145d0a9b5a38dedd8a58a422001c"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|storage-antimalware|59a1604e60369e06733f8aba|fileserver001|BAT.Trojan.FormatC.Z"},
	{file: "addEvents.supa-update-status.json", typ: "supa-update-status", customer: "59a14b271da197c6108b4567",
		host: "FC-WIN7-X64-01", ip: "192.168.0.1", severity: source.SeverityInfo,
		facts:       map[string]string{"status": "0", "from_supa": "1"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|supa-update-status|59a1604e60369e06733f8abb"},
	{file: "addEvents.sva-load.json", typ: "sva-load", customer: "59a14b271da197c6108b4567",
		// Its load is Normal: low.
		host: "bitdefender-sva", ip: "192.168.0.1", severity: source.SeverityLow,
		facts: map[string]string{"sva_load": "Normal", "cpu_usage": "48", "overall_usage": "48", "product_installed": "SVA",
			"load_average": "1", "memory_usage": "32", "network_usage": "0"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|sva-load|59b8f3aba849af3a1465b81e"},
	{file: "addEvents.sva.json", typ: "sva", customer: "59a14b271da197c6108b4567",
		host: "bitdefender-sva", ip: "192.168.0.1", severity: source.SeverityLow,
		facts:       map[string]string{"product_update_available": "1", "powered_off": "0", "signatures_version": "7.72479", "last_update": "0"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|sva|59b8f3aba849af3a1465b81e"},
	{file: "addEvents.task-status.json", typ: "task-status", customer: "59a14b271da197c6108b4567",
		// Succeeded: info.
		host: "FC-WIN7-X64-01", ip: "192.168.0.1", severity: source.SeverityInfo,
		facts: map[string]string{"task_name": "Quick Scan 2017-09-08(sub-task)", "task_type": "272", "is_successful": "1",
			"task_result": "succeeded", "task_status": "3", "target_name": "FC-WIN7-X64-01", "error_code": "0",
			"task_id": "59b28dc81da19711058b4568", "user_id": "59a14b2b1da197c6108b4568"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|task-status|59b28dc81da19711058b4568"},
	{file: "addEvents.troubleshooting-activity.json", typ: "troubleshooting-activity", customer: "59a14b271da197c6108b4567",
		host: "TEST_ENDPOINT_WINDOWS_10", ip: "10.10.0.101", user: "test@test.com",
		severity: source.SeverityLow, at: utc("2020-06-24T06:09:28Z"),
		facts: map[string]string{"task_type": "Debug Session", "stop_reason": "2", "failed_storage_type": "1",
			"start_date": "2020-06-24T06:06:48.000Z", "network_share_path": "//1.2.3.4/dir", "local_path": "/test/dir",
			"save_to_bitdefender_cloud": "0", "task_status": "3", "error_code": "3"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|troubleshooting-activity|5eea0105f23f731302405833"},
	{file: "addEvents.uc.json", typ: "uc", customer: "59a14b271da197c6108b4567",
		host: "FC-WIN7-X64-01", ip: "192.168.0.1", url: "http://192.168.0.1:2869/upnphost/udhisapi.dll",
		// A site blocked by content control: low.
		severity: source.SeverityLow, at: utc("2017-09-08T12:46:30Z"),
		facts:       map[string]string{"uc_type": "http", "block_type": "http_timelimiter", "status": "uc_site_blocked", "action": "blocked"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|uc|59a1604e60369e06733f8abb|192.168.0.1"},
	{file: "addEvents.uninstall.json", typ: "uninstall", customer: "59a14b271da197c6108b4567",
		host: "TEST_ENDPOINT", ip: "10.10.18.226", severity: source.SeverityHigh,
		facts:       map[string]string{"reason": "1", "event_name": "Uninstall Agent"},
		fingerprint: "gravityzone|59a14b271da197c6108b4567|uninstall|5e2085febf255a545e52276b"},
}

// The facts that must not appear: empty fields are left out.
var absentFacts = map[string][]string{
	"addEvents.hd.json":          {"malware_name"},
	"addEvents.uc.json":          {"categories"},
	"addEvents.task-status.json": {"error_message", "errorMessage"},
}

func TestParsePushSamples(t *testing.T) {
	t.Parallel()

	files, err := filepath.Glob(filepath.Join(samplesDir(t), "addEvents.*.json"))
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, c := range sampleCases {
		covered[c.file] = true
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("sample %s has no expectation", filepath.Base(f))
		}
	}

	for _, c := range sampleCases {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(c.file, "addEvents."), ".json"), func(t *testing.T) {
			t.Parallel()
			body := readSample(t, c.file)
			in, err := ParsePushAt(nil, body, received, source.DefaultMaxEvents)
			if err != nil {
				t.Fatalf("ParsePushAt: %v", err)
			}
			if len(in.Alerts) != 1 || len(in.Resolutions) != 0 {
				t.Fatalf("got %d alerts and %d resolutions, want one alert", len(in.Alerts), len(in.Resolutions))
			}
			a := in.Alerts[0]
			want := c.at
			if want.IsZero() {
				want = received
			}
			got := []string{string(a.Source), a.Type, a.CustomerID, a.HostName, a.HostIP, a.User, a.URL, string(a.Severity), a.Fingerprint}
			wantFields := []string{"gravityzone", c.typ, c.customer, c.host, c.ip, c.user, c.url, string(c.severity), c.fingerprint}
			if diff := cmp.Diff(wantFields, got); diff != "" {
				t.Errorf("source, type, customer, host, ip, user, url, severity, fingerprint (-want +got):\n%s", diff)
			}
			if !a.OccurredAt.Equal(want) {
				t.Errorf("OccurredAt = %s, want %s", a.OccurredAt, want)
			}
			if _, fellBack := a.Facts["occurred_at_fallback"]; fellBack != c.at.IsZero() {
				t.Errorf("occurred_at_fallback fact present = %v, want %v", fellBack, c.at.IsZero())
			}
			for name, value := range c.facts {
				if a.Facts[name] != value {
					t.Errorf("fact %s = %q, want %q", name, a.Facts[name], value)
				}
			}
			for _, name := range absentFacts[c.file] {
				if v, ok := a.Facts[name]; ok {
					t.Errorf("fact %s = %q, want it left out", name, v)
				}
			}
			if a.Test {
				t.Error("a documentation sample is not a test event")
			}
			var envelope struct {
				Params struct {
					Events []json.RawMessage `json:"events"`
				} `json:"params"`
			}
			if err := json.Unmarshal(body, &envelope); err != nil {
				t.Fatal(err)
			}
			if string(a.Raw) != string(envelope.Params.Events[0]) {
				t.Errorf("Raw = %s, want the event as sent: %s", a.Raw, envelope.Params.Events[0])
			}
			if len(a.EventID) != 32 {
				t.Errorf("EventID = %q, want 32 hex digits", a.EventID)
			}
		})
	}
}
