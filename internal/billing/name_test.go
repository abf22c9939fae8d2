package billing_test

import (
	"strconv"
	"testing"
	"time"

	"halobridge/internal/billing"
	"halobridge/internal/source"
)

func month(y int, m time.Month) source.Month { return source.Month{Year: y, Month: m} }

func TestLineName(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		months  []source.Month
		include bool
		want    string
	}{
		{"OneMonth", []source.Month{month(2026, time.October)}, true, "Endpoint Security (Oct 2026)"},
		{"TwoMonthsInOneYear", []source.Month{month(2026, time.September), month(2026, time.October)}, true, "Endpoint Security (Sep–Oct 2026)"},
		{"AcrossTheYearEnd", []source.Month{month(2026, time.December), month(2027, time.January)}, true, "Endpoint Security (Dec 2026–Jan 2027)"},
		{"UnsortedAndRepeatedMonths", []source.Month{month(2026, time.October), month(2026, time.September), month(2026, time.October)}, true, "Endpoint Security (Sep–Oct 2026)"},
		{"GapInOneYear", []source.Month{month(2026, time.June), month(2026, time.August), month(2026, time.September)}, true, "Endpoint Security (Jun, Aug–Sep 2026)"},
		{"TwoSingleMonths", []source.Month{month(2026, time.March), month(2026, time.May)}, true, "Endpoint Security (Mar, May 2026)"},
		{"GapAcrossYears", []source.Month{month(2026, time.November), month(2027, time.January), month(2027, time.February)}, true, "Endpoint Security (Nov 2026, Jan–Feb 2027)"},
		{"RunAcrossYearsAfterAGap", []source.Month{month(2026, time.October), month(2026, time.December), month(2027, time.January)}, true, "Endpoint Security (Oct 2026, Dec 2026–Jan 2027)"},
		{"WholeYear", []source.Month{
			month(2026, time.January), month(2026, time.February), month(2026, time.March), month(2026, time.April),
			month(2026, time.May), month(2026, time.June), month(2026, time.July), month(2026, time.August),
			month(2026, time.September), month(2026, time.October), month(2026, time.November), month(2026, time.December),
		}, true, "Endpoint Security (Jan–Dec 2026)"},
		{"PeriodSwitchedOff", []source.Month{month(2026, time.October)}, false, "Endpoint Security"},
		{"NoMonthsWhileWaitingAtZero", nil, true, "Endpoint Security"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := billing.LineName("Endpoint Security", tt.months, tt.include); got != tt.want {
				t.Errorf("LineName = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzLineName(f *testing.F) {
	f.Add(2026, 10, 3, uint16(0b101))
	f.Add(2026, 12, 2, uint16(0b11))
	f.Fuzz(func(t *testing.T, year, mon, n int, mask uint16) {
		if year < 1 || year > 9999 || mon < 1 || mon > 12 || n < 1 || n > 16 {
			t.Skip()
		}
		var months []source.Month
		m := month(year, time.Month(mon))
		for i := range n {
			if mask&(1<<i) != 0 {
				months = append(months, m)
			}
			m = m.Next()
		}
		got := billing.LineName("Item", months, true)
		if len(months) == 0 {
			if got != "Item" {
				t.Fatalf("no months: got %q", got)
			}
			return
		}
		// The name always ends with the last month's year and starts with the
		// first month's abbreviation.
		last := months[len(months)-1]
		first := months[0].Month.String()[:3]
		wantSuffix := " " + strconv.Itoa(last.Year) + ")"
		if len(got) < len(wantSuffix) || got[len(got)-len(wantSuffix):] != wantSuffix {
			t.Errorf("LineName(%v) = %q, want it to end with %q", months, got, wantSuffix)
		}
		if got[:len("Item (")+3] != "Item ("+first {
			t.Errorf("LineName(%v) = %q, want it to start with %q", months, got, "Item ("+first)
		}
	})
}
