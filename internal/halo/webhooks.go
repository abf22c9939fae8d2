package halo

import (
	"context"
	"errors"
	"net/url"
	"strconv"
)

// Webhook is an outbound webhook of HaloPSA (Configuration > Integrations > Webhooks; API
// /Webhook). Its id is a GUID. HaloPSA never reads basic_password back.
type Webhook struct {
	ID                 string `json:"id,omitempty"`
	Name               string `json:"name,omitempty"`
	Type               int    `json:"type"`
	URL                string `json:"url,omitempty"`
	ContentType        string `json:"content_type,omitempty"`
	Method             int    `json:"method"`
	AuthenticationType int    `json:"authentication_type"`
	BasicUsername      string `json:"basic_username,omitempty"`
	BasicPassword      string `json:"basic_password,omitempty"`
	Active             bool   `json:"active"`
	Disabled           bool   `json:"disabled"`
	// LastStatus is the outcome of the latest delivery: 1 success, 2 failure.
	LastStatus  int                   `json:"last_status,omitempty"`
	PayloadType int                   `json:"payload_type"`
	Events      []WebhookSubscription `json:"events,omitempty"`
}

// WebhookSubscription is one notification event a webhook fires on.
type WebhookSubscription struct {
	ID      int `json:"id,omitempty"`
	EventNo int `json:"eventno"`
}

// WebhookEvent is one attempt of HaloPSA at delivering a webhook: its delivery log.
type WebhookEvent struct {
	ID             string `json:"id"`
	WebhookID      string `json:"webhook_id"`
	Timestamp      string `json:"timestamp"`
	ResponseStatus int    `json:"responsestatus"`
	ResponseBody   string `json:"responsebody"`
	EntityID       int    `json:"entity_id"`
	Error          bool   `json:"error"`
}

// Webhook integers as HaloPSA's API uses them (API.md §3.21).
const (
	WebhookTypeOutbound = 0
	WebhookMethodPost   = 0
	WebhookAuthBasic    = 1
	// WebhookLastFailed is last_status after a delivery that failed.
	WebhookLastFailed = 2
	// EventTicketStatusChanged is the notification event of a ticket's status changing,
	// which covers closing and reopening it.
	EventTicketStatusChanged = 76
)

// Webhooks lists the outbound webhooks (a bare array).
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	var out []Webhook
	err := c.getJSON(ctx, "/Webhook", "/Webhook", url.Values{"type": {strconv.Itoa(WebhookTypeOutbound)}}, &out)
	return out, err
}

// SaveWebhook creates a webhook, or updates the one w.ID names with the fields sent.
func (c *Client) SaveWebhook(ctx context.Context, w Webhook) (Webhook, error) {
	saved, err := postOne(ctx, c, "/Webhook", w)
	if err == nil && saved.ID == "" {
		return Webhook{}, errors.New("POST /Webhook: HaloPSA answered without the webhook's id")
	}
	return saved, err
}

// WebhookEvents returns the latest count entries of a webhook's delivery log, newest first.
func (c *Client) WebhookEvents(ctx context.Context, webhookID string, count int) ([]WebhookEvent, error) {
	var out []WebhookEvent
	err := c.getJSON(ctx, "/WebhookEvent", "/WebhookEvent",
		url.Values{"webhook_id": {webhookID}, "count": {strconv.Itoa(count)}}, &out)
	return out, err
}
