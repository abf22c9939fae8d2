package deliver

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// Deliver runs one pass for a partner: it decides every pending alert,
// creates one ticket per new group, notes, reopens, reconciles after a
// crash, then acts on the resolutions sources sent. Progress is stored as
// it goes, so a pass cut short (a crash, a rate limit, an error) loses
// nothing and never repeats a ticket. Passes for one partner never overlap,
// across processes too: while another runs, Deliver only asks to be run
// again. It returns *halo.RateLimitError (possibly wrapped) when the
// tenant's budget ran out: snooze and run again.
func (s *Service) Deliver(ctx context.Context, partnerID int64) (Result, error) {
	holder := rand.Text()
	taken, err := s.store.TakeDeliveryLease(ctx, partnerID, holder, s.opts.LeaseTTL)
	if err != nil {
		return Result{}, fmt.Errorf("deliver for partner %d: %w", partnerID, err)
	}
	if !taken {
		return Result{Again: leaseBusyRetry}, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		s.renewLease(ctx, cancel, partnerID, holder)
	}()
	res, err := s.deliver(ctx, partnerID)
	if cause := context.Cause(ctx); err != nil && errors.Is(cause, errLeaseLost) {
		err = fmt.Errorf("%w: %w", cause, err)
	}
	cancel(nil)
	<-renewed
	if rerr := s.store.ReleaseDeliveryLease(context.WithoutCancel(ctx), partnerID, holder); rerr != nil && err == nil {
		s.opts.Logger.Warn("could not release the delivery lease; it lapses by itself", "partner", partnerID, "error", rerr)
	}
	return res, err
}

// deliver is one pass, run under the partner's lease. A failure to reach
// or satisfy HaloPSA is not an error of the pass: the group it hit waits
// for its own retry while the others go on, and a HaloPSA that fails
// throughout pauses the partner (Result.Paused) until a probe finds it
// answering. Errors are what the job must handle: a rate limit, the
// database, the pass's context.
func (s *Service) deliver(ctx context.Context, partnerID int64) (Result, error) {
	// Everything delivery asks of HaloPSA is for tickets unless it says
	// otherwise (notes): the budget serves it first.
	ctx = halo.WithRequestPriority(ctx, halo.PriorityTickets)
	p, err := s.newPass(ctx, partnerID)
	if err != nil {
		return Result{}, err
	}
	if err := p.loadBackoffs(ctx); err != nil {
		return Result{}, fmt.Errorf("deliver for partner %d: %w", partnerID, err)
	}
	if b, ok := p.waiting(store.PartnerWide); ok {
		s.rest(partnerID, b.RetryAt)
		return Result{Again: b.RetryAt.Sub(p.now), Paused: true}, nil
	}
	if _, ok := p.backoffs[store.PartnerWide]; ok {
		if err := p.probe(ctx); err != nil || p.paused {
			return p.res, wrapPass(partnerID, "look at HaloPSA", err)
		}
	}
	fresh, err := s.store.NewAlerts(ctx, partnerID)
	if err != nil {
		return Result{}, fmt.Errorf("deliver for partner %d: %w", partnerID, err)
	}
	if wait := s.gathering(fresh, p.now); wait > 0 {
		return Result{Again: wait}, nil
	}
	alerts, err := s.store.PendingAlerts(ctx, partnerID, p.now, s.opts.BatchSize)
	if err != nil {
		return Result{}, fmt.Errorf("deliver for partner %d: %w", partnerID, err)
	}
	if err := p.deliverAlerts(ctx, alerts); err != nil {
		return p.res, wrapPass(partnerID, "deliver alerts", err)
	}
	full := len(alerts) == s.opts.BatchSize
	if full {
		// Alerts past the batch are untried: resolutions of them would
		// find no ticket yet, so they wait for the next pass too.
		p.res.again(time.Millisecond)
	} else if err := p.resolve(ctx); err != nil {
		return p.res, wrapPass(partnerID, "act on resolutions", err)
	}
	if !p.paused && p.tried > 0 && p.streak == p.tried {
		// Everything this pass asked of HaloPSA failed: too few tries for a
		// streak, but HaloPSA, not the tickets, is the likelier problem.
		if err := p.pause(ctx, p.lastFailure); err != nil {
			return p.res, wrapPass(partnerID, "pause delivery", err)
		}
	}
	if !p.paused {
		if err := p.resume(ctx); err != nil {
			return p.res, wrapPass(partnerID, "resume delivery", err)
		}
	}
	// Alerts held back until a retry are not pending before it, so no group
	// of this pass may have asked for it: the next pass is due then anyway.
	for _, b := range p.backoffs {
		if b.RetryAt.After(p.now) {
			p.res.again(b.RetryAt.Sub(p.now))
		}
	}
	return p.res, nil
}

func wrapPass(partnerID int64, what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s of partner %d: %w", what, partnerID, err)
}

// gathering says how long to wait before deciding: while a storm is
// still arriving, deciding now would create tickets for its first alerts
// and notes for the rest; waiting for a quiet moment puts them all in one
// create. Only new alerts count, and the first never waits past MaxGather.
func (s *Service) gathering(fresh store.AlertSpan, now time.Time) time.Duration {
	if fresh.Count == 0 {
		return 0
	}
	quietFor := now.Sub(fresh.LastReceived)
	if quietFor >= s.opts.Gather {
		return 0
	}
	left := fresh.FirstReceived.Add(s.opts.MaxGather).Sub(now)
	if left <= 0 {
		return 0
	}
	return min(s.opts.Gather-quietFor, left)
}

// pass is one delivery run for one partner.
type pass struct {
	svc              *Service
	partnerID        int64
	now              time.Time
	policy           ticketing.Policy
	hasPolicy        bool
	fallbackClientID int
	client           *halo.Client
	mappings         map[mappingKey]ticketing.MappingState
	// endpoints are the companies found for the endpoints of alerts that
	// name none, by source and endpoint.
	endpoints map[string]*ticketing.EndpointCompany
	links     map[string]store.TicketLink
	raised    map[string]bool
	// heldPrints are the fingerprints of alerts left waiting: a resolution
	// of them waits too, rather than find no ticket to close.
	heldPrints map[string]bool
	// backoffs are the waits earlier failures set, by key (PartnerWide:
	// the whole partner).
	backoffs map[string]store.DeliveryBackoff
	// tried counts the groups and resolutions this pass took to HaloPSA;
	// streak, those of them in a row that failed as a failing HaloPSA
	// fails, the last with lastFailure.
	tried, streak int
	lastFailure   error
	// paused: the partner's delivery waits for its HaloPSA; the pass stops.
	paused bool
	// window is the flush window of this pass's notes, once known.
	window time.Duration
	res    Result
	// names are what the people reading tickets call the parties of each
	// alert decided, by alert id; customerNames, clientNames and users are
	// the catalogs they come from, each read once a pass.
	names         map[int64]ticketing.Names
	customerNames map[int64]map[string]string
	// consoles holds each GravityZone source's console address ("" for none).
	consoles    map[int64]string
	clientNames map[int]string
	users       map[int64]map[string]source.User
	// endUsers are the HaloPSA users of mapped clients by client, read
	// once a pass when the policy matches end users.
	endUsers map[int][]ticketing.HaloUser
	// assets are the assets of alerts' endpoints, by endpoint, and
	// clientAssets the assets of mapped clients, by client then id: read
	// once a pass.
	assets       map[string]*ticketing.Asset
	clientAssets map[int]map[int]store.HaloAsset
}

type mappingKey struct {
	sourceID   int64
	customerID string
}

func (s *Service) newPass(ctx context.Context, partnerID int64) (*pass, error) {
	p := &pass{
		svc: s, partnerID: partnerID, now: s.opts.Now().UTC(),
		mappings: map[mappingKey]ticketing.MappingState{}, endpoints: map[string]*ticketing.EndpointCompany{}, links: map[string]store.TicketLink{},
		raised: map[string]bool{}, heldPrints: map[string]bool{}, backoffs: map[string]store.DeliveryBackoff{},
		names: map[int64]ticketing.Names{}, customerNames: map[int64]map[string]string{}, consoles: map[int64]string{}, clientNames: map[int]string{},
		users: map[int64]map[string]source.User{},
	}
	stored, err := s.store.TicketPolicy(ctx, partnerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("deliver for partner %d: %w", partnerID, err)
	}
	if err := json.Unmarshal(stored.Policy, &p.policy); err != nil {
		return nil, fmt.Errorf("deliver for partner %d: read ticket policy: %w", partnerID, err)
	}
	p.hasPolicy, p.fallbackClientID = true, stored.FallbackClientID
	return p, nil
}

// haloClient connects to the partner's HaloPSA on first use, so that a
// pass with nothing to send costs no request.
func (p *pass) haloClient(ctx context.Context) (*halo.Client, error) {
	if p.client == nil {
		c, err := p.svc.halo.Client(ctx, p.partnerID)
		if err != nil {
			return nil, fmt.Errorf("connect to HaloPSA: %w", err)
		}
		p.client = c
	}
	return p.client, nil
}

// group is the alerts of one group key that one decision covers.
type group struct {
	key string
	// input is what decided: the first alert, its mapping, the link.
	input    ticketing.Input
	decision ticketing.Decision
	alerts   []store.PendingAlert
	// held: the group's alerts wait (a flush window, another delivery
	// creating its ticket) without HaloPSA having been asked anything.
	held bool
}

// noPolicyReason is what alerts are marked with before a policy exists.
const noPolicyReason = "no ticket policy is saved for this partner, so no tickets are raised; save one under Setup › Ticketing"

func (p *pass) deliverAlerts(ctx context.Context, alerts []store.PendingAlert) error {
	if len(alerts) == 0 {
		return nil
	}
	if !p.hasPolicy {
		skipped := make([]store.AlertDelivery, len(alerts))
		for i, a := range alerts {
			skipped[i] = p.delivery(a, store.DeliveryDone, ticketing.ActionSkip, noPolicyReason, "", 0)
		}
		p.res.Skipped += len(skipped)
		return p.svc.store.RecordDeliveries(ctx, skipped)
	}
	if err := p.loadLinks(ctx, alerts); err != nil {
		return err
	}
	if err := p.loadUsers(ctx, alerts); err != nil {
		return err
	}
	var order []*group
	groups := map[string]*group{}
	var skipped []store.AlertDelivery
	for _, a := range alerts {
		in, err := p.input(ctx, a)
		if err != nil {
			return err
		}
		d := ticketing.Decide(in)
		if d.Unmapped {
			if err := p.raiseUnmapped(ctx, a, in); err != nil {
				return err
			}
		}
		if d.Action == ticketing.ActionSkip {
			skipped = append(skipped, p.delivery(a, store.DeliveryDone, d.Action, d.Reason, d.GroupKey, 0))
			continue
		}
		g, ok := groups[d.GroupKey]
		if !ok {
			g = &group{key: d.GroupKey, input: in, decision: d}
			groups[d.GroupKey] = g
			order = append(order, g)
		}
		g.alerts = append(g.alerts, a)
	}
	if len(skipped) > 0 {
		p.res.Skipped += len(skipped)
		if err := p.svc.store.RecordDeliveries(ctx, skipped); err != nil {
			return err
		}
	}
	for _, g := range order {
		if p.paused {
			break
		}
		if b, ok := p.waiting(g.key); ok {
			if err := p.wait(ctx, g, b); err != nil {
				return err
			}
			continue
		}
		err := p.act(ctx, g)
		if err == nil && !g.held {
			err = p.succeed(ctx, g.key)
		} else if err != nil {
			err = p.fail(ctx, g.key, g.decision.Action, g.alerts, err)
		}
		if err != nil {
			return fmt.Errorf("%s for %q: %w", g.decision.Action, g.key, err)
		}
	}
	return nil
}

// loadLinks reads the links of every key the alerts fall in, in one go.
func (p *pass) loadLinks(ctx context.Context, alerts []store.PendingAlert) error {
	seen := map[string]bool{}
	var keys []string
	for _, a := range alerts {
		if k := ticketing.GroupKey(a.Alert, p.policy, p.now); k != "" && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	links, err := p.svc.store.TicketLinks(ctx, p.partnerID, store.TicketLinkQuery{Keys: keys})
	if err != nil {
		return err
	}
	for _, l := range links {
		p.links[l.Key] = l
	}
	return nil
}

// input gathers what Decide needs for one alert: for an alert that names
// no company, what other alerts of its endpoint say of its company.
func (p *pass) input(ctx context.Context, a store.PendingAlert) (ticketing.Input, error) {
	in := ticketing.Input{Alert: a.Alert, FallbackClientID: p.fallbackClientID, Policy: p.policy, Now: p.now}
	var err error
	if a.CustomerID != "" {
		in.Mapping, err = p.mapping(ctx, a.SourceID, a.CustomerID)
	} else {
		in.Endpoint, err = p.endpointCompany(ctx, a)
	}
	if err != nil {
		return ticketing.Input{}, err
	}
	// The client the ticket goes to: the customer's, or for an alert
	// without a company, its endpoint's company's.
	routed := in.Mapping
	if in.Endpoint != nil {
		routed = in.Endpoint.Mapping
	}
	if in.Names, err = p.namesOf(ctx, a, routed); err != nil {
		return ticketing.Input{}, err
	}
	p.names[a.ID] = in.Names
	if p.policy.MatchEndUser && routed.Mapped && routed.ClientID > 0 {
		if in.EndUsers, err = p.endUsersOf(ctx, routed.ClientID); err != nil {
			return ticketing.Input{}, err
		}
	}
	if routed.Mapped && routed.Ticketing && routed.ClientID > 0 {
		if in.Asset, err = p.assetOf(ctx, a, ticketing.Company(in), routed.ClientID); err != nil {
			return ticketing.Input{}, err
		}
	}
	if in.Alert, err = p.withConsole(ctx, a); err != nil {
		return ticketing.Input{}, err
	}
	if l, ok := p.links[ticketing.GroupKey(a.Alert, p.policy, p.now)]; ok {
		in.Link = decisionLink(l)
	}
	return in, nil
}

// mapping is a customer's mapping as ticketing reads it, read once a pass.
func (p *pass) mapping(ctx context.Context, sourceID int64, customerID string) (ticketing.MappingState, error) {
	k := mappingKey{sourceID, customerID}
	if m, ok := p.mappings[k]; ok {
		return m, nil
	}
	var m ticketing.MappingState
	stored, err := p.svc.store.Mapping(ctx, sourceID, customerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return m, err
	default:
		// A suggestion nobody confirmed does not route tickets.
		m = ticketing.MappingState{Mapped: stored.Confirmed, ClientID: stored.ClientID, SiteID: stored.SiteID, Ticketing: stored.Ticketing}
	}
	p.mappings[k] = m
	return m, nil
}

// endpointCompany finds the company of the endpoint of an alert that names
// none, from the other alerts of that endpoint, once a pass per endpoint,
// and the company's mapping when there is one company; nil when the alert
// names no endpoint.
func (p *pass) endpointCompany(ctx context.Context, a store.PendingAlert) (*ticketing.EndpointCompany, error) {
	e, ok := ticketing.EndpointOf(a.Alert)
	if !ok {
		return nil, nil
	}
	key := fmt.Sprintf("%d %v %s", a.SourceID, e.IDs, strings.ToLower(e.Name))
	if found, ok := p.endpoints[key]; ok {
		return found, nil
	}
	ids, err := p.svc.store.EndpointCompanies(ctx, store.EndpointQuery{PartnerID: p.partnerID, SourceID: a.SourceID, Facts: e.IDs, HostName: e.Name})
	if err != nil {
		return nil, err
	}
	found := &ticketing.EndpointCompany{CustomerIDs: ids}
	if len(ids) == 1 {
		if found.Mapping, err = p.mapping(ctx, a.SourceID, ids[0]); err != nil {
			return nil, err
		}
		if found.Name, err = p.svc.customerName(ctx, a.SourceID, ids[0]); err != nil {
			return nil, err
		}
	}
	p.endpoints[key] = found
	return found, nil
}

// act carries out a group's decision.
func (p *pass) act(ctx context.Context, g *group) error {
	switch g.decision.Action {
	case ticketing.ActionCreate:
		return p.create(ctx, g)
	case ticketing.ActionReconcile:
		return p.reconcile(ctx, g)
	case ticketing.ActionNote:
		return p.note(ctx, g)
	case ticketing.ActionReopen:
		return p.reopen(ctx, g)
	}
	return fmt.Errorf("unexpected decision %q", g.decision.Action)
}

// redecide decides again for the alerts of g after its link changed (a
// crash reconciled, a ticket found closed) and acts on the new decision.
func (p *pass) redecide(ctx context.Context, g *group, alerts []store.PendingAlert) error {
	if len(alerts) == 0 {
		return nil
	}
	in := g.input
	in.Alert, in.Names = alerts[0].Alert, p.names[alerts[0].ID]
	in.Link = nil
	if l, ok := p.links[g.key]; ok {
		in.Link = decisionLink(l)
	}
	next := &group{key: g.key, input: in, decision: ticketing.Decide(in), alerts: alerts}
	if next.decision.Action == ticketing.ActionSkip {
		return fmt.Errorf("decided to skip after the link changed: %s", next.decision.Reason)
	}
	err := p.act(ctx, next)
	g.held = next.held
	return err
}

// hold leaves a group's alerts pending until wait has passed.
func (p *pass) hold(g *group, wait time.Duration) {
	p.res.again(wait)
	g.held = true
	for _, a := range g.alerts {
		p.heldPrints[a.Fingerprint] = true
	}
}

// setLink remembers a link as the store returned it.
func (p *pass) setLink(l store.TicketLink) { p.links[l.Key] = l }

func (p *pass) delivery(a store.PendingAlert, state string, action ticketing.Action, reason, key string, ticketID int) store.AlertDelivery {
	return store.AlertDelivery{AlertID: a.ID, PartnerID: p.partnerID, State: state, Action: string(action), Reason: reason, Key: key, TicketID: ticketID}
}

func (p *pass) deliveries(alerts []store.PendingAlert, state string, action ticketing.Action, reason, key string, ticketID int) []store.AlertDelivery {
	out := make([]store.AlertDelivery, len(alerts))
	for i, a := range alerts {
		out[i] = p.delivery(a, state, action, reason, key, ticketID)
	}
	return out
}

// decisionLink is a stored link as ticketing reads it.
func decisionLink(l store.TicketLink) *ticketing.Link {
	return &ticketing.Link{
		Key: l.Key, TicketID: l.TicketID, State: ticketing.LinkState(l.State), AlertType: l.AlertType,
		OpenedAt: l.OpenedAt, ClosedAt: l.ClosedAt, LastAlertAt: l.LastAlertAt, AlertCount: l.AlertCount,
	}
}

// named is alerts with their parties named, as tickets and notes show them.
func (p *pass) named(alerts []store.PendingAlert) []source.Alert {
	out := make([]source.Alert, len(alerts))
	for i, a := range alerts {
		out[i] = p.names[a.ID].Apply(a.Alert)
	}
	return out
}

func alertIDs(alerts []store.PendingAlert) []int64 {
	out := make([]int64, len(alerts))
	for i, a := range alerts {
		out[i] = a.ID
	}
	return out
}
