package connect_test

import (
	"testing"

	"halobridge/internal/connect"
	"halobridge/internal/source"
)

func TestAlertCompany(t *testing.T) {
	t.Parallel()
	names := map[connect.Company]string{{SourceID: 1, CustomerID: "c-1"}: "Brightwater Dental"}
	for _, tc := range []struct {
		name     string
		sourceID int64
		alert    source.Alert
		want     string
	}{
		{"ByTheNameOfItsCompany", 1, source.Alert{Source: source.GravityZone, CustomerID: "c-1"}, "Brightwater Dental"},
		{"NoneForACompanyOfAnotherSource", 2, source.Alert{Source: source.GravityZone, CustomerID: "c-1"}, ""},
		{"InWordsWithoutACompany", 1, source.Alert{Source: source.GravityZone}, "GravityZone sent this event without a company"},
		{"InWordsForDefensXToo", 1, source.Alert{Source: source.DefensX}, "DefensX sent this event without a company"},
	} {
		if got := connect.AlertCompany(names, tc.sourceID, tc.alert); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
