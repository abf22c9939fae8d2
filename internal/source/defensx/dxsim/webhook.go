package dxsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// ErrNoWebhook means no endpoint is configured: see SetWebhook.
var ErrNoWebhook = errors.New("dxsim: no webhook endpoint configured")

// Webhook is one notification the simulator sent.
type Webhook struct {
	Time   time.Time
	Event  string
	Body   []byte
	Status int    // the endpoint's answer; 0 when none came
	Err    string // why sending failed, if it did
}

// SetWebhook configures the partner's API callback endpoint, as the partner does in the
// DefensX portal. DefensX signs nothing, so a secret rides on the URL or in header, which
// is sent with every notification; an empty endpoint stops notifications.
func (s *Sim) SetWebhook(endpoint string, header http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = endpoint
	s.webhookHeader = header.Clone()
}

// Webhooks returns every notification sent so far, oldest first.
func (s *Sim) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Webhook(nil), s.webhooks...)
}

// UserRequest is a request an end user submits through the DefensX extension. Zero fields
// are filled in: the next request id, one of the customer's users, report type url_block,
// a blocked site and a reason.
type UserRequest struct {
	ID         int
	UserID     string
	ReportType string
	Hostname   string
	URL        string
	Reason     string
}

// AgentEvent is a desktop agent's life event. Zero fields are filled in: Event
// Agent.Create, and the agent's details from the customer's agent of that ID,
// or its first agent.
type AgentEvent struct {
	Event        string // Agent.Create, Agent.Uninstall, Agent.Reinstall or Agent.Delete
	ID           string
	DeploymentID string
	Platform     string
	Product      string
	Hostname     string
	Version      string
}

// The payloads keep the member order of DefensX's own samples.
type userRequestPayload struct {
	Type       string `json:"type"`
	ID         int    `json:"id"`
	UserID     string `json:"user_id"`
	CustomerID string `json:"customer_id"`
	ReportType string `json:"report_type"`
	Hostname   string `json:"hostname"`
	URL        string `json:"url"`
	Reason     string `json:"reason"`
}

type agentPayload struct {
	Type         string `json:"type"`
	ID           string `json:"id"`
	DeploymentID string `json:"deployment_id"`
	CustomerID   string `json:"customer_id"`
	Platform     string `json:"platform"`
	Product      string `json:"product"`
	Hostname     string `json:"hostname"`
	Version      string `json:"version"`
}

type notification struct {
	Event   string `json:"event"`
	Time    int64  `json:"time"`
	Payload any    `json:"payload"`
}

func reasons() []string {
	return []string{"Incorrect Risk Rating", "I need this site for my work", "Wrong category", "This is a supplier's site"}
}

// SendUserRequest posts a UserRequest.Create notification for the customer.
func (s *Sim) SendUserRequest(ctx context.Context, customerID string, r UserRequest) (Webhook, error) {
	s.mu.Lock()
	c, found := s.byID[customerID]
	if !found {
		s.mu.Unlock()
		return Webhook{}, fmt.Errorf("dxsim: no customer %s", customerID)
	}
	if r.ID == 0 {
		r.ID = s.nextRequestID
		s.nextRequestID++
	}
	if r.UserID == "" {
		r.UserID = c.users[s.pick(len(c.users), "requester", r.ID)].id
	}
	s.mu.Unlock()
	if r.ReportType == "" {
		r.ReportType = "url_block"
	}
	if r.URL == "" {
		sites := blockedSites()
		r.URL = sites[s.pick(len(sites), "requested", r.ID)].url
	}
	if r.Hostname == "" {
		r.Hostname = hostOf(r.URL)
	}
	if r.Reason == "" {
		rs := reasons()
		r.Reason = rs[s.pick(len(rs), "reason", r.ID)]
	}
	return s.send(ctx, notification{Event: "UserRequest.Create", Time: s.now().Unix(), Payload: userRequestPayload{
		Type: "UserRequest", ID: r.ID, UserID: r.UserID, CustomerID: customerID,
		ReportType: r.ReportType, Hostname: r.Hostname, URL: r.URL, Reason: r.Reason,
	}})
}

// SendAgentEvent posts an Agent.* notification for the customer, once the
// event has happened: the customer's agent list shows a created or
// reinstalled agent installed, an uninstalled one uninstalled, and no
// longer a deleted one, whether the notification gets through or not.
func (s *Sim) SendAgentEvent(ctx context.Context, customerID string, e AgentEvent) (Webhook, error) {
	s.mu.Lock()
	c, found := s.byID[customerID]
	if !found {
		s.mu.Unlock()
		return Webhook{}, fmt.Errorf("dxsim: no customer %s", customerID)
	}
	a := c.agents[0]
	if i := slices.IndexFunc(c.agents, func(x agent) bool { return x.id == e.ID }); i >= 0 {
		a = c.agents[i]
	}
	p := agentPayload{Type: "Agent", ID: e.ID, DeploymentID: e.DeploymentID, CustomerID: customerID,
		Platform: e.Platform, Product: e.Product, Hostname: e.Hostname, Version: e.Version}
	for _, f := range []struct {
		v   *string
		def string
	}{
		{&e.Event, "Agent.Create"}, {&p.ID, a.id}, {&p.DeploymentID, a.deploymentID}, {&p.Platform, a.platform},
		{&p.Product, a.product}, {&p.Hostname, a.hostname}, {&p.Version, a.version},
	} {
		if *f.v == "" {
			*f.v = f.def
		}
	}
	c.happen(e.Event, agent{id: p.ID, deploymentID: p.DeploymentID, hostname: p.Hostname, platform: p.Platform, product: p.Product, version: p.Version})
	s.mu.Unlock()
	return s.send(ctx, notification{Event: e.Event, Time: s.now().Unix(), Payload: p})
}

// send posts one notification to the configured endpoint and logs it. Like DefensX's PHP
// backend in its samples, every "/" in the body is escaped as "\/".
func (s *Sim) send(ctx context.Context, n notification) (Webhook, error) {
	body, err := json.Marshal(n)
	if err != nil {
		return Webhook{}, fmt.Errorf("dxsim: encode %s: %w", n.Event, err)
	}
	body = bytes.ReplaceAll(body, []byte("/"), []byte(`\/`))
	s.mu.Lock()
	target, header := s.webhookURL, s.webhookHeader.Clone()
	s.mu.Unlock()
	if target == "" {
		return Webhook{}, ErrNoWebhook
	}
	wh := Webhook{Time: s.now(), Event: n.Event, Body: body}
	err = s.post(ctx, target, header, body, &wh)
	if err != nil {
		wh.Err = err.Error()
	}
	s.mu.Lock()
	s.webhooks = append(s.webhooks, wh)
	s.mu.Unlock()
	return wh, err
}

func (s *Sim) post(ctx context.Context, target string, header http.Header, body []byte, wh *Webhook) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("dxsim: webhook %s: %w", wh.Event, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("dxsim: webhook %s: %w", wh.Event, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	wh.Status = resp.StatusCode
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("dxsim: webhook %s: endpoint answered %s", wh.Event, resp.Status)
	}
	return nil
}

// Run sends a user request of the next customer in turn every Options.RequestEvery until
// ctx ends. A failed delivery is logged in Webhooks and Run goes on, as DefensX does;
// while no endpoint is configured nothing is sent.
func (s *Sim) Run(ctx context.Context) {
	t := time.NewTicker(s.opts.RequestEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.mu.Lock()
			c := s.customers
			n := s.runCount
			s.runCount++
			s.mu.Unlock()
			if len(c) == 0 {
				continue
			}
			_, _ = s.SendUserRequest(ctx, c[n%len(c)].ID, UserRequest{})
		}
	}
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return raw
	}
	return u.Hostname()
}

// happen applies an Agent.* event to the customer's agents; the caller holds
// the simulator's lock.
func (c *customer) happen(event string, a agent) {
	i := slices.IndexFunc(c.agents, func(x agent) bool { return x.id == a.id })
	if i < 0 {
		if event != "Agent.Create" {
			return
		}
		c.agents = append(c.agents, a)
		return
	}
	switch event {
	case "Agent.Create", "Agent.Reinstall":
		c.agents[i] = a
	case "Agent.Uninstall":
		c.agents[i].uninstalled = true
	case "Agent.Delete":
		c.agents[i].deleted = true
	}
}
