package defensx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"halobridge/internal/outbound"
	"halobridge/internal/source/defensx"
	"halobridge/internal/source/defensx/dxsim"
)

func TestClientURLLogs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ReadsRowsAndThePagingObject", func(t *testing.T) {
		t.Parallel()
		b := setup(t, dxsim.Options{Customers: []dxsim.Customer{{ID: "c1", Name: "One"}}})
		at := time.Date(2026, 3, 15, 11, 58, 0, 123e6, time.UTC)
		if err := b.sim.AddURLLog("c1", dxsim.URLLog{CreatedAt: at, UserID: "u1", AgentID: "a1", Action: "blocked", URL: "https://www.bet365.com/",
			Source: "extension", SubType: "url_block_consented", RiskScore: "62", CategoryKey: "CAT_GAMBLING_IN_GENERAL"}); err != nil {
			t.Fatal(err)
		}
		got, err := b.client.URLLogs(ctx, "c1", defensx.URLLogQuery{Start: at, End: at, Page: 1, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		want := defensx.URLLogPage{
			Items: []defensx.URLLog{{CreatedAt: at, UserID: "u1", AgentID: "a1", Action: "blocked", URL: "https://www.bet365.com/",
				Source: "extension", SubType: "url_block_consented", RiskScore: "62", CategoryKey: "CAT_GAMBLING_IN_GENERAL"}},
			Pagination: defensx.Pagination{Page: 1, Limit: 10, TotalPages: 1, TotalCount: 1, NItems: 1},
		}
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(defensx.URLLog{}, "Raw")); diff != "" {
			t.Fatalf("page (-want +got):\n%s", diff)
		}
		q := b.sim.Requests()[0].Query
		if q.Get("start_date") != "2026-03-15T11:58:00.123Z" || q.Get("end_date") != "2026-03-15T11:58:00.123Z" {
			t.Fatalf("window sent as %v", q)
		}
	})
	t.Run("ReadsLenientRows", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"items":[
				{"created_at":"2026-03-15 11:00:00","user_id":null,"action":"blocked","url":"a.example","risk_score":71},
				{"created_at":1773572400,"action":"allowed","url":"b.example"},
				{"action":"allowed","url":"c.example"}]}`))
		}))
		defer srv.Close()
		c, err := defensx.New(defensx.Config{Outbound: outbound.Local(), APIRoot: srv.URL, APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.URLLogs(ctx, "c1", defensx.URLLogQuery{})
		if err != nil {
			t.Fatal(err)
		}
		want := []defensx.URLLog{
			{CreatedAt: time.Date(2026, 3, 15, 11, 0, 0, 0, time.UTC), Action: "blocked", URL: "a.example", RiskScore: "71"},
			{CreatedAt: time.Date(2026, 3, 15, 11, 0, 0, 0, time.UTC), Action: "allowed", URL: "b.example"},
			{Action: "allowed", URL: "c.example"},
		}
		if diff := cmp.Diff(want, got.Items, cmpopts.IgnoreFields(defensx.URLLog{}, "Raw")); diff != "" {
			t.Fatalf("rows (-want +got):\n%s", diff)
		}
	})
	t.Run("FailsOnAnUnknownTimeFormat", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"items":[{"created_at":"15/03/2026","action":"blocked"}]}`))
		}))
		defer srv.Close()
		c, err := defensx.New(defensx.Config{Outbound: outbound.Local(), APIRoot: srv.URL, APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.URLLogs(ctx, "c1", defensx.URLLogQuery{}); err == nil {
			t.Fatal("a row dated 15/03/2026 was accepted")
		}
	})
}
