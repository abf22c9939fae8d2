package vocab

import (
	"slices"
	"strings"

	"halobridge/internal/source"
)

// Alert types DefensX alerts come as.
const (
	DefensXUserRequest = "user_request"
	DefensXURLBlock    = "url_block"
)

// defensXTypes is DefensX's vocabulary: UserRequest.Create webhooks and
// URL-log rows that record a block (reference/defensx/API.md).
//
// Severity: a user request is low (a person asks for a site); a URL block is
// low, and medium when the user consented and opened the site anyway.
func defensXTypes() []Type {
	user := Fact{Name: "user", Label: "User", derive: func(f facts) string {
		return firstOf(f["login"], f["email"], f["user_id"])
	}}
	reportType := Fact{Name: "report_type", Wire: w("report_type"), Label: "Report type", decode: dxReportType}
	reportLabel := Fact{Name: "report_type_label", Label: "Report type", hidden: true, derive: func(f facts) string {
		if f["report_type"] == "" {
			return ""
		}
		return dxReportType(f["report_type"])
	}}
	common := []Fact{user, reportType, reportLabel,
		{Name: "hostname", Wire: w("hostname"), Label: "Site"},
		{Name: "url", Wire: w("url"), Label: "URL"},
	}
	request := Type{ID: DefensXUserRequest, Source: source.DefensX, Name: "User Request",
		Title: "New user request: {{report_type}}", Base: source.SeverityLow,
		Facts: append(slices.Clone(common), []Fact{
			{Name: "reason", Wire: w("reason"), Label: "Reason given"},
			{Name: "request_id", Wire: w("id"), Label: "Request ID"},
			{Name: "login", Wire: w("login"), Label: "Login"},
			{Name: "email", Wire: w("email"), Label: "E-mail"},
			{Name: "user_id", Wire: w("user_id"), Label: "User ID"},
			{Name: "object_type", Wire: w("type"), Label: "DefensX object", hidden: true},
		}...),
		what: func(f facts, _ source.Alert) string {
			return join("User request:", f["report_type_label"], "for", f["hostname"])
		},
		judge: func(facts) verdict {
			return verdict{outcome: "Waiting for an answer: action needed", actionNeeded: true,
				next: "Review the request and allow the site in DefensX, or tell the user why it stays blocked."}
		},
	}
	block := Type{ID: DefensXURLBlock, Source: source.DefensX, Name: "URL Block",
		Title: "Blocked web access to {{url_domain}} for {{user}}", Base: source.SeverityLow,
		Facts: append(slices.Clone(common), []Fact{
			{Name: "action", Wire: w("action"), Label: "Action", decode: words},
			{Name: "category_key", Wire: w("category_key"), Label: "Category", decode: words},
			{Name: "risk_score", Wire: w("risk_score"), Label: "Risk score"},
			{Name: "sub_type", Wire: w("sub_type"), Label: "Kind", decode: words},
			{Name: "consented", Wire: w("consented"), Label: "Consented", flag: "The user consented and opened the site"},
			{Name: "log_source", Wire: w("source"), Label: "Logged by"},
			{Name: "agent_id", Wire: w("agent_id"), Label: "Agent ID"},
			{Name: "user_id", Wire: w("user_id"), Label: "User ID"},
		}...),
		flagsLabel: "Consent",
		rate: func(f facts, base source.Severity) source.Severity {
			if f["consented"] == "true" {
				return source.SeverityMedium
			}
			return base
		},
		what: func(f facts, _ source.Alert) string { return join("Web access blocked:", f["hostname"]) },
		judge: func(f facts) verdict {
			if f["consented"] == "true" {
				return verdict{outcome: "Opened after consent: check it", actionNeeded: true, action: "Blocked, then allowed by the user's consent",
					next: "Check why the user needed the site; block it without consent in DefensX if it must stay closed."}
			}
			return verdict{outcome: outcomeBlocked, action: "Blocked"}
		},
	}
	return []Type{request, block}
}

// dxReportType reads a DefensX report type as DefensX's own ticket titles
// do ("url_block" → "URL Block").
func dxReportType(v string) string {
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == '_' || r == '-' || r == ' ' })
	for i, p := range parts {
		if strings.EqualFold(p, "url") {
			parts[i] = "URL"
			continue
		}
		parts[i] = capital(strings.ToLower(p))
	}
	return strings.Join(parts, " ")
}
