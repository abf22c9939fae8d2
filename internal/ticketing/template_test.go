package ticketing_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

func TestValidateTemplate(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		template string
		types    []string
		want     error // a sentinel, or nil
	}{
		{"AcceptsAnEmptyTemplate", "", nil, nil},
		{"AcceptsPlainText", "Security alert", nil, nil},
		{"AcceptsABaseVariable", "Alert on {{hostname}}", nil, nil},
		{"AcceptsSpacesAndCapitalsInsideBraces", "Alert on {{ HostName }}", nil, nil},
		{"AcceptsAnyKnownFactWithoutTypes", "{{malware_name}} {{detection_name}} {{reason}}", nil, nil},
		{"AcceptsAFactOfTheGivenType", "Malware {{malware_name}}", []string{"av"}, nil},
		{"AcceptsSingleBraces", "{not a variable} and }", nil, nil},
		{"RejectsAFactOfAnotherType", "Malware {{malware_name}}", []string{"uc"}, ticketing.ErrUnknownVariable},
		{"RejectsAnUnknownName", "{{computer}}", nil, ticketing.ErrUnknownVariable},
		{"RejectsEmptyBraces", "{{}}", nil, ticketing.ErrUnknownVariable},
		{"RejectsANameWithASpace", "{{host name}}", nil, ticketing.ErrUnknownVariable},
		{"RejectsTripleBraces", "{{{hostname}}}", nil, ticketing.ErrUnknownVariable},
		{"RejectsTemplateLogic", "{{if .Severity}}x{{end}}", nil, ticketing.ErrUnknownVariable},
		{"RejectsAnUnclosedVariable", "Alert on {{hostname", nil, ticketing.ErrUnbalancedBraces},
		{"RejectsAStrayClosing", "Alert on hostname}}", nil, ticketing.ErrUnbalancedBraces},
		{"RejectsANestedOpening", "{{host{{name}}", nil, ticketing.ErrUnbalancedBraces},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ticketing.ValidateTemplate(tt.template, tt.types...)
			if tt.want == nil && err != nil {
				t.Fatalf("ValidateTemplate(%q) = %v, want nil", tt.template, err)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("ValidateTemplate(%q) = %v, want %v", tt.template, err, tt.want)
			}
		})
	}

	messages := []struct {
		name, template string
		types          []string
		want           string
	}{
		{"ListsUnknownNamesAndTheKnownOnes", "{{nope}} by {{who}} {{nope}}", []string{"user_request"},
			"unknown variable {{nope}}, {{who}}; the known variables are {{report_type}}, {{hostname}}, {{host_ip}}, {{user}}, " +
				"{{url}}, {{url_domain}}, {{customer}}, {{customer_id}}, {{type}}, {{severity}}, {{occurred_at}}, {{source}}, " +
				"{{email}}, {{login}}, {{object_type}}, {{reason}}, {{report_type_label}}, {{request_id}}, {{user_id}}"},
		{"ListsOnlyBaseVariablesForATypeWithoutFacts", "{{x}}", []string{"unknown:foo"},
			"unknown variable {{x}}; the known variables are {{report_type}}, {{hostname}}, {{host_ip}}, {{user}}, " +
				"{{url}}, {{url_domain}}, {{customer}}, {{customer_id}}, {{type}}, {{severity}}, {{occurred_at}}, {{source}}"},
		{"CountsCharactersNotBytesForAnUnclosedVariable", "Müll {{hostname", nil,
			`unbalanced braces: "{{" at character 6 is never closed`},
		{"PointsAtAStrayClosing", "ab}}", nil, `unbalanced braces: "}}" at character 3 has no "{{" before it`},
		{"PointsAtANestedOpening", "x {{a {{b}}", nil, `unbalanced braces: "{{" at character 3 is not closed before the next "{{"`},
	}
	for _, tt := range messages {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ticketing.ValidateTemplate(tt.template, tt.types...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("ValidateTemplate(%q) = %v\nwant %s", tt.template, err, tt.want)
			}
		})
	}
}

func TestKnownVariables(t *testing.T) {
	t.Parallel()

	t.Run("ListsBaseVariablesThenTheTypesFacts", func(t *testing.T) {
		t.Parallel()
		want := []string{"report_type", "hostname", "host_ip", "user", "url", "url_domain", "customer", "customer_id",
			"type", "severity", "occurred_at", "source",
			"blocked", "cleaned", "computer_fqdn", "computer_id", "deleted", "endpoint_id", "event_name",
			"file_path", "final_status", "hash", "host_ips", "hwid", "ignored", "malware_name", "malware_type",
			"present", "product_installed", "quarantined", "scan_engine_type", "signatures_number", "timestamp",
			"user_id", "user_sid"}
		if diff := cmp.Diff(want, ticketing.KnownVariables("av")); diff != "" {
			t.Errorf("KnownVariables(av) (-want +got):\n%s", diff)
		}
	})

	t.Run("MergesFactsOfSeveralTypesOnce", func(t *testing.T) {
		t.Parallel()
		got := ticketing.KnownVariables("aph", "fw")
		want := []string{"action", "aph_type", "application_path", "computer_fqdn", "computer_id", "count", "endpoint_id",
			"event_name", "host_ips", "hwid", "last_blocked", "local_port", "product_installed", "protocol_id", "source_ip",
			"status", "user_id", "user_sid"}
		if diff := cmp.Diff(want, got[12:]); diff != "" {
			t.Errorf("facts of aph and fw (-want +got):\n%s", diff)
		}
	})

	t.Run("ListsEveryFactOfEveryTypeWithoutTypes", func(t *testing.T) {
		t.Parallel()
		all := ticketing.KnownVariables()
		for _, ti := range ticketing.KnownTypes() {
			for _, f := range ti.Facts {
				if !slices.Contains(all, f) {
					t.Errorf("fact %s of %s missing from KnownVariables()", f, ti.Type)
				}
			}
		}
	})
}

func TestRender(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		template string
		edit     func(a *source.Alert)
		want     string
	}{
		{"FillsEveryBaseVariable",
			"{{report_type}}|{{hostname}}|{{host_ip}}|{{user}}|{{url}}|{{url_domain}}|{{customer}}|{{customer_id}}|{{type}}|{{severity}}|{{occurred_at}}|{{source}}",
			func(a *source.Alert) {
				a.URL = "https://Evil.Example.com:8443/x?y=1"
				a.Facts["customer_name"] = "Acme Ltd"
			},
			"Antimalware|PC-01|10.0.0.5|bob|https://Evil.Example.com:8443/x?y=1|evil.example.com|Acme Ltd|c-1|av|high|2026-05-04 10:00:00 UTC|GravityZone"},
		{"FillsFacts", "{{malware_name}} ({{final_status}})", nil, "EICAR-Test-File (quarantined)"},
		{"IgnoresCaseAndSpacesInNames", "{{ HOSTNAME }}", nil, "PC-01"},
		{"FallsBackToTheCustomerIDWithoutAName", "{{customer}}", nil, "c-1"},
		{"DropsAConnectorBeforeAnEmptyVariable", "Malware {{malware_name}} on {{hostname}}",
			func(a *source.Alert) { a.HostName = "" }, "Malware EICAR-Test-File"},
		{"CollapsesTheGapOfAnEmptyVariableInTheMiddle", "Malware {{malware_name}} on {{hostname}}",
			func(a *source.Alert) { delete(a.Facts, "malware_name") }, "Malware on PC-01"},
		{"CopesWithEveryVariableEmpty", "Malware {{malware_name}} on {{hostname}}",
			func(a *source.Alert) { a.Facts, a.HostName = nil, "" }, "Malware"},
		{"DropsASeparatorFollowedByAConnector", "EDR incident: {{detection_name}} on {{hostname}}", nil, "EDR incident on PC-01"},
		{"DropsATrailingSeparator", "Request: {{user}}", func(a *source.Alert) { a.User = "" }, "Request"},
		{"KeepsASeparatorBeforeMoreText", "Request: {{user}} {{hostname}}", func(a *source.Alert) { a.User = "" }, "Request: PC-01"},
		{"KeepsASeparatorBeforeAnotherVariable", "Request: {{user}}{{hostname}}", func(a *source.Alert) { a.User = "" }, "Request: PC-01"},
		{"DropsTheBracketsAroundAnEmptyVariable", "[Security] Antimalware on {{hostname}} ({{user}})",
			func(a *source.Alert) { a.User = "" }, "[Security] Antimalware on PC-01"},
		{"KeepsTheBracketsAroundAFilledVariable", "Antimalware on {{hostname}} ({{user}})", nil, "Antimalware on PC-01 (bob)"},
		{"DropsTheQuotesAroundAnEmptyVariable", "Blocked \"{{url_domain}}\" for {{user}}", nil, "Blocked for bob"},
		{"DropsBracketsWithSpacesInside", "Alert [ {{user}} ] on {{hostname}}", func(a *source.Alert) { a.User = "" }, "Alert on PC-01"},
		{"DropsTheConnectorAfterAnOpeningBracket", "Alert ({{user}} on {{hostname}})",
			func(a *source.Alert) { a.User = "" }, "Alert (PC-01)"},
		{"KeepsUnpairedBrackets", "Alert ({{user}}] on {{hostname}}", func(a *source.Alert) { a.User = "" }, "Alert (] on PC-01"},
		{"DropsTheBracketsOfAnEmptyFirstVariable", "({{user}}) on {{hostname}}", func(a *source.Alert) { a.User = "" }, "PC-01"},
		{"DropsTwoConnectorsInARow", "Blocked web access to {{url_domain}} on {{hostname}}", nil, "Blocked web access on PC-01"},
		{"DropsTheConnectorAfterAnEmptyFirstVariable", "{{url_domain}} on {{hostname}}", nil, "PC-01"},
		{"DropsTheSeparatorAfterAnEmptyFirstVariable", "{{url_domain}}: {{hostname}}", nil, "PC-01"},
		{"KeepsTheConnectorOfAFilledSecondVariable", "{{url_domain}}{{hostname}} on {{user}}", nil, "PC-01 on bob"},
		{"DropsAnEmptyTime", "Seen at {{occurred_at}}", func(a *source.Alert) { a.OccurredAt = time.Time{} }, "Seen"},
		{"KeepsTheTemplatesOwnWordsWhenValuesArePresent", "Log on to {{hostname}}", nil, "Log on to PC-01"},
		{"FlattensLineBreaksAndControlCharacters", "Malware on {{hostname}}",
			func(a *source.Alert) { a.HostName = "PC-01\r\nSeverity: low\x00\t!" }, "Malware on PC-01 Severity: low !"},
		{"ReplacesInvalidUTF8", "{{user}}", func(a *source.Alert) { a.User = "b\xffob" }, "b\uFFFDob"},
		{"LeavesMarkupAsTextInPlainTemplates", "Malware {{malware_name}}",
			func(a *source.Alert) { a.Facts["malware_name"] = "<script>alert(1)</script>" }, "Malware <script>alert(1)</script>"},
		{"LeavesTheDomainOfAnUnreadableURLEmpty", "Blocked {{url_domain}} on {{hostname}}",
			func(a *source.Alert) { a.URL = "http://[::1" }, "Blocked on PC-01"},
		{"FindsTheDomainOfAURLWithoutScheme", "{{url_domain}}", func(a *source.Alert) { a.URL = "monster.com/jobs" }, "monster.com"},
		{"HumanizesTheSourcesReportType", "New user request: {{report_type}}",
			func(a *source.Alert) { a.Type, a.Facts = "user_request", map[string]string{"report_type": "url_block"} },
			"New user request: URL Block"},
		{"KeepsAReportTypeThatIsAlreadyWords", "{{report_type}}",
			func(a *source.Alert) { a.Facts = map[string]string{"report_type": "User Feedback"} }, "User Feedback"},
		{"NamesAnUnknownModuleByItself", "{{report_type}} / {{type}}", func(a *source.Alert) { a.Type = "unknown:sandbox-v2" },
			"sandbox-v2 / unknown:sandbox-v2"},
		{"NamesEachSource", "{{source}}", func(a *source.Alert) { a.Source = source.DefensX }, "DefensX"},
		{"NamesThePushAPI", "{{source}}", func(a *source.Alert) { a.Source = source.Push }, "the push API"},
		{"RendersAMalformedTemplateAsText", "Alert {{hostname", nil, "Alert {{hostname"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := avAlert()
			if tt.edit != nil {
				tt.edit(&a)
			}
			if got := ticketing.Render(tt.template, a); got != tt.want {
				t.Errorf("Render(%q) = %q, want %q", tt.template, got, tt.want)
			}
		})
	}
}

func TestRenderHTML(t *testing.T) {
	t.Parallel()

	t.Run("EscapesEveryValue", func(t *testing.T) {
		t.Parallel()
		a := avAlert()
		a.Facts["malware_name"] = `<script>alert("x")</script>`
		a.HostName = `PC-01' onmouseover='x`
		got := ticketing.RenderHTML(`<p title="{{hostname}}">{{malware_name}}</p>`, a)
		want := `<p title="PC-01&#39; onmouseover=&#39;x">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</p>`
		if got != want {
			t.Errorf("RenderHTML = %q\nwant %q", got, want)
		}
	})

	t.Run("ReturnsAMalformedTemplateUnchanged", func(t *testing.T) {
		t.Parallel()
		if got, want := ticketing.RenderHTML("<p>{{hostname</p>", avAlert()), "<p>{{hostname</p>"; got != want {
			t.Errorf("RenderHTML = %q, want %q", got, want)
		}
	})

	t.Run("KeepsThePartnersMarkupAndEmptyValues", func(t *testing.T) {
		t.Parallel()
		a := avAlert()
		a.User = ""
		got := ticketing.RenderHTML("<b>{{report_type}}</b> on {{hostname}}\nuser: {{user}}", a)
		if want := "<b>Antimalware</b> on PC-01\nuser: "; got != want {
			t.Errorf("RenderHTML = %q, want %q", got, want)
		}
	})
}

func TestTitle(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		template string
		edit     func(a *source.Alert)
		want     string
	}{
		{"UsesTheTemplate", "[{{severity}}] {{malware_name}}", nil, "[high] EICAR-Test-File"},
		{"UsesTheTypesDefaultWhenBlank", "  ", nil, "Malware EICAR-Test-File on PC-01"},
		{"UsesTheTypesDefaultWhenTheTemplateRendersEmpty", "{{url}}", nil, "Malware EICAR-Test-File on PC-01"},
		{"TitlesAnEDRIncident", "", func(a *source.Alert) {
			a.Type, a.Facts = "new-incident", map[string]string{"detection_name": "ATC.Malicious"}
		}, "EDR incident: ATC.Malicious on PC-01"},
		{"TitlesAContentControlBlock", "", func(a *source.Alert) {
			a.Type, a.URL = "uc", "http://casino.example/win"
		}, "Content Control: casino.example on PC-01"},
		{"TitlesAUserRequest", "", func(a *source.Alert) {
			a.Source, a.Type, a.Facts = source.DefensX, "user_request", map[string]string{"report_type": "url_block"}
		}, "New user request: URL Block"},
		{"TitlesAnUnknownType", "", func(a *source.Alert) { a.Type = "unknown:foo" }, "unknown:foo alert on PC-01"},
		{"TitlesAnUnknownTypeWithoutHost", "", func(a *source.Alert) { a.Type, a.HostName = "custom", "" }, "custom alert"},
		{"TitlesAnAlertWithoutType", "", func(a *source.Alert) { a.Type, a.HostName = "", "" }, "alert"},
		{"CutsLongTitlesWithAnEllipsis", "{{malware_name}}", func(a *source.Alert) {
			a.Facts["malware_name"] = strings.Repeat("x", 300)
		}, strings.Repeat("x", 249) + "…"},
		{"KeepsTitlesOfExactlyTheLimit", "{{malware_name}}", func(a *source.Alert) {
			a.Facts["malware_name"] = strings.Repeat("x", 250)
		}, strings.Repeat("x", 250)},
		{"CountsCharactersAsHaloPSADoes", "{{malware_name}}", func(a *source.Alert) {
			// Each emoji is two UTF-16 units: 124 of them and the ellipsis make 249.
			a.Facts["malware_name"] = strings.Repeat("😀", 200)
		}, strings.Repeat("😀", 124) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := avAlert()
			if tt.edit != nil {
				tt.edit(&a)
			}
			if got := ticketing.Title(tt.template, a); got != tt.want {
				t.Errorf("Title(%q) = %q, want %q", tt.template, got, tt.want)
			}
		})
	}

	t.Run("GivesEveryKnownTypeADefaultThatValidates", func(t *testing.T) {
		t.Parallel()
		for _, ti := range ticketing.KnownTypes() {
			if ti.DefaultTitle == "" || ticketing.DefaultTitle(ti.Type) != ti.DefaultTitle {
				t.Errorf("%s: DefaultTitle = %q, KnownTypes says %q", ti.Type, ticketing.DefaultTitle(ti.Type), ti.DefaultTitle)
			}
			if err := ticketing.ValidateTemplate(ti.DefaultTitle, ti.Type); err != nil {
				t.Errorf("%s: default title %q: %v", ti.Type, ti.DefaultTitle, err)
			}
		}
	})

	t.Run("CoversEveryGravityZoneModule", func(t *testing.T) {
		t.Parallel()
		// The modules of GravityZone's Event Push Service (reference/gravityzone/API.md §3.2).
		modules := []string{"av", "aph", "fw", "avc", "hd", "uc", "dp", "device-control", "exchange-malware",
			"exchange-user-credentials", "exchange-organization-info", "network-sandboxing", "new-incident",
			"new-extended-incident", "ransomware-mitigation", "antiexploit", "network-monitor", "storage-antimalware",
			"modules", "registration", "install", "uninstall", "hwid-change", "endpoint-moved-in", "endpoint-moved-out",
			"supa-update-status", "sva", "sva-load", "security-container-update-available", "task-status",
			"troubleshooting-activity", "adcloud", "partner-changed"}
		var known []string
		for _, ti := range ticketing.KnownTypes() {
			if ti.Source == source.GravityZone {
				known = append(known, ti.Type)
			}
		}
		slices.Sort(modules)
		slices.Sort(known)
		if diff := cmp.Diff(modules, known); diff != "" {
			t.Errorf("GravityZone types (-want +got):\n%s", diff)
		}
	})

	t.Run("ReadsWellForEveryTypeWithNoFacts", func(t *testing.T) {
		t.Parallel()
		for _, ti := range ticketing.KnownTypes() {
			a := source.Alert{Source: ti.Source, Type: ti.Type, CustomerID: "c-1"}
			got := ticketing.Title("", a)
			if got == "" || strings.Contains(got, "  ") || strings.HasSuffix(got, " on") || strings.HasSuffix(got, ":") {
				t.Errorf("%s: title without facts = %q", ti.Type, got)
			}
		}
	})
}

func FuzzRender(f *testing.F) {
	f.Add("Malware {{malware_name}} on {{hostname}}", "EICAR", "PC-01")
	f.Add("EDR incident: {{detection_name}} on {{hostname}}", "", "")
	f.Add("{{a{{b}}", "<script>", "\x00\n")
	f.Add("}}{{", "\xff", "😀")
	f.Fuzz(func(t *testing.T, template, fact, host string) {
		a := source.Alert{Type: "av", HostName: host, Facts: map[string]string{"malware_name": fact, "detection_name": fact}}

		title := ticketing.Title(template, a)
		if !utf8.ValidString(title) || title == "" {
			t.Fatalf("Title(%q) = %q: want non-empty valid UTF-8", template, title)
		}
		if n := len(utf16.Encode([]rune(title))); n > ticketing.MaxSummaryLength {
			t.Fatalf("Title(%q) is %d UTF-16 units long", template, n)
		}
		if strings.ContainsFunc(title, unicode.IsControl) {
			t.Fatalf("Title(%q) = %q contains a control character", template, title)
		}

		body := ticketing.RenderHTML("<p>{{malware_name}} {{hostname}}</p>", a)
		inner := strings.TrimSuffix(strings.TrimPrefix(body, "<p>"), "</p>")
		if strings.ContainsAny(inner, `<>"'`) {
			t.Fatalf("RenderHTML let markup through: %q", body)
		}
	})
}
