package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"halobridge/internal/billing"
	"halobridge/internal/events"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// eventFailed is the kind of the event for a client a run could not bill.
const eventFailed = events.EventBillingFailed

// eventPrefix starts the key of every event billing raises, so that a run
// can clear the ones it no longer finds.
const eventPrefix = "billing/"

// fix says what a person does about a finding of kind; the finding's
// message says what happened.
func fix(kind string) string {
	switch billing.FindingKind(kind) {
	case billing.FindingUsageUnavailable:
		return "Check that the source answers (its API key and status); the months carried are billed by the first run that can read them."
	case billing.FindingUsageInconsistent:
		return "Check the customer's usage in the source."
	case billing.FindingProductUnmapped:
		return "Under Setup › Billing, choose the product's HaloPSA item, or let halobridge create it there."
	case billing.FindingItemDeleted:
		return "Under Setup › Billing, choose another HaloPSA item for the product."
	case billing.FindingInvoiceMissing:
		return "In append mode, create a Monthly recurring invoice for the client in HaloPSA (or name one under \"invoices\" in the billing policy, with 'halobridge billing policy set'); in create mode halobridge has made a new one."
	case billing.FindingInvoiceAmbiguous:
		return "In HaloPSA keep one Monthly recurring invoice for the client, or name the one halobridge writes to under \"invoices\" in the billing policy, with 'halobridge billing policy set'."
	case billing.FindingInvoiceDisabled:
		return "Enable the recurring invoice in HaloPSA, or switch billing off for the client."
	case billing.FindingInvoiceChanged:
		return "Delete halobridge's lines from the old invoice if it still generates."
	case billing.FindingCreditCarried:
		return "Nothing while the client uses the item: the following months' lines take the credit off. If the client has stopped using it, credit the client in HaloPSA yourself: halobridge would otherwise take it off when the client uses the item again."
	case billing.FindingLineDeleted:
		return "Nothing, if the product should be billed; otherwise switch the client's billing off on the Client mapping page, or change the product's item under Setup › Billing."
	}
	return "Check the error; the next run tries again without counting anything twice."
}

// eventKey is stable per problem: per client and kind, and per item or per
// source product when the finding names one, so a problem seen again is
// counted on the same event.
func eventKey(f billing.Finding) string {
	parts := []string{fmt.Sprint(f.ClientID), string(f.Kind)}
	if f.ItemID != 0 {
		parts = append(parts, fmt.Sprintf("item-%d", f.ItemID))
	}
	if f.Source != "" {
		parts = append(parts, string(f.Source), f.CustomerID, f.Product)
	}
	return eventPrefix + strings.Join(parts, "/")
}

// recordEvents raises an event per finding of the run and clears the
// billing events the run no longer finds. A client the run could not bill
// gets a billing_failed event and keeps its other events, which the run
// could not check.
func (s *Service) recordEvents(ctx context.Context, partnerID int64, clients []ClientResult) error {
	raised := map[string]bool{}
	failed := map[string]bool{}
	var errs []error
	raise := func(e store.Event) {
		if raised[e.Key] {
			return
		}
		raised[e.Key] = true
		e.PartnerID, e.Fix = partnerID, fix(e.Kind)
		if _, err := s.Store.RaiseEvent(ctx, e); err != nil {
			errs = append(errs, err)
		}
	}
	for _, c := range clients {
		subject := fmt.Sprintf("HaloPSA client %q", c.Name)
		if c.Name == "" {
			subject = fmt.Sprintf("HaloPSA client id %d", c.ClientID)
		}
		if c.Error != "" {
			failed[fmt.Sprintf("%s%d/", eventPrefix, c.ClientID)] = true
			raise(store.Event{Kind: eventFailed, Key: fmt.Sprintf("%s%d/%s", eventPrefix, c.ClientID, eventFailed), Subject: subject,
				Message: "Billing of the client failed: " + c.Error, Data: json.RawMessage(fmt.Sprintf(`{"client_id":%d}`, c.ClientID))})
			continue
		}
		for _, f := range c.Findings {
			data, err := json.Marshal(f)
			if err != nil {
				return fmt.Errorf("event for client %d: %w", c.ClientID, err)
			}
			raise(store.Event{Kind: string(f.Kind), Key: eventKey(f), Subject: subject, Message: f.Message, Data: data})
		}
	}

	open, err := s.Store.Events(ctx, partnerID, store.EventQuery{})
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, e := range open {
		if e.State == store.EventResolved || !strings.HasPrefix(e.Key, eventPrefix) || raised[e.Key] || failed[clientPrefix(e.Key)] {
			continue
		}
		if err := s.Store.ClearEvent(ctx, partnerID, e.Key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// clientPrefix is the part of a billing event key that names its client:
// "billing/11/".
func clientPrefix(key string) string {
	rest := strings.TrimPrefix(key, eventPrefix)
	client, _, _ := strings.Cut(rest, "/")
	return eventPrefix + client + "/"
}

// RecheckBilling settles a billing event on a dry run of its client for
// the last complete month: the event clears when the client bills without
// its problem (or is billed no more), and is seen again when the dry run
// finds it again. A dry run that cannot bill the client shows nothing
// fixed but a billing failure.
func (s *Service) RecheckBilling(ctx context.Context, partnerID int64, e store.Event) error {
	var d struct {
		ClientID int `json:"client_id"`
	}
	if err := json.Unmarshal(e.Data, &d); err != nil || d.ClientID == 0 {
		return fmt.Errorf("billing event %d names no client", e.ID)
	}
	res, err := s.recorded(ctx, partnerID, source.MonthOf(s.now()).Prev(), true, d.ClientID, noProgress{})
	if err != nil {
		return err
	}
	i := slices.IndexFunc(res.Clients, func(c ClientResult) bool { return c.ClientID == d.ClientID })
	switch {
	case i < 0:
		return s.Store.ClearEvent(ctx, partnerID, e.Key)
	case res.Clients[i].Error != "" && e.Kind != eventFailed:
		return fmt.Errorf("a billing dry run of client %q could not bill it: %s", res.Clients[i].Name, res.Clients[i].Error)
	case res.Clients[i].Error != "" || slices.ContainsFunc(res.Clients[i].Findings, func(f billing.Finding) bool { return eventKey(f) == e.Key }):
		_, err := s.Store.RaiseEvent(ctx, e)
		return err
	}
	return s.Store.ClearEvent(ctx, partnerID, e.Key)
}
