package gravityzone

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"halobridge/internal/source"
)

// Connector is GravityZone as a halobridge source.
type Connector struct {
	client *Client
	now    func() time.Time
}

var _ source.Source = (*Connector)(nil)

// NewConnector wraps a client; now defaults to time.Now.
func NewConnector(client *Client, now func() time.Time) *Connector {
	if now == nil {
		now = time.Now
	}
	return &Connector{client: client, now: now}
}

// Client is the JSON-RPC client underneath, for calls the Source interface does not cover.
func (c *Connector) Client() *Client { return c.client }

// Kind is source.GravityZone.
func (c *Connector) Kind() source.Kind { return source.GravityZone }

// Customers lists the API key's company and every company below it. Partner-type
// companies (the key's own MSP company and any reseller) are Reseller: they group others.
func (c *Connector) Customers(ctx context.Context) ([]source.Customer, error) {
	companies, err := c.client.Companies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]source.Customer, 0, len(companies))
	for _, co := range companies {
		out = append(out, source.Customer{ID: co.ID, Name: co.Name, ParentID: co.ParentID, Reseller: co.Type == CompanyPartner})
	}
	return out, nil
}

// Usage returns, for every company, one source.Usage per non-zero counter of month, the
// counter name as Product. The counters are summed over getMonthlyUsagePerProductType's
// entries, as billing integrations verified on live tenants do, so that product types
// other than Endpoint Security (EDR, PHASR) are counted. A parent company's counters
// include its children's, so its usages say IncludesChildren.
func (c *Connector) Usage(ctx context.Context, month source.Month) ([]source.Usage, error) {
	companies, err := c.client.Companies(ctx)
	if err != nil {
		return nil, err
	}
	parents := map[string]bool{}
	for _, co := range companies {
		parents[co.ParentID] = true
	}
	var out []source.Usage
	for _, co := range companies {
		perType, err := c.client.MonthlyUsagePerProductType(ctx, co.ID, month)
		if err != nil {
			return nil, fmt.Errorf("usage of %s (%s) in %s: %w", co.Name, co.ID, month, err)
		}
		totals := map[string]float64{}
		for _, entry := range perType {
			for name, n := range entry.Counters {
				totals[name] += n
			}
		}
		names := make([]string, 0, len(totals))
		for name, n := range totals {
			if n != 0 {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		for _, name := range names {
			out = append(out, source.Usage{CustomerID: co.ID, Month: month, Product: name,
				Quantity: totals[name], IncludesChildren: parents[co.ID]})
		}
	}
	return out, nil
}

// RegisterDelivery turns the Event Push Service on towards d.URL in the jsonRPC format,
// with d.Secret as the Authorization header GravityZone will send, for d.Types (every type
// of EventTypes when empty) and every managed company.
func (c *Connector) RegisterDelivery(ctx context.Context, d source.Delivery) error {
	types := d.Types
	if len(types) == 0 {
		types = EventTypes()
	}
	subscribe := make(map[string]bool, len(types))
	for _, t := range types {
		subscribe[t] = true
	}
	settings := PushSettings{
		Status:      1,
		ServiceType: ServiceJSONRPC,
		ServiceSettings: PushServiceSettings{
			URL:                        d.URL,
			Authorization:              d.Secret,
			RequireValidSSLCertificate: true,
		},
		SubscribeToEventTypes: subscribe,
	}
	if err := c.client.SetPushEventSettings(ctx, settings); err != nil {
		return fmt.Errorf("register %s with the GravityZone Event Push Service: %w", d.URL, err)
	}
	return nil
}

// UnregisterDelivery switches the Event Push Service off (status 0, as GravityZone's own
// switch) when it pushes to d: to d.URL, or to d.URL's path on another host, the address
// halobridge had before its public URL changed (the path carries the source's unguessable
// token). The authorization halobridge gave is removed with it. A push towards any other
// collector was set up by someone else and is left as it is. done says what was found and
// done, in words.
func (c *Connector) UnregisterDelivery(ctx context.Context, d source.Delivery) (done string, err error) {
	settings, err := c.client.GetPushEventSettings(ctx)
	if err != nil {
		return "", fmt.Errorf("read the GravityZone push settings: %w", err)
	}
	target := settings.ServiceSettings.URL
	switch {
	case target == "":
		return "GravityZone's Event Push Service had no settings: nothing to switch off.", nil
	case !samePushTarget(target, d.URL):
		return fmt.Sprintf("GravityZone's Event Push Service pushes to %s, not to halobridge, so it was left as it is.", target), nil
	}
	off := settings
	off.Status = 0
	off.ServiceSettings.Authorization = ""
	if err := c.client.SetPushEventSettings(ctx, off); err != nil {
		return "", fmt.Errorf("switch off the GravityZone Event Push Service towards %s: %w", target, err)
	}
	return fmt.Sprintf("GravityZone's Event Push Service towards %s was switched off.", target), nil
}

// samePushTarget reports whether the URL GravityZone pushes to is halobridge's address
// for the source: the same URL, or the same path and query on another host.
func samePushTarget(pushesTo, ours string) bool {
	if pushesTo == ours {
		return true
	}
	a, errA := url.Parse(pushesTo)
	b, errB := url.Parse(ours)
	return errA == nil && errB == nil && len(b.Path) > 1 && a.Path == b.Path && a.RawQuery == b.RawQuery
}

// CheckDelivery reads the push settings and counters. Delivered and Failed count messages
// (POSTs), as GravityZone does.
func (c *Connector) CheckDelivery(ctx context.Context) (source.DeliveryStatus, error) {
	settings, err := c.client.GetPushEventSettings(ctx)
	if err != nil {
		return source.DeliveryStatus{}, fmt.Errorf("read the GravityZone push settings: %w", err)
	}
	stats, err := c.client.GetPushEventStats(ctx)
	if err != nil {
		return source.DeliveryStatus{}, fmt.Errorf("read the GravityZone push statistics: %w", err)
	}
	status := source.DeliveryStatus{
		Enabled:   settings.Status == 1,
		URL:       settings.ServiceSettings.URL,
		Delivered: stats.Count.SentMessages,
		Failed:    stats.Count.ErrorMessages,
		LastError: deliveryProblem(settings, stats),
		CheckedAt: c.now().UTC(),
	}
	for t, on := range settings.SubscribeToEventTypes {
		if on {
			status.Types = append(status.Types, t)
		}
	}
	slices.Sort(status.Types)
	return status, nil
}

// deliveryProblem says in words what the counters tell; GravityZone keeps no error text.
func deliveryProblem(settings PushSettings, stats PushStats) string {
	e := stats.Error
	var causes []string
	for _, c := range []struct {
		n    int
		what string
	}{
		{e.ConfigurationError, "configuration errors (no valid TLS certificate, or the Authorization header not accepted)"},
		{e.ConnectionError, "connection errors"},
		{e.Timeout, "timeouts"},
		{e.ServiceError, "service errors"},
		{e.StatusCode2xx, "answers 2xx other than 200"},
		{e.StatusCode300, "answers 3xx"},
		{e.StatusCode400, "answers 4xx"},
		{e.StatusCode500, "answers 5xx"},
	} {
		if c.n > 0 {
			causes = append(causes, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	var parts []string
	if settings.Status != 1 && stats.Count.ErrorMessages > 100 {
		parts = append(parts, "GravityZone stopped pushing after more than 100 failed deliveries: register the delivery again once the endpoint answers 200")
	} else if settings.Status != 1 {
		parts = append(parts, "the Event Push Service is off")
	}
	if len(causes) > 0 {
		parts = append(parts, "failed deliveries: "+strings.Join(causes, ", "))
	}
	return strings.Join(parts, "; ")
}

// ParseInbound reads one push; see ParsePushAt.
func (c *Connector) ParseInbound(header http.Header, body []byte) (source.Inbound, error) {
	return ParsePushAt(header, body, c.now().UTC(), source.DefaultMaxEvents)
}

// Resolutions polls the incidents closed (or marked false positive) since since and
// resolves the alerts of their new-incident (or new-extended-incident) events: the
// fingerprint is the one ParsePush gives those, company and incident id.
func (c *Connector) Resolutions(ctx context.Context, since time.Time) ([]source.Resolution, error) {
	incidents, err := c.client.Incidents(ctx, IncidentFilters{
		Status:       []string{IncidentClosed, IncidentFalsePositive},
		UpdatedAfter: since,
	})
	if err != nil {
		return nil, err
	}
	out := make([]source.Resolution, 0, len(incidents))
	for _, inc := range incidents {
		resolvedAt, ok := inc.lastUpdated()
		if !ok {
			resolvedAt = c.now().UTC()
		}
		raw, err := json.Marshal(inc)
		if err != nil {
			return nil, fmt.Errorf("keep incident %s: %w", inc.IncidentID, err)
		}
		typ := "new-incident"
		if inc.IncidentType == "extendedIncident" {
			typ = "new-extended-incident"
		}
		sum := sha256.Sum256([]byte(inc.IncidentID + "|" + inc.Status + "|" + inc.LastUpdated))
		out = append(out, source.Resolution{
			Source:      source.GravityZone,
			CustomerID:  inc.Company.ID,
			Fingerprint: fingerprint(inc.Company.ID, typ, []string{inc.IncidentID}),
			Reason:      "GravityZone incident " + strings.ReplaceAll(inc.Status, "_", " "),
			ResolvedAt:  resolvedAt,
			EventID:     hex.EncodeToString(sum[:16]),
			Raw:         raw,
		})
	}
	return out, nil
}
