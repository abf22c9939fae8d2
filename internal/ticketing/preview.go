package ticketing

import (
	"strings"
	"time"

	"halobridge/internal/source"
)

// Preview is a title template rendered on a made-up alert of Type, and
// what is wrong with the template, as a sentence ("" when nothing is).
type Preview struct {
	Type, Title, Error string
}

// PreviewTitle renders template on a made-up alert of the first of the
// enabled alert types (av when none is), as of now, checking it against
// the variables those types offer.
func PreviewTitle(template string, enabled []string, now time.Time) Preview {
	p := Preview{Type: "av"}
	if len(enabled) > 0 && enabled[0] != "" {
		p.Type = enabled[0]
	}
	if err := ValidateTemplate(template, enabled...); err != nil {
		msg := err.Error()
		p.Error = strings.ToUpper(msg[:1]) + msg[1:]
	}
	p.Title = Title(template, sampleAlert(p.Type, now))
	return p
}

// sampleFacts are made-up values for the facts alerts carry, so that a
// title template's preview shows what each variable turns into.
var sampleFacts = map[string]string{
	"customer_name":        "Bright Harbor Dental",
	"malware_name":         "Trojan.GenericKD.4711",
	"malware_type":         "file",
	"file_path":            `C:\Users\mlopez\Downloads\invoice.exe`,
	"hash":                 "44d88612fea8a8f36de82e1278abb02f",
	"final_status":         "deleted",
	"detection_name":       "Suspicious PowerShell execution",
	"incident_id":          "INC-20931",
	"attack_types":         "Execution",
	"aph_type":             "phishing",
	"source_ip":            "203.0.113.45",
	"exploit_path":         `C:\Windows\Temp\dropper.exe`,
	"device_name":          "Kingston DataTraveler",
	"action":               "blocked",
	"sender":               "billing@examp1e-payments.com",
	"threat_type":          "ransomware",
	"attack_source":        "192.0.2.17",
	"threat_name":          "Exploit.CVE-2024-21413",
	"storage_name":         "NAS-01",
	"task_name":            "Quick scan",
	"target_name":          "WS-0042",
	"issue_type":           "0",
	"issue":                "LDAP interrogation",
	"task_result":          "succeeded",
	"sva_load":             "Overloaded",
	"moved_company_name":   "Bright Harbor Dental",
	"product_registration": "registered",
	"reason":               "needed for a supplier portal",
	"request_id":           "REQ-5521",
	"categories":           "Gambling",
	"status":               "blocked",
}

// sampleAlert is a made-up alert of alertType, for previews: every base
// variable and every fact has a plausible value.
func sampleAlert(alertType string, now time.Time) source.Alert {
	kind := source.GravityZone
	for _, t := range KnownTypes() {
		if t.Type == alertType {
			kind = t.Source
		}
	}
	a := source.Alert{
		Source: kind, CustomerID: "c-1001", Type: alertType, Severity: source.SeverityHigh,
		HostName: "WS-0042", HostIP: "10.0.4.42", User: "m.lopez@brightharbor.example",
		URL: "https://login.examp1e-bank.com/verify", OccurredAt: now.UTC().Truncate(time.Minute),
		Facts: map[string]string{},
	}
	for k, v := range sampleFacts {
		a.Facts[k] = v
	}
	if kind == source.DefensX {
		a.Facts["report_type"] = alertType
	}
	return a
}
