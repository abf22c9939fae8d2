package ticketing_test

import (
	"strings"
	"testing"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/ticketing"
)

// networkMonitorAlert is GravityZone's network-monitor sample
// (addEvents.network-monitor.json), which carries no companyId.
func networkMonitorAlert() source.Alert {
	return source.Alert{
		Source: source.GravityZone, Type: "network-monitor", Severity: source.SeverityMedium,
		HostName: "TEST_ENDPOINT", HostIP: "10.10.18.226", User: "user1@domain.com",
		Facts: map[string]string{"computer_id": "5d639e8f48ac2f04f6e00b1c", "computer_fqdn": "test-endpoint.dsd.ro",
			"detection_name": "PrivacyThreat.PasswordStealer.HTTP", "source_ip": "10.17.134.4", "actionTaken": "reportOnly"},
		OccurredAt:  time.Date(2019, 1, 24, 11, 13, 4, 0, time.UTC),
		Fingerprint: "gravityzone||network-monitor|10.17.134.4|PrivacyThreat.PasswordStealer.HTTP",
		EventID:     "gz:nm-1",
	}
}

func TestDecideWithoutACompany(t *testing.T) {
	t.Parallel()

	mapped := ticketing.MappingState{Mapped: true, ClientID: 57, SiteID: 12, Ticketing: true}
	tests := []struct {
		name     string
		endpoint *ticketing.EndpointCompany
		fallback int
		noHost   bool
		// company is what ticketing.Company answers.
		company string
		// action, client and unmapped are what Decide answers; says is in
		// its reason (a skip) or its ticket's body (a create).
		action   ticketing.Action
		client   int
		unmapped bool
		says     []string
	}{
		{name: "GoesToTheClientOfTheEndpointsMappedCompany",
			endpoint: &ticketing.EndpointCompany{CustomerIDs: []string{"c-1"}, Name: "Brightwater Dental", Mapping: mapped}, company: "c-1",
			action: ticketing.ActionCreate, client: 57,
			says: []string{"<strong>No company:</strong> GravityZone sent this event without a company.",
				"on the client of company “Brightwater Dental”, to which its endpoint “TEST_ENDPOINT” belongs"}},
		{name: "IsSkippedWhenTheEndpointsCompanyHasTicketingOff",
			endpoint: &ticketing.EndpointCompany{CustomerIDs: []string{"c-1"}, Mapping: ticketing.MappingState{Mapped: true, ClientID: 57}},
			company:  "c-1", action: ticketing.ActionSkip,
			says: []string{"GravityZone sent this event without a company; its endpoint “TEST_ENDPOINT” belongs to company “c-1” (from its other events or its source's device list), whose mapping has ticketing off"}},
		{name: "GoesToTheFallbackWhenTheEndpointsCompanyIsNotMapped",
			endpoint: &ticketing.EndpointCompany{CustomerIDs: []string{"c-2"}}, fallback: 99, company: "c-2",
			action: ticketing.ActionCreate, client: 99, unmapped: true,
			says: []string{"GravityZone sent this event without a company.", "belongs to company “c-2” (from its other events or its source's device list), which is not mapped"}},
		{name: "GoesToTheFallbackWhenTheEndpointIsUnknown",
			endpoint: &ticketing.EndpointCompany{}, fallback: 99,
			action: ticketing.ActionCreate, client: 99, unmapped: true,
			says: []string{"Neither another event nor its source's device list names the company of its endpoint “TEST_ENDPOINT”, so this ticket was raised on the fallback client."}},
		{name: "IsSkippedWithoutAFallbackWhenTheEndpointIsUnknown",
			endpoint: &ticketing.EndpointCompany{}, action: ticketing.ActionSkip, unmapped: true,
			says: []string{"GravityZone sent this event without a company, and neither another event nor its source's device list names the company of its endpoint “TEST_ENDPOINT”; no fallback client is configured: choose one"}},
		{name: "IsSkippedWithoutAFallbackWhenSeveralCompaniesNameTheEndpoint",
			endpoint: &ticketing.EndpointCompany{CustomerIDs: []string{"c-2", "c-3"}}, action: ticketing.ActionSkip, unmapped: true,
			says: []string{"its endpoint “TEST_ENDPOINT” is named in events or device lists of several companies"}},
		{name: "IsSkippedWithoutAFallbackWhenTheEndpointsCompanyIsNotMapped",
			endpoint: &ticketing.EndpointCompany{CustomerIDs: []string{"c-2"}}, company: "c-2", action: ticketing.ActionSkip, unmapped: true,
			says: []string{"belongs to company “c-2” (from its other events or its source's device list), which is not mapped to a HaloPSA client, and no fallback client is configured; map that company or choose a fallback client"}},
		{name: "SaysWhenItNamesNoEndpointEither", noHost: true, action: ticketing.ActionSkip, unmapped: true,
			says: []string{"GravityZone sent this event without a company, nor an endpoint to find it by"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := validPolicy()
			p.Types["network-monitor"] = ticketing.TypePolicy{Enabled: true, PriorityID: 3}
			in := ticketing.Input{Alert: networkMonitorAlert(), Endpoint: tt.endpoint, FallbackClientID: tt.fallback, Policy: p,
				Now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC),
				// The mapping of the alert's own (missing) company is never read.
				Mapping: mapped}
			if tt.noHost {
				in.Alert.HostName, in.Alert.Facts = "", map[string]string{"detection_name": "x"}
			}
			if got := ticketing.Company(in); got != tt.company {
				t.Errorf("Company = %q, want %q", got, tt.company)
			}
			d := ticketing.Decide(in)
			if d.Action != tt.action || d.Unmapped != tt.unmapped {
				t.Fatalf("Decide = %s (unmapped %v): %s; want %s (unmapped %v)", d.Action, d.Unmapped, d.Reason, tt.action, tt.unmapped)
			}
			text := d.Reason
			if d.Ticket != nil {
				text = d.Ticket.DetailsHTML
				if d.Ticket.ClientID != tt.client {
					t.Errorf("ticket on client %d, want %d", d.Ticket.ClientID, tt.client)
				}
				if prefixed := strings.HasPrefix(d.Ticket.Summary, "[Unmapped] "); prefixed != tt.unmapped {
					t.Errorf("summary %q: [Unmapped] prefix %v, want %v", d.Ticket.Summary, prefixed, tt.unmapped)
				}
			}
			for _, want := range tt.says {
				if !strings.Contains(text, want) {
					t.Errorf("says %q\nwant it to hold %q", text, want)
				}
			}
			if strings.Contains(text, `customer “”`) || strings.Contains(text, `customer ""`) {
				t.Errorf("names an empty customer: %s", text)
			}
		})
	}

	t.Run("NamesNoMissingCompanyForAnAlertWithOne", func(t *testing.T) {
		t.Parallel()
		if got := ticketing.NoCompany(avAlert()); got != "" {
			t.Errorf("NoCompany = %q, want none", got)
		}
		if got := ticketing.NoCompany(networkMonitorAlert()); got != "GravityZone sent this event without a company" {
			t.Errorf("NoCompany = %q", got)
		}
	})

	t.Run("FindsTheEndpointByItsIDsAndName", func(t *testing.T) {
		t.Parallel()
		e, ok := ticketing.EndpointOf(networkMonitorAlert())
		if !ok || e.Name != "TEST_ENDPOINT" || len(e.IDs) != 1 || e.IDs["computer_id"] != "5d639e8f48ac2f04f6e00b1c" {
			t.Errorf("EndpointOf = %+v, %v", e, ok)
		}
		if _, ok := ticketing.EndpointOf(source.Alert{Source: source.GravityZone}); ok {
			t.Error("an alert without host or endpoint id has an endpoint")
		}
	})
}

func TestGroupKeyWithoutACompany(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	onEndpoint := func(id, host string) source.Alert {
		a := networkMonitorAlert()
		a.Facts["computer_id"], a.HostName = id, host
		return a
	}
	for _, grouping := range []ticketing.Grouping{ticketing.GroupByAlert, ticketing.GroupByHost, ticketing.GroupByCustomer} {
		t.Run(string(grouping), func(t *testing.T) {
			t.Parallel()
			p := validPolicy()
			p.Types["network-monitor"] = ticketing.TypePolicy{Enabled: true, Grouping: grouping}
			mine := ticketing.GroupKey(onEndpoint("e-1", "DESKTOP-1"), p, now)
			// Another company's endpoint of the same name, with the same
			// fingerprint: its alert must not be noted on this ticket.
			theirs := ticketing.GroupKey(onEndpoint("e-2", "DESKTOP-1"), p, now)
			again := ticketing.GroupKey(onEndpoint("e-1", "DESKTOP-1"), p, now)
			if mine == "" || mine == theirs || mine != again {
				t.Errorf("keys %q, %q, %q: want one per endpoint", mine, theirs, again)
			}
			withCompany := networkMonitorAlert()
			withCompany.CustomerID = "c-1"
			if key := ticketing.GroupKey(withCompany, p, now); key == mine {
				t.Errorf("an alert with a company has the key of one without: %q", key)
			}
		})
	}
}
