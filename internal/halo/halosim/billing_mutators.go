package halosim

import "time"

// GenerateInvoice makes recurring invoice id generate at at, as Halo's
// scheduler does: an invoice with its active lines is made (listed by
// /Invoice), lastcreated becomes at and nextcreationdate moves a month on.
// Billing tells from lastcreated which quantities an invoice has billed. A
// disabled or unknown invoice does not generate; the result says whether it
// did.
func (s *Sim) GenerateInvoice(id int, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inv, ok := s.db.invoices[id]; !ok || inv.Disabled {
		return false
	}
	s.generate(id, at)
	return true
}

// UpdateRecurringInvoice changes a recurring invoice in place, as a person
// does in Halo's screens (for tests and the demo to set a scene): disable
// it, delete a line, add one. Lines fn adds without an id get one; amounts
// and totals are computed again.
func (s *Sim) UpdateRecurringInvoice(id int, fn func(*RecurringInvoice)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.db.invoices[id]
	if !ok {
		return
	}
	fn(&inv)
	inv.ID = id
	for i := range inv.Lines {
		if inv.Lines[i].ID == 0 {
			inv.Lines[i].ID = s.db.nextID("invoiceline")
		}
	}
	s.db.invoices[id] = priced(inv)
}

// UpdateItem changes an item in place, e.g. renames it as a person does in
// Halo.
func (s *Sim) UpdateItem(id int, fn func(*Item)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it, ok := s.db.items[id]; ok {
		fn(&it)
		it.ID = id
		s.db.items[id] = it
	}
}
