package halosim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// WebhookPayload is what the simulator posts to a webhook for one event. Every payload type
// carries the delivery's id (a GUID, the same on every retry), the webhook, the notification
// and escalation message that fired, the event's name, the object's id and the time; the
// object payloads add the ticket, in full or small.
type WebhookPayload struct {
	ID             string `json:"id"`
	WebhookID      string `json:"webhook_id"`
	NotificationID int    `json:"notification_id"`
	EscMsgID       string `json:"escmsg_id"`
	Event          string `json:"event"`
	ObjectID       int    `json:"object_id"`
	Timestamp      string `json:"timestamp"`
	Ticket         any    `json:"ticket,omitempty"`
}

// smallTicket is the "small object" payload's ticket: its identity and state.
type smallTicket struct {
	ID                 int    `json:"id"`
	Summary            string `json:"summary"`
	ClientID           int    `json:"client_id"`
	SiteID             int    `json:"site_id"`
	TicketTypeID       int    `json:"tickettype_id"`
	StatusID           int    `json:"status_id"`
	AgentID            int    `json:"agent_id"`
	Team               string `json:"team"`
	HasBeenClosed      bool   `json:"hasbeenclosed"`
	DateClosed         string `json:"dateclosed"`
	LastUpdate         string `json:"last_update"`
	ThirdPartyIDString string `json:"third_party_id_string"`
}

// queuedDelivery is one payload waiting for its webhook's sender.
type queuedDelivery struct {
	notificationID int
	objectID       int
	payload        []byte
	queuedAt       time.Time // wall clock: batching waits on it
}

// maxWebhookQueue bounds what waits for one webhook; past it the oldest is dropped.
const maxWebhookQueue = 10_000

// ticketChanged fires the notifications of a change to a ticket made through the API or by
// a mutator; previous is its status before. The store lock is held.
func (s *Sim) ticketChanged(t Ticket, previous int) {
	if t.StatusID == previous {
		return
	}
	s.fireTicketEvent(EventStatusChanged, t)
	if t.StatusID == closedStatusID {
		s.fireTicketEvent(EventClosed, t)
	}
}

// fireTicketEvent queues a payload for every active webhook subscribed to the event and
// wakes their senders. The store lock is held.
func (s *Sim) fireTicketEvent(eventNo int, t Ticket) {
	escmsg := newGUID()
	view := s.ticketView(t)
	for _, st := range s.sortedWebhooks() {
		h := st.hook
		i := slices.IndexFunc(h.Events, func(e WebhookSubscription) bool { return e.EventNo == eventNo })
		if !h.Active || h.Disabled || h.Type != webhookTypeOutbound || i < 0 {
			continue
		}
		p := WebhookPayload{
			ID: newGUID(), WebhookID: h.ID, NotificationID: h.Events[i].ID, EscMsgID: escmsg,
			Event: eventNames[eventNo], ObjectID: t.ID, Timestamp: s.stamp(),
		}
		switch h.PayloadType {
		case PayloadEventInfoOnly:
		case PayloadSmallObject:
			p.Ticket = smallTicket{
				ID: view.ID, Summary: view.Summary, ClientID: view.ClientID, SiteID: view.SiteID, TicketTypeID: view.TicketTypeID,
				StatusID: view.StatusID, AgentID: view.AgentID, Team: view.Team, HasBeenClosed: view.HasBeenClosed,
				DateClosed: view.DateClosed, LastUpdate: view.LastUpdate, ThirdPartyIDString: view.ThirdPartyIDString,
			}
		default:
			p.Ticket = view
		}
		body, err := marshalJSON(p)
		if err != nil {
			continue
		}
		if len(st.queue) >= maxWebhookQueue {
			st.queue = st.queue[1:]
		}
		st.queue = append(st.queue, queuedDelivery{notificationID: p.NotificationID, objectID: t.ID, payload: body, queuedAt: time.Now()})
		if !st.sending {
			st.sending = true
			go s.sendWebhooks(st)
		}
		select {
		case st.wake <- struct{}{}:
		default:
		}
	}
}

// sendWebhooks delivers a webhook's queue, then stops: it runs while there is something to
// send, so an idle simulator has no goroutine per webhook.
func (s *Sim) sendWebhooks(st *webhookState) {
	for {
		s.mu.Lock()
		batch, wait := s.takeBatch(st)
		hook := st.hook
		if batch == nil && wait <= 0 {
			st.sending = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		if batch == nil {
			select {
			case <-st.wake:
			case <-time.After(wait):
			}
			continue
		}
		ok := s.deliverBatch(hook, batch)
		s.mu.Lock()
		s.settleDelivery(st, ok)
		s.mu.Unlock()
	}
}

// takeBatch takes what is to be sent now; with count batching, it says how long to wait for
// the batch to fill instead. A webhook deleted or disabled meanwhile sends nothing more.
func (s *Sim) takeBatch(st *webhookState) ([]queuedDelivery, time.Duration) {
	if s.webhooks[st.hook.ID] != st || st.hook.Disabled || !st.hook.Active {
		st.queue = nil
		return nil, 0
	}
	if len(st.queue) == 0 {
		return nil, 0
	}
	h := st.hook
	if h.BatchMethod == batchNone {
		b := st.queue[:1:1]
		st.queue = st.queue[1:]
		return b, 0
	}
	limit := h.BatchLimit
	if limit <= 0 {
		limit = defaultBatchLimit
	}
	delay := time.Duration(h.BatchDelaySeconds) * time.Second
	if delay <= 0 && h.BatchMethod == batchCount {
		delay = defaultBatchDelay
	}
	waited := time.Since(st.queue[0].queuedAt)
	if len(st.queue) < limit && waited < delay {
		return nil, delay - waited
	}
	n := min(limit, len(st.queue))
	b := slices.Clone(st.queue[:n])
	st.queue = st.queue[n:]
	return b, 0
}

// deliverBatch sends one delivery (a batch is one JSON array), retrying with backoff, and
// logs every attempt. It reports whether an attempt was accepted (any 2xx).
func (s *Sim) deliverBatch(h Webhook, batch []queuedDelivery) bool {
	body := batch[0].payload
	if h.BatchMethod != batchNone {
		parts := make([][]byte, len(batch))
		for i, d := range batch {
			parts[i] = d.payload
		}
		body = append(append([]byte("["), bytes.Join(parts, []byte(","))...), ']')
	}
	backoff := s.opts.WebhookBackoff
	for attempt := 0; attempt < s.opts.WebhookAttempts; attempt++ {
		if attempt > 0 {
			time.Sleep(backoff)
			backoff *= 2
		}
		entry := s.postWebhook(h, body)
		entry.NotificationID, entry.EntityID = batch[0].notificationID, batch[0].objectID
		s.mu.Lock()
		if len(s.webhookLog) >= maxWebhookLog {
			s.webhookLog = append(s.webhookLog[:0], s.webhookLog[len(s.webhookLog)-maxWebhookLog/2:]...)
		}
		s.webhookLog = append(s.webhookLog, entry)
		s.mu.Unlock()
		if !entry.Error {
			return true
		}
	}
	return false
}

// postWebhook makes one attempt and describes it as a delivery log entry.
func (s *Sim) postWebhook(h Webhook, body []byte) WebhookEvent {
	entry := WebhookEvent{ID: newGUID(), WebhookID: h.ID, Timestamp: haloTime(s.now()), RequestBody: string(body), Error: true, Status: webhookStatusFailed}
	method := map[int]string{0: http.MethodPost, 1: http.MethodGet, 2: http.MethodPut, 3: http.MethodDelete, 4: http.MethodPatch}[h.Method]
	if method == "" {
		method = http.MethodPost
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, h.URL, bytes.NewReader(body))
	if err != nil {
		entry.ResponseBody = err.Error()
		return entry
	}
	contentType := h.ContentType
	if contentType == "" {
		contentType = "application/json"
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "HaloPSA-Webhook")
	switch h.AuthenticationType {
	case WebhookAuthBasic:
		req.SetBasicAuth(h.BasicUsername, h.BasicPassword)
	case WebhookAuthBearer:
		req.Header.Set("Authorization", "Bearer "+h.AuthenticationHeader)
	case WebhookAuthAPIKey:
		if name, value, ok := strings.Cut(h.AuthenticationHeader, ":"); ok {
			req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
		}
	}
	entry.RequestHeaders = headerText(req.Header)
	start := time.Now()
	resp, err := s.opts.WebhookClient.Do(req)
	entry.Duration = time.Since(start).Seconds()
	if err != nil {
		entry.ResponseBody = err.Error()
		return entry
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, maxWebhookRespStore))
	entry.ResponseStatus, entry.ResponseBody, entry.ResponseHeaders = resp.StatusCode, string(respBody), headerText(resp.Header)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		entry.Error, entry.Status = false, webhookStatusSuccess
	}
	return entry
}

// headerText writes headers as the log shows them, credentials masked.
func headerText(h http.Header) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(h)) {
		v := strings.Join(h[k], ", ")
		if k == "Authorization" {
			v = "********"
		}
		fmt.Fprintf(&b, "%s: %s\n", k, v)
	}
	return b.String()
}

// settleDelivery records how a delivery ended; after auto_disable_attempts deliveries in a
// row failed every attempt, Halo disables the webhook and drops what waited.
func (s *Sim) settleDelivery(st *webhookState, ok bool) {
	if ok {
		st.failures, st.hook.LastStatus = 0, webhookStatusSuccess
		return
	}
	st.failures++
	st.hook.LastStatus = webhookStatusFailed
	limit := st.hook.AutoDisableAttempts
	if limit <= 0 {
		limit = defaultAutoDisable
	}
	if st.failures >= limit {
		st.hook.Disabled, st.queue = true, nil
	}
}
