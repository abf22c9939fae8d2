package ticketing

import (
	"slices"
	"strings"
	"time"

	"halobridge/internal/source"
)

// Preview is a title template rendered on a made-up alert of Type, and
// what is wrong with the template, as a sentence ("" when nothing is).
type Preview struct {
	Type, Title, Error string
}

// Sample is a title template rendered on one made-up alert: of which type
// (and its display name), and which of the alert's fields were left empty
// to show what the title becomes without them.
type Sample struct {
	Type, Name, Title string
	Empty             []string
}

// Samples are a title template rendered on several made-up alerts, and what
// is wrong with the template, as a sentence ("" when nothing is).
type Samples struct {
	Error string
	List  []Sample
	// More counts the enabled types past MaxSamples, not rendered.
	More int
}

// MaxSamples bounds how many alert types a preview renders.
const MaxSamples = 40

// PreviewTitle renders template on a made-up alert of the first of the
// enabled alert types (av when none is), as of now, checking it against
// the variables those types offer.
func PreviewTitle(template string, enabled []string, now time.Time) Preview {
	p := Preview{Type: "av"}
	if len(enabled) > 0 && enabled[0] != "" {
		p.Type = enabled[0]
	}
	p.Error = templateProblem(template, enabled)
	p.Title = Title(template, sampleAlert(p.Type, now))
	return p
}

// PreviewSamples renders template as HaloPSA will show it: on a made-up
// alert of each enabled type (av when none is; at most MaxSamples), then on
// one whose host, address, user and URL are unknown, the first type whose
// title changes without them, so that what an empty variable leaves behind
// shows while the template is written.
func PreviewSamples(template string, enabled []string, now time.Time) Samples {
	types := slices.DeleteFunc(slices.Clone(enabled), func(t string) bool { return t == "" })
	if len(types) == 0 {
		types = []string{"av"}
	}
	s := Samples{Error: templateProblem(template, enabled)}
	if len(types) > MaxSamples {
		s.More = len(types) - MaxSamples
		types = types[:MaxSamples]
	}
	var sparse *Sample
	for _, t := range types {
		a := sampleAlert(t, now)
		full := Sample{Type: t, Name: typeName(t), Title: Title(template, a)}
		s.List = append(s.List, full)
		bare := withoutContext(a)
		if title := Title(template, bare); sparse == nil && title != full.Title {
			sparse = &Sample{Type: t, Name: full.Name, Title: title, Empty: emptiedFields}
		}
	}
	if sparse == nil {
		first := s.List[0]
		sparse = &Sample{Type: first.Type, Name: first.Name, Title: Title(template, withoutContext(sampleAlert(first.Type, now))), Empty: emptiedFields}
	}
	s.List = append(s.List, *sparse)
	return s
}

// emptiedFields are the variables of the sample alert that says what a title
// becomes when the source does not know them.
var emptiedFields = []string{"hostname", "host_ip", "user", "url"}

// withoutContext is a with the fields of emptiedFields unknown, as sources
// send them for events that concern no device or no user.
func withoutContext(a source.Alert) source.Alert {
	a.HostName, a.HostIP, a.User, a.URL = "", "", "", ""
	return a
}

// typeName is the display name of alertType, or alertType itself for the
// types the push API's vendors name.
func typeName(alertType string) string {
	if t, ok := typeInfo(alertType); ok {
		return t.Name
	}
	return alertType
}

// templateProblem says what is wrong with template, as a sentence.
func templateProblem(template string, enabled []string) string {
	err := ValidateTemplate(template, enabled...)
	if err == nil {
		return ""
	}
	msg := err.Error()
	return strings.ToUpper(msg[:1]) + msg[1:]
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
