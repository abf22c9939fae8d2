package defensx

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"halobridge/internal/source"
)

// Connector is the DefensX source.Source: a Client seen through halobridge's normalised types.
type Connector struct {
	client *Client
}

var _ source.Source = (*Connector)(nil)

// NewConnector builds the client for cfg and the connector around it.
func NewConnector(cfg Config) (*Connector, error) {
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &Connector{client: c}, nil
}

// Client is the Partner API client underneath, for what source.Source does not cover
// (URL-block polling, usage details).
func (s *Connector) Client() *Client { return s.client }

// Kind is source.DefensX.
func (s *Connector) Kind() source.Kind { return source.DefensX }

// Customers lists the partner's customers and the partner's own customer (/customers/self),
// which DefensX keeps apart but which has users and usage like any other. DefensX
// customers are flat: none has a parent.
func (s *Connector) Customers(ctx context.Context) ([]source.Customer, error) {
	list, err := s.client.Customers(ctx)
	if err != nil {
		// The first call made with a key: its error says whether the root or the key is wrong.
		return nil, err
	}
	self, err := s.client.Self(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the DefensX partner's own customer: %w", err)
	}
	out := make([]source.Customer, 0, len(list)+1)
	seen := map[string]bool{}
	for _, c := range append(list, self) {
		if c.ID == "" || seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		sc := source.Customer{ID: c.ID, Name: c.Name}
		if len(c.Domains) > 0 {
			sc.Domain = c.Domains[0]
		}
		out = append(out, sc)
	}
	return out, nil
}

// billable reports whether a subscription status is billed. A paused subscription is
// suspended and a cancelled one has ended: DefensX charges neither, so their quantities are
// left out, as is any status the spec does not list.
func billable(status string) bool {
	switch status {
	case "active", "in_trial", "non_renewing":
		return true
	}
	return false
}

// Usage returns, per customer and SKU, the quantity of month: the sum over that customer's
// billable subscriptions (active, in_trial, non_renewing) of the usage record whose term
// starts in month (UTC). The records come from /usage for the month and from /usage/current,
// because a month whose term DefensX has not billed yet appears only there.
//
// free_quantity is the part of a record's quantity DefensX gives free: by default it is
// subtracted (never below zero), so the figure is what DefensX charges the partner;
// Config.CountFree reports the whole quantity instead, for partners who bill their
// customers every seat.
func (s *Connector) Usage(ctx context.Context, month source.Month) ([]source.Usage, error) {
	last := month.Next().Start().AddDate(0, 0, -1)
	past, err := s.client.Usage(ctx, month.Start(), last)
	if err != nil {
		return nil, fmt.Errorf("read DefensX usage for %s: %w", month, err)
	}
	current, err := s.client.CurrentUsage(ctx)
	if err != nil {
		return nil, fmt.Errorf("read DefensX current usage: %w", err)
	}
	return usageOf(month, append(past, current...), s.client.countFree), nil
}

// usageOf is Usage's decision, apart from the calls. Later records replace earlier ones
// with the same key, so the current usage wins over the billed list.
func usageOf(month source.Month, records []UsageRecord, countFree bool) []source.Usage {
	byKey := map[string]UsageRecord{}
	for _, r := range records {
		if source.MonthOf(r.TermStart.UTC()) != month || !billable(r.Status) {
			continue
		}
		byKey[r.key()] = r
	}
	type cell struct{ customer, sku string }
	sums := map[cell]float64{}
	for _, r := range byKey {
		q := r.Quantity
		if !countFree {
			q = math.Max(q-r.FreeQuantity, 0)
		}
		sums[cell{r.CustomerID, r.SKU}] += q
	}
	out := make([]source.Usage, 0, len(sums))
	for c, q := range sums {
		out = append(out, source.Usage{
			CustomerID: c.customer,
			Month:      month,
			Product:    c.sku,
			// Float sums of prorated quantities (0.17 + 0.17…) carry noise far below any
			// quantity DefensX reports.
			Quantity: math.Round(q*1e6) / 1e6,
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].CustomerID != out[j].CustomerID {
			return out[i].CustomerID < out[j].CustomerID
		}
		return out[i].Product < out[j].Product
	})
	return out
}

// ErrManualDelivery is what RegisterDelivery's *ManualDeliveryError matches with errors.Is.
var ErrManualDelivery = errors.New("DefensX webhooks are set up by hand in the DefensX portal")

// ManualDeliveryError tells the admin how to point DefensX at halobridge, since the Partner
// API has no call that registers a webhook.
type ManualDeliveryError struct {
	// URL is the endpoint to paste, secret included.
	URL string
}

func (e *ManualDeliveryError) Error() string {
	return "DefensX has no API to register a webhook, so set it up once by hand: in the DefensX portal, " +
		"open the Notifications list (MSP Automation → External Notifications in the DefensX knowledge base), " +
		"add an API callback notification for all customers with the event " + EventUserRequestCreate +
		" (and the Agent events to record agent changes), and give it the endpoint URL " + e.URL +
		" — the URL carries the secret, because DefensX signs nothing and sends no header of ours, so keep it private. " +
		"URL blocks are never sent by DefensX: halobridge polls for them."
}

// Unwrap makes errors.Is(err, ErrManualDelivery) hold.
func (e *ManualDeliveryError) Unwrap() error { return ErrManualDelivery }

// SecretParam is the query parameter that carries the delivery secret in the endpoint URL
// given to DefensX.
const SecretParam = "secret"

// CallbackURL is the endpoint URL the admin pastes into DefensX: d.URL with d.Secret added as
// the SecretParam query parameter, unless the URL carries the secret already.
func CallbackURL(d source.Delivery) (string, error) {
	if d.Secret == "" || strings.Contains(d.URL, d.Secret) {
		return d.URL, nil
	}
	u, err := url.Parse(d.URL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("delivery URL %q is not an absolute URL", d.URL)
	}
	q := u.Query()
	q.Set(SecretParam, d.Secret)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// RegisterDelivery cannot register anything: it always fails, with a *ManualDeliveryError
// saying where to paste the endpoint URL (see CallbackURL).
func (s *Connector) RegisterDelivery(_ context.Context, d source.Delivery) error {
	u, err := CallbackURL(d)
	if err != nil {
		return fmt.Errorf("prepare the DefensX webhook: %w", err)
	}
	return &ManualDeliveryError{URL: u}
}

// UnregisterDelivery cannot remove anything either: DefensX's API has no webhook call. It
// fails with the steps to delete the callback by hand.
func (s *Connector) UnregisterDelivery(_ context.Context, d source.Delivery) (string, error) {
	return "", fmt.Errorf("%w: in the DefensX portal's Notifications list, delete the API callback notification whose endpoint URL starts with %s; until then DefensX keeps calling it and halobridge refuses the calls",
		ErrManualDelivery, d.URL)
}

// CheckDelivery reports what DefensX lets us know: nothing about its webhook settings or
// deliveries, which its API does not expose. It checks that the Partner API key works
// (GET /status) and returns Enabled false, the event types DefensX can send, and a
// LastError that says where to look; the counts of what arrived are halobridge's own.
func (s *Connector) CheckDelivery(ctx context.Context) (source.DeliveryStatus, error) {
	if _, err := s.client.Status(ctx); err != nil {
		return source.DeliveryStatus{}, fmt.Errorf("check DefensX: %w", err)
	}
	return source.DeliveryStatus{
		Types:     WebhookEvents(),
		LastError: "DefensX does not report its webhook settings through its API: check the API callback notification in the DefensX portal's Notifications list",
		CheckedAt: s.client.now(),
	}, nil
}

// ParseInbound parses a DefensX webhook (see ParseWebhook). Agent events carry nothing to
// ticket: only their endpoint changes are kept here; callers that record them use
// ParseWebhook.
func (s *Connector) ParseInbound(header http.Header, body []byte) (source.Inbound, error) {
	in, _, err := ParseWebhook(header, body)
	return in, err
}
