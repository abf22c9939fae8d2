package ticketing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"halobridge/internal/source"
	"halobridge/internal/vocab"
)

// Details renders the ticket body for a: the policy's HTML template, or the
// alert as the vocabulary describes it (see Body). n names the company, the
// HaloPSA client and the user where a carries only ids; the template's
// {{customer}} gives the company's name when it is known.
func Details(template string, a source.Alert, n Names) string {
	named := n.Apply(a)
	if strings.TrimSpace(template) != "" {
		return RenderHTML(template, named)
	}
	return Body(vocab.Describe(named), a, n)
}

// maxRawBytes bounds the raw event kept at the foot of a ticket body: enough
// for one event of any source, small next to what HaloPSA keeps per ticket.
const maxRawBytes = 8 << 10

// mitreLinks is the only site a fact may link to: the vocabulary builds those
// links from validated ATT&CK ids, and every other value stays text.
const mitreLinks = "https://attack.mitre.org/"

// Body writes d, the description of a, as an MSP technician reads a ticket:
// what happened and whether anything is left to do first, then who and
// where (the company and the HaloPSA client by name, the host, the user),
// what the product did and the next step, a link to the alert in the
// source's console, and the labelled facts in the vocabulary's order.
// Every alert value is escaped: facts come from endpoints and web pages an
// attacker may control. URLs in them are shown as text, never as links. The
// raw event is not part of it: the delivery code, which reads it from the
// store, adds RawEvent at the foot of the ticket.
func Body(d source.Description, a source.Alert, n Names) string {
	var b strings.Builder
	headline := strings.TrimSpace(d.Headline)
	if headline == "" {
		headline = reportType(a)
	}
	fmt.Fprintf(&b, "<p><strong>%s</strong></p>\n", escape(headline))
	outcome := strings.TrimSpace(d.Outcome)
	if outcome == "" && d.ActionNeeded {
		outcome = "Action needed"
	}
	switch {
	case outcome != "" && d.ActionNeeded:
		fmt.Fprintf(&b, "<p><strong style=\"color:#b42318\">%s</strong></p>\n", escape(outcome))
	case outcome != "":
		fmt.Fprintf(&b, "<p>%s</p>\n", escape(outcome))
	}

	shown := map[string]bool{}
	b.WriteString("<table>\n")
	row := func(label, value, small string) {
		value, small = strings.TrimSpace(value), strings.TrimSpace(small)
		if value == "" {
			return
		}
		shown[value], shown[small] = true, true
		fmt.Fprintf(&b, "<tr><th>%s</th><td>%s", escape(label), escape(value))
		if small != "" && small != value {
			fmt.Fprintf(&b, " <small>(%s)</small>", escape(small))
		}
		b.WriteString("</td></tr>\n")
	}
	company, companyID := strings.TrimSpace(n.Customer), strings.TrimSpace(a.CustomerID)
	if company == "" {
		company = strings.TrimSpace(a.Facts["customer_name"])
	}
	switch {
	case company != "":
		row("Company", company, fmt.Sprintf("%s %s id %s", sourceName(a.Source), customerWord(a.Source), companyID))
	case companyID != "":
		row("Company", fmt.Sprintf("%s %s id %s", sourceName(a.Source), customerWord(a.Source), companyID), "")
	}
	shown[companyID] = true
	row("HaloPSA client", n.Client, "")
	row("Host", a.HostName, a.HostIP)
	if a.HostName == "" {
		row("Host IP", a.HostIP, "")
	}
	row("HaloPSA asset", n.Asset, n.AssetDetail)
	if user := strings.TrimSpace(n.User); user != "" {
		row("User", user, "user id "+UserKey(a))
		shown[UserKey(a)] = true
	} else {
		row("User", a.User, "")
	}
	row("URL", a.URL, "")
	if !a.OccurredAt.IsZero() {
		row("Seen", formatTime(a.OccurredAt), "reported by "+sourceName(a.Source))
	}
	severity := humanize(string(a.Severity))
	row("Severity", severity, "")
	// A fact may say "High" of something else (a detection level): only the
	// parties and places above are too plain to repeat.
	delete(shown, severity)
	b.WriteString("</table>\n")

	if action := strings.TrimSpace(d.Action); action != "" {
		fmt.Fprintf(&b, "<p><strong>What %s did:</strong> %s</p>\n", escape(sourceName(a.Source)), escape(action))
	}
	if next := strings.TrimSpace(d.NextStep); next != "" {
		fmt.Fprintf(&b, "<p><strong>Recommended next step:</strong> %s</p>\n", escape(next))
	}
	if link, ok := consoleLink(d.ConsoleURL); ok {
		fmt.Fprintf(&b, "<p><a href=\"%s\">Open this alert in %s</a></p>\n", escape(link), escape(sourceName(a.Source)))
	}

	var facts strings.Builder
	for _, f := range d.Facts {
		value := strings.TrimSpace(f.Value)
		if value == "" || shown[value] {
			continue
		}
		label := strings.TrimSpace(f.Label)
		if label == "" {
			label = factLabel(f.Name)
		}
		cell := escape(value)
		if strings.HasPrefix(f.Link, mitreLinks) {
			if u, err := url.Parse(f.Link); err == nil && u.Scheme == "https" && u.Host == "attack.mitre.org" {
				cell = fmt.Sprintf("<a href=\"%s\">%s</a>", escape(u.String()), cell)
			}
		}
		fmt.Fprintf(&facts, "<tr><th>%s</th><td>%s</td></tr>\n", escape(label), cell)
	}
	if facts.Len() > 0 {
		b.WriteString("<p><strong>Details</strong></p>\n<table>\n")
		b.WriteString(facts.String())
		b.WriteString("</table>\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// consoleLink is the vocabulary's link to the alert in the source's console,
// when it is an https address.
func consoleLink(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if raw == "" || err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return "", false
	}
	return u.String(), true
}

// RawEvent keeps the event as the source sent it, folded away in a
// <details> section for the foot of a ticket body, for whoever needs a field
// the description leaves out: escaped, and cut to maxRawBytes. An alert
// without its raw payload gives "".
func RawEvent(a source.Alert) string {
	raw := bytes.TrimSpace(a.Raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	text := raw
	if len(raw) <= 4*maxRawBytes {
		var indented bytes.Buffer
		if json.Indent(&indented, raw, "", "  ") == nil {
			text = indented.Bytes()
		}
	}
	body := string(text)
	if len(body) > maxRawBytes {
		cut := maxRawBytes
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		body = body[:cut] + fmt.Sprintf("\n… cut here: the event has %d bytes, and halobridge keeps it whole", len(raw))
	}
	return fmt.Sprintf("<details><summary>The event as %s sent it</summary><pre>%s</pre></details>", escape(sourceName(a.Source)), escape(body))
}

// customerWord is what a source calls its customers.
func customerWord(k source.Kind) string {
	if k == source.GravityZone {
		return "company"
	}
	return "customer"
}

// unmappedNotice tells the person who finds the ticket on the fallback client
// why it is there and what to do, in the words of halobridge's pages.
func unmappedNotice(a source.Alert, n Names) string {
	company := strings.TrimSpace(n.Customer)
	if company == "" {
		company = strings.TrimSpace(a.Facts["customer_name"])
	}
	var who, mapIt string
	switch id := strings.TrimSpace(a.CustomerID); {
	case id == "":
		return fmt.Sprintf("<p><strong>Unmapped:</strong> %s sent this event without a %s, so halobridge cannot tell whose it is "+
			"and raised this ticket on the fallback client. Move this ticket to the right client in HaloPSA.</p>\n",
			escape(sourceName(a.Source)), customerWord(a.Source))
	case company != "":
		who = fmt.Sprintf("%s %s <strong>%s</strong> <small>(id %s)</small>", escape(sourceName(a.Source)), customerWord(a.Source), escape(company), escape(id))
		mapIt = escape(company)
	default:
		who = fmt.Sprintf("The %s %s with id %s", escape(sourceName(a.Source)), customerWord(a.Source), escape(quoted(id)))
		mapIt = "it"
	}
	return fmt.Sprintf("<p><strong>Unmapped:</strong> %s is not mapped to a HaloPSA client, so this ticket was raised on the fallback client. "+
		"In halobridge, open the Client mapping page and map %s to its HaloPSA client; then move this ticket to that client.</p>\n", who, mapIt)
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
