package vocab

import (
	"strconv"
	"strings"

	"halobridge/internal/source"
)

var scale = []source.Severity{source.SeverityInfo, source.SeverityLow, source.SeverityMedium, source.SeverityHigh, source.SeverityCritical}

// step moves s by n steps on the scale, staying on it.
func step(s source.Severity, n int) source.Severity {
	for i, v := range scale {
		if v == s {
			return scale[max(0, min(len(scale)-1, i+n))]
		}
	}
	return s
}

// isEICAR reports whether a detection names the EICAR test file, which is
// no threat at all.
func isEICAR(name string) bool { return strings.Contains(strings.ToUpper(name), "EICAR") }

// isPUA reports whether a detection is a potentially unwanted application
// rather than malware.
func isPUA(f facts) bool {
	for _, v := range []string{f["malware_type"], f["malware_name"], f["threat_type"]} {
		v = strings.ToLower(v)
		for _, p := range []string{"pua", "pup", "adware", "riskware", "potentially unwanted"} {
			if strings.HasPrefix(v, p) || strings.Contains(v, " "+p) || strings.Contains(v, p+".") {
				return true
			}
		}
	}
	return false
}

// stillPresent says whether a malware detection left the threat on the
// endpoint: its final status, else its counters; ok is false when the event
// says neither.
func stillPresent(f facts) (present, ok bool) {
	switch strings.ToLower(strings.TrimSpace(f["final_status"])) {
	case "present", "still present", "ignored", "reportonly", "not resolved":
		return true, true
	case "deleted", "quarantined", "cleaned", "disinfected", "blocked":
		return false, true
	}
	if n, known := f.num("present"); known {
		if n > 0 {
			return true, true
		}
		if m, _ := f.num("ignored"); m > 0 {
			return true, true
		}
		return false, true
	}
	return false, false
}

func rateMalware(f facts, base source.Severity) source.Severity {
	present, known := stillPresent(f)
	switch {
	case isEICAR(f["malware_name"]):
		if present {
			return source.SeverityLow
		}
		return source.SeverityInfo
	case isPUA(f):
		if present {
			return source.SeverityMedium
		}
		return source.SeverityLow
	}
	sev := base
	if known && !present {
		sev = source.SeverityMedium
	}
	if strings.EqualFold(f["detection_level"], "aggressive") {
		sev = step(sev, -1)
	}
	return sev
}

func judgeMalware(f facts) verdict {
	present, known := stillPresent(f)
	switch {
	case present:
		return verdict{outcome: outcomePresent, actionNeeded: true, action: finalAction(f),
			next: "Scan the endpoint in GravityZone and remove the threat; isolate it if the threat spreads."}
	case known:
		return verdict{outcome: outcomeResolved, action: finalAction(f)}
	}
	return verdict{}
}

func finalAction(f facts) string {
	if f["final_status"] == "" {
		return ""
	}
	return finalStatus(f["final_status"])
}

func rateBlocked(f facts, base source.Severity) source.Severity {
	if reportOnly(f["status"]) {
		return step(base, 1)
	}
	return base
}

func judgeBlocked(f facts) verdict {
	switch f["action"] {
	case "blocked":
		return verdict{outcome: outcomeBlocked, action: blockStatus(f["status"])}
	case "reported":
		return verdict{outcome: outcomeReported, actionNeeded: true, action: blockStatus(f["status"]),
			next: "Check the endpoint; set the policy to block if this should not be allowed."}
	}
	return verdict{}
}

// rateReported rates a detection by whether the product acted on it (field)
// or only reported it.
func rateReported(field string, base source.Severity) func(f facts, _ source.Severity) source.Severity {
	return func(f facts, _ source.Severity) source.Severity {
		switch {
		case isEICAR(f["threat_name"]):
			return source.SeverityLow
		case reportOnly(f[field]):
			return source.SeverityHigh
		}
		return base
	}
}

func judgeReported(field string) func(f facts) verdict {
	return func(f facts) verdict {
		switch {
		case f[field] == "":
			return verdict{}
		case reportOnly(f[field]):
			return verdict{outcome: outcomeReported, actionNeeded: true, action: actionTaken(f[field]),
				next: "Investigate the endpoint; set the policy to block if this should not be allowed."}
		}
		return verdict{outcome: outcomeBlocked, action: actionTaken(f[field])}
	}
}

func rateIncident(f facts, base source.Severity) source.Severity {
	if isEICAR(f["detection_name"]) {
		return source.SeverityLow
	}
	switch sev := source.Severity(strings.ToLower(strings.TrimSpace(f["incident_severity"]))); sev {
	case source.SeverityInfo, source.SeverityLow, source.SeverityMedium, source.SeverityHigh, source.SeverityCritical:
		return sev
	}
	score, err := strconv.ParseFloat(strings.TrimSpace(f["severity_score"]), 64)
	switch {
	case err != nil:
		return base
	case score >= 90:
		return source.SeverityCritical
	case score >= 70:
		return source.SeverityHigh
	case score >= 40:
		return source.SeverityMedium
	}
	return source.SeverityLow
}

func judgeIncident(f facts) verdict {
	v := verdict{next: "Open the incident in GravityZone, investigate it and close it there or here."}
	switch strings.ToLower(strings.TrimSpace(f["main_action"])) {
	case "blocked":
		v.outcome, v.action = outcomeBlocked, "Blocked"
	case "partially_blocked":
		v.outcome, v.actionNeeded, v.action = "Partially blocked: action needed", true, "Partially blocked"
	case "no action", "reported":
		v.outcome, v.actionNeeded, v.action = "No action taken by the product: action needed", true, mainAction(f["main_action"])
	default:
		v.actionNeeded = true
	}
	return v
}

func rateRansomware(f facts, base source.Severity) source.Severity {
	if n, ok := f.num("item_count"); ok && n >= 10 {
		return source.SeverityCritical
	}
	return base
}

func rateSandbox(f facts, base source.Severity) source.Severity {
	switch v := strings.ToUpper(strings.TrimSpace(f["threat_type"])); {
	case v == "":
		return base
	case v == "RANSOMWARE":
		return source.SeverityCritical
	case v == "CLEAN" || isPUA(f):
		return source.SeverityLow
	}
	return source.SeverityHigh
}

// handledAll reports whether every action in a list removed the item.
func handledAll(list string) bool {
	if strings.TrimSpace(list) == "" {
		return false
	}
	for _, a := range strings.Split(list, ",") {
		switch strings.ToLower(strings.TrimSpace(a)) {
		case "quarantine", "quarantined", "delete", "deleted", "clean", "cleaned", "disinfected", "block", "blocked":
		default:
			return false
		}
	}
	return true
}

func rateExchange(f facts, base source.Severity) source.Severity {
	if isEICAR(f["malware_name"]) {
		return source.SeverityLow
	}
	if handledAll(f["action_taken"]) {
		return source.SeverityMedium
	}
	return base
}
