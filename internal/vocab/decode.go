package vocab

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// codes decodes a value by a table; a value the table does not hold is
// shown as it is, and an unknown number as "code N", so that a raw code never
// passes for words.
func codes(table map[string]string) func(string) string {
	return func(v string) string {
		key := strings.ToLower(strings.TrimSpace(v))
		if w, ok := table[key]; ok {
			return w
		}
		if isNumber(key) {
			return "code " + key
		}
		return words(v)
	}
}

// undocumented shows a numeric code GravityZone does not document as such.
func undocumented(v string) string {
	if isNumber(strings.TrimSpace(v)) {
		return "code " + strings.TrimSpace(v) + " (GravityZone does not document its meaning)"
	}
	return words(v)
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// words turns a wire value such as "http_timelimiter" or "reportOnly" into
// "Http timelimiter" or "Report only"; text with spaces is left alone.
func words(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || strings.ContainsAny(v, " /\\.:") {
		return v
	}
	var b strings.Builder
	prevLower := false
	for _, r := range v {
		switch {
		case r == '_' || r == '-':
			b.WriteByte(' ')
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			b.WriteByte(' ')
			r = unicode.ToLower(r)
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		b.WriteRune(r)
	}
	return capital(strings.Join(strings.Fields(b.String()), " "))
}

// capital upper-cases the first letter of s.
func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// label turns a fact name such as "malware_name" or "scanEngineType" into
// "Malware name" or "Scan engine type".
func label(name string) string { return words(name) }

// finalStatus decodes GravityZone's final status of a malware detection
// (API.md §3.3: "deleted", "quarantined", ...).
var finalStatus = codes(map[string]string{
	"deleted":       "Deleted",
	"quarantined":   "Moved to quarantine",
	"cleaned":       "Disinfected",
	"disinfected":   "Disinfected",
	"blocked":       "Blocked",
	"present":       "Still present",
	"still present": "Still present",
	"ignored":       "Ignored (still present)",
	"reportonly":    "Reported only (still present)",
})

// blockStatus decodes the status of the modules that block an item
// (API.md §3.3; "reportOnly" per GravityZone's syslog event reference).
var blockStatus = codes(map[string]string{
	"aph_blocked":             "Blocked",
	"portscan_blocked":        "Port scan blocked",
	"avc_blocked":             "Blocked",
	"uc_site_blocked":         "Web site blocked",
	"uc_application_blocked":  "Application blocked",
	"data_protection_blocked": "Blocked",
	"reportonly":              "Reported only (not blocked)",
})

// actionTaken decodes network-monitor's actionTaken and Exchange's actionTaken.
var actionTaken = codes(map[string]string{
	"reportonly":  "Reported only (not blocked)",
	"blocked":     "Blocked",
	"block":       "Blocked",
	"quarantine":  "Moved to quarantine",
	"quarantined": "Moved to quarantine",
	"delete":      "Deleted",
	"deleted":     "Deleted",
	"clean":       "Disinfected",
	"cleaned":     "Disinfected",
	"kill":        "Process killed",
	"killed":      "Process killed",
	"no action":   "No action taken",
	"report":      "Reported only (not blocked)",
})

// mainAction decodes an incident's main action (API.md §2.6: reported,
// blocked, partially_blocked; the push event says "no action").
var mainAction = codes(map[string]string{
	"no action":         "No action taken",
	"reported":          "Reported only",
	"blocked":           "Blocked",
	"partially_blocked": "Partially blocked",
})

// aphType decodes antiphishing's aph_type (phishing, fraud, untrust).
var aphType = codes(map[string]string{
	"phishing": "Phishing",
	"fraud":    "Fraud",
	"untrust":  "Untrusted page",
})

// protocol decodes an IP protocol number (IANA).
var protocol = codes(map[string]string{"1": "ICMP", "6": "TCP", "17": "UDP", "58": "ICMPv6"})

// Codes API.md records from GravityZone's CEF rendering of the events.
var (
	taskType          = codes(map[string]string{"272": "Quick scan (sub-task)"})
	taskStatus        = codes(map[string]string{"3": "Processed"})
	troubleStatus     = codes(map[string]string{"3": "Finished"})
	stopReason        = codes(map[string]string{"2": "Partial delivery"})
	failedStorageType = codes(map[string]string{"1": "Target machine"})
	adIssue           = codes(map[string]string{"0": "LDAP interrogation"})
	uninstallReason   = codes(map[string]string{"1": "Local uninstall"})
	updateServer      = codes(map[string]string{"0": "Outdated"})
)

// malwareType decodes a malware type: words as they are, numbers (which
// GravityZone does not document) as codes.
var malwareType = undocumented

// percent shows a 0–100 score as a percentage, as the console does.
func percent(v string) string {
	if isNumber(strings.TrimSpace(v)) {
		return strings.TrimSpace(v) + "%"
	}
	return v
}

// remediation decodes network-sandboxing's remediation actions, one per
// file; GravityZone does not document the codes, so each is named as one,
// and an empty one says that nothing was done to that file.
func remediation(v string) string {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			parts[i] = "none"
		case isNumber(p):
			parts[i] = "action " + p
		default:
			parts[i] = p
		}
	}
	return strings.Join(parts, ", ")
}

// validTechnique reports whether id is an ATT&CK technique id: T and four
// digits, optionally a dot and three digits for a sub-technique.
func validTechnique(id string) bool {
	if len(id) != 5 && len(id) != 9 || id[0] != 'T' || !isNumber(id[1:5]) {
		return false
	}
	return len(id) == 5 || id[5] == '.' && isNumber(id[6:])
}

func techniqueURL(id string) string {
	return "https://attack.mitre.org/techniques/" + strings.ReplaceAll(id, ".", "/") + "/"
}

// when shows a time as GravityZone sends it (ISO 8601, or unix seconds) the
// way ticket bodies show times, in UTC; anything else as it is.
func when(v string) string {
	s := strings.TrimSpace(v)
	if isNumber(s) && len(s) >= 9 && len(s) <= 11 {
		var sec int64
		for _, r := range s {
			sec = sec*10 + int64(r-'0')
		}
		return time.Unix(sec, 0).UTC().Format(timeLayout)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC().Format(timeLayout)
	}
	if t, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
		// A time without a zone, such as a subscription's end: shown as given.
		return t.Format("2006-01-02 15:04:05")
	}
	return v
}

// timeLayout is how times are shown, as ticket bodies show the alert's time.
const timeLayout = "2006-01-02 15:04:05 UTC"
