package ticketing_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

func TestPreviewSamples(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

	t.Run("EachEnabledTypeThenOneWithoutHostOrUser", func(t *testing.T) {
		t.Parallel()
		got := ticketing.PreviewSamples("{{report_type}} on {{hostname}} ({{user}})", []string{"av", "url_block"}, now)
		want := []ticketing.Sample{
			{Type: "av", Name: "Antimalware", Title: "Antimalware on WS-0042 (m.lopez@brightharbor.example)"},
			{Type: "url_block", Name: "URL Block", Title: "URL Block on WS-0042 (m.lopez@brightharbor.example)"},
			// The joining "on" and the brackets go with the empty variables.
			{Type: "av", Name: "Antimalware", Title: "Antimalware", Empty: []string{"hostname", "host_ip", "user", "url"}},
		}
		if got.Error != "" || got.More != 0 || !slices.EqualFunc(got.List, want, sameSample) {
			t.Errorf("PreviewSamples = %+v, want %+v", got, want)
		}
	})

	t.Run("TheEmptySampleIsOfATypeWhoseTitleChanges", func(t *testing.T) {
		t.Parallel()
		// Blank: each type's own title. Cloud AD integration's names no host
		// and no user; URL Block's names the user.
		got := ticketing.PreviewSamples("", []string{"adcloud", "url_block"}, now)
		if len(got.List) != 3 {
			t.Fatalf("PreviewSamples = %+v, want both types and one without host and user", got)
		}
		last := got.List[2]
		if last.Type != "url_block" || last.Title == got.List[1].Title || strings.Contains(last.Title, "m.lopez") {
			t.Errorf("the sample without user is %+v, want URL Block's title without its user", last)
		}
	})

	t.Run("NoTypeEnabledPreviewsAntimalware", func(t *testing.T) {
		t.Parallel()
		got := ticketing.PreviewSamples("", nil, now)
		if len(got.List) != 2 || got.List[0].Type != "av" || got.List[0].Title == "" {
			t.Errorf("PreviewSamples with no type = %+v, want the Antimalware default title and its sample without host", got)
		}
	})

	t.Run("AnUnknownVariableIsSaid", func(t *testing.T) {
		t.Parallel()
		got := ticketing.PreviewSamples("{{nope}} on {{hostname}}", []string{"av"}, now)
		if got.Error == "" {
			t.Errorf("PreviewSamples with {{nope}} says no problem: %+v", got)
		}
	})

	t.Run("ManyTypesAreBounded", func(t *testing.T) {
		t.Parallel()
		var types []string
		for i := range ticketing.MaxSamples + 5 {
			types = append(types, "vendor-type-"+string(rune('a'+i%26))+string(rune('a'+i/26)))
		}
		got := ticketing.PreviewSamples("{{type}} on {{hostname}}", types, now)
		if len(got.List) != ticketing.MaxSamples+1 || got.More != 5 {
			t.Errorf("%d samples and %d more, want %d and 5", len(got.List), got.More, ticketing.MaxSamples+1)
		}
	})
}

func sameSample(a, b ticketing.Sample) bool {
	return a.Type == b.Type && a.Name == b.Name && a.Title == b.Title && slices.Equal(a.Empty, b.Empty)
}

func TestPriorityBySeverityName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		priorities []string
		want       map[source.Severity]int
	}{
		{"PlainNames", []string{"Critical", "High", "Medium", "Low"},
			map[source.Severity]int{source.SeverityCritical: 1, source.SeverityHigh: 2, source.SeverityMedium: 3, source.SeverityLow: 4}},
		{"NumberedNames", []string{"P1 - Critical", "P2 - High", "P3 - Normal", "P4 - Low"},
			map[source.Severity]int{source.SeverityCritical: 1, source.SeverityHigh: 2, source.SeverityMedium: 3, source.SeverityLow: 4}},
		// "Highest" is not "High": a word is matched whole.
		{"WordsNotLetters", []string{"Highest", "Below normal"}, map[source.Severity]int{source.SeverityMedium: 2}},
		{"NoneMatch", []string{"Gold", "Silver"}, map[source.Severity]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sla := ticketing.SLA{ID: 7, Name: "Security"}
			for i, n := range tc.priorities {
				sla.Priorities = append(sla.Priorities, ticketing.Priority{ID: i + 1, Name: n})
			}
			if got := sla.PriorityBySeverityName(); !maps.Equal(got, tc.want) {
				t.Errorf("PriorityBySeverityName(%v) = %v, want %v", tc.priorities, got, tc.want)
			}
		})
	}
}
