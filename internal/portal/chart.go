package portal

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
)

// chart is a bar chart laid out for an inline SVG: the server computes every
// coordinate, so the page needs no chart library and no script.
type chart struct {
	Width, Height int
	// Label describes the chart to screen readers.
	Label   string
	Grid    []gridLine
	Bars    []bar
	XLabels []axisLabel
	Legend  []legendItem
	// Empty charts show EmptyText instead.
	Empty     bool
	EmptyText string
}

type gridLine struct {
	X1, X2, Y      float64
	LabelX, LabelY float64
	Text           string
}

type bar struct {
	X, Y, W, H float64
	Fill       string
	// Title is the tooltip: the exact value behind the bar.
	Title string
}

type axisLabel struct {
	X, Y float64
	Text string
}

type legendItem struct {
	Class, Text string
}

// The plot area within the SVG's view box.
const (
	chartWidth  = 720
	chartHeight = 220
	chartLeft   = 44
	chartRight  = 8
	chartTop    = 10
	chartBottom = 26
	gridLines   = 4
)

// Bar colours, matching the legend swatches of portal.css.
const (
	fillAlerts  = "#8fb3f0"
	fillTickets = "#2d6cdf"
	fillBilled  = "#3b9a63"
)

// series is one set of bars: a value per slot.
type series struct {
	fill, name string
	values     []float64
}

// barChart lays out the series side by side in each slot, labelled below
// with labels (every labelEvery-th slot, so they never overlap).
func barChart(label string, labels []string, labelEvery int, all ...series) chart {
	c := chart{Width: chartWidth, Height: chartHeight, Label: label}
	top := 0.0
	for _, s := range all {
		for _, v := range s.values {
			top = math.Max(top, v)
		}
	}
	if top == 0 {
		c.Empty = true
		return c
	}
	top = niceCeiling(top)
	plotW := float64(chartWidth - chartLeft - chartRight)
	plotH := float64(chartHeight - chartTop - chartBottom)
	base := float64(chartTop) + plotH
	for i := 0; i <= gridLines; i++ {
		v := top * float64(i) / gridLines
		y := round1(base - plotH*float64(i)/gridLines)
		c.Grid = append(c.Grid, gridLine{X1: chartLeft, X2: chartWidth - chartRight, Y: y, LabelX: chartLeft - 6, LabelY: y + 4, Text: shortNumber(v)})
	}
	slot := plotW / float64(len(labels))
	gap := math.Max(slot*0.2, 1)
	barW := (slot - gap) / float64(len(all))
	for i, text := range labels {
		x0 := float64(chartLeft) + float64(i)*slot + gap/2
		for j, s := range all {
			v := s.values[i]
			h := plotH * v / top
			c.Bars = append(c.Bars, bar{
				X: round1(x0 + float64(j)*barW), Y: round1(base - h), W: round1(barW), H: round1(h),
				Fill: s.fill, Title: fmt.Sprintf("%s — %s: %s", text, s.name, quantity(v)),
			})
		}
		if labelEvery <= 1 || i%labelEvery == 0 || i == len(labels)-1 {
			c.XLabels = append(c.XLabels, axisLabel{X: round1(x0 + (slot-gap)/2), Y: chartHeight - 8, Text: text})
		}
	}
	return c
}

// activityChart draws alerts received and tickets created on each of the
// days days ending today (UTC).
func activityChart(activity []store.DayActivity, today time.Time, days int) chart {
	first := today.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(days - 1))
	byDay := map[string]store.DayActivity{}
	for _, d := range activity {
		byDay[d.Day.Format(time.DateOnly)] = d
	}
	labels := make([]string, days)
	alerts, tickets := make([]float64, days), make([]float64, days)
	for i := range days {
		day := first.AddDate(0, 0, i)
		labels[i] = day.Format("2 Jan")
		d := byDay[day.Format(time.DateOnly)]
		alerts[i], tickets[i] = float64(d.Alerts), float64(d.Tickets)
	}
	c := barChart(fmt.Sprintf("Alerts received and tickets created per day, last %d days", days), labels, 5,
		series{fill: fillAlerts, name: "alerts", values: alerts}, series{fill: fillTickets, name: "tickets", values: tickets})
	c.Legend = []legendItem{{"alerts", "Alerts received"}, {"tickets", "Tickets created"}}
	c.EmptyText = fmt.Sprintf("No alerts in the last %d days.", days)
	return c
}

// billedChart draws the quantity of one item billed for each of the
// months months up to last, from the real billing runs, counted in unit
// ("endpoints").
func billedChart(billed map[source.Month]float64, last source.Month, months int, unit string) chart {
	labels := make([]string, months)
	values := make([]float64, months)
	m := last
	for i := months - 1; i >= 0; i-- {
		labels[i] = time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC).Format("Jan 06")
		values[i] = billed[m]
		m = m.Prev()
	}
	c := barChart(fmt.Sprintf("%s billed per month, last %d months", capitalise(unit), months), labels, 1,
		series{fill: fillBilled, name: unit + " billed", values: values})
	c.Legend = []legendItem{{"billed", capitalise(unit) + " on recurring invoices"}}
	c.EmptyText = "Nothing billed yet: the first quantities appear after the first billing run."
	return c
}

// niceCeiling rounds v up so that each of the grid lines falls on a round
// number (1, 2, 2.5 or 5 times a power of ten); counts never get grid lines
// between whole numbers.
func niceCeiling(v float64) float64 {
	if v <= gridLines {
		return gridLines
	}
	step := v / gridLines
	exp := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*exp >= step {
			return m * exp * gridLines
		}
	}
	return 10 * exp * gridLines
}

// shortNumber labels an axis: 950, 1.5k, 12k.
func shortNumber(v float64) string {
	if v >= 1000 {
		return strconv.FormatFloat(v/1000, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(round1(v), 'f', -1, 64)
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
