package twoway

import (
	"context"
	"errors"
	"time"

	"halobridge/internal/store"
)

// Health is how HaloPSA tells halobridge about a partner's tickets, as the Sync page and
// GET /api/v1/sync/runs show it: the webhook as HaloPSA held it at the last check, the
// deliveries received, the failures HaloPSA's delivery log (/WebhookEvent) showed, and
// whether the poller reads the changed tickets instead. Times are nil when never.
type Health struct {
	// State is none (not set up yet), active, no_permission, failing or disabled.
	State string `json:"state"`
	// Exists and Enabled say whether HaloPSA held halobridge's webhook, enabled, at the
	// last check (CheckedAt); DisabledByHaloPSA that HaloPSA had disabled it after failed
	// deliveries, and halobridge enabled it again.
	Exists            bool       `json:"exists"`
	Enabled           bool       `json:"enabled"`
	DisabledByHaloPSA bool       `json:"disabled_by_halopsa"`
	URL               string     `json:"url"`
	CheckedAt         *time.Time `json:"checked_at"`
	LastDeliveryAt    *time.Time `json:"last_delivery_at"`
	// Failures of the latest LogEntries entries of HaloPSA's delivery log failed;
	// LastError is the latest failure in HaloPSA's words, at LastErrorAt.
	Failures    int        `json:"failures"`
	LogEntries  int        `json:"log_entries"`
	LastError   string     `json:"last_error"`
	LastErrorAt *time.Time `json:"last_error_at"`
	// Polling says the poller reads the changed tickets, as no delivery came within the
	// interval; PolledAt is its last read.
	Polling  bool       `json:"polling"`
	PolledAt *time.Time `json:"polled_at"`
	// Problem says what is wrong; "" when nothing is.
	Problem string `json:"problem"`
}

// HealthOf reads the health of the partner's webhook at now, as the sweep of a server with
// the default interval sees it. The address never carries the secret: HaloPSA sends it as
// the Basic password.
func HealthOf(ctx context.Context, st *store.Store, partnerID int64, now time.Time) (Health, error) {
	rec, err := st.HaloWebhook(ctx, partnerID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Health{}, err
	}
	return healthOf(rec, err == nil, now, DefaultInterval), nil
}

// healthOf is the health of a webhook record at now; found is false when the partner has
// none yet.
func healthOf(rec store.HaloWebhook, found bool, now time.Time, interval time.Duration) Health {
	if !found {
		return Health{State: store.WebhookNone}
	}
	h := Health{
		State: rec.State, URL: rec.URL, Problem: rec.Problem,
		Failures: rec.LogFailures, LogEntries: rec.LogEntries, LastError: rec.LastError,
		CheckedAt: timeOrNil(rec.CheckedAt), LastDeliveryAt: timeOrNil(rec.LastDeliveryAt), LastErrorAt: timeOrNil(rec.LastErrorAt),
		PolledAt: timeOrNil(rec.PolledAt), Polling: polling(rec, now, interval),
	}
	switch rec.State {
	case store.WebhookActive, store.WebhookFailing:
		h.Exists, h.Enabled = true, true
	case store.WebhookDisabled:
		h.Exists, h.Enabled, h.DisabledByHaloPSA = true, true, true
	}
	if rec.State == store.WebhookNone {
		h.URL = ""
	}
	return h
}

// polling says whether the sweep reads the changed tickets: no delivery came within the
// interval, and the webhook is not known to be healthy. A quiet tenant sends no
// deliveries while its webhook works: HaloPSA's own delivery log, read at the last check,
// tells the two apart.
func polling(rec store.HaloWebhook, now time.Time, interval time.Duration) bool {
	return now.Sub(rec.LastDeliveryAt) >= interval && !healthy(rec, now, interval)
}

// healthy says the webhook was found in HaloPSA, enabled, with no failed delivery in the
// latest entries of its delivery log, at a check recent enough to trust.
func healthy(rec store.HaloWebhook, now time.Time, interval time.Duration) bool {
	return rec.State == store.WebhookActive && rec.LogFailures == 0 && now.Sub(rec.CheckedAt) < checkEvery+interval
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() || t.Year() < 2 {
		return nil
	}
	t = t.UTC()
	return &t
}
