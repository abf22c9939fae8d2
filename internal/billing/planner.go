package billing

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
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
	// cutoff is the first month corrections are looked for in, but for
	// months a line still carries.
	cutoff source.Month

	write   []source.Month // months written now
	carried []source.Month // due months left for a later plan

	written     map[source.Month]*WrittenMonth // the ledger's, as this plan leaves them
	carry       map[int]*Carry                 // the same, by item
	corrections []Correction                   // found by this plan
	invoiced    []bool                         // by correction: its month had been invoiced
	notes       map[int][]string               // per item, for its line's reason

	findings []Finding
	reported map[int]bool // items already reported deleted

	decided   map[int]Change // by index of the invoice's line
	rewritten map[int]Line   // the same, for lines halobridge changes
	adds      []addition

	changes []Change
	lines   []Line
	entries []Entry // the ledger's lines after the plan
}

// working is one ledger entry while it is planned.
type working struct {
	old    Entry // as the ledger holds it
	ne     Entry // as the plan leaves it
	at     int   // its line's index on the invoice, -1 for none
	item   Item
	usable bool
	// restart says the invoice generated since the entry's months were
	// written, and billed them.
	restart bool
	why     []string
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

// load takes the ledger's written months and carried corrections as the
// plan's to change.
func (p *planner) load(l Ledger) {
	p.written, p.carry, p.notes = map[source.Month]*WrittenMonth{}, map[int]*Carry{}, map[int][]string{}
	for _, w := range l.Written {
		w.Billed = maps.Clone(w.Billed)
		p.written[w.Month] = &w
	}
	for _, c := range l.Carried {
		c.Corrections = slices.Clone(c.Corrections)
		p.carry[c.ItemID] = &c
	}
}

// bill records what an item is billed for a month no line carries any more.
func (p *planner) bill(m source.Month, item int, q float64) {
	w := p.written[m]
	if w == nil {
		w = &WrittenMonth{Month: m}
		p.written[m] = w
	}
	if w.Billed == nil {
		w.Billed = map[int]float64{}
	}
	if q == 0 {
		delete(w.Billed, item)
		return
	}
	w.Billed[item] = q
}

// billLine records an entry's line as billed: its months, and what
// corrections carried for its item, but for a credit larger than the line.
func (p *planner) billLine(e Entry) {
	for _, mq := range e.Months {
		p.bill(mq.Month, e.ItemID, mq.Quantity)
	}
	if c := p.carry[e.ItemID]; c != nil {
		if net := roundQty(sumMonths(e.Months) + c.Quantity); net >= 0 {
			delete(p.carry, e.ItemID)
		} else {
			c.Quantity = net
		}
	}
}

// decide works out each line: the lines halobridge owns follow the ledger,
// the corrections and the new months, new items get lines, every other line
// is left.
func (p *planner) decide(entries []Entry) error {
	p.decided, p.rewritten = map[int]Change{}, map[int]Line{}
	at := p.locate(entries)
	work := make([]*working, len(entries))
	for i, e := range entries {
		item, usable := usableItem(p.in.Items, e.ItemID)
		w := &working{old: e, ne: e, at: at[i], item: item, usable: usable}
		w.ne.Months = slices.Clone(e.Months)
		if usable {
			// A line planned but never seen in HaloPSA (a run stopped before
			// sending) cannot have been billed, whatever generated since.
			p.settle(w, e.LineID != 0 || at[i] >= 0)
		}
		work[i] = w
	}
	p.correct(work)
	billed := map[int]bool{}
	for _, w := range work {
		billed[w.old.ItemID] = true
		if err := p.follow(w); err != nil {
			return err
		}
	}
	for _, id := range p.newItems(billed) {
		item, ok := usableItem(p.in.Items, id)
		if !ok {
			p.reportItem(id, fmt.Sprintf("%s, and a usage correction is carried for it: map the product to another item; the correction waits until then.",
				itemProblem(id, p.in.Items)))
			continue
		}
		ne, ok := p.newEntry(id)
		if !ok {
			continue
		}
		reason := fmt.Sprintf("%s is billed for %s", item.Name, describeMonths(ne.monthList()))
		if len(ne.Months) == 0 {
			reason = fmt.Sprintf("%s has no new month to bill; the line bills what corrections carry", item.Name)
		}
		p.adds = append(p.adds, addition{ne, joinReasons(append([]string{reason}, p.lineNotes(ne, item)...)...)})
	}
	p.reportCredits()
	return p.assemble()
}

// newItems lists the items without an entry that get a line: those with a
// quantity in the months written now, and those a correction adds to.
func (p *planner) newItems(billed map[int]bool) []int {
	var ids []int
	for _, id := range p.itemsToWrite() {
		if !billed[id] {
			ids = append(ids, id)
		}
	}
	for id, c := range p.carry {
		if !billed[id] && c.Quantity > 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
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

// settle takes an entry past the invoice's generation when there was one
// since its months were written: the months and what corrections carried
// were billed; a credit larger than the line stays carried.
func (p *planner) settle(w *working, seen bool) {
	e := w.old
	if !seen || !p.inv.LastCreated.After(e.LastCreated) {
		return
	}
	w.restart = true
	p.billLine(e)
	w.ne.Months = nil
	if len(e.Months) > 0 {
		w.why = append(w.why, fmt.Sprintf("the invoice generated on %s and billed %s", day(p.inv.LastCreated), describeMonths(e.monthList())))
	} else {
		w.why = append(w.why, fmt.Sprintf("the invoice generated on %s", day(p.inv.LastCreated)))
	}
}

// correct compares each month written before with its usage now. A month a
// line still carries gets its new quantity on the line; for a month no line
// carries (the invoice billed it), the difference is carried to the item's
// line, so that the next invoice bills it without billing the month twice.
// A month that cannot be read now, or whose rules changed since it was
// written, is left as it is.
func (p *planner) correct(work []*working) {
	for _, m := range p.watched(work) {
		mq, ok := p.in.Quantities.Months[m]
		if !ok || mq.Unavailable != "" {
			continue
		}
		rec := p.written[m]
		rules := p.in.Quantities.Rules
		comparable := rec == nil || rec.Rules == "" || rules == "" || rec.Rules == rules
		for _, id := range p.itemsIn(m, mq, work) {
			if _, ok := usableItem(p.in.Items, id); !ok {
				continue
			}
			now := mq.Items[id]
			w, k := lineHolding(work, id, m)
			old := 0.0
			if w != nil {
				old = w.ne.Months[k].Quantity
			} else if rec != nil {
				old = rec.Billed[id]
			}
			if sameQty(old, now) {
				continue
			}
			if !comparable {
				p.notes[id] = append(p.notes[id], fmt.Sprintf("%s now counts %v where %v was written, but the billing policy or the client's mappings changed since, so the difference is not billed as a correction",
					p.monthName(m), now, old))
				continue
			}
			c := Correction{ItemID: id, Month: m, Old: old, New: now}
			invoiced := !slices.ContainsFunc(work, func(w *working) bool { return w.usable && slices.Contains(w.ne.monthList(), m) })
			if w != nil {
				w.ne.Months[k] = p.monthQuantity(m, id)
				c.Note = fmt.Sprintf("%s corrected from %v to %v before it was invoiced: the line now bills %v for it", p.monthName(m), old, now, now)
			} else {
				c.Carried = true
				cr := p.carry[id]
				if cr == nil {
					cr = &Carry{ItemID: id}
					p.carry[id] = cr
				}
				cr.Quantity = roundQty(cr.Quantity + now - old)
				p.bill(m, id, now)
			}
			p.corrections = append(p.corrections, c)
			p.invoiced = append(p.invoiced, invoiced)
		}
	}
}

// watched lists the months compared for corrections: those a line carries
// and those written since the cutoff.
func (p *planner) watched(work []*working) []source.Month {
	var ms []source.Month
	for m := range p.written {
		if !m.Before(p.cutoff) {
			ms = append(ms, m)
		}
	}
	for _, w := range work {
		if w.usable {
			ms = append(ms, w.ne.monthList()...)
		}
	}
	return sortedMonths(ms)
}

// itemsIn lists the items a month's comparison looks at: those with usage
// now, and those it was written or billed for.
func (p *planner) itemsIn(m source.Month, mq MonthQuantities, work []*working) []int {
	var ids []int
	for id := range mq.Items {
		ids = append(ids, id)
	}
	if rec := p.written[m]; rec != nil {
		for id := range rec.Billed {
			ids = append(ids, id)
		}
	}
	for _, w := range work {
		if slices.Contains(w.ne.monthList(), m) {
			ids = append(ids, w.old.ItemID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// lineHolding finds the entry whose line carries month m for item id, and
// the month's index on it.
func lineHolding(work []*working, id int, m source.Month) (*working, int) {
	for _, w := range work {
		if w.old.ItemID != id || !w.usable {
			continue
		}
		if k := slices.IndexFunc(w.ne.Months, func(mq MonthQuantity) bool { return mq.Month == m }); k >= 0 {
			return w, k
		}
	}
	return nil, -1
}

// follow decides the line of one entry.
func (p *planner) follow(w *working) error {
	e, j := w.old, w.at
	if !w.usable {
		where := "line"
		if j >= 0 {
			where = fmt.Sprintf("line %d", p.inv.Lines[j].ID)
			p.decided[j] = leave(p.inv.Lines[j], p.in.Ledger, "its item is no longer in HaloPSA")
		}
		p.reportItem(e.ItemID, fmt.Sprintf("%s; halobridge leaves its %s as it is: delete the line in HaloPSA if it should no longer be billed.", itemProblem(e.ItemID, p.in.Items), where))
		p.entries = append(p.entries, e)
		return nil
	}
	ne, why := p.extend(w)
	if j < 0 {
		p.readd(e, ne, w.item, why)
		return nil
	}
	cur := p.inv.Lines[j]
	ne.LineID = cur.ID
	p.entries = append(p.entries, ne)
	c := Change{Kind: ChangeLeave, LineID: cur.ID, ItemID: e.ItemID, Owned: true, Months: ne.monthList(),
		OldQty: cur.Quantity, NewQty: ne.Quantity, OldName: cur.Name, NewName: ne.Name}
	c.Usage, c.Rounding = usageOf(ne.Months)
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
// used again. A line that a credit holds at 0 still bills months, so it is
// added again too: forgetting it would forget them.
func (p *planner) readd(e, ne Entry, item Item, why string) {
	if ne.Quantity == 0 && sumMonths(ne.Months) == 0 {
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
		c := Change{Kind: ChangeAdd, ItemID: e.ItemID, Owned: true, Months: e.monthList(), NewQty: e.Quantity, NewName: e.Name, Reason: a.reason}
		c.Usage, c.Rounding = usageOf(e.Months)
		p.changes = append(p.changes, c)
		p.lines = append(p.lines, Line{ItemID: e.ItemID, Name: e.Name, Quantity: e.Quantity, Raw: raw})
		p.entries = append(p.entries, e)
	}
	return nil
}

// extend adds the months written now to an entry (settled already), and
// says why the line is what it is.
func (p *planner) extend(w *working) (Entry, string) {
	e, ne, why := w.old, w.ne, slices.Clone(w.why)
	if !w.restart && len(p.write) > 0 && len(ne.Months) > 0 {
		why = append(why, fmt.Sprintf("the invoice has not generated since %s was written, so %s is added to it", describeMonths(ne.monthList()), describeMonths(p.write)))
	}
	if w.restart || len(p.write) > 0 {
		for _, m := range p.write {
			ne.Months = append(ne.Months, p.monthQuantity(m, e.ItemID))
		}
		ne.LastCreated = p.inv.LastCreated
	}
	ne.Quantity = p.lineQuantity(ne)
	ne.Name = LineName(w.item.Name, ne.monthList(), p.include)
	if LineName(w.item.Name, e.monthList(), p.include) != e.Name {
		why = append(why, fmt.Sprintf("the item is named %q in HaloPSA", w.item.Name))
	}
	switch {
	case len(ne.Months) > 0:
		why = append(why, "covers "+describeMonths(ne.monthList()))
	case ne.Quantity == 0:
		why = append(why, "nothing new can be billed yet, so the line waits at 0")
	default:
		why = append(why, "no new month to bill: the line bills what corrections carry")
	}
	why = append(why, p.lineNotes(ne, w.item)...)
	return ne, strings.Join(why, "; ")
}

// newEntry starts a line for an item without one: from its first month
// with a quantity, with what corrections carry for it.
func (p *planner) newEntry(id int) (Entry, bool) {
	ne := Entry{ItemID: id, LastCreated: p.inv.LastCreated}
	for _, m := range p.write {
		q := p.in.Quantities.Months[m].Items[id]
		if q == 0 && len(ne.Months) == 0 {
			continue
		}
		ne.Months = append(ne.Months, p.monthQuantity(m, id))
	}
	ne.Quantity = p.lineQuantity(ne)
	ne.Name = LineName(p.in.Items[id].Name, ne.monthList(), p.include)
	return ne, len(ne.Months) > 0 || ne.Quantity > 0
}

// monthQuantity is an item's quantity in a month about to go on a line.
func (p *planner) monthQuantity(m source.Month, id int) MonthQuantity {
	mq := p.in.Quantities.Months[m]
	out := MonthQuantity{Month: m, Quantity: mq.Items[id]}
	if r, ok := mq.Rounded[id]; ok {
		out.Usage, out.Rounding = r.Usage, r.Rule
	}
	return out
}

// lineQuantity is what an entry's line bills: its months and what
// corrections carry for its item, never below 0.
func (p *planner) lineQuantity(e Entry) float64 {
	q := sumMonths(e.Months)
	if c := p.carry[e.ItemID]; c != nil {
		q = roundQty(q + c.Quantity)
	}
	return max(q, 0)
}

// lineNotes says what corrections and rounding did to an item's line, and
// writes the notes of the corrections this plan carries to it.
func (p *planner) lineNotes(ne Entry, item Item) []string {
	notes := slices.Clone(p.notes[ne.ItemID])
	to := "the next invoice"
	if ms := ne.monthList(); len(ms) > 0 {
		to = p.monthNames(ms)
	}
	for i := range p.corrections {
		c := &p.corrections[i]
		if c.ItemID != ne.ItemID {
			continue
		}
		if c.Carried {
			c.Note = p.carriedNote(i, to)
		}
		notes = append(notes, c.Note)
	}
	if c := p.carry[ne.ItemID]; c != nil && len(c.Corrections) > 0 {
		var earlier []string
		for _, x := range c.Corrections {
			earlier = append(earlier, fmt.Sprintf("%s %v → %v", p.monthName(x.Month), x.Old, x.New))
		}
		notes = append(notes, fmt.Sprintf("still carries corrections made before (%s): %s in all", strings.Join(earlier, ", "), signed(c.Quantity)))
	}
	if c := p.carry[ne.ItemID]; c != nil {
		if rest := roundQty(sumMonths(ne.Months) + c.Quantity); rest < 0 {
			notes = append(notes, fmt.Sprintf("a line cannot go below 0: %v more of %s is taken off the next months", -rest, item.Name))
		}
	}
	if usage, rule := usageOf(ne.Months); rule != "" {
		notes = append(notes, rule.describe(usage, sumMonths(ne.Months)))
	}
	return notes
}

// carriedNote says what was done with the i-th correction, carried to a
// line that bills to.
func (p *planner) carriedNote(i int, to string) string {
	c := p.corrections[i]
	when := "before it was invoiced"
	if p.invoiced[i] {
		when = "after it was invoiced"
	}
	return fmt.Sprintf("%s corrected from %v to %v %s: %s carried to %s", p.monthName(c.Month), c.Old, c.New, when, signed(c.New-c.Old), to)
}

// monthName names a month in words, with its year when it is not the
// year of the month planned: "September", "December 2025".
func (p *planner) monthName(m source.Month) string {
	if m.Year == p.in.Month.Year {
		return m.Month.String()
	}
	return fmt.Sprintf("%s %d", m.Month, m.Year)
}

func (p *planner) monthNames(ms []source.Month) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = p.monthName(m)
	}
	return strings.Join(names, ", ")
}

// reportCredits reports, per item, a credit corrections carry that the
// item's line cannot take off: the client is owed it, and it waits for
// later months.
func (p *planner) reportCredits() {
	for _, id := range slices.Sorted(maps.Keys(p.carry)) {
		c := p.carry[id]
		if c.Quantity >= 0 {
			continue
		}
		var months float64
		for _, e := range p.entries {
			if e.ItemID == id {
				months = sumMonths(e.Months)
			}
		}
		owed := -roundQty(months + c.Quantity)
		if owed <= 0 {
			continue
		}
		name := p.in.Items[id].Name
		if name == "" {
			name = fmt.Sprintf("item %d", id)
		}
		var ms []source.Month
		for _, x := range append(slices.Clone(c.Corrections), p.corrections...) {
			if x.ItemID == id && x.Carried {
				ms = append(ms, x.Month)
			}
		}
		p.findings = append(p.findings, Finding{Kind: FindingCreditCarried, ClientID: p.clientID, InvoiceID: p.inv.ID, ItemID: id, Months: sortedMonths(ms), Message: fmt.Sprintf(
			"Client %d is owed %v %s for usage corrected down after it was invoiced (%s), more than its line bills now: halobridge takes it off the next months' lines of %s.",
			p.clientID, owed, name, describeMonths(sortedMonths(ms)), name)})
	}
}

// finish records the corrections this plan carried with their items' carry,
// and the months written now, and forgets months past the cutoff that no
// line carries.
func (p *planner) finish() ([]WrittenMonth, []Carry) {
	for i := range p.corrections {
		c := &p.corrections[i]
		if !c.Carried {
			continue
		}
		if c.Note == "" {
			c.Note = p.carriedNote(i, "the item's next line")
		}
		if cr := p.carry[c.ItemID]; cr != nil {
			cr.Corrections = append(cr.Corrections, *c)
		}
	}
	for _, m := range p.write {
		if p.written[m] == nil {
			p.written[m] = &WrittenMonth{Month: m}
		}
		p.written[m].Rules = p.in.Quantities.Rules
	}
	onLine := map[source.Month]bool{}
	for _, e := range p.entries {
		for _, m := range e.monthList() {
			onLine[m] = true
		}
	}
	var written []WrittenMonth
	for _, m := range sortedMonths(slices.Collect(maps.Keys(p.written))) {
		if onLine[m] || !m.Before(p.cutoff) {
			written = append(written, *p.written[m])
		}
	}
	var carried []Carry
	for _, id := range slices.Sorted(maps.Keys(p.carry)) {
		if c := p.carry[id]; c.Quantity != 0 {
			carried = append(carried, *c)
		}
	}
	return written, carried
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

// signed writes a difference with its sign: "+3", "-0.5".
func signed(q float64) string {
	s := strconv.FormatFloat(roundQty(q), 'f', -1, 64)
	if q > 0 {
		return "+" + s
	}
	return s
}

func day(t time.Time) string { return t.Format(time.DateOnly) }
