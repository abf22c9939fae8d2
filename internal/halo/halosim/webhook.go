package halosim

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Webhook is an outbound webhook (SW Webhook, API.md §3.21). Its id is a GUID. The batch_*
// and auto_disable_attempts fields are newer than the SW 2024 document (RED's interface);
// basic_password and authentication_header are write-only: reads answer them empty.
type Webhook struct {
	ID                   string                `json:"id"`
	Name                 string                `json:"name"`
	Type                 int                   `json:"type"`
	URL                  string                `json:"url"`
	ContentType          string                `json:"content_type"`
	Method               int                   `json:"method"`
	AuthenticationType   int                   `json:"authentication_type"`
	BasicUsername        string                `json:"basic_username"`
	BasicPassword        string                `json:"basic_password"`
	AuthenticationHeader string                `json:"authentication_header"`
	Active               bool                  `json:"active"`
	Disabled             bool                  `json:"disabled"`
	Events               []WebhookSubscription `json:"events"`
	LastStatus           int                   `json:"last_status"`
	PayloadType          int                   `json:"payload_type"`
	CustomPayload        bool                  `json:"custom_payload"`
	Note                 string                `json:"note"`
	BatchMethod          int                   `json:"batch_method"`
	BatchDelaySeconds    int                   `json:"batch_delay_seconds"`
	BatchLimit           int                   `json:"batch_limit"`
	AutoDisableAttempts  int                   `json:"auto_disable_attempts"`
}

// WebhookSubscription is one notification event a webhook fires on (SW UnameNotification):
// Halo keeps them as notification records whose webhook_id names the webhook.
type WebhookSubscription struct {
	ID             int    `json:"id"`
	WebhookID      string `json:"webhook_id"`
	EventNo        int    `json:"eventno"`
	Name           string `json:"name"`
	DeliveryMethod int    `json:"delivery_method"`
	Type           int    `json:"type"`
}

// WebhookEvent is one attempt at delivering to a webhook: Halo's delivery log (SW WebhookEvent).
type WebhookEvent struct {
	ID              string  `json:"id"`
	WebhookID       string  `json:"webhook_id"`
	NotificationID  int     `json:"notification_id"`
	Timestamp       string  `json:"timestamp"`
	Status          int     `json:"status"`
	Duration        float64 `json:"duration"`
	RequestHeaders  string  `json:"requestheaders"`
	RequestBody     string  `json:"requestbody"`
	ResponseStatus  int     `json:"responsestatus"`
	ResponseHeaders string  `json:"responseheaders"`
	ResponseBody    string  `json:"responsebody"`
	EntityID        int     `json:"entity_id"`
	Error           bool    `json:"error"`
}

// Integer meanings as RED offers them (API.md §3.21).
const (
	webhookTypeOutbound = 0

	webhookMethodPost = 0

	WebhookAuthNone   = 0
	WebhookAuthBasic  = 1
	WebhookAuthBearer = 2
	WebhookAuthAPIKey = 3

	batchNone  = 0
	batchTime  = 1
	batchCount = 2

	// deliveryMethodWebhook is how RED-TRIG subscribes a webhook to an event.
	deliveryMethodWebhook = 6
)

// Payload types. Halo's admin screen offers "small object", "full object" and, in newer
// versions, "event info only"; the sources give no integers for them (RED: 0 default,
// 1 custom JSON), so these are the simulator's: the default is the full object.
const (
	PayloadFullObject    = 0
	PayloadSmallObject   = 3
	PayloadEventInfoOnly = 4
)

// Notification events (eventno). 3, 39 and 76 are the numbers RED-TRIG offers; no source
// numbers "Action Added", so the simulator gives it a number no source uses.
const (
	EventNewTicket     = 3
	EventClosed        = 39
	EventStatusChanged = 76
	EventActionAdded   = 9001
)

var eventNames = map[int]string{
	EventNewTicket:     "New Ticket Logged",
	EventClosed:        "Closed",
	EventStatusChanged: "Ticket Status Changed",
	EventActionAdded:   "Action Added",
}

// Webhook status values of last_status and of a delivery log entry.
const (
	webhookStatusNone    = 0
	webhookStatusSuccess = 1
	webhookStatusFailed  = 2
)

// Bounds of what one instance keeps.
const (
	maxWebhooks         = 100
	maxWebhookLog       = 10_000
	defaultAutoDisable  = 5
	defaultBatchLimit   = 100
	maxBatchLimit       = 1000
	maxBatchDelay       = time.Hour
	defaultBatchDelay   = 60 * time.Second
	maxWebhookRespStore = 4096
)

var scopesWebhooks = []string{"admin:webhooks"}

// webhookState is a webhook and what its sender has to do.
type webhookState struct {
	hook     Webhook
	queue    []queuedDelivery
	sending  bool
	failures int // consecutive deliveries that failed every attempt
	wake     chan struct{}
}

func (s *Sim) webhookView(w Webhook) Webhook {
	w.BasicPassword, w.AuthenticationHeader = "", ""
	w.Events = nonNil(slices.Clone(w.Events))
	return w
}

func (s *Sim) listWebhooks(c *call) reply {
	var out []Webhook
	for _, st := range s.sortedWebhooks() {
		if t, ok := c.q.int("type"); ok && st.hook.Type != t {
			continue
		}
		out = append(out, s.webhookView(st.hook))
	}
	return bare(c.q, out)
}

func (s *Sim) sortedWebhooks() []*webhookState {
	out := make([]*webhookState, 0, len(s.webhooks))
	for _, st := range s.webhooks {
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *webhookState) int { return strings.Compare(a.hook.ID, b.hook.ID) })
	return out
}

func (s *Sim) getWebhook(_ *call, seg string) reply {
	st, ok := s.webhooks[strings.ToLower(seg)]
	if !ok {
		return notFound("Webhook", seg)
	}
	return jsonReply(http.StatusOK, s.webhookView(st.hook))
}

func (s *Sim) deleteWebhook(_ *call, seg string) reply {
	st, ok := s.webhooks[strings.ToLower(seg)]
	if !ok {
		return notFound("Webhook", seg)
	}
	delete(s.webhooks, st.hook.ID)
	return jsonReply(http.StatusOK, s.webhookView(st.hook))
}

// postWebhooks creates webhooks, or updates the one an id names: as with every Halo write,
// only the fields sent change. events replaces the subscriptions when sent.
func (s *Sim) postWebhooks(_ *call, objs []object) reply {
	var out []Webhook
	for _, o := range objs {
		id, _ := o.text("id")
		id = strings.ToLower(strings.TrimSpace(id))
		base := Webhook{Type: webhookTypeOutbound, Method: webhookMethodPost, ContentType: "application/json", Active: true}
		st, exists := s.webhooks[id]
		switch {
		case id != "" && !exists:
			return notFound("Webhook", id)
		case exists:
			base = st.hook
		case len(s.webhooks) >= maxWebhooks:
			return badRequest("You cannot create more than %d webhooks", maxWebhooks)
		}
		w, rep, ok := patch(base, o)
		if !ok {
			return rep
		}
		if rep, ok := checkWebhook(w); !ok {
			return rep
		}
		if exists {
			w.ID = st.hook.ID
		} else {
			w.ID = newGUID()
			st = &webhookState{wake: make(chan struct{}, 1)}
			s.webhooks[w.ID] = st
		}
		for i := range w.Events {
			w.Events[i].WebhookID = w.ID
			w.Events[i].DeliveryMethod = deliveryMethodWebhook
			if w.Events[i].ID == 0 {
				w.Events[i].ID = s.db.nextID("notification")
			}
			if w.Events[i].Name == "" {
				w.Events[i].Name = eventNames[w.Events[i].EventNo]
			}
		}
		if o.has("disabled") && !w.Disabled {
			st.failures = 0 // re-enabled by hand: the count starts again
		}
		st.hook = w
		out = append(out, s.webhookView(w))
	}
	return saved(out)
}

// checkWebhook refuses what Halo's webhook screen would not save.
func checkWebhook(w Webhook) (reply, bool) {
	switch {
	case strings.TrimSpace(w.Name) == "":
		return badRequest("Please enter a Name"), false
	case w.Type == webhookTypeOutbound && !strings.HasPrefix(w.URL, "https://") && !strings.HasPrefix(w.URL, "http://"):
		return badRequest("Please enter a valid URL"), false
	case w.AuthenticationType == WebhookAuthBasic && (w.BasicUsername == "" || w.BasicPassword == ""):
		return badRequest("Please enter a Username and Password for Basic authentication"), false
	case w.AuthenticationType < WebhookAuthNone || w.AuthenticationType > 4:
		return badRequest("Please select a valid Authentication Type"), false
	case w.BatchLimit < 0 || w.BatchLimit > maxBatchLimit || w.BatchDelaySeconds < 0 || time.Duration(w.BatchDelaySeconds)*time.Second > maxBatchDelay:
		return badRequest("Please enter a valid batch size and delay"), false
	}
	return reply{}, true
}

// listWebhookEvents is the delivery log, newest first, optionally for one webhook.
func (s *Sim) listWebhookEvents(c *call) reply {
	want := strings.ToLower(c.q.text("webhook_id"))
	rows := make([]WebhookEvent, 0, len(s.webhookLog))
	for i := len(s.webhookLog) - 1; i >= 0; i-- {
		if e := s.webhookLog[i]; want == "" || e.WebhookID == want {
			rows = append(rows, e)
		}
	}
	return bare(c.q, rows)
}

func (s *Sim) getWebhookEvent(_ *call, seg string) reply {
	for _, e := range s.webhookLog {
		if e.ID == strings.ToLower(seg) {
			return jsonReply(http.StatusOK, e)
		}
	}
	return notFound("WebhookEvent", seg)
}

// Webhooks returns every webhook as GET /api/Webhook shows it, ordered by id.
func (s *Sim) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Webhook
	for _, st := range s.sortedWebhooks() {
		out = append(out, s.webhookView(st.hook))
	}
	return out
}

// WebhookLog returns the delivery log, oldest first.
func (s *Sim) WebhookLog() []WebhookEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.webhookLog)
}
