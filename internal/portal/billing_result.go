package portal

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"halobridge/internal/billing"
	"halobridge/internal/billing/run"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// dryRunView is what a dry run would write, client by client: the
// reconciliation of each line HaloPSA holds against halobridge's.
type dryRunView struct {
	Result   run.Result
	Month    string
	HaloRoot string // for links to the clients and invoices in HaloPSA
	// Items names HaloPSA's items by id, for the lines that carry no name
	// (findings) and the items created since the last sync.
	Items map[int]string
	// Notes explain the fractional quantities shown, one per source.
	Notes []string
}

// billedView is what a real run wrote, client by client.
type billedView struct {
	Run      store.BillingRun
	Month    string
	HaloRoot string
	Clients  []clientBilled
	Notes    []string
}

// clientBilled is one client's part of a real run: the lines added or
// changed, and how many were left as they were.
type clientBilled struct {
	run.ClientResult
	Lines     []lineChange
	Unchanged int
}

// lineChange is a line a run added or changed.
type lineChange struct {
	Name string
	// Change is "added", "changed" (the quantity, maybe the name with it)
	// or "renamed".
	Change   string
	Old, New float64
	// Usage says the fractional usage behind New ("42.18 as a decimal").
	Usage string
	// Fraction marks a quantity the notes explain.
	Fraction bool
}

// fractionNotes say why a source's quantities have decimals, as the
// source reports them.
var fractionNotes = map[source.Kind]string{
	source.DefensX: "DefensX bills each subscription per user, pro rata over the month: a user counts for the share of " +
		"the month they were protected (DefensX's usage details list every user's share, such as 0.17 for a user who " +
		"started near the month's end), and the subscription's quantity is the sum of those shares. " +
		"The billing policy says whether halobridge bills it as a decimal or rounds it.",
	source.Push: "The push API reported a fractional quantity; the billing policy says whether halobridge bills it as a decimal or rounds it.",
}

// fractional reports whether a line's quantity has decimals or came from a
// fractional usage.
func fractional(r billing.Row) bool {
	return r.Rounding != "" || r.Quantity != math.Trunc(r.Quantity)
}

// notesFor explains the fractional quantities among rows, once per source
// of the products billed under their items.
func notesFor(res run.Result, rows []billing.Row) []string {
	var kinds []source.Kind
	for _, r := range rows {
		if r.Finding != "" || !fractional(r) {
			continue
		}
		for _, p := range res.ProductsOf(r.ItemID) {
			if _, ok := fractionNotes[p.Source]; ok && !slices.Contains(kinds, p.Source) {
				kinds = append(kinds, p.Source)
			}
		}
	}
	slices.Sort(kinds)
	notes := make([]string, len(kinds))
	for i, k := range kinds {
		notes[i] = fractionNotes[k]
	}
	return notes
}

// allRows are the rows of every client of a run.
func allRows(res run.Result) []billing.Row {
	var rows []billing.Row
	for _, c := range res.Clients {
		rows = append(rows, c.Rows...)
	}
	return rows
}

// newDryRunView lays out a dry run.
func newDryRunView(res run.Result, root string, items map[int]string) dryRunView {
	return dryRunView{Result: res, Month: monthLabel(res.Month), HaloRoot: root, Items: items, Notes: notesFor(res, allRows(res))}
}

// newBilledView lays out what a real run wrote.
func newBilledView(rec store.BillingRun, root string, items map[int]string) billedView {
	res := run.ResultOf(rec)
	v := billedView{Run: rec, Month: monthLabel(rec.Month), HaloRoot: root, Notes: notesFor(res, allRows(res))}
	for _, c := range res.Clients {
		cb := clientBilled{ClientResult: c}
		for _, r := range c.Rows {
			switch r.Change {
			case billing.ChangeAdd, billing.ChangeSetQuantity, billing.ChangeRename:
				cb.Lines = append(cb.Lines, lineChange{
					Name: lineName(r, items), Change: changeWords[r.Change], Old: r.HaloQuantity, New: r.Quantity,
					Usage: r.UsageText(), Fraction: fractional(r) && len(notesFor(res, []billing.Row{r})) > 0,
				})
			case billing.ChangeLeave:
				cb.Unchanged++
			}
		}
		v.Clients = append(v.Clients, cb)
	}
	return v
}

var changeWords = map[billing.ChangeKind]string{
	billing.ChangeAdd: "added", billing.ChangeSetQuantity: "changed", billing.ChangeRename: "renamed",
}

// LineName names a row of the dry run.
func (d dryRunView) LineName(r billing.Row) string { return lineName(r, d.Items) }

// lineName is a line's name after the run, else its item's.
func lineName(r billing.Row, items map[int]string) string {
	if r.Name != "" {
		return r.Name
	}
	return itemName(items, r.ItemID)
}

// itemName names a HaloPSA item by its id, from the stored catalog.
func itemName(items map[int]string, id int) string {
	if name := items[id]; name != "" {
		return name
	}
	return "item " + strconv.Itoa(id)
}

// itemNames are the names of the partner's HaloPSA items by id.
func (h *handler) itemNames(ctx context.Context, partnerID int64) (map[int]string, error) {
	items, err := h.deps.Store.Catalog(ctx, partnerID, store.KindItem)
	if err != nil {
		return nil, err
	}
	names := make(map[int]string, len(items))
	for _, it := range items {
		if id, err := strconv.Atoi(it.HaloID); err == nil {
			names[id] = it.Name
		}
	}
	return names, nil
}

// latestRun is the newest finished run among runs (newest first) that is
// a dry run or not, as dryRun says; nil when there is none.
func latestRun(runs []store.BillingRun, dryRun bool) *store.BillingRun {
	for i := range runs {
		if runs[i].DryRun == dryRun && !runs[i].FinishedAt.IsZero() {
			return &runs[i]
		}
	}
	return nil
}

// productChart is the chart of one HaloPSA item's billed quantities.
type productChart struct {
	Title, Unit string
	Chart       chart
	Notes       []string
}

// productCharts draws one chart per item billed, in the unit its products
// count; products that count different things never share a bar.
func productCharts(billed []run.ItemBilled, items map[int]string, last source.Month, months int) []productChart {
	var out []productChart
	for _, it := range billed {
		var names, units []string
		var kinds []source.Kind
		for _, p := range it.Products {
			names = appendNew(names, p.Name)
			units = appendNew(units, p.Unit)
			if !slices.Contains(kinds, p.Source) {
				kinds = append(kinds, p.Source)
			}
		}
		item := items[it.ItemID]
		if item == "" {
			item = it.Name
		}
		title := strings.Join(names, ", ")
		switch {
		case title == "":
			title = item
		case item != "" && item != title:
			title += " — HaloPSA item " + item
		}
		unit := billing.UnitLicences
		if len(units) == 1 {
			unit = units[0]
		}
		c := billedChart(it.Months, last, months, unit)
		pc := productChart{Title: title, Unit: unit, Chart: c}
		if it.Fractional {
			slices.Sort(kinds)
			for _, k := range kinds {
				if n, ok := fractionNotes[k]; ok {
					pc.Notes = append(pc.Notes, n)
				}
			}
		}
		out = append(out, pc)
	}
	return out
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
