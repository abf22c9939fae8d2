package billing

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"halobridge/internal/source"
)

// planner holds one plan's working state.
type planner struct {
	in       PlanInput
	inv      Invoice
	clientID int
	include  bool

	write   []source.Month // months written now
	carried []source.Month // due months left for a later plan

	findings []Finding
	reported map[int]bool // items already reported deleted

	decided   map[int]Change // by index of the invoice's line
	rewritten map[int]Line   // the same, for lines halobridge changes
	adds      []addition

	changes []Change
	lines   []Line
	entries []Entry // the ledger's lines after the plan
}

// addition is a line to add and the entry that will own it.
type addition struct {
	entry  Entry
	reason string
}

// split sorts due months into those whose usage can be written and those
// carried, and reports the carried ones.
func (p *planner) split(due []source.Month) {
	var why []string
	for _, m := range due {
		mq, ok := p.in.Quantities.Months[m]
		switch {
		case !ok:
			p.carried = append(p.carried, m)
			why = append(why, fmt.Sprintf("%s: not counted", describeMonths([]source.Month{m})))
		case mq.Unavailable != "":
			p.carried = append(p.carried, m)
			why = append(why, fmt.Sprintf("%s: %s", describeMonths([]source.Month{m}), mq.Unavailable))
		default:
			p.write = append(p.write, m)
		}
	}
	if len(p.carried) > 0 {
		p.findings = append(p.findings, Finding{Kind: FindingUsageUnavailable, ClientID: p.clientID, Months: slices.Clone(p.carried), Message: fmt.Sprintf(
			"Usage could not be billed (%s): carried to the next run and billed with the months after it.", strings.Join(why, "; "))})
	}
}

// checkItems holds every month back when usage to write is billed as an item
// HaloPSA no longer has: writing the other items alone would give the lines
// different periods, and the months would be lost for the missing item.
func (p *planner) checkItems() {
	var missing []int
	for _, id := range p.itemsToWrite() {
		if _, ok := usableItem(p.in.Items, id); !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return
	}
	for _, id := range missing {
		p.reportItem(id, fmt.Sprintf("%s, and usage is billed as it: map the product to another item; %s waits until then.",
			itemProblem(id, p.in.Items), describeMonths(p.write)))
	}
	p.carried = sortedMonths(append(p.carried, p.write...))
	p.write = nil
}

func (p *planner) reportItem(id int, msg string) {
	if p.reported[id] {
		return
	}
	if p.reported == nil {
		p.reported = map[int]bool{}
	}
	p.reported[id] = true
	p.findings = append(p.findings, Finding{Kind: FindingItemDeleted, ClientID: p.clientID, InvoiceID: p.inv.ID, ItemID: id, Message: msg})
}

// itemsToWrite lists the items with a quantity in the months written now.
func (p *planner) itemsToWrite() []int {
	var ids []int
	for _, m := range p.write {
		for id, q := range p.in.Quantities.Months[m].Items {
			if q != 0 && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// decide works out each line: the lines halobridge owns follow the ledger and
// the new months, new items get lines, every other line is left.
func (p *planner) decide(entries []Entry) error {
	p.decided, p.rewritten = map[int]Change{}, map[int]Line{}
	at := p.locate(entries)
	billed := map[int]bool{}
	for i, e := range entries {
		billed[e.ItemID] = true
		if err := p.follow(e, at[i]); err != nil {
			return err
		}
	}
	for _, id := range p.itemsToWrite() {
		if billed[id] {
			continue
		}
		if ne, ok := p.newEntry(id); ok {
			p.adds = append(p.adds, addition{ne, fmt.Sprintf("%s is billed for %s", p.in.Items[id].Name, describeMonths(ne.monthList()))})
		}
	}
	return p.assemble()
}

// locate finds each entry's line among the invoice's (-1 for none): by id,
// or for an entry planned before its id was known, by claimLine.
func (p *planner) locate(entries []Entry) []int {
	lines := p.inv.Lines
	taken := make([]bool, len(lines))
	at := make([]int, len(entries))
	for i, e := range entries {
		at[i] = -1
		if e.LineID == 0 {
			continue
		}
		if j := slices.IndexFunc(lines, func(l Line) bool { return l.ID == e.LineID }); j >= 0 && !taken[j] {
			at[i], taken[j] = j, true
		}
	}
	for i, e := range entries {
		if e.LineID == 0 {
			if j := claimLine(lines, e, taken); j >= 0 {
				at[i], taken[j] = j, true
			}
		}
	}
	return at
}

// follow decides the line of one entry, the j-th of the invoice or none.
func (p *planner) follow(e Entry, j int) error {
	item, usable := usableItem(p.in.Items, e.ItemID)
	if !usable {
		where := "line"
		if j >= 0 {
			where = fmt.Sprintf("line %d", p.inv.Lines[j].ID)
			p.decided[j] = leave(p.inv.Lines[j], p.in.Ledger, "its item is no longer in HaloPSA")
		}
		p.reportItem(e.ItemID, fmt.Sprintf("%s; halobridge leaves its %s as it is: delete the line in HaloPSA if it should no longer be billed.", itemProblem(e.ItemID, p.in.Items), where))
		p.entries = append(p.entries, e)
		return nil
	}
	// A line planned but never seen in HaloPSA (a run stopped before
	// sending) cannot have been billed, whatever generated since.
	ne, why := p.advance(e, item, e.LineID != 0 || j >= 0)
	if j < 0 {
		p.readd(e, ne, item, why)
		return nil
	}
	cur := p.inv.Lines[j]
	ne.LineID = cur.ID
	p.entries = append(p.entries, ne)
	c := Change{Kind: ChangeLeave, LineID: cur.ID, ItemID: e.ItemID, Owned: true, Months: ne.monthList(),
		OldQty: cur.Quantity, NewQty: ne.Quantity, OldName: cur.Name, NewName: ne.Name}
	switch {
	case !sameQty(cur.Quantity, ne.Quantity):
		c.Kind = ChangeSetQuantity
	case cur.Name != ne.Name:
		c.Kind = ChangeRename
	}
	if c.Kind == ChangeLeave {
		c.Reason = joinReasons("up to date", why)
		p.decided[j] = c
		return nil
	}
	if !sameQty(cur.Quantity, e.Quantity) || cur.Name != e.Name {
		why = joinReasons(fmt.Sprintf("HaloPSA does not hold what halobridge wrote (%v, %q): edited there, or an earlier run stopped before sending", e.Quantity, e.Name), why)
	}
	c.Reason = why
	p.decided[j] = c
	raw, err := cur.MarshalJSON()
	if err == nil {
		raw, err = setFields(raw, map[string]any{"item_shortdescription": ne.Name, "qty_order": ne.Quantity})
	}
	if err != nil {
		return fmt.Errorf("line %d of recurring invoice %d: %w", cur.ID, p.inv.ID, err)
	}
	p.rewritten[j] = Line{ID: cur.ID, ItemID: cur.ItemID, Name: ne.Name, Quantity: ne.Quantity, Raw: raw}
	return nil
}

// readd handles an entry whose line is not on the invoice: added (again)
// when there is something to bill, forgotten otherwise until the item is
// used again.
func (p *planner) readd(e, ne Entry, item Item, why string) {
	if ne.Quantity == 0 {
		return
	}
	ne.LineID = 0
	ne.LastCreated = p.inv.LastCreated
	reason := "not on the invoice yet"
	if e.LineID != 0 {
		reason = fmt.Sprintf("line %d was deleted in HaloPSA; added again", e.LineID)
		p.findings = append(p.findings, Finding{Kind: FindingLineDeleted, ClientID: p.clientID, InvoiceID: p.inv.ID, ItemID: e.ItemID, LineID: e.LineID, Months: ne.monthList(), Message: fmt.Sprintf(
			"Line %d (%s), which halobridge bills, was deleted in HaloPSA: halobridge added it again with %v for %s. To stop billing %s for this client, switch its billing off or override the product.",
			e.LineID, e.Name, ne.Quantity, describeMonths(ne.monthList()), item.Name)})
	}
	p.adds = append(p.adds, addition{ne, joinReasons(reason, why)})
}

// assemble lays out the changes and the full line set: the invoice's lines in
// their order, then the lines to add.
func (p *planner) assemble() error {
	for j, l := range p.inv.Lines {
		c, ok := p.decided[j]
		if !ok {
			c = Change{Kind: ChangeLeave, LineID: l.ID, ItemID: l.ItemID, OldQty: l.Quantity, NewQty: l.Quantity, OldName: l.Name, NewName: l.Name,
				Reason: "not created by halobridge"}
		}
		if r, ok := p.rewritten[j]; ok {
			l = r
		}
		p.changes = append(p.changes, c)
		p.lines = append(p.lines, l)
	}
	for _, a := range p.adds {
		e := a.entry
		fields := map[string]any{"_itemid": e.ItemID, "item_shortdescription": e.Name, "qty_order": e.Quantity}
		if p.inv.ID != 0 {
			fields["ihid"] = p.inv.ID
		}
		raw, err := setFields(nil, fields)
		if err != nil {
			return fmt.Errorf("new line for item %d: %w", e.ItemID, err)
		}
		p.changes = append(p.changes, Change{Kind: ChangeAdd, ItemID: e.ItemID, Owned: true, Months: e.monthList(), NewQty: e.Quantity, NewName: e.Name, Reason: a.reason})
		p.lines = append(p.lines, Line{ItemID: e.ItemID, Name: e.Name, Quantity: e.Quantity, Raw: raw})
		p.entries = append(p.entries, e)
	}
	return nil
}

// advance moves an entry to the state this plan leaves it in, and says why.
func (p *planner) advance(e Entry, item Item, seen bool) (Entry, string) {
	restart := seen && p.inv.LastCreated.After(e.LastCreated)
	ne := e
	var why []string
	if restart {
		ne.Months = nil
		if len(e.Months) > 0 {
			why = append(why, fmt.Sprintf("the invoice generated on %s and billed %s", day(p.inv.LastCreated), describeMonths(e.monthList())))
		} else {
			why = append(why, fmt.Sprintf("the invoice generated on %s", day(p.inv.LastCreated)))
		}
	} else if len(p.write) > 0 && len(e.Months) > 0 {
		why = append(why, fmt.Sprintf("the invoice has not generated since %s was written, so %s is added to it", describeMonths(e.monthList()), describeMonths(p.write)))
	}
	if restart || len(p.write) > 0 {
		ne.Months = slices.Clone(ne.Months)
		for _, m := range p.write {
			ne.Months = append(ne.Months, MonthQuantity{Month: m, Quantity: p.in.Quantities.Months[m].Items[e.ItemID]})
		}
		ne.LastCreated = p.inv.LastCreated
	}
	ne.Quantity = sumMonths(ne.Months)
	ne.Name = LineName(item.Name, ne.monthList(), p.include)
	if LineName(item.Name, e.monthList(), p.include) != e.Name {
		why = append(why, fmt.Sprintf("the item is named %q in HaloPSA", item.Name))
	}
	if len(ne.Months) > 0 {
		why = append(why, "covers "+describeMonths(ne.monthList()))
	} else {
		why = append(why, "nothing new can be billed yet, so the line waits at 0")
	}
	return ne, strings.Join(why, "; ")
}

// newEntry starts a line for an item billed for the first time, from its
// first month with a quantity.
func (p *planner) newEntry(id int) (Entry, bool) {
	ne := Entry{ItemID: id, LastCreated: p.inv.LastCreated}
	for _, m := range p.write {
		q := p.in.Quantities.Months[m].Items[id]
		if q == 0 && len(ne.Months) == 0 {
			continue
		}
		ne.Months = append(ne.Months, MonthQuantity{Month: m, Quantity: q})
	}
	ne.Quantity = sumMonths(ne.Months)
	ne.Name = LineName(p.in.Items[id].Name, ne.monthList(), p.include)
	return ne, len(ne.Months) > 0
}

// claimLine finds the line HaloPSA holds for an entry planned before its id
// was known: same item, name and quantity, not already someone's. HaloPSA
// numbers lines in order, so the newest match is the one halobridge added.
func claimLine(lines []Line, e Entry, taken []bool) int {
	best := -1
	for j, l := range lines {
		if taken[j] || l.ItemID != e.ItemID || l.Name != e.Name || !sameQty(l.Quantity, e.Quantity) {
			continue
		}
		if best < 0 || l.ID > lines[best].ID {
			best = j
		}
	}
	return best
}

// leave is the change for a line left as it is.
func leave(l Line, led Ledger, reason string) Change {
	owned := slices.ContainsFunc(led.Lines, func(e Entry) bool { return e.LineID != 0 && e.LineID == l.ID })
	return Change{Kind: ChangeLeave, LineID: l.ID, ItemID: l.ItemID, Owned: owned, OldQty: l.Quantity, NewQty: l.Quantity,
		OldName: l.Name, NewName: l.Name, Reason: reason}
}

func sumMonths(ms []MonthQuantity) float64 {
	var s float64
	for _, mq := range ms {
		s += mq.Quantity
	}
	return roundQty(s)
}

func joinReasons(parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), "; ")
}

func describeMonths(ms []source.Month) string {
	if len(ms) == 0 {
		return "no month"
	}
	return period(ms)
}

func day(t time.Time) string { return t.Format(time.DateOnly) }
