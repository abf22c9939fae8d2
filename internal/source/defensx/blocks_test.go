package defensx_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/source"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/defensx/dxsim"
)

var t0 = time.Date(2026, time.March, 15, 10, 0, 0, 0, time.UTC)

func row(at time.Duration, action, rawURL string) defensx.URLLog {
	return defensx.URLLog{CreatedAt: t0.Add(at), UserID: "u1", AgentID: "a1", Action: action, URL: rawURL, Source: "extension", SubType: "url"}
}

func fingerprints(alerts []source.Alert) []string {
	var out []string
	for _, a := range alerts {
		out = append(out, a.Fingerprint+"@"+a.OccurredAt.Sub(t0).String())
	}
	return out
}

func TestNewBlocks(t *testing.T) {
	t.Parallel()

	t.Run("TurnsABlockIntoAnAlert", func(t *testing.T) {
		t.Parallel()
		r := row(time.Minute, "blocked", "https://WWW.Bet365.com/sports?x=1")
		r.RiskScore, r.CategoryKey = "62", "CAT_GAMBLING_IN_GENERAL"
		alerts, cur := defensx.NewBlocks([]defensx.URLLog{row(0, "allowed", "https://github.com/"), r}, defensx.Cursor{CustomerID: "c1"})
		want := []source.Alert{{
			Source: source.DefensX, CustomerID: "c1", Type: "url_block", Severity: source.SeverityLow,
			HostName: "www.bet365.com", User: "u1", URL: "https://WWW.Bet365.com/sports?x=1",
			Facts: map[string]string{
				"report_type": "url_block", "report_type_label": "URL Block", "hostname": "www.bet365.com",
				"url": "https://WWW.Bet365.com/sports?x=1", "action": "blocked", "log_source": "extension", "sub_type": "url",
				"risk_score": "62", "category_key": "CAT_GAMBLING_IN_GENERAL", "agent_id": "a1", "user_id": "u1", "user": "u1",
			},
			OccurredAt:  t0.Add(time.Minute),
			Fingerprint: "defensx:c1:url_block:a1:www.bet365.com",
		}}
		if diff := cmp.Diff(want, alerts, cmpopts.IgnoreFields(source.Alert{}, "EventID", "Raw")); diff != "" {
			t.Fatalf("alerts (-want +got):\n%s", diff)
		}
		if !cur.Last.Equal(t0.Add(time.Minute)) || len(cur.SeenAtLast) != 1 || cur.CustomerID != "c1" {
			t.Fatalf("cursor = %+v", cur)
		}
	})

	tests := []struct {
		name  string
		first []defensx.URLLog // read by an earlier poll, whose cursor the second starts from
		rows  []defensx.URLLog
		want  []string
	}{
		{
			name: "SkipsRowsReadAtTheCursorInstantButNotTheirNeighbours",
			first: []defensx.URLLog{
				row(0, "blocked", "https://a.example/"),
				row(time.Minute, "blocked", "https://b.example/"),
			},
			rows: []defensx.URLLog{
				row(time.Minute, "blocked", "https://b.example/"),
				row(time.Minute, "blocked", "https://c.example/"),
				row(2*time.Minute, "blocked", "https://d.example/"),
			},
			want: []string{"defensx:c1:url_block:a1:c.example@1m0s", "defensx:c1:url_block:a1:d.example@2m0s"},
		},
		{
			name:  "SkipsRowsBeforeTheCursor",
			first: []defensx.URLLog{row(5*time.Minute, "allowed", "https://a.example/")},
			rows:  []defensx.URLLog{row(4*time.Minute, "blocked", "https://late.example/"), row(6*time.Minute, "blocked", "https://e.example/")},
			want:  []string{"defensx:c1:url_block:a1:e.example@6m0s"},
		},
		{
			name: "CountsRowsEqualInEveryFieldOnce",
			rows: []defensx.URLLog{row(0, "blocked", "https://a.example/"), row(0, "blocked", "https://a.example/")},
			want: []string{"defensx:c1:url_block:a1:a.example@0s"},
		},
		{
			name: "ReadsRowsInAnyOrder",
			rows: []defensx.URLLog{row(2*time.Minute, "Block", "b.example/x"), row(0, "BLOCKED_BY_POLICY", "https://a.example:8443/")},
			want: []string{"defensx:c1:url_block:a1:a.example@0s", "defensx:c1:url_block:a1:b.example@2m0s"},
		},
		{
			name: "KeysTheMachineByUserWhenNoAgent",
			rows: []defensx.URLLog{{CreatedAt: t0, UserID: "u7", Action: "blocked", URL: "https://a.example/"}, {CreatedAt: t0, Action: "blocked", URL: "https://b.example/"}},
			want: []string{"defensx:c1:url_block:u7:a.example@0s", "defensx:c1:url_block:-:b.example@0s"},
		},
		{
			name: "IgnoresAllowedRows",
			rows: []defensx.URLLog{row(0, "allowed", "https://a.example/"), {CreatedAt: t0, Action: "allowed", SubType: "readonly_consented", URL: "https://b.example/"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, cur := defensx.NewBlocks(tt.first, defensx.Cursor{CustomerID: "c1"})
			alerts, _ := defensx.NewBlocks(tt.rows, cur)
			if diff := cmp.Diff(tt.want, fingerprints(alerts)); diff != "" {
				t.Fatalf("alerts (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("TakesAClickedThroughBlockAsABlock", func(t *testing.T) {
		t.Parallel()
		r := row(0, "allowed", "https://a.example/")
		r.SubType = "url_block_consented"
		alerts, _ := defensx.NewBlocks([]defensx.URLLog{r}, defensx.Cursor{CustomerID: "c1"})
		if len(alerts) != 1 || alerts[0].Facts["consented"] != "true" {
			t.Fatalf("alerts = %+v", alerts)
		}
	})
	t.Run("MovesTheCursorOnAllowedRowsToo", func(t *testing.T) {
		t.Parallel()
		_, cur := defensx.NewBlocks([]defensx.URLLog{row(3*time.Minute, "allowed", "https://a.example/")}, defensx.Cursor{CustomerID: "c1", Last: t0})
		if !cur.Last.Equal(t0.Add(3 * time.Minute)) {
			t.Fatalf("cursor = %+v", cur)
		}
	})
	t.Run("GivesEachRowItsOwnEventID", func(t *testing.T) {
		t.Parallel()
		alerts, _ := defensx.NewBlocks([]defensx.URLLog{row(0, "blocked", "https://a.example/"), row(time.Second, "blocked", "https://a.example/")}, defensx.Cursor{CustomerID: "c1"})
		if len(alerts) != 2 || alerts[0].EventID == alerts[1].EventID || alerts[0].Fingerprint != alerts[1].Fingerprint {
			t.Fatalf("alerts = %+v", alerts)
		}
	})
}

func TestPollURLBlocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	// pollSetup is a simulator with one customer and a client that looks back 15 minutes,
	// past which the seeded browsing lies.
	pollSetup := func(t *testing.T) (*testBundle, *defensx.Client, string) {
		b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "c1", Name: "Bright Harbor Dental"}}})
		return b, b.clientFor(t, defensx.Config{BlockLookback: 15 * time.Minute}), "c1"
	}
	block := func(t *testing.T, b *testBundle, customer, rawURL string, ago time.Duration) {
		t.Helper()
		if _, err := b.sim.AddBlock(customer, rawURL, testNow.Add(-ago)); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("PollsAgainWithoutCountingTwice", func(t *testing.T) {
		t.Parallel()
		b, c, id := pollSetup(t)
		block(t, b, id, "https://a.example/", 10*time.Minute)
		block(t, b, id, "https://old.example/", 20*time.Minute)
		alerts, cur, err := c.PollURLBlocks(ctx, id, defensx.Cursor{})
		if err != nil {
			t.Fatal(err)
		}
		if len(alerts) != 1 || alerts[0].HostName != "a.example" {
			t.Fatalf("first poll: %+v", alerts)
		}
		// A row at the instant of the last one read, and a later one.
		block(t, b, id, "https://b.example/", 10*time.Minute)
		block(t, b, id, "https://c.example/", 5*time.Minute)
		alerts, cur, err = c.PollURLBlocks(ctx, id, cur)
		if err != nil {
			t.Fatal(err)
		}
		var hosts []string
		for _, a := range alerts {
			hosts = append(hosts, a.HostName)
		}
		if diff := cmp.Diff([]string{"b.example", "c.example"}, hosts); diff != "" {
			t.Fatalf("second poll (-want +got):\n%s", diff)
		}
		alerts, _, err = c.PollURLBlocks(ctx, id, cur)
		if err != nil || len(alerts) != 0 {
			t.Fatalf("third poll: %+v, %v", alerts, err)
		}
		reqs := b.sim.Requests()
		if got, want := reqs[1].Query.Get("start_date"), "2026-03-15T11:50:00.000Z"; got != want {
			t.Errorf("second poll started at %s, want the last row read, %s", got, want)
		}
	})
	t.Run("ReadsEveryPage", func(t *testing.T) {
		t.Parallel()
		b, c, id := pollSetup(t)
		for i := range 5003 {
			if err := b.sim.AddURLLog(id, dxsim.URLLog{CreatedAt: testNow.Add(-time.Duration(i) * 100 * time.Millisecond), Action: "allowed", URL: fmt.Sprintf("https://site%d.example/", i)}); err != nil {
				t.Fatal(err)
			}
		}
		block(t, b, id, "https://first.example/", 14*time.Minute)
		block(t, b, id, "https://last.example/", 0)
		alerts, _, err := c.PollURLBlocks(ctx, id, defensx.Cursor{})
		if err != nil {
			t.Fatal(err)
		}
		if len(alerts) != 2 || alerts[0].HostName != "first.example" || alerts[1].HostName != "last.example" {
			t.Fatalf("alerts = %+v", alerts)
		}
		var pages []string
		for _, r := range b.sim.Requests() {
			pages = append(pages, r.Query.Get("page")+"/"+r.Query.Get("limit")+" "+r.Query.Get("start_date")+".."+r.Query.Get("end_date"))
		}
		want := []string{
			"1/5000 2026-03-15T11:45:00.000Z..2026-03-15T12:00:00.000Z",
			"2/5000 2026-03-15T11:45:00.000Z..2026-03-15T12:00:00.000Z",
		}
		if diff := cmp.Diff(want, pages); diff != "" {
			t.Fatalf("requests (-want +got):\n%s", diff)
		}
	})
	t.Run("KeepsTheFirstWindowWhenNothingCame", func(t *testing.T) {
		t.Parallel()
		_, c, id := pollSetup(t)
		_, cur, err := c.PollURLBlocks(ctx, id, defensx.Cursor{})
		if err != nil {
			t.Fatal(err)
		}
		if !cur.Last.Equal(testNow.Add(-15*time.Minute)) || cur.CustomerID != id {
			t.Fatalf("cursor = %+v", cur)
		}
	})
	t.Run("LeavesTheCursorOnError", func(t *testing.T) {
		t.Parallel()
		b, c, id := pollSetup(t)
		b.sim.InjectFault(dxsim.Fault{PathPrefix: "/customers/", Status: 500})
		in := defensx.Cursor{CustomerID: id, Last: t0, SeenAtLast: []string{"x"}}
		alerts, cur, err := c.PollURLBlocks(ctx, id, in)
		if err == nil || alerts != nil {
			t.Fatalf("alerts %+v, err %v", alerts, err)
		}
		if diff := cmp.Diff(in, cur); diff != "" {
			t.Fatalf("cursor moved (-want +got):\n%s", diff)
		}
	})
	t.Run("RefusesAnotherCustomersCursor", func(t *testing.T) {
		t.Parallel()
		_, c, id := pollSetup(t)
		if _, _, err := c.PollURLBlocks(ctx, id, defensx.Cursor{CustomerID: "c2"}); err == nil {
			t.Fatal("accepted the cursor of another customer")
		}
	})
}
