package billing

import (
	"fmt"
	"slices"
	"strings"

	"halobridge/internal/source"
)

// LineName is the description halobridge gives its line: the item's name,
// followed, when include is set, by the months the quantity covers:
// "Endpoint Security (Oct 2026)", "(Sep–Oct 2026)", "(Dec 2026–Jan 2027)",
// "(Jun, Aug–Sep 2026)". Without months (a line waiting at 0) it is the
// item's name alone.
func LineName(itemName string, months []source.Month, include bool) string {
	if !include || len(months) == 0 {
		return itemName
	}
	return itemName + " (" + period(months) + ")"
}

// period writes months as runs of consecutive months; the year is written
// once at the end when every month falls in it.
func period(months []source.Month) string {
	ms := sortedMonths(months)
	type run struct{ from, to source.Month }
	var runs []run
	for _, m := range ms {
		if n := len(runs); n > 0 && runs[n-1].to.Next() == m {
			runs[n-1].to = m
			continue
		}
		runs = append(runs, run{m, m})
	}
	short := func(m source.Month) string { return m.Month.String()[:3] }
	long := func(m source.Month) string { return fmt.Sprintf("%s %d", short(m), m.Year) }
	oneYear := ms[0].Year == ms[len(ms)-1].Year
	parts := make([]string, len(runs))
	for i, r := range runs {
		switch {
		case oneYear && r.from == r.to:
			parts[i] = short(r.from)
		case oneYear:
			parts[i] = short(r.from) + "–" + short(r.to)
		case r.from == r.to:
			parts[i] = long(r.from)
		case r.from.Year == r.to.Year:
			parts[i] = short(r.from) + "–" + long(r.to)
		default:
			parts[i] = long(r.from) + "–" + long(r.to)
		}
	}
	s := strings.Join(parts, ", ")
	if oneYear {
		s += fmt.Sprintf(" %d", ms[0].Year)
	}
	return s
}

// sortedMonths returns months in order, each once.
func sortedMonths(months []source.Month) []source.Month {
	ms := slices.Clone(months)
	slices.SortFunc(ms, compareMonths)
	return slices.Compact(ms)
}

func compareMonths(a, b source.Month) int {
	if a == b {
		return 0
	}
	if a.Before(b) {
		return -1
	}
	return 1
}
