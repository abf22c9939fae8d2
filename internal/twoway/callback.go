package twoway

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/outbound"
	"halobridge/internal/store"
)

// Headers of a callback to a push API vendor.
const (
	// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the exact body, keyed
	// with the source's push token.
	SignatureHeader = "X-Halobridge-Signature"
	// DeliveryHeader names the callback; its retries carry the same id.
	DeliveryHeader = "X-Halobridge-Delivery"
)

// Bounds of a callback.
const (
	// maxCallbackAlerts bounds the alert ids one callback names.
	maxCallbackAlerts = 500
	// maxCallbackNote bounds the agent's note it carries, in bytes.
	maxCallbackNote = 8000
	// callbackTimeout bounds one attempt.
	callbackTimeout = 15 * time.Second
	// DefaultRetryAttempts is how many times a write to a source (a callback, an incident's
	// note and status) is tried before its event is raised: about three and a half hours
	// with DefaultRetryBackoff.
	DefaultRetryAttempts = 10
	// DefaultRetryBackoff is the wait before the first retry; it doubles each time, up to
	// an hour.
	DefaultRetryBackoff = 30 * time.Second
)

// Callback is what a push API vendor's callback URL receives when a ticket of its alerts
// is closed or reopened in HaloPSA.
type Callback struct {
	// AlertIDs are the vendor's ids of the alerts the ticket holds (as pushed).
	AlertIDs []string `json:"alert_ids"`
	TicketID int      `json:"ticket_id"`
	// Status is "closed" or "reopened".
	Status string `json:"status"`
	// ClosedBy is who closed (or reopened) the ticket in HaloPSA, ClosedAt when.
	ClosedBy string `json:"closed_by"`
	ClosedAt string `json:"closed_at"`
	Note     string `json:"note"`
}

// Sign is the value of SignatureHeader for body, keyed with secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// CallbackArgs asks for one change to be posted to a push source's callback URL. Body is
// the exact JSON sent, kept as text so that every retry sends (and signs) the same bytes.
type CallbackArgs struct {
	PartnerID int64  `json:"partner_id"`
	SourceID  int64  `json:"source_id"`
	ChangeID  int64  `json:"change_id"`
	Delivery  string `json:"delivery"`
	Body      string `json:"body"`
}

// Kind names the job.
func (CallbackArgs) Kind() string { return "push_callback" }

// toPush queues the callback of a push source that has a callback URL.
func (s *Service) toPush(ctx context.Context, src store.Source, link store.TicketLink, c store.TicketChange) (string, string) {
	target := connect.PushSettingsOf(src).CallbackURL
	if target == "" {
		return store.SourceNothing, "the push source has no callback URL: set one on the source to have the vendor told"
	}
	if s.queue == nil {
		return store.SourceFailed, "halobridge's job queue is not running: the callback to " + target + " was not sent"
	}
	linked, err := s.Store.EventIDsOfLink(ctx, c.PartnerID, link.Key, src.ID, maxCallbackAlerts)
	if err != nil {
		return store.SourceFailed, err.Error()
	}
	body, err := json.Marshal(callbackOf(linked, c))
	if err != nil {
		return store.SourceFailed, err.Error()
	}
	args := CallbackArgs{PartnerID: c.PartnerID, SourceID: src.ID, ChangeID: c.ID, Delivery: store.NewToken(), Body: string(body)}
	return s.queueWrite(ctx, c, args, "Posting the "+c.Change+" callback to "+target)
}

// queueWrite records a change's write to its source as pending, then queues the write's
// job, tried RetryAttempts times: recorded first, so that a job quicker than the caller
// never has its outcome overwritten by "pending".
func (s *Service) queueWrite(ctx context.Context, c store.TicketChange, args river.JobArgs, pending string) (string, string) {
	if err := s.Store.SetChangeSource(ctx, c.ID, store.SourcePending, pending); err != nil {
		return store.SourceFailed, err.Error()
	}
	if _, err := s.queue.Insert(ctx, args, &river.InsertOpts{MaxAttempts: s.retryAttempts()}); err != nil {
		return store.SourceFailed, fmt.Sprintf("halobridge could not queue the job for it (%s): %v", pending, err)
	}
	return store.SourcePending, pending
}

func callbackOf(linked []store.LinkedEvent, c store.TicketChange) Callback {
	cb := Callback{AlertIDs: []string{}, TicketID: c.TicketID, Status: c.Change, ClosedBy: c.By,
		ClosedAt: c.ChangedAt.UTC().Format(time.RFC3339), Note: c.Note}
	for _, e := range linked {
		// A pushed alert's event id is push:<customer>:alert:<the vendor's id>.
		if id, ok := strings.CutPrefix(e.EventID, "push:"+e.CustomerID+":alert:"); ok {
			cb.AlertIDs = append(cb.AlertIDs, id)
		}
	}
	if len(cb.Note) > maxCallbackNote {
		cb.Note = strings.ToValidUTF8(cb.Note[:maxCallbackNote], "")
	}
	return cb
}

func (s *Service) retryAttempts() int {
	if s.RetryAttempts <= 0 {
		return DefaultRetryAttempts
	}
	return s.RetryAttempts
}

// retryBackoff is the wait after a write's attempt failed: RetryBackoff doubled at each
// attempt, up to an hour.
func (s *Service) retryBackoff(attempt int) time.Duration {
	wait := s.RetryBackoff
	if wait <= 0 {
		wait = DefaultRetryBackoff
	}
	for i := 1; i < attempt && wait < time.Hour; i++ {
		wait *= 2
	}
	return min(wait, time.Hour)
}

// callbackKey is the event of a source's failing callback; removing the source clears it.
func callbackKey(sourceID int64) string {
	return store.SourceEventPrefix(sourceID) + events.EventPushCallback
}

// SendCallback posts a callback once, to the source's callback URL as it is now, and
// records the outcome on the change. last says no retry follows a failure: the source's
// event is raised then.
func (s *Service) SendCallback(ctx context.Context, a CallbackArgs, last bool) error {
	src, err := s.Store.Source(ctx, a.SourceID)
	if errors.Is(err, store.ErrNotFound) {
		return s.Store.SetChangeSource(ctx, a.ChangeID, store.SourceNothing, "the push source was removed before the callback was sent")
	}
	if err != nil {
		return err
	}
	target := connect.PushSettingsOf(src).CallbackURL
	if target == "" {
		return s.Store.SetChangeSource(ctx, a.ChangeID, store.SourceNothing, "the push source's callback URL was removed before the callback was sent")
	}
	err = s.post(ctx, target, src.Secret, a)
	if err == nil {
		if err := s.Store.ClearEvent(ctx, a.PartnerID, callbackKey(src.ID)); err != nil {
			return err
		}
		return s.Store.SetChangeSource(ctx, a.ChangeID, store.SourceDone, "The vendor's callback URL "+target+" took the "+changeOf(a)+" callback")
	}
	s.logger().Warn("push callback failed", "partner_id", a.PartnerID, "source_id", src.ID, "delivery", a.Delivery, "last", last, "error", err)
	if !last {
		return err
	}
	problem := fmt.Sprintf("halobridge could not post to the callback URL %s of push source %q after %d attempts: %v", target, src.Name, s.retryAttempts(), err)
	if _, rerr := s.Store.RaiseEvent(ctx, store.Event{
		PartnerID: a.PartnerID, Kind: events.EventPushCallback, Key: callbackKey(src.ID), Subject: "Push source " + src.Name,
		Message: problem, Data: events.Data{SourceID: src.ID, URL: target}.Encode(),
		Fix: "Make sure " + target + " answers a POST with a 2xx status (its owner can check the X-Halobridge-Signature header with the source's push token), " +
			"or correct the callback URL on the source's page (Setup › Integration). Later closures are posted again; this one was not.",
	}); rerr != nil {
		return errors.Join(err, rerr)
	}
	return errors.Join(err, s.Store.SetChangeSource(ctx, a.ChangeID, store.SourceFailed, problem))
}

func changeOf(a CallbackArgs) string {
	var cb Callback
	_ = json.Unmarshal([]byte(a.Body), &cb)
	return cb.Status
}

// post sends one signed attempt through the outbound guard: only a 2xx answer takes it.
func (s *Service) post(ctx context.Context, target, secret string, a CallbackArgs) error {
	body := []byte(a.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the callback URL %s: %w", target, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "halobridge")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	req.Header.Set(DeliveryHeader, a.Delivery)
	policy, hc := s.outbound()
	resp, err := policy.Guard(hc, callbackTimeout).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	said, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("it answered HTTP %d: %s", resp.StatusCode, outbound.Said(resp.StatusCode, said, secret))
	}
	return nil
}

// writeWorker runs one kind of write to a source (a callback, an incident's note and
// status) as a job, tried RetryAttempts times with RetryBackoff doubling between them;
// send is told of the last attempt, which raises the write's event when it fails too.
type writeWorker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	svc     *Service
	send    func(ctx context.Context, args T, last bool) error
	timeout time.Duration
}

func (w *writeWorker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	return w.send(ctx, job.Args, job.Attempt >= job.MaxAttempts)
}

// NextRetry doubles the wait from the service's RetryBackoff.
func (w *writeWorker[T]) NextRetry(job *river.Job[T]) time.Time {
	return time.Now().Add(w.svc.retryBackoff(job.Attempt))
}

func (w *writeWorker[T]) Timeout(*river.Job[T]) time.Duration { return w.timeout }
