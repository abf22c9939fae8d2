package deliver

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// TestTicketResult is HaloPSA's answer to a test ticket.
type TestTicketResult struct {
	// TicketID is the ticket HaloPSA created; 0 when it refused.
	TicketID int    `json:"ticket_id,omitempty"`
	Summary  string `json:"summary"`
	ClientID int    `json:"client_id"`
	SiteID   int    `json:"site_id,omitempty"`
	// Problem says why HaloPSA refused the ticket and how to fix it.
	Problem *Problem `json:"problem,omitempty"`
}

// TestTicket creates a real ticket in HaloPSA for the customer of one
// mapping, with the partner's current policy and a made-up alert of the
// first alert type the policy enables, and reports HaloPSA's answer. A
// refusal is explained in the result; an error means the test could not
// be made (no policy, no mapping, HaloPSA unreachable).
func (s *Service) TestTicket(ctx context.Context, partnerID, sourceID int64, customerID string) (TestTicketResult, error) {
	src, err := s.store.Source(ctx, sourceID)
	if err != nil || src.PartnerID != partnerID {
		return TestTicketResult{}, fmt.Errorf("test ticket: source %d of partner %d: %w", sourceID, partnerID, store.ErrNotFound)
	}
	saved, err := s.Policy(ctx, partnerID)
	if errors.Is(err, store.ErrNotFound) {
		return TestTicketResult{}, errors.New("test ticket: save a ticket policy first")
	}
	if err != nil {
		return TestTicketResult{}, fmt.Errorf("test ticket: %w", err)
	}
	m, err := s.store.Mapping(ctx, sourceID, customerID)
	if err != nil {
		return TestTicketResult{}, fmt.Errorf("test ticket: customer %q is not mapped: %w", customerID, err)
	}
	kind := src.Kind
	alertType, ok := firstEnabled(saved.Policy.ForSource(kind))
	if !ok {
		return TestTicketResult{}, fmt.Errorf("test ticket: the ticket policy enables no alert type for %s alerts", src.Kind)
	}
	now := s.opts.Now().UTC()
	alert := testAlert(kind, customerID, alertType, now)
	// The person chose this mapping to test it, so its ticketing switch and
	// confirmation do not stop the test.
	names, err := s.testNames(ctx, partnerID, sourceID, customerID, m.ClientID)
	if err != nil {
		return TestTicketResult{}, fmt.Errorf("test ticket: %w", err)
	}
	d := ticketing.Decide(ticketing.Input{
		Alert: alert, Policy: saved.Policy, Now: now, Names: names,
		Mapping: ticketing.MappingState{Mapped: true, ClientID: m.ClientID, SiteID: m.SiteID, Ticketing: true},
	})
	if d.Action != ticketing.ActionCreate {
		return TestTicketResult{}, fmt.Errorf("test ticket: %s", d.Reason)
	}
	fields := *d.Ticket
	fields.Summary = "[Test] " + fields.Summary
	fields.DetailsHTML = "<p>A test ticket from halobridge, made with the current ticket policy. Close it when you have checked it.</p>\n" + fields.DetailsHTML
	res := TestTicketResult{Summary: fields.Summary, ClientID: fields.ClientID, SiteID: fields.SiteID}
	client, err := s.halo.Client(ctx, partnerID)
	if err != nil {
		return res, fmt.Errorf("test ticket: connect to HaloPSA: %w", err)
	}
	created, err := client.CreateTicket(ctx, haloTicket(fields))
	switch {
	case err == nil:
		res.TicketID = created.ID
		return res, nil
	case refused(err):
		known, nerr := s.catalogClientName(ctx, partnerID, fields.ClientID)
		if nerr != nil {
			return res, errors.Join(err, nerr)
		}
		problem := explainTicket(ctx, client, fields, known, err)
		res.Problem = &problem
		return res, nil
	}
	return res, fmt.Errorf("test ticket: %w", err)
}

// firstEnabled is the first alert type, by name, with tickets turned on.
func firstEnabled(p ticketing.Policy) (string, bool) {
	for _, name := range slices.Sorted(maps.Keys(p.Types)) {
		if p.Types[name].Enabled {
			return name, true
		}
	}
	return "", false
}

// testAlert is a harmless, recognisable alert of alertType.
func testAlert(kind source.Kind, customerID, alertType string, now time.Time) source.Alert {
	return source.Alert{
		Source: kind, CustomerID: customerID, Type: alertType, Severity: source.SeverityMedium,
		HostName: "HALOBRIDGE-TEST", User: "halobridge", URL: "https://example.com/halobridge-test",
		Facts: map[string]string{
			"malware_name": "EICAR-Test-File (not a virus)", "detection_name": "halobridge test",
			"report_type": "Test", "reason": "test ticket",
		},
		OccurredAt:  now,
		Fingerprint: "halobridge-test/" + strconv.FormatInt(now.UnixNano(), 10),
		EventID:     "halobridge-test-" + strconv.FormatInt(now.UnixNano(), 10),
	}
}

// testNames names the test ticket's company and client as real tickets
// name them, from the catalogs the last sync kept.
func (s *Service) testNames(ctx context.Context, partnerID, sourceID int64, customerID string, clientID int) (ticketing.Names, error) {
	var n ticketing.Names
	customers, err := s.store.SourceCustomers(ctx, sourceID)
	if err != nil {
		return n, err
	}
	if i := slices.IndexFunc(customers, func(c source.Customer) bool { return c.ID == customerID }); i >= 0 {
		n.Customer = customers[i].Name
	}
	n.Client, err = s.catalogClientName(ctx, partnerID, clientID)
	return n, err
}
