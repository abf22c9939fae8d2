package defensx

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// UsageRecord is one subscription's usage for one term, as /usage and /usage/current list it.
type UsageRecord struct {
	SubscriptionID string  `json:"subscriptionId"`
	PartnerID      string  `json:"partnerId"`
	CustomerID     string  `json:"customerId"`
	CustomerName   string  `json:"customerName"`
	SKU            string  `json:"sku"`
	Status         string  `json:"status"` // active, in_trial, non_renewing, paused or cancelled
	Quantity       float64 `json:"quantity"`
	// FreeQuantity is the number of units of Quantity that DefensX does not charge.
	FreeQuantity float64   `json:"free_quantity"`
	TermStart    time.Time `json:"termStart"`
	TermEnd      time.Time `json:"termEnd"`
	UsageID      int64     `json:"usageId"`
}

// UsageDetails is the per-user breakdown of one usage record (GET /usage/details).
type UsageDetails struct {
	UsageID        int64       `json:"usageId"`
	SubscriptionID string      `json:"subscriptionId"`
	TermStart      time.Time   `json:"termStart"`
	TermEnd        time.Time   `json:"termEnd"`
	Users          []UserUsage `json:"usageDetails"`
}

// UserUsage is one user's share of a usage record.
type UserUsage struct {
	UserID   string    `json:"userId"`
	Login    string    `json:"login"`
	Quantity float64   `json:"quantity"`
	FirstUse time.Time `json:"firstUse"`
}

// usageList reads both spellings of the list key: the spec's examples say
// usageBySubscriptions, its schema usageBySubscription.
type usageList struct {
	Plural   []UsageRecord `json:"usageBySubscriptions"`
	Singular []UsageRecord `json:"usageBySubscription"`
	Pagination
}

func (l usageList) records() []UsageRecord { return append(l.Plural, l.Singular...) }

// currentUsageLimit is /usage/current's default and largest page.
const currentUsageLimit = 1000

// CurrentUsage lists the usage of the current, not yet billed, term of every subscription
// (GET /usage/current), reading every page.
func (c *Client) CurrentUsage(ctx context.Context) ([]UsageRecord, error) {
	var all []UsageRecord
	for page := 1; page <= maxPages; page++ {
		q := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(currentUsageLimit)}}
		var out usageList
		if err := c.get(ctx, "/usage/current", q, &out); err != nil {
			return nil, err
		}
		rows := out.records()
		all = append(all, rows...)
		if out.Limit == 0 {
			// The spec gives /usage/current no paging object: a short page is the last.
			out.Limit = currentUsageLimit
		}
		if out.last(page, len(rows)) {
			return all, nil
		}
	}
	return nil, fmt.Errorf("DefensX current usage still had more pages after %d", maxPages)
}

// usageWindowEnd is the last day one /usage call starting at from may reach. DefensX refuses
// ranges over six months without saying how it counts them; six months less a day fits any
// count.
func usageWindowEnd(from time.Time) time.Time { return from.AddDate(0, 6, -1) }

// Usage lists the usage records of every subscription between from and to (GET /usage),
// both taken as UTC dates; a zero to means now. Ranges longer than the six months DefensX
// allows are split into several calls, and records returned twice are kept once.
func (c *Client) Usage(ctx context.Context, from, to time.Time) ([]UsageRecord, error) {
	if from.IsZero() {
		return nil, errors.New("DefensX usage needs a start date")
	}
	if to.IsZero() {
		to = c.now()
	}
	from, to = dateOf(from), dateOf(to)
	if to.Before(from) {
		return nil, fmt.Errorf("DefensX usage range ends (%s) before it starts (%s)", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	seen := map[string]bool{}
	var all []UsageRecord
	for start := from; ; {
		end := usageWindowEnd(start)
		if end.After(to) {
			end = to
		}
		q := url.Values{"from": {start.Format(time.DateOnly)}, "to": {end.Format(time.DateOnly)}}
		var out usageList
		if err := c.get(ctx, "/usage", q, &out); err != nil {
			return nil, err
		}
		for _, r := range out.records() {
			if k := r.key(); !seen[k] {
				seen[k] = true
				all = append(all, r)
			}
		}
		if !end.Before(to) {
			return all, nil
		}
		start = end
	}
}

// UsageDetails returns the per-user breakdown of one usage record.
func (c *Client) UsageDetails(ctx context.Context, subscriptionID string, usageID int64) (UsageDetails, error) {
	q := url.Values{"subscriptionId": {subscriptionID}, "usageId": {strconv.FormatInt(usageID, 10)}}
	var out UsageDetails
	if err := c.get(ctx, "/usage/details", q, &out); err != nil {
		return UsageDetails{}, err
	}
	return out, nil
}

// key identifies a usage record across calls: its usage id within the subscription, or
// its term when DefensX left the id out (as the spec's examples do).
func (r UsageRecord) key() string {
	if r.UsageID != 0 {
		return r.SubscriptionID + "#" + strconv.FormatInt(r.UsageID, 10)
	}
	return r.SubscriptionID + "@" + r.TermStart.UTC().Format(time.RFC3339Nano)
}

func dateOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
