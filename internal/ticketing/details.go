package ticketing

import (
	"fmt"
	"html"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"halobridge/internal/source"
)

// Details renders the ticket body for a: the policy's HTML template, or a
// table of every non-empty value and fact of the alert. Every alert value is
// escaped: facts come from endpoints and web pages an attacker may control.
// URLs are shown as text, never as links, for the same reason.
func Details(template string, a source.Alert) string {
	if strings.TrimSpace(template) != "" {
		return RenderHTML(template, a)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<p><strong>%s</strong> reported by %s", escape(reportType(a)), escape(sourceName(a.Source)))
	if !a.OccurredAt.IsZero() {
		fmt.Fprintf(&b, " at %s", formatTime(a.OccurredAt))
	}
	b.WriteString(".</p>\n<table>\n")
	row := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			fmt.Fprintf(&b, "<tr><th>%s</th><td>%s</td></tr>\n", escape(label), escape(value))
		}
	}
	row("Customer", variable(a, "customer"))
	row("Severity", string(a.Severity))
	row("Host", a.HostName)
	row("Host IP", a.HostIP)
	row("User", a.User)
	row("URL", a.URL)
	for _, name := range slices.Sorted(maps.Keys(a.Facts)) {
		if name != "customer_name" && name != "report_type" {
			row(factLabel(name), a.Facts[name])
		}
	}
	b.WriteString("</table>")
	return b.String()
}

// unmappedNotice tells the person who finds the ticket on the fallback client
// why it is there and what to do.
func unmappedNotice(a source.Alert) string {
	return fmt.Sprintf("<p><strong>Unmapped customer:</strong> %s customer %s is not mapped to a HaloPSA client, "+
		"so this ticket was raised on the fallback client. Map the customer in halobridge and move this ticket to its client.</p>\n",
		escape(sourceName(a.Source)), escape(quoted(variable(a, "customer"))))
}

// factLabel turns "malware_name" into "Malware name".
func factLabel(name string) string {
	s := strings.ReplaceAll(name, "_", " ")
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func escape(s string) string { return html.EscapeString(strings.ToValidUTF8(s, "\uFFFD")) }

func quoted(s string) string { return "\u201c" + s + "\u201d" }
