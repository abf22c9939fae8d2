package ticketing_test

import (
	"encoding/json"
	"strings"
	"testing"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

func TestBody(t *testing.T) {
	t.Parallel()

	// still is a GravityZone malware event whose threat is still there, as
	// the vocabulary would describe it.
	still := source.Description{
		Headline:     "Malware EICAR-Test-File still present on PC-01 (bob)",
		Outcome:      "Still present: action needed",
		ActionNeeded: true,
		Action:       "Reported the file; it could not be cleaned or deleted",
		NextStep:     "Run a full scan on PC-01 and remove the file by hand",
		ConsoleURL:   "https://cloud.gravityzone.bitdefender.com/#!/incidents/view/64f1",
		Facts: []source.LabelledFact{
			{Name: "malware_name", Label: "Malware", Value: "EICAR-Test-File"},
			{Name: "final_status", Label: "Final status", Value: "Still present"},
			{Name: "attck_id", Label: "ATT&CK technique", Value: "T1059", Link: "https://attack.mitre.org/techniques/T1059/"},
		},
	}
	names := ticketing.Names{Customer: "Bright Harbor Dental", Client: "Bright Harbor Dental Ltd"}

	tests := []struct {
		name  string
		desc  source.Description
		alert func(*source.Alert)
		names ticketing.Names
		// want are fragments the body holds, in this order.
		want []string
		// absent are fragments it must not hold.
		absent []string
	}{
		{
			name: "HeadlineAndOutcomeComeFirst", desc: still, names: names,
			want: []string{
				"<p><strong>Malware EICAR-Test-File still present on PC-01 (bob)</strong></p>\n" +
					"<p><strong style=\"color:#b42318\">Still present: action needed</strong></p>\n<table>\n",
			},
		},
		{
			name: "NamesTheCompanyTheClientTheHostAndTheUser", desc: still, names: names,
			want: []string{
				"<tr><th>Company</th><td>Bright Harbor Dental <small>(GravityZone company id c-1)</small></td></tr>\n",
				"<tr><th>HaloPSA client</th><td>Bright Harbor Dental Ltd</td></tr>\n",
				"<tr><th>Host</th><td>PC-01 <small>(10.0.0.5)</small></td></tr>\n",
				"<tr><th>User</th><td>bob</td></tr>\n",
				"<tr><th>Seen</th><td>2026-05-04 10:00:00 UTC <small>(reported by GravityZone)</small></td></tr>\n",
				"<tr><th>Severity</th><td>High</td></tr>\n</table>\n",
			},
		},
		{
			name: "SaysWhatTheProductDidTheNextStepAndLinksToTheConsole", desc: still, names: names,
			want: []string{
				"</table>\n<p><strong>What GravityZone did:</strong> Reported the file; it could not be cleaned or deleted</p>\n",
				"<p><strong>Recommended next step:</strong> Run a full scan on PC-01 and remove the file by hand</p>\n",
				"<p><a href=\"https://cloud.gravityzone.bitdefender.com/#!/incidents/view/64f1\">Open this alert in GravityZone</a></p>\n",
				"<p><strong>Details</strong></p>\n<table>\n",
			},
		},
		{
			name: "ListsTheFactsInTheirOrderLinkingOnlyAttackTechniques", desc: still, names: names,
			want: []string{
				"<tr><th>Malware</th><td>EICAR-Test-File</td></tr>\n" +
					"<tr><th>Final status</th><td>Still present</td></tr>\n" +
					"<tr><th>ATT&amp;CK technique</th><td><a href=\"https://attack.mitre.org/techniques/T1059/\">T1059</a></td></tr>\n" +
					"</table>",
			},
		},
		{
			name:   "ShowsAnOutcomeWithNothingToDoPlainly",
			desc:   source.Description{Headline: "Malware EICAR-Test-File deleted on PC-01", Outcome: "Deleted, nothing to do"},
			want:   []string{"<p><strong>Malware EICAR-Test-File deleted on PC-01</strong></p>\n<p>Deleted, nothing to do</p>\n<table>\n"},
			absent: []string{"color:", "What GravityZone did", "Recommended next step", "<a ", "<p><strong>Details</strong>"},
		},
		{
			name:   "NamesTheCompanyByIdWhenItsNameIsUnknown",
			desc:   source.Description{Headline: "Malware on PC-01"},
			want:   []string{"<tr><th>Company</th><td>GravityZone company id c-1</td></tr>\n"},
			absent: []string{"HaloPSA client"},
		},
		{
			name: "ShowsADefensXUserByNameWithTheIdInSmallPrint",
			desc: source.Description{Headline: "URL Block request from Anna Moreau"},
			alert: func(a *source.Alert) {
				a.Source, a.CustomerID, a.HostName, a.HostIP = source.DefensX, "c062a202", "", ""
				a.User = "ab02c0d0-1111-4222-8333-444455556666"
				a.Facts = map[string]string{"user_id": a.User}
			},
			names: ticketing.Names{Customer: "Cedar Ridge Logistics", User: "Anna Moreau"},
			want: []string{
				"<tr><th>Company</th><td>Cedar Ridge Logistics <small>(DefensX customer id c062a202)</small></td></tr>\n",
				"<tr><th>User</th><td>Anna Moreau <small>(user id ab02c0d0-1111-4222-8333-444455556666)</small></td></tr>\n",
			},
			absent: []string{"<tr><th>Host"},
		},
		{
			name: "EscapesHostileValuesAndKeepsTheirURLsAsText",
			desc: source.Description{
				Headline: "<img src=x onerror=alert(1)> on PC-01",
				Outcome:  "<b>Blocked</b>",
				Action:   "Blocked <script>",
				Facts: []source.LabelledFact{
					{Name: "x", Label: "<i>Label</i>", Value: `C:\Users\bob\"x".exe`},
					{Name: "url", Label: "Page", Value: "javascript:alert(1)", Link: "javascript:alert(1)"},
					{Name: "look", Label: "Look-alike", Value: "T1059", Link: "https://attack.mitre.org.evil.example/T1059"},
					{Name: "at", Label: "At", Value: "T1", Link: "https://attack.mitre.org/\"><script>"},
				},
				ConsoleURL: "javascript:alert(1)",
			},
			alert: func(a *source.Alert) {
				a.HostName = "<svg onload=alert(1)>"
				a.URL = "https://evil.example/\"><script>alert(1)</script>"
			},
			names: ticketing.Names{Customer: "Acme & <Sons>"},
			want: []string{
				"<p><strong>&lt;img src=x onerror=alert(1)&gt; on PC-01</strong></p>\n<p>&lt;b&gt;Blocked&lt;/b&gt;</p>\n",
				"<td>Acme &amp; &lt;Sons&gt; <small>",
				"<tr><th>Host</th><td>&lt;svg onload=alert(1)&gt; <small>(10.0.0.5)</small></td></tr>\n",
				"<tr><th>URL</th><td>https://evil.example/&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td></tr>\n",
				"<strong>What GravityZone did:</strong> Blocked &lt;script&gt;</p>",
				"<tr><th>&lt;i&gt;Label&lt;/i&gt;</th><td>C:\\Users\\bob\\&#34;x&#34;.exe</td></tr>\n",
				"<tr><th>Page</th><td>javascript:alert(1)</td></tr>\n",
				"<tr><th>Look-alike</th><td>T1059</td></tr>\n",
				"<tr><th>At</th><td><a href=\"https://attack.mitre.org/%22%3E%3Cscript%3E\">T1</a></td></tr>\n",
			},
			absent: []string{"<img", "<svg", "<script", "<b>", "<i>", "href=\"javascript", "href=\"https://evil", "attack.mitre.org.evil"},
		},
		{
			name: "ShowsAValueOnce",
			desc: source.Description{Headline: "Blocked", Facts: []source.LabelledFact{
				{Name: "hostname", Label: "Host name", Value: "PC-01"},
				{Name: "customer_name", Label: "Company name", Value: "Bright Harbor Dental"},
				{Name: "company_id", Label: "Company id", Value: "c-1"},
				{Name: "empty", Label: "Empty", Value: "  "},
				{Name: "threat", Label: "Threat", Value: "Trojan.X"},
				{Name: "level", Label: "Detection level", Value: "High"},
			}},
			names: names,
			want: []string{"<p><strong>Details</strong></p>\n<table>\n<tr><th>Threat</th><td>Trojan.X</td></tr>\n" +
				"<tr><th>Detection level</th><td>High</td></tr>\n</table>"},
			absent: []string{"Host name", "Company name", "Company id", "Empty"},
		},
		{
			name:   "FallsBackToTheReportTypeWithoutAHeadline",
			desc:   source.Description{},
			want:   []string{"<p><strong>Antimalware</strong></p>\n<table>\n"},
			absent: []string{"<details>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := avAlert()
			if tt.alert != nil {
				tt.alert(&a)
			}
			got := ticketing.Body(tt.desc, a, tt.names)
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("body lacks (in order) %q\nbody:\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tt.absent {
				if strings.Contains(got, w) {
					t.Errorf("body holds %q\nbody:\n%s", w, got)
				}
			}
		})
	}
}

func TestRawEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"IsFoldedAwayIndentedAndEscaped", `{"module":"av","malware_name":"<EICAR>"}`,
			"<details><summary>The event as GravityZone sent it</summary><pre>{\n  &#34;module&#34;: &#34;av&#34;,\n  &#34;malware_name&#34;: &#34;&lt;EICAR&gt;&#34;\n}</pre></details>"},
		{"IsCutOnACharacterWhenLong", `"` + strings.Repeat("é", 10000) + `"`,
			"<details><summary>The event as GravityZone sent it</summary><pre>&#34;" + strings.Repeat("é", 4095) +
				"\n… cut here: the event has 20002 bytes, and halobridge keeps it whole</pre></details>"},
		{"KeepsTextThatIsNotJSON", "not <json>", "<details><summary>The event as GravityZone sent it</summary><pre>not &lt;json&gt;</pre></details>"},
		{"IsNothingWithoutAnEvent", "", ""},
		{"IsNothingForNull", "null", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := avAlert()
			a.Raw = json.RawMessage(tt.raw)
			if got := ticketing.RawEvent(a); got != tt.want {
				t.Errorf("RawEvent =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestDetails(t *testing.T) {
	t.Parallel()

	t.Run("DescribesTheAlertWithTheNames", func(t *testing.T) {
		t.Parallel()
		got := ticketing.Details("", avAlert(), ticketing.Names{Customer: "Bright Harbor Dental", Client: "BHD"})
		for _, w := range []string{
			"<tr><th>Company</th><td>Bright Harbor Dental <small>(GravityZone company id c-1)</small></td></tr>",
			"<tr><th>HaloPSA client</th><td>BHD</td></tr>",
			"EICAR-Test-File",
		} {
			if !strings.Contains(got, w) {
				t.Errorf("details lack %q:\n%s", w, got)
			}
		}
		if !strings.HasPrefix(got, "<p><strong>") {
			t.Errorf("details start %q, want the headline first", got)
		}
	})

	t.Run("FillsThePolicysTemplateWithTheCompanysName", func(t *testing.T) {
		t.Parallel()
		a := avAlert()
		a.Facts["malware_name"] = "<script>"
		got := ticketing.Details("<h2>{{report_type}} at {{customer}}</h2><p>{{malware_name}} ({{customer_id}})</p>", a,
			ticketing.Names{Customer: "Acme & Sons"})
		if want := "<h2>Antimalware at Acme &amp; Sons</h2><p>&lt;script&gt; (c-1)</p>"; got != want {
			t.Errorf("Details = %q, want %q", got, want)
		}
	})

	t.Run("FillsTheTemplateWithTheIdWhenTheNameIsUnknown", func(t *testing.T) {
		t.Parallel()
		if got, want := ticketing.Details("<p>{{customer}}</p>", avAlert(), ticketing.Names{}), "<p>c-1</p>"; got != want {
			t.Errorf("Details = %q, want %q", got, want)
		}
	})
}

func TestNamesApply(t *testing.T) {
	t.Parallel()

	t.Run("TitleNamesTheCompanyAndTheUser", func(t *testing.T) {
		t.Parallel()
		a := source.Alert{Source: source.DefensX, CustomerID: "c062a202", Type: "user_request",
			User: "ab02c0d0-1111-4222-8333-444455556666", Facts: map[string]string{"user_id": "ab02c0d0-1111-4222-8333-444455556666"}}
		named := ticketing.Names{Customer: "Cedar Ridge Logistics", User: "anna.moreau@cedarridge.example"}.Apply(a)
		if got, want := ticketing.Render("{{customer}}: request from {{user}} ({{customer_id}})", named),
			"Cedar Ridge Logistics: request from anna.moreau@cedarridge.example (c062a202)"; got != want {
			t.Errorf("Render = %q, want %q", got, want)
		}
		if got := a.Facts["customer_name"]; got != "" {
			t.Errorf("Apply changed the alert's own facts: customer_name = %q", got)
		}
		if got, want := ticketing.UserKey(named), "ab02c0d0-1111-4222-8333-444455556666"; got != want {
			t.Errorf("UserKey(named) = %q, want the id %q", got, want)
		}
	})

	t.Run("KeepsTheUserIdWhenTheAlertHadOnlyTheUser", func(t *testing.T) {
		t.Parallel()
		a := source.Alert{User: "u-7"}
		named := ticketing.Names{User: "Lena Varga"}.Apply(a)
		if named.User != "Lena Varga" || ticketing.UserKey(named) != "u-7" {
			t.Errorf("Apply = user %q, key %q; want Lena Varga, u-7", named.User, ticketing.UserKey(named))
		}
	})

	t.Run("LeavesTheAlertAloneWithoutNames", func(t *testing.T) {
		t.Parallel()
		a := avAlert()
		if got := ticketing.Render("{{customer}} {{user}}", ticketing.Names{}.Apply(a)); got != "c-1 bob" {
			t.Errorf("Render = %q, want %q", got, "c-1 bob")
		}
	})
}
