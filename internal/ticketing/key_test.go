package ticketing_test

import (
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

func TestGroupKey(t *testing.T) {
	t.Parallel()

	policy := func(tp ticketing.TypePolicy) ticketing.Policy {
		tp.Enabled = true
		return ticketing.Policy{Types: map[string]ticketing.TypePolicy{"av": tp}}
	}
	hourly := func(g ticketing.Grouping) ticketing.Policy {
		return policy(ticketing.TypePolicy{Grouping: g, GroupWindow: time.Hour})
	}
	now := time.Date(2026, 5, 4, 11, 30, 0, 0, time.UTC)

	tests := []struct {
		name   string
		policy ticketing.Policy
		edit   func(a *source.Alert)
		want   string
	}{
		{"IsTheFingerprintPerAlert", policy(ticketing.TypePolicy{}), nil, "gz:c-1:av:pc-01:eicar"},
		{"IsTheFingerprintForATypeMissingFromThePolicy", ticketing.Policy{}, nil, "gz:c-1:av:pc-01:eicar"},
		{"AddsTheWindowStartPerAlert", hourly(ticketing.GroupByAlert),
			func(a *source.Alert) { a.OccurredAt = t0.Add(42 * time.Minute) }, "gz:c-1:av:pc-01:eicar@2026-05-04T10:00:00Z"},
		{"NamesSourceCustomerTypeAndHostPerHost", policy(ticketing.TypePolicy{Grouping: ticketing.GroupByHost}),
			nil, "host/gravityzone/c-1/av/pc-01"},
		{"UsesTheIPForAHostWithoutName", policy(ticketing.TypePolicy{Grouping: ticketing.GroupByHost}),
			func(a *source.Alert) { a.HostName = " " }, "host/gravityzone/c-1/av/10.0.0.5"},
		{"KeepsAnAlertWithoutHostOnItsOwnTicket", hourly(ticketing.GroupByHost),
			func(a *source.Alert) { a.HostName, a.HostIP = "", "" }, "gz:c-1:av:pc-01:eicar@2026-05-04T10:00:00Z"},
		{"NamesSourceCustomerAndTypePerCustomer", policy(ticketing.TypePolicy{Grouping: ticketing.GroupByCustomer}),
			nil, "customer/gravityzone/c-1/av"},
		{"EscapesPartsSoTheyCannotCollide", policy(ticketing.TypePolicy{Grouping: ticketing.GroupByHost}),
			func(a *source.Alert) { a.CustomerID, a.HostName = "a/b", "PC 01" }, "host/gravityzone/a%2Fb/av/pc%2001"},
		{"StartsDailyWindowsAtMidnightUTC", policy(ticketing.TypePolicy{Grouping: ticketing.GroupByCustomer, GroupWindow: 24 * time.Hour}),
			func(a *source.Alert) {
				a.OccurredAt = time.Date(2026, 5, 4, 23, 59, 0, 0, time.FixedZone("CEST", 2*3600))
			},
			"customer/gravityzone/c-1/av@2026-05-04T00:00:00Z"},
		{"UsesNowForAnAlertWithoutTime", hourly(ticketing.GroupByCustomer),
			func(a *source.Alert) { a.OccurredAt = time.Time{} }, "customer/gravityzone/c-1/av@2026-05-04T11:00:00Z"},
		{"IsEmptyWithoutFingerprintPerAlert", hourly(ticketing.GroupByAlert),
			func(a *source.Alert) { a.Fingerprint = "" }, ""},
		{"NeedsNoFingerprintPerCustomer", policy(ticketing.TypePolicy{Grouping: ticketing.GroupByCustomer}),
			func(a *source.Alert) { a.Fingerprint = "" }, "customer/gravityzone/c-1/av"},
		{"FollowsTheSourceOverride", ticketing.Policy{Sources: map[source.Kind]ticketing.Policy{
			source.GravityZone: policy(ticketing.TypePolicy{Grouping: ticketing.GroupByCustomer}),
		}}, nil, "customer/gravityzone/c-1/av"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := avAlert()
			if tt.edit != nil {
				tt.edit(&a)
			}
			if got := ticketing.GroupKey(a, tt.policy, now); got != tt.want {
				t.Errorf("GroupKey = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("IsStableWithinAWindowAndChangesAtItsEnd", func(t *testing.T) {
		t.Parallel()
		p := hourly(ticketing.GroupByHost)
		key := func(at time.Time) string {
			a := avAlert()
			a.OccurredAt = at
			return ticketing.GroupKey(a, p, now)
		}
		first := key(t0)
		if got := key(t0.Add(59*time.Minute + 59*time.Second)); got != first {
			t.Errorf("key at 10:59:59 = %q, want %q as at 10:00", got, first)
		}
		if got := key(t0.Add(time.Hour)); got == first {
			t.Errorf("key at 11:00 = %q, want a new window", got)
		}
	})
}
