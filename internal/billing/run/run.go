package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"halobridge/internal/billing"
	"halobridge/internal/halo"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// Result is what a run did or, for a dry run, would do.
type Result struct {
	// RunID is the run's record in the billing history.
	RunID     int64          `json:"run_id"`
	PartnerID int64          `json:"partner_id"`
	Month     source.Month   `json:"month"`
	DryRun    bool           `json:"dry_run"`
	Clients   []ClientResult `json:"clients"`
	// Products are the products in use that the policy bills, each with
	// its item: what the lines' quantities count (Product.Unit).
	Products []BilledProduct `json:"products,omitempty"`
}

// BilledProduct is a product in use and the HaloPSA item it is billed
// under.
type BilledProduct struct {
	billing.Product
	ItemID int `json:"item_id"`
}

// billedProducts pairs the products in use with their items in the
// policy; products without an item are not billed.
func billedProducts(inUse []billing.Product, p billing.Policy) []BilledProduct {
	var out []BilledProduct
	for _, prod := range inUse {
		if rule, ok := p.Products[prod.Key]; ok && rule.ItemID != 0 {
			out = append(out, BilledProduct{Product: prod, ItemID: rule.ItemID})
		}
	}
	return out
}

// ProductsOf lists the products a run billed under item.
func (r Result) ProductsOf(item int) []BilledProduct {
	var out []BilledProduct
	for _, p := range r.Products {
		if p.ItemID == item {
			out = append(out, p)
		}
	}
	return out
}

// ClientResult is one client's part of a run.
type ClientResult struct {
	ClientID int    `json:"client_id"`
	Name     string `json:"name"`
	// InvoiceID is the invoice the client's lines are on after the run; 0
	// while it has none (in a dry run, also when it is to be created).
	InvoiceID int `json:"invoice_id,omitempty"`
	// CreateInvoice says the run creates the client's recurring invoice,
	// named Reference.
	CreateInvoice bool   `json:"create_invoice,omitempty"`
	Reference     string `json:"reference,omitempty"`
	// Changed says lines go to HaloPSA (in a dry run: would go).
	Changed bool `json:"changed"`
	// Rows are the dry run's reconciliation: the lines HaloPSA holds
	// against halobridge's, each with the change and why, then what needs
	// a person.
	Rows     []billing.Row     `json:"rows"`
	Findings []billing.Finding `json:"findings,omitempty"`
	// Corrections are the months whose usage changed after they were
	// written, and what the run does (in a dry run: would do) about each;
	// a real run records them in the billing history.
	Corrections []billing.Correction `json:"corrections,omitempty"`
	// Error says why the client could not be billed; the next run tries
	// again.
	Error string `json:"error,omitempty"`
}

// Run bills the partner's clients for month, which must be over: every
// month due since a client's last run is written with it (billing.Ledger
// says which). A dry run decides the same and writes nothing: no line, no
// ledger, no event; it is recorded in the billing history like a real run.
//
// A client that cannot be billed is reported in its ClientResult and the
// others are billed; the error is for the run as a whole: no policy, no
// HaloPSA connection, HaloPSA's rate limit or refused credentials.
func (s *Service) Run(ctx context.Context, partnerID int64, month source.Month, dryRun bool) (Result, error) {
	return s.RunWithProgress(ctx, partnerID, month, dryRun, noProgress{})
}

// RunWithProgress is Run reporting its progress to p.
func (s *Service) RunWithProgress(ctx context.Context, partnerID int64, month source.Month, dryRun bool, p Progress) (Result, error) {
	return s.recorded(ctx, partnerID, month, dryRun, 0, p)
}

// recorded is a run recorded in the billing history; only, when not 0,
// is the one client it bills.
func (s *Service) recorded(ctx context.Context, partnerID int64, month source.Month, dryRun bool, only int, p Progress) (Result, error) {
	if current := source.MonthOf(s.now()); !month.Before(current) {
		return Result{}, fmt.Errorf("%s is not over yet: a month is billed once it is complete (from %s on)", month, month.Next())
	}
	rec, err := s.Store.StartBillingRun(ctx, store.BillingRun{PartnerID: partnerID, Month: month, DryRun: dryRun})
	if err != nil {
		return Result{}, err
	}
	res, runErr := s.run(ctx, rec.ID, partnerID, month, dryRun, only, p)
	res.RunID, res.PartnerID, res.Month, res.DryRun = rec.ID, partnerID, month, dryRun
	raw, err := json.Marshal(res)
	if err != nil {
		return res, errors.Join(runErr, fmt.Errorf("record billing run %d: %w", rec.ID, err))
	}
	errText := ""
	if runErr != nil {
		errText = runErr.Error()
	}
	// The record is kept even when ctx ended the run: the history must say
	// how far it came.
	if _, err := s.Store.FinishBillingRun(context.WithoutCancel(ctx), rec.ID, raw, errText); err != nil {
		runErr = errors.Join(runErr, err)
	}
	return res, runErr
}

// partnerRun is what a run knows while it bills one partner's clients.
type partnerRun struct {
	runID      int64
	partnerID  int64
	month      source.Month
	dryRun     bool
	policy     Policy
	hc         *halo.Client
	items      map[int]billing.Item
	haloItems  map[int]halo.Item
	invoices   []halo.RecurringInvoice // without lines
	ledgers    map[int]billing.Ledger
	quantities map[int]billing.ClientQuantities
	findings   map[int][]billing.Finding // Quantities', by client
}

// budgetWait is how long one request of a run may wait for the tenant's
// HaloPSA budget: more than a whole window.
const budgetWait = 10 * time.Minute

func (s *Service) run(ctx context.Context, runID, partnerID int64, month source.Month, dryRun bool, only int, p Progress) (Result, error) {
	// Billing spends what tickets leave of the HaloPSA budget, and waits
	// for it rather than fail.
	ctx = halo.WithBudgetWait(halo.WithRequestPriority(ctx, halo.PriorityBackground), budgetWait, nil)
	var res Result
	policy, err := s.Policy(ctx, partnerID)
	if err != nil {
		return res, err
	}
	if !policy.usable() {
		return res, fmt.Errorf("the billing policy has no invoice mode: set \"mode\" to %q or %q", billing.ModeCreate, billing.ModeAppend)
	}
	hc, err := s.haloClient(ctx, partnerID)
	if err != nil {
		return res, err
	}
	r := &partnerRun{runID: runID, partnerID: partnerID, month: month, dryRun: dryRun, policy: policy, hc: hc}

	mappings, clients, feeding, err := s.billedMappings(ctx, partnerID)
	if err != nil {
		return res, err
	}
	if only != 0 {
		clients = slices.DeleteFunc(clients, func(c int) bool { return c != only })
	}
	if r.ledgers, err = s.ledgers(ctx, partnerID); err != nil {
		return res, err
	}
	// Each client's plan reads its due months and the months it compares
	// again for corrections, from the sources themselves: a figure a
	// vendor corrected since is read as it is now.
	var months []source.Month
	for _, c := range clients {
		months = append(months, r.ledger(c).Reads(month)...)
	}
	slices.SortFunc(months, compareMonths)
	months = slices.Compact(months)

	p.Step("usage", len(feeding)*len(months))
	reports, err := s.fetchReports(ctx, feeding, months, p)
	if err != nil {
		return res, err
	}
	quantities, findings := billing.Quantities(reports, mappings, policy.Policy)
	res.Products = billedProducts(billing.ProductsInUse(reports), policy.Policy)
	r.quantities, r.findings = quantities, map[int][]billing.Finding{}
	for _, f := range findings {
		r.findings[f.ClientID] = append(r.findings[f.ClientID], f)
	}

	list, err := hc.Items(ctx)
	if err != nil {
		return res, fmt.Errorf("read the HaloPSA items: %w", err)
	}
	r.items, r.haloItems = itemsOf(list)
	if r.invoices, err = hc.RecurringInvoices(ctx, halo.RecurringInvoiceQuery{}); err != nil {
		return res, fmt.Errorf("read the HaloPSA recurring invoices: %w", err)
	}

	p.Step("clients", len(clients))
	for _, c := range clients {
		cr, err := s.billClient(ctx, r, c)
		if err != nil && stopsEverything(err) {
			return res, fmt.Errorf("billing client %d: %w", c, err)
		}
		if ctx.Err() != nil {
			return res, fmt.Errorf("billing client %d: %w", c, ctx.Err())
		}
		if err != nil {
			cr.Error = err.Error()
			s.logger().Warn("billing a client failed", "partner", partnerID, "client", c, "month", month.String(), "error", err)
		}
		res.Clients = append(res.Clients, cr)
		p.Advance(1)
		p.Count(outcome(cr), 1)
	}
	if dryRun {
		return res, nil
	}
	return res, s.recordEvents(ctx, partnerID, res.Clients)
}

// outcome names what happened to a client, for the run's counts.
func outcome(cr ClientResult) string {
	switch {
	case cr.Error != "":
		return "failed"
	case cr.Changed:
		return "changed"
	default:
		return "unchanged"
	}
}

// billedMappings returns the partner's confirmed mappings as billing reads
// them, the clients with billing on for at least one, and the sources that
// feed those clients.
func (s *Service) billedMappings(ctx context.Context, partnerID int64) ([]billing.Mapping, []int, []store.Source, error) {
	sources, err := s.Store.Sources(ctx, partnerID)
	if err != nil {
		return nil, nil, nil, err
	}
	stored, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return nil, nil, nil, err
	}
	byID := map[int64]store.Source{}
	for _, src := range sources {
		byID[src.ID] = src
	}
	var mappings []billing.Mapping
	var clients []int
	feeds := map[int64]bool{}
	for _, m := range stored {
		src, ok := byID[m.SourceID]
		if !ok || !m.Confirmed {
			continue
		}
		mappings = append(mappings, billing.Mapping{Source: src.Kind, CustomerID: m.CustomerID, ClientID: m.ClientID, Billing: m.Billing})
		if m.Billing {
			clients = append(clients, m.ClientID)
			feeds[m.SourceID] = true
		}
	}
	slices.Sort(clients)
	var feeding []store.Source
	for _, src := range sources {
		if feeds[src.ID] {
			feeding = append(feeding, src)
		}
	}
	return mappings, slices.Compact(clients), feeding, nil
}

// ledgers reads the partner's ledgers by client.
func (s *Service) ledgers(ctx context.Context, partnerID int64) (map[int]billing.Ledger, error) {
	stored, err := s.Store.BillingLedgers(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	out := make(map[int]billing.Ledger, len(stored))
	for _, l := range stored {
		var led billing.Ledger
		if err := json.Unmarshal(l.Ledger, &led); err != nil {
			return nil, fmt.Errorf("billing ledger of client %d: %w", l.ClientID, err)
		}
		out[l.ClientID] = led
	}
	return out, nil
}

// saveLedger persists a client's ledger and, with it, the corrections it
// applies, as entries of the billing history.
func (s *Service) saveLedger(ctx context.Context, r *partnerRun, led billing.Ledger, name string, corrections []billing.Correction) error {
	raw, err := json.Marshal(led)
	if err != nil {
		return fmt.Errorf("billing ledger of client %d: %w", led.ClientID, err)
	}
	history := make([]store.BillingCorrection, len(corrections))
	for i, c := range corrections {
		item := r.items[c.ItemID].Name
		if item == "" {
			item = fmt.Sprintf("item %d", c.ItemID)
		}
		history[i] = store.BillingCorrection{RunID: r.runID, ClientID: led.ClientID, ClientName: name, ItemID: c.ItemID, ItemName: item,
			Month: c.Month, Old: c.Old, New: c.New, Carried: c.Carried, Action: c.Note}
	}
	_, err = s.Store.SaveBillingLedger(ctx, store.BillingLedger{PartnerID: r.partnerID, ClientID: led.ClientID, InvoiceID: led.InvoiceID, Ledger: raw}, history...)
	return err
}

func (r *partnerRun) ledger(clientID int) billing.Ledger {
	if l, ok := r.ledgers[clientID]; ok {
		return l
	}
	return billing.Ledger{ClientID: clientID}
}

func compareMonths(a, b source.Month) int {
	switch {
	case a == b:
		return 0
	case a.Before(b):
		return -1
	}
	return 1
}
