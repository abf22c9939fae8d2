package portal

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

func TestNiceCeiling(t *testing.T) {
	t.Parallel()
	cases := []struct {
		max, want float64
	}{
		{0.5, 4}, {3, 4}, {4, 4}, {5, 8}, {9, 10}, {17, 20}, {41, 80}, {380, 400}, {1234, 2000},
	}
	for _, tc := range cases {
		if got := niceCeiling(tc.max); got != tc.want {
			t.Errorf("niceCeiling(%v) = %v, want %v", tc.max, got, tc.want)
		}
	}
}

func TestActivityChart(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 3, 14, 15, 4, 5, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }

	t.Run("DrawsTwoBarsPerDayScaledToTheGrid", func(t *testing.T) {
		c := activityChart([]store.DayActivity{{Day: day(12), Alerts: 4, Tickets: 1}, {Day: day(14), Alerts: 2}}, today, 3)
		if c.Empty || len(c.Bars) != 6 || len(c.Grid) != 5 {
			t.Fatalf("chart: empty %v, %d bars, %d grid lines", c.Empty, len(c.Bars), len(c.Grid))
		}
		// The plot is 720-44-8 = 668 wide and 220-10-26 = 184 high: three
		// slots of 222.67 starting at x 44, each with a gap of 44.53 split
		// around two bars of 89.07; the grid tops out at 4.
		want := []bar{
			{X: 66.3, Y: 10, W: 89.1, H: 184, Fill: fillAlerts, Title: "12 Mar — alerts: 4"},
			{X: 155.3, Y: 148, W: 89.1, H: 46, Fill: fillTickets, Title: "12 Mar — tickets: 1"},
			{X: 288.9, Y: 194, W: 89.1, H: 0, Fill: fillAlerts, Title: "13 Mar — alerts: 0"},
			{X: 378, Y: 194, W: 89.1, H: 0, Fill: fillTickets, Title: "13 Mar — tickets: 0"},
			{X: 511.6, Y: 102, W: 89.1, H: 92, Fill: fillAlerts, Title: "14 Mar — alerts: 2"},
			{X: 600.7, Y: 194, W: 89.1, H: 0, Fill: fillTickets, Title: "14 Mar — tickets: 0"},
		}
		if diff := cmp.Diff(want, c.Bars); diff != "" {
			t.Errorf("bars (-want +got):\n%s", diff)
		}
		if c.Grid[4].Text != "4" || c.Grid[4].Y != 10 || c.Grid[0].Text != "0" || c.Grid[0].Y != 194 {
			t.Errorf("grid from %+v to %+v", c.Grid[0], c.Grid[4])
		}
	})

	t.Run("SaysSoWhenThereIsNothingToDraw", func(t *testing.T) {
		c := activityChart(nil, today, 30)
		if !c.Empty || c.EmptyText != "No alerts in the last 30 days." {
			t.Errorf("empty chart: %+v", c)
		}
	})

	t.Run("LabelsEveryFifthDayAndTheLast", func(t *testing.T) {
		c := activityChart([]store.DayActivity{{Day: day(14), Alerts: 1}}, today, 12)
		var labels []string
		for _, l := range c.XLabels {
			labels = append(labels, l.Text)
		}
		if diff := cmp.Diff([]string{"3 Mar", "8 Mar", "13 Mar", "14 Mar"}, labels); diff != "" {
			t.Errorf("labels (-want +got):\n%s", diff)
		}
	})
}

func TestBilledChart(t *testing.T) {
	t.Parallel()
	last := source.Month{Year: 2026, Month: 2}
	c := billedChart(map[source.Month]float64{{Year: 2026, Month: 1}: 42.5, {Year: 2025, Month: 1}: 99}, last, 3, "users")
	var labels []string
	for _, l := range c.XLabels {
		labels = append(labels, l.Text)
	}
	if diff := cmp.Diff([]string{"Dec 25", "Jan 26", "Feb 26"}, labels); diff != "" {
		t.Errorf("months (-want +got):\n%s", diff)
	}
	if len(c.Bars) != 3 || c.Bars[1].Title != "Jan 26 — users billed: 42.5" || c.Bars[0].H != 0 || c.Bars[2].H != 0 {
		t.Errorf("bars: %+v", c.Bars)
	}
	if c.Legend[0].Text != "Users on recurring invoices" {
		t.Errorf("the legend says %q: it must name the unit", c.Legend[0].Text)
	}
	if c.Grid[4].Text != "80" {
		t.Errorf("the top grid line says %q, want 80 (42.5 rounded up to a round step)", c.Grid[4].Text)
	}
}
