package twoway

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/outbound"
	"halobridge/internal/store"
)

// WebhookName is what halobridge calls its webhook in HaloPSA; it is found again by this
// name or by its address, so that a check interrupted halfway never creates a second one.
const WebhookName = "halobridge ticket changes"

// webhookPath is where HaloPSA delivers, followed by the partner's token.
const webhookPath = "/halo/webhook/"

// webhookUser is the Basic user name HaloPSA sends; the password is the partner's secret.
const webhookUser = "halobridge"

// DefaultInterval is how long without a webhook delivery makes the poller read, and how
// often a webhook that is not working is checked again.
const DefaultInterval = 5 * time.Minute

// checkEvery is how often a working webhook is checked (still there, enabled, delivering).
const checkEvery = time.Hour

// Service keeps the partners' webhooks, and acts on what HaloPSA tells of their tickets.
type Service struct {
	Store *store.Store
	Halo  *connect.Halo
	// Sources builds the connectors that take a change back to its source.
	Sources *connect.Sources
	// BaseURL is this server's address as HaloPSA reaches it.
	BaseURL string
	// Interval is DefaultInterval unless set.
	Interval time.Duration
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// RetryAttempts and RetryBackoff bound how a write to a source (a push callback, a
	// GravityZone incident's note and status) is retried: DefaultRetryAttempts and
	// DefaultRetryBackoff unless set.
	RetryAttempts int
	RetryBackoff  time.Duration
	// queue takes the writes to the sources; Jobs.Use sets it.
	queue Inserter
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) interval() time.Duration {
	if s.Interval <= 0 {
		return DefaultInterval
	}
	return s.Interval
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// WebhookURL is where HaloPSA posts a partner's deliveries.
func (s *Service) WebhookURL(token string) string {
	return strings.TrimRight(s.BaseURL, "/") + webhookPath + token
}

// Event keys of the webhook's problems, one event each.
const (
	keyPermission = events.EventHaloWebhook + "/permission"
	keyDisabled   = events.EventHaloWebhook + "/disabled"
	keyFailing    = events.EventHaloWebhook + "/failing"
)

// Ensure finds or creates the partner's webhook in HaloPSA, pointing at WebhookURL with
// Basic authentication holding the partner's secret, and enabled; it records what it found
// and raises or clears the webhook's events. Without the permission to manage webhooks it
// records that, raises the event saying which permission to add, and returns no error:
// halobridge polls meanwhile.
func (s *Service) Ensure(ctx context.Context, partnerID int64) (store.HaloWebhook, error) {
	rec, err := s.Store.EnsureHaloWebhook(ctx, partnerID, store.NewToken(), newSecret())
	if err != nil {
		return rec, err
	}
	if s.BaseURL == "" {
		return rec, connect.ErrNoPublicURL
	}
	client, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return rec, err
	}
	rec.URL = s.WebhookURL(rec.Token)
	hooks, err := client.Webhooks(ctx)
	if halo.IsForbidden(err) {
		return s.noPermission(ctx, rec, err)
	}
	if err != nil {
		return rec, fmt.Errorf("read the webhooks of HaloPSA: %w", err)
	}
	found, ok := findWebhook(hooks, rec)
	want := halo.Webhook{
		ID: found.ID, Name: WebhookName, URL: rec.URL, Type: halo.WebhookTypeOutbound, Method: halo.WebhookMethodPost,
		ContentType: "application/json", AuthenticationType: halo.WebhookAuthBasic, BasicUsername: webhookUser,
		BasicPassword: rec.Secret, Active: true,
	}
	if !subscribed(found) {
		want.Events = []halo.WebhookSubscription{{EventNo: halo.EventTicketStatusChanged}}
	}
	saved, err := client.SaveWebhook(ctx, want)
	if halo.IsForbidden(err) {
		return s.noPermission(ctx, rec, err)
	}
	if err != nil {
		return rec, fmt.Errorf("save halobridge's webhook in HaloPSA: %w", err)
	}
	rec.WebhookID, rec.State, rec.Problem = saved.ID, store.WebhookActive, ""
	if err := s.Store.ClearEvent(ctx, partnerID, keyPermission); err != nil {
		return rec, err
	}
	latestFailed, err := s.readLog(ctx, client, &rec)
	if err != nil {
		return rec, err
	}
	switch {
	case ok && found.Disabled:
		rec.State = store.WebhookDisabled
		rec.Problem = "HaloPSA had disabled halobridge's webhook, after deliveries to " + rec.URL + " failed; halobridge enabled it again"
		if err := s.raise(ctx, rec, keyDisabled, rec.Problem,
			"Make sure HaloPSA can reach halobridge at "+s.BaseURL+" (a firewall or proxy in between must let HaloPSA's requests through). Until deliveries arrive, halobridge reads the changed tickets every "+s.interval().String()+"."); err != nil {
			return rec, err
		}
	case latestFailed:
		rec.State = store.WebhookFailing
		rec.Problem = fmt.Sprintf("HaloPSA's latest delivery to %s failed (%s, at %s)", rec.URL, rec.LastError, rec.LastErrorAt.Format(time.RFC3339))
		if err := s.raise(ctx, rec, keyFailing, rec.Problem,
			"Make sure HaloPSA can reach halobridge at "+s.BaseURL+"; HaloPSA's delivery log is under Configuration > Integrations > Webhooks > "+WebhookName+
				". Until deliveries arrive, halobridge reads the changed tickets every "+s.interval().String()+"."); err != nil {
			return rec, err
		}
	default:
		if err := errors.Join(s.Store.ClearEvent(ctx, partnerID, keyFailing), s.Store.ClearEvent(ctx, partnerID, keyDisabled)); err != nil {
			return rec, err
		}
	}
	if err := s.Store.SaveHaloWebhookState(ctx, rec); err != nil {
		return rec, err
	}
	s.logger().Info("HaloPSA webhook checked", "partner_id", partnerID, "webhook_id", rec.WebhookID, "state", rec.State)
	return rec, nil
}

// findWebhook is the partner's webhook among HaloPSA's: the one at its address or with its
// id, else one named halobridge's that calls the partner's own webhook path at another base
// URL (a creation interrupted before its id was saved, then a new domain). A webhook named
// halobridge's that calls another partner's path is that partner's: two partners on one
// HaloPSA tenant each keep their own.
func findWebhook(hooks []halo.Webhook, rec store.HaloWebhook) (halo.Webhook, bool) {
	for _, h := range hooks {
		if h.URL == rec.URL || (rec.WebhookID != "" && strings.EqualFold(h.ID, rec.WebhookID)) {
			return h, true
		}
	}
	for _, h := range hooks {
		if h.Name == WebhookName && rec.Token != "" && strings.HasSuffix(h.URL, webhookPath+rec.Token) {
			return h, true
		}
	}
	return halo.Webhook{}, false
}

func subscribed(h halo.Webhook) bool {
	for _, e := range h.Events {
		if e.EventNo == halo.EventTicketStatusChanged {
			return true
		}
	}
	return false
}

// logSize is how many of the latest entries of HaloPSA's delivery log a check reads.
const logSize = 20

// readLog reads the latest entries of the webhook's delivery log into rec: how many failed,
// and the latest failure in HaloPSA's words. It reports whether the latest delivery failed.
func (s *Service) readLog(ctx context.Context, client *halo.Client, rec *store.HaloWebhook) (bool, error) {
	log, err := client.WebhookEvents(ctx, rec.WebhookID, logSize)
	if err != nil {
		return false, fmt.Errorf("read the delivery log of halobridge's webhook in HaloPSA: %w", err)
	}
	log = log[:min(len(log), logSize)] // a HaloPSA that ignores count sends its whole log
	rec.LogEntries, rec.LogFailures, rec.LastError, rec.LastErrorAt = len(log), 0, "", time.Time{}
	for _, e := range log {
		if !e.Error {
			continue
		}
		rec.LogFailures++
		if rec.LastError == "" {
			rec.LastError = logSaid(e, rec.Secret)
			rec.LastErrorAt, _ = parseHaloTime(e.Timestamp)
		}
	}
	return len(log) > 0 && log[0].Error, nil
}

// logSaid is what a failed delivery's log entry says: the status halobridge answered (or
// that none came) and the answer's body, or the error HaloPSA met, the secret masked.
func logSaid(e halo.WebhookEvent, secret string) string {
	said := fmt.Sprintf("status %d", e.ResponseStatus)
	if e.ResponseStatus == 0 {
		said = "no answer"
	}
	if body := strings.TrimSpace(e.ResponseBody); body != "" {
		said += ": " + outbound.Excerpt(body, secret)
	}
	return said
}

// noPermission records that the connection may not manage webhooks, and says which
// permission to add.
func (s *Service) noPermission(ctx context.Context, rec store.HaloWebhook, cause error) (store.HaloWebhook, error) {
	conn, err := s.Store.HaloConnection(ctx, rec.PartnerID)
	if err != nil {
		return rec, err
	}
	rec.State = store.WebhookNoPermission
	rec.Problem = "HaloPSA does not let halobridge manage webhooks (" + cause.Error() + "), so closures in HaloPSA reach halobridge within " +
		s.interval().String() + ", by reading the changed tickets, instead of within seconds"
	fix := "In HaloPSA, Configuration > Integrations > HaloPSA API > View Applications, open " + connect.ApplicationLabel(conn) +
		", and on its Permissions tab tick admin:webhooks (or all). halobridge then creates its webhook within " + s.interval().String() + ", or at once when you press Recheck."
	if err := s.raise(ctx, rec, keyPermission, rec.Problem, fix); err != nil {
		return rec, err
	}
	if err := s.Store.SaveHaloWebhookState(ctx, rec); err != nil {
		return rec, err
	}
	s.logger().Warn("HaloPSA webhook not allowed: polling", "partner_id", rec.PartnerID, "error", cause)
	return rec, nil
}

func (s *Service) raise(ctx context.Context, rec store.HaloWebhook, key, message, fix string) error {
	_, err := s.Store.RaiseEvent(ctx, store.Event{
		PartnerID: rec.PartnerID, Kind: events.EventHaloWebhook, Key: key, Subject: "HaloPSA webhook " + WebhookName,
		Message: message, Fix: fix, Data: events.Data{Permission: "admin:webhooks"}.Encode(),
	})
	return err
}

// EnsureWebhook is Ensure for a person (Resolve or Recheck of the webhook's events, the
// Sync page's button): it says what HaloPSA now holds.
func (s *Service) EnsureWebhook(ctx context.Context, partnerID int64) (string, error) {
	rec, err := s.Ensure(ctx, partnerID)
	if err != nil {
		return "", err
	}
	switch rec.State {
	case store.WebhookNoPermission:
		return "HaloPSA does not let halobridge manage webhooks: add the admin:webhooks permission to halobridge's application in HaloPSA. halobridge reads the changed tickets every " +
			s.interval().String() + " meanwhile.", nil
	case store.WebhookDisabled:
		return "HaloPSA had disabled halobridge's webhook after failed deliveries: halobridge enabled it again.", nil
	case store.WebhookFailing:
		return "halobridge's webhook is in HaloPSA and enabled, but HaloPSA's latest delivery failed: " + rec.LastError + ".", nil
	}
	return "halobridge's webhook is in HaloPSA and enabled, and its latest deliveries went through.", nil
}

// newSecret is 32 random bytes, URL-safe: the Basic password HaloPSA sends.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
