package twoway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"halobridge/internal/store"
)

func TestPoll(t *testing.T) {
	t.Parallel()

	t.Run("AsksHaloPSAOnlyForThePolicysTicketTypesInOneListRequestAnInterval", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{noWebhooks: true})
		if rec, err := s.svc.Ensure(s.ctx, s.partner.ID); err != nil || rec.State != store.WebhookNoPermission {
			t.Fatalf("Ensure = %+v, %v; want the poller to stand in", rec, err)
		}
		_, link := s.incidentTicket(t)
		sarah := s.agent(t)
		// The MSP's own work: 250 incidents (type 1), three pages' worth, and one ticket of
		// halobridge's type (21) an agent made by hand, all closed.
		var own []int
		for range 3 {
			var batch []map[string]any
			for range 250 / 3 {
				batch = append(batch, map[string]any{"summary": "printer jam", "client_id": s.client.ID, "tickettype_id": 1})
			}
			own = append(own, s.createTickets(t, sarah, batch)...)
		}
		own = append(own, s.createTickets(t, sarah, []map[string]any{{"summary": "phishing report", "client_id": s.client.ID, "tickettype_id": 21}})...)
		for _, id := range own {
			if err := s.sim.SetTicketStatus(id, 9); err != nil {
				t.Fatal(err)
			}
		}
		s.setStatus(t, sarah, link.TicketID, 9, "Cleaned.")

		before := len(s.sim.Requests())
		recorded, err := s.svc.Poll(s.ctx, s.partner.ID)
		if err != nil || recorded != 1 {
			t.Fatalf("Poll = %d, %v; want halobridge's one ticket closed", recorded, err)
		}
		lists := s.ticketLists(t, before)
		if len(lists) != 1 || lists[0].Get("requesttype") != "21" || lists[0].Get("lastupdatefromdate") == "" {
			t.Fatalf("the poll listed tickets with %v; want one request for ticket type 21 changed since the cursor", lists)
		}
		if got := s.link(t, link.Key); got.State != store.LinkClosed {
			t.Errorf("halobridge's link is %s, want closed", got.State)
		}
		if all, err := s.store.TicketChanges(s.ctx, s.partner.ID, 0, 100); err != nil || len(all) != 1 || all[0].TicketID != link.TicketID {
			t.Fatalf("changes recorded = %+v, %v; want only halobridge's ticket", all, err)
		}

		// The next interval is one list request again, and finds nothing new.
		before = len(s.sim.Requests())
		if recorded, err := s.svc.Poll(s.ctx, s.partner.ID); err != nil || recorded != 0 {
			t.Fatalf("second Poll = %d, %v; want nothing new", recorded, err)
		}
		if lists := s.ticketLists(t, before); len(lists) != 1 {
			t.Fatalf("the second poll made %d list requests, want 1", len(lists))
		}
	})

	t.Run("WithoutATicketPolicyItAsksHaloPSANothing", func(t *testing.T) {
		t.Parallel()
		s := setup(t, sceneOptions{noWebhooks: true})
		if _, err := s.svc.Ensure(s.ctx, s.partner.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.store.DB().ExecContext(s.ctx, "DELETE FROM ticket_policies WHERE partner_id = $1", s.partner.ID); err != nil {
			t.Fatal(err)
		}
		before := len(s.sim.Requests())
		if recorded, err := s.svc.Poll(s.ctx, s.partner.ID); err != nil || recorded != 0 {
			t.Fatalf("Poll = %d, %v", recorded, err)
		}
		if lists := s.ticketLists(t, before); len(lists) != 0 {
			t.Fatalf("Poll without a policy listed tickets: %v", lists)
		}
	})
}

// createTickets posts tickets to the simulated HaloPSA as the token's agent and returns
// their ids.
func (s *scene) createTickets(t *testing.T, token string, tickets []map[string]any) []int {
	t.Helper()
	body, _ := json.Marshal(tickets)
	req, _ := http.NewRequest(http.MethodPost, s.haloURL+"/api/Tickets", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var created []struct {
		ID int `json:"id"`
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/Tickets: %d", resp.StatusCode)
	}
	if len(tickets) == 1 {
		var one struct {
			ID int `json:"id"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&one); err != nil {
			t.Fatal(err)
		}
		return []int{one.ID}
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil {
		t.Fatal(err)
	}
	ids := make([]int, len(created))
	for i, c := range created {
		ids[i] = c.ID
	}
	return ids
}

// ticketLists are the queries of the ticket list requests HaloPSA received after the first
// skip requests.
func (s *scene) ticketLists(t *testing.T, skip int) []url.Values {
	t.Helper()
	var out []url.Values
	for _, r := range s.sim.Requests()[skip:] {
		if r.Method == http.MethodGet && strings.EqualFold(r.Path, "/api/Tickets") {
			q, err := url.ParseQuery(r.Query)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, q)
		}
	}
	return out
}
