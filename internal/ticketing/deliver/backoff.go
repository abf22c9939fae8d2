package deliver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/outbound"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// KindDeliveryPaused is the event of a partner whose delivery waits for
// its HaloPSA to answer again.
const KindDeliveryPaused = events.EventDeliveryPaused

// pauseStreak is how many groups in a row may fail as a failing HaloPSA
// fails before the partner's delivery pauses: one such failure is a
// ticket's bad luck, several in a row are HaloPSA's.
const pauseStreak = 3

// refusedError is a ticket or note HaloPSA refused; the event that says
// what to fix has been raised already.
type refusedError struct {
	problem Problem
	err     error
}

func (e *refusedError) Error() string { return e.problem.Message }
func (e *refusedError) Unwrap() error { return e.err }

// systemic reports whether every ticket would meet the problem, not just
// the one refused: a missing permission, or a policy field HaloPSA will
// not take.
func (pr Problem) systemic() bool {
	switch pr.Kind {
	case KindPermissionMissing:
		return true
	case KindTicketRefused:
		field, _ := pr.Data["field"].(string)
		required, _ := pr.Data["required"].(string)
		return field != "" || required != ""
	}
	return false
}

// loadBackoffs reads the waits the partner's earlier failures set.
func (p *pass) loadBackoffs(ctx context.Context) error {
	list, err := p.svc.store.DeliveryBackoffs(ctx, p.partnerID)
	if err != nil {
		return err
	}
	for _, b := range list {
		p.backoffs[b.Key] = b
	}
	return nil
}

// waiting reports the backoff that holds key back at this pass's time.
func (p *pass) waiting(key string) (store.DeliveryBackoff, bool) {
	b, ok := p.backoffs[key]
	return b, ok && b.RetryAt.After(p.now)
}

// wait holds the alerts of a group that backs off until its retry, so
// that they leave the pending list until then.
func (p *pass) wait(ctx context.Context, g *group, b store.DeliveryBackoff) error {
	p.hold(g, b.RetryAt.Sub(p.now))
	return p.svc.store.DeferDelivery(ctx, b, p.holding(g.alerts, g.decision.Action, g.key, b))
}

// holding are deliveries that keep alerts back until b's retry.
func (p *pass) holding(alerts []store.PendingAlert, action ticketing.Action, key string, b store.DeliveryBackoff) []store.AlertDelivery {
	reason := fmt.Sprintf("%s; halobridge tries again at %s", b.Error, b.RetryAt.UTC().Format("15:04:05 UTC"))
	out := p.deliveries(alerts, store.DeliveryFailed, action, reason, key, 0)
	for i := range out {
		out[i].RetryAt = b.RetryAt
	}
	return out
}

// fail deals with a HaloPSA failure while acting for key: the key backs
// off and its alerts wait, the partner pauses when HaloPSA itself is the
// problem, and only an error that ends the pass is returned.
func (p *pass) fail(ctx context.Context, key string, action ticketing.Action, alerts []store.PendingAlert, cause error) error {
	if ctx.Err() != nil {
		return cause
	}
	reach := reachOf(cause)
	switch reach {
	case reachPass:
		return cause
	case reachTenant:
		return p.pause(ctx, cause)
	}
	p.tried++
	p.lastFailure = cause
	b := p.backoffs[key]
	if b.Attempts == 0 {
		b = store.DeliveryBackoff{PartnerID: p.partnerID, Key: key, Since: p.now}
	}
	b.Attempts++
	b.RetryAt = p.now.Add(backoff(b.Attempts, p.svc.opts.RetryBackoff, p.svc.opts.MaxRetryBackoff))
	b.Error = describe(cause)
	var refusal *refusedError
	if errors.As(cause, &refusal) {
		b.EventKey = refusal.problem.Key
	}
	if err := p.svc.store.DeferDelivery(ctx, b, p.holding(alerts, action, key, b)); err != nil {
		return err
	}
	p.backoffs[key] = b
	p.res.Deferred++
	p.res.Failed += len(alerts)
	p.res.again(b.RetryAt.Sub(p.now))
	for _, a := range alerts {
		p.heldPrints[a.Fingerprint] = true
	}
	p.svc.opts.Logger.Warn("HaloPSA failed a delivery; it waits for its retry", "partner", p.partnerID, "key", key,
		"attempts", b.Attempts, "retry_at", b.RetryAt, "error", cause)
	if reach == reachServer {
		p.streak++
		if p.streak >= pauseStreak {
			return p.pause(ctx, cause)
		}
	}
	return nil
}

// succeed records that HaloPSA did what was asked for key; the event its
// last refusal raised is cleared, since its problem is gone.
func (p *pass) succeed(ctx context.Context, key string) error {
	p.tried++
	p.streak = 0
	b, ok := p.backoffs[key]
	if !ok {
		return nil
	}
	if b.EventKey != "" {
		if err := p.svc.store.ClearEvent(ctx, p.partnerID, b.EventKey); err != nil {
			return err
		}
	}
	delete(p.backoffs, key)
	return p.svc.store.ClearDeliveryBackoff(ctx, p.partnerID, key)
}

// pause stops the partner's delivery until a probe finds HaloPSA answering
// again, and tells the partner once the pause is more than a blip.
func (p *pass) pause(ctx context.Context, cause error) error {
	b := p.backoffs[store.PartnerWide]
	if b.Attempts == 0 {
		b = store.DeliveryBackoff{PartnerID: p.partnerID, Key: store.PartnerWide, Since: p.now}
	}
	b.Attempts++
	b.RetryAt = p.now.Add(backoff(b.Attempts, p.svc.opts.RetryBackoff, p.svc.opts.MaxProbeBackoff))
	b.Error = describe(cause)
	if err := p.svc.store.DeferDelivery(ctx, b, nil); err != nil {
		return err
	}
	p.backoffs[store.PartnerWide] = b
	p.paused, p.res.Paused = true, true
	p.res.again(b.RetryAt.Sub(p.now))
	p.svc.rest(p.partnerID, b.RetryAt)
	p.svc.opts.Logger.Warn("HaloPSA is failing; delivery pauses", "partner", p.partnerID, "since", b.Since,
		"attempts", b.Attempts, "retry_at", b.RetryAt, "error", cause)
	why := pauseCause(cause)
	if why.urgent || p.now.Sub(b.Since) >= p.svc.opts.PauseGrace {
		return raiseEvent(ctx, p.svc.store, p.partnerID, pausedProblem(b, why))
	}
	return nil
}

// probe looks at a paused partner's HaloPSA with one cheap request; the
// pause goes on when it fails.
func (p *pass) probe(ctx context.Context) error {
	client, err := p.haloClient(ctx)
	if err == nil {
		_, err = client.Me(ctx)
	}
	if err == nil || ctx.Err() != nil || halo.IsRateLimited(err) {
		return err
	}
	return p.pause(ctx, err)
}

// resume ends a pause after a pass in which HaloPSA answered: the partner
// is told, by its event clearing, that delivery goes on.
func (p *pass) resume(ctx context.Context) error {
	if _, ok := p.backoffs[store.PartnerWide]; !ok {
		return nil
	}
	if err := p.svc.store.ClearEvent(ctx, p.partnerID, KindDeliveryPaused); err != nil {
		return err
	}
	delete(p.backoffs, store.PartnerWide)
	p.svc.opts.Logger.Info("HaloPSA answers again; delivery resumes", "partner", p.partnerID)
	return p.svc.store.ClearDeliveryBackoff(ctx, p.partnerID, store.PartnerWide)
}

// pauseReason is why a partner's delivery paused, in the partner's words.
type pauseReason struct {
	why, fix string
	// urgent causes need a person at once: waiting will not mend them.
	urgent bool
}

const resumesByItself = " halobridge looks at HaloPSA again at least every minute and resumes delivery by itself once HaloPSA answers."

func pauseCause(err error) pauseReason {
	var (
		api   *halo.APIError
		oauth *halo.OAuthError
	)
	switch {
	case errors.Is(err, connect.ErrNotConnected):
		return pauseReason{why: "HaloPSA is not connected", fix: "Connect HaloPSA on the Setup page; delivery then starts by itself.", urgent: true}
	case errors.Is(err, halo.ErrNoRefreshToken), errors.As(err, &oauth) && oauth.Status < 500,
		errors.As(err, &api) && api.Status == http.StatusUnauthorized:
		return pauseReason{why: "HaloPSA does not accept halobridge's credentials",
			fix: "Check the HaloPSA connection on the Setup page: the client ID and secret of halobridge's API application, " +
				"or log in with HaloPSA again if the connection was made that way." + resumesByItself,
			urgent: true}
	case isDialFailure(err):
		return pauseReason{why: "halobridge cannot connect to HaloPSA",
			fix: "Check that HaloPSA is up and that its URL on the Setup page is reachable from halobridge's server (DNS, firewall, proxy)." + resumesByItself}
	case errors.As(err, &api) && api.Status == http.StatusForbidden, isSystemicRefusal(err):
		return pauseReason{why: "HaloPSA refuses every ticket",
			fix: "Fix the permission or ticket policy field named by the other open events." + resumesByItself}
	}
	return pauseReason{why: "HaloPSA keeps failing (server errors, timeouts or dropped connections)",
		fix: "Check HaloPSA's status, or ask Halo support if it lasts." + resumesByItself}
}

func isSystemicRefusal(err error) bool {
	var r *refusedError
	return errors.As(err, &r) && r.problem.systemic()
}

func pausedProblem(b store.DeliveryBackoff, c pauseReason) Problem {
	return Problem{
		Kind: KindDeliveryPaused, Key: KindDeliveryPaused, Subject: "Ticket delivery to HaloPSA",
		Message: fmt.Sprintf("Ticket delivery to HaloPSA is paused since %s because %s (last error: %s). Alerts wait in halobridge: none is lost and no ticket is created twice.",
			b.Since.UTC().Format("2006-01-02 15:04 UTC"), c.why, b.Error),
		Fix:  c.fix,
		Data: map[string]any{"since": b.Since.UTC(), "error": b.Error, "attempts": b.Attempts},
	}
}

// maxDescribed bounds what an error contributes to a delivery's reason.
const maxDescribed = 300

// describe says what failed, briefly: a refusal by its problem, an address
// that did not answer (or not as HaloPSA) by what failed without the fix
// (the event has its own), anything else by the error's own text.
func describe(err error) string {
	var r *refusedError
	msg := err.Error()
	if f, ok := outbound.AsFixer(err); ok {
		msg = f.Problem()
	}
	if errors.As(err, &r) {
		msg = r.problem.Message
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > maxDescribed {
		msg = strings.ToValidUTF8(msg[:maxDescribed], "") + "…"
	}
	return msg
}

// rest remembers until when waking the partner's delivery is pointless
// (paused, or out of HaloPSA budget), so that a storm of new alerts does
// not run a pass per commit only to find it must wait.
func (s *Service) rest(partnerID int64, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resting == nil {
		s.resting = map[int64]time.Time{}
	}
	s.resting[partnerID] = until
}

// restingAt reports whether the partner's delivery rests at now.
func (s *Service) restingAt(partnerID int64, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.resting[partnerID]
	if ok && !now.Before(until) {
		delete(s.resting, partnerID)
		return false
	}
	return ok
}
