package ticketing_test

import (
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
	"halobridge/internal/vocab"
)

func TestBuildNote(t *testing.T) {
	t.Parallel()

	at := func(a source.Alert, d time.Duration) source.Alert {
		a.OccurredAt = t0.Add(d)
		return a
	}
	uc := avAlert()
	uc.Type, uc.URL, uc.Fingerprint, uc.Facts = "uc", "http://casino.example/win", "gz:c-1:uc:pc-01:casino.example", nil
	// A note shows each alert as the vocabulary's headline for it.
	av, ucLine := headline(avAlert()), headline(uc)
	hostile := avAlert()
	hostile.Facts["malware_name"] = "<script>alert('x')</script>"
	hostileLine := headline(hostile)
	if !strings.Contains(hostileLine, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") {
		t.Fatalf("the headline of a hostile alert, escaped, is %q: the malware name is not in it", hostileLine)
	}

	tests := []struct {
		name   string
		alerts []source.Alert
		hidden bool
		want   ticketing.NoteFields
	}{
		{"IsEmptyWithoutAlerts", nil, true, ticketing.NoteFields{HiddenFromUser: true}},
		{"ListsOneAlert", []source.Alert{avAlert()}, true, ticketing.NoteFields{HiddenFromUser: true, NoteHTML: "" +
			"<p>1 new alert, seen 2026-05-04 10:00:00 UTC.</p>\n<ul>\n" +
			"<li>" + av + ", seen 2026-05-04 10:00:00 UTC</li>\n</ul>"}},
		{"CountsRepeatsWithFirstAndLastSeenInTimeOrder", []source.Alert{
			at(avAlert(), 5*time.Minute), at(uc, time.Minute), at(avAlert(), 0), at(avAlert(), 10*time.Minute),
		}, false, ticketing.NoteFields{NoteHTML: "" +
			"<p>4 new alerts, first seen 2026-05-04 10:00:00 UTC, last seen 2026-05-04 10:10:00 UTC.</p>\n<ul>\n" +
			"<li>" + av + ": 3 times, first seen 2026-05-04 10:00:00 UTC, last seen 2026-05-04 10:10:00 UTC</li>\n" +
			"<li>" + ucLine + ", seen 2026-05-04 10:01:00 UTC</li>\n</ul>"}},
		{"EscapesAlertValues", []source.Alert{hostile}, true, ticketing.NoteFields{HiddenFromUser: true, NoteHTML: "" +
			"<p>1 new alert, seen 2026-05-04 10:00:00 UTC.</p>\n<ul>\n" +
			"<li>" + hostileLine + ", seen 2026-05-04 10:00:00 UTC</li>\n</ul>"}},
		{"SaysWhenTheTimeIsUnknown", []source.Alert{at(avAlert(), 0), func() source.Alert {
			a := avAlert()
			a.OccurredAt = time.Time{}
			return a
		}()}, true, ticketing.NoteFields{HiddenFromUser: true, NoteHTML: "" +
			"<p>2 new alerts, first seen at an unknown time, last seen 2026-05-04 10:00:00 UTC.</p>\n<ul>\n" +
			"<li>" + av + ": 2 times, first seen at an unknown time, last seen 2026-05-04 10:00:00 UTC</li>\n</ul>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, ticketing.BuildNote(tt.alerts, tt.hidden)); diff != "" {
				t.Errorf("BuildNote (-want +got):\n%s", diff)
			}
		})
	}

	burst := func(distinct, repeatsOfLast int) []source.Alert {
		var alerts []source.Alert
		for i := range distinct {
			a := at(avAlert(), time.Duration(i)*time.Minute)
			a.HostName, a.Fingerprint = fmt.Sprintf("PC-%02d", i), fmt.Sprintf("fp-%02d", i)
			alerts = append(alerts, a)
		}
		for range repeatsOfLast {
			alerts = append(alerts, alerts[len(alerts)-1])
		}
		return alerts
	}

	t.Run("ListsTwentyLinesAndCountsTheRest", func(t *testing.T) {
		t.Parallel()
		alerts := burst(25, 2)
		got := ticketing.BuildNote(alerts, true).NoteHTML
		if n := strings.Count(got, "<li>"); n != 21 {
			t.Errorf("note has %d lines, want 20 alerts and a summary line", n)
		}
		for _, want := range []string{
			"<p>27 new alerts, first seen 2026-05-04 10:00:00 UTC, last seen 2026-05-04 10:24:00 UTC.</p>",
			"<li>" + headline(alerts[19]) + ", seen 2026-05-04 10:19:00 UTC</li>\n<li>and 7 more alerts</li>\n</ul>",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("note = %q\nwant it to contain %q", got, want)
			}
		}
	})

	t.Run("EscapesAlertValues", func(t *testing.T) {
		t.Parallel()
		a := avAlert()
		a.HostName = "<script>alert('x')</script>"
		got := ticketing.BuildNote([]source.Alert{a}, true).NoteHTML
		if strings.Contains(got, "<script>") || !strings.Contains(got, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") {
			t.Errorf("note = %q, want the host escaped", got)
		}
	})

	t.Run("CountsOneMoreAlertInTheSingular", func(t *testing.T) {
		t.Parallel()
		if got, want := ticketing.BuildNote(burst(21, 0), true).NoteHTML, "<li>and 1 more alert</li>"; !strings.Contains(got, want) {
			t.Errorf("note = %q, want %q", got, want)
		}
	})
}

// headline is the vocabulary's headline for a, as a note line shows it.
func headline(a source.Alert) string { return html.EscapeString(vocab.Describe(a).Headline) }
