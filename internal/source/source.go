// Package source defines what every security platform connector gives
// halobridge: its customers, their licence usage per month, and alerts and
// resolutions parsed from what the platform pushes to us. Connectors live in
// subpackages (gravityzone, defensx, push); everything downstream (mapping,
// ticketing, billing) sees only the normalised types below.
package source

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// Kind names a security platform.
type Kind string

const (
	GravityZone Kind = "gravityzone"
	DefensX     Kind = "defensx"
	Push        Kind = "push"
)

// Customer is a company on the source side (a GravityZone company, a DefensX customer).
type Customer struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	ParentID string `json:"parent_id,omitempty"` // "" for a top-level customer
	Domain   string `json:"domain,omitempty"`    // e-mail or web domain when the source knows it
	// Reseller is true for a company that only groups other customers (a GravityZone partner company).
	Reseller bool `json:"reseller,omitempty"`
	// SeenInPush marks a company halobridge knows from the events it pushed,
	// not (or not yet) from the source's customer list: it can be mapped all
	// the same, and a sync that lists it clears the mark.
	SeenInPush bool `json:"seen_in_push,omitempty"`
}

// Usage is the quantity of one product (or counter) one customer used in one month.
type Usage struct {
	CustomerID string  `json:"customer_id"`
	Month      Month   `json:"month"`
	Product    string  `json:"product"` // e.g. GravityZone "mspSecureMonthlyUsage", a DefensX SKU
	Quantity   float64 `json:"quantity"`
	// IncludesChildren is true when the source's figure for a parent company already counts its children.
	IncludesChildren bool `json:"includes_children,omitempty"`
}

// MaxQuantity is the largest usage quantity halobridge keeps: far above any
// licence count, and small enough that billing's sums of such quantities stay
// finite and exact to a thousandth.
const MaxQuantity = 1e9

// CheckQuantity says why u's quantity cannot be billed, or nil when it is a
// number from 0 to MaxQuantity.
func (u Usage) CheckQuantity() error {
	if q := u.Quantity; math.IsNaN(q) || q < 0 || q > MaxQuantity {
		return fmt.Errorf("the quantity %v of %s for customer %s in %s is not a number from 0 to %.0f", q, u.Product, u.CustomerID, u.Month, MaxQuantity)
	}
	return nil
}

// Severity orders alerts for routing and priority.
type Severity string

const (
	SeverityInfo     Severity = "info"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Alert is one normalised security event or end-user request.
type Alert struct {
	Source     Kind     `json:"source"`
	CustomerID string   `json:"customer_id"`
	Type       string   `json:"type"` // "av", "new-incident", "user_request", "url_block", "unknown:<module>"…
	Severity   Severity `json:"severity"`
	HostName   string   `json:"host_name,omitempty"`
	HostIP     string   `json:"host_ip,omitempty"`
	User       string   `json:"user,omitempty"`
	URL        string   `json:"url,omitempty"`
	// Facts are the type's own details (malware name, report type, reason…), by
	// name; title templates and ticket details draw on them.
	Facts      map[string]string `json:"facts,omitempty"`
	OccurredAt time.Time         `json:"occurred_at"`
	Raw        json.RawMessage   `json:"raw"`
	// Fingerprint is the dedup key: alerts with the same fingerprint belong on
	// the same ticket. Each connector documents its rule per type; it is never a
	// rendered title or a timestamp.
	Fingerprint string `json:"fingerprint"`
	// EventID identifies this one delivery of the event, so that a redelivered
	// event is recognised and not stored twice.
	EventID string `json:"event_id"`
	// Timeless marks an event that carries no time of its own, whose EventID
	// therefore names its content alone: the same EventID arriving within the
	// dedup horizon is a redelivery, and after it a genuine repeat, a new
	// alert. Events with a time of their own, and ids the vendor gives, are
	// recognised by their EventID forever.
	Timeless bool `json:"timeless,omitempty"`
	// Test marks a test event sent to check the delivery path.
	Test bool `json:"test,omitempty"`
}

// customerNameFacts are the facts that name an alert's company, first
// present wins: "customer_name", which any connector (and a push API
// vendor, in its facts) may set, and GravityZone's "company_name"
// (ransomware-mitigation). GravityZone's "moved_company_name" names
// another company than the event's, and is not one of them.
var customerNameFacts = []string{"customer_name", "company_name"}

// maxCustomerName bounds a company name taken from an event, in bytes.
const maxCustomerName = 250

// CustomerName is the name of the alert's company as the event gives it,
// "" when it gives none.
func (a *Alert) CustomerName() string {
	for _, f := range customerNameFacts {
		if n := strings.TrimSpace(a.Facts[f]); n != "" {
			if len(n) > maxCustomerName {
				n = strings.ToValidUTF8(n[:maxCustomerName], "")
			}
			return n
		}
	}
	return ""
}

// Resolution says that the source resolved an alert (or an incident) and the
// ticket for it may close.
type Resolution struct {
	Source      Kind            `json:"source"`
	CustomerID  string          `json:"customer_id"`
	Fingerprint string          `json:"fingerprint"` // the fingerprint of the alerts it resolves
	Reason      string          `json:"reason"`
	ResolvedAt  time.Time       `json:"resolved_at"`
	EventID     string          `json:"event_id"`
	Raw         json.RawMessage `json:"raw,omitempty"`
}

// TooManyEventsError refuses a push that carries more events than Max, the
// most one push may carry: it is answered 413.
type TooManyEventsError struct{ Max int }

func (e *TooManyEventsError) Error() string {
	return fmt.Sprintf("the push carries more than %d events; send at most %d per request (nothing of this one was stored)", e.Max, e.Max)
}

// BodyTooLargeError refuses a push whose body is over Max bytes, the most a
// source sends: it is answered 413.
type BodyTooLargeError struct{ Max int }

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("the body is larger than %d bytes, more than this platform sends in one request; nothing of it was stored", e.Max)
}

// Inbound is what one pushed request carried.
type Inbound struct {
	Alerts      []Alert
	Resolutions []Resolution
	// Endpoints are the changes to the customers' devices it announced,
	// applied with its alerts.
	Endpoints []EndpointChange
}

// Delivery is where a source should push its events, and the secret it must present.
type Delivery struct {
	URL    string
	Secret string
	// Types are the event types to subscribe to; empty means every type the source offers.
	Types []string
}

// DeliveryStatus is what the source reports about pushing to us.
type DeliveryStatus struct {
	Enabled   bool
	URL       string
	Types     []string
	Delivered int // events accepted by us, as the source counts them
	Failed    int
	LastError string
	CheckedAt time.Time
}

// Source is implemented by every connector.
type Source interface {
	Kind() Kind
	// Customers lists every customer the source's credentials can see.
	Customers(ctx context.Context) ([]Customer, error)
	// Usage returns each customer's usage in month.
	Usage(ctx context.Context, month Month) ([]Usage, error)
	// RegisterDelivery configures the source to push events to us.
	RegisterDelivery(ctx context.Context, d Delivery) error
	// CheckDelivery reports whether the source pushes to us and how it goes.
	CheckDelivery(ctx context.Context) (DeliveryStatus, error)
	// UnregisterDelivery stops the source pushing to d, where the source lets us, and
	// leaves a push to anywhere else alone; done says in words what was found and done.
	// An error says what could not be done and what a person does by hand instead.
	UnregisterDelivery(ctx context.Context, d Delivery) (done string, err error)
	// ParseInbound turns one pushed request (already authenticated) into alerts and resolutions.
	ParseInbound(header http.Header, body []byte) (Inbound, error)
}

// Month is a calendar month, the unit of billing.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the month t falls in (in t's location).
func MonthOf(t time.Time) Month { return Month{Year: t.Year(), Month: t.Month()} }

// ParseMonth reads "2026-10".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, fmt.Errorf("month %q is not YYYY-MM", s)
	}
	return MonthOf(t), nil
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Start is the first instant of the month in UTC.
func (m Month) Start() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC) }

// Next is the month after m.
func (m Month) Next() Month { return MonthOf(m.Start().AddDate(0, 1, 0)) }

// Prev is the month before m.
func (m Month) Prev() Month { return MonthOf(m.Start().AddDate(0, -1, 0)) }

// Before reports whether m comes before o.
func (m Month) Before(o Month) bool { return m.Start().Before(o.Start()) }

func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

func (m *Month) UnmarshalText(b []byte) error {
	v, err := ParseMonth(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Description is an alert as a person reads it, in the source's own
// vocabulary decoded into words: the vocabulary package writes it from the
// alert's type and facts, and ticket bodies and notes show it.
type Description struct {
	// Headline says what happened, where and to whom, in one line
	// ("Malware EICAR-Test-File deleted on PC-01 (jdoe)").
	Headline string `json:"headline"`
	// Outcome says whether the threat is still there, in words
	// ("Still present: action needed", "Blocked, nothing to do"); "" when the
	// event does not say.
	Outcome string `json:"outcome,omitempty"`
	// ActionNeeded is true when a person has to act (the threat is still
	// present, the product only reported it, a task failed).
	ActionNeeded bool `json:"action_needed,omitempty"`
	// Action is what the security product did ("Moved the file to quarantine").
	Action string `json:"action,omitempty"`
	// NextStep is the recommended next step, where the source gives one or the
	// event makes it plain.
	NextStep string `json:"next_step,omitempty"`
	// ConsoleURL links back to the alert in the source's console, where one
	// exists (a GravityZone incident); "" otherwise. Only ever built by the
	// vocabulary from the source's own address and a validated id.
	ConsoleURL string `json:"console_url,omitempty"`
	// Facts are the alert's facts, labelled and decoded, in the order a
	// technician reads them (the important ones first).
	Facts []LabelledFact `json:"facts,omitempty"`
}

// LabelledFact is one fact of an alert as a person reads it.
type LabelledFact struct {
	// Name is the fact's name in the alert (the template variable).
	Name string `json:"name"`
	// Label is what the fact is called on screen ("Final status").
	Label string `json:"label"`
	// Value is the fact's value, codes decoded into words.
	Value string `json:"value"`
	// Link, when set, is a page about the value built by the vocabulary from a
	// validated value (a MITRE ATT&CK technique page); never an alert value.
	Link string `json:"link,omitempty"`
}
