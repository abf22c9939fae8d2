package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"golang.org/x/sync/errgroup"

	"halobridge/internal/source/gravityzone/gzsim"
)

// Storm is a storm kept going: Rate antimalware alerts a second for
// Duration, over Hosts hosts of Customers customers of each partner, the
// partners' GravityZone consoles each pushing their share of the alerts
// and hosts every PushEvery, at most PerPush events a message. Hosts join
// evenly over the duration, each with an alert of its own, and every
// other alert falls on a host already known, at random: new tickets and
// alerts on hosts with open tickets (notes) keep arriving together until
// the end. The HaloPSA it meets allows RateLimit requests per RateWindow,
// and halobridge's budget is set the same. Timeout bounds the whole run,
// which waits after the storm until HaloPSA holds all of it.
type Storm struct {
	Duration   time.Duration
	Rate       float64
	Hosts      int
	Customers  int
	PerPush    int
	PushEvery  time.Duration
	RateLimit  int
	RateWindow time.Duration
	Timeout    time.Duration
}

// or fills what s leaves zero from d; the timeout defaults to the
// duration and 15 minutes for the last notes, which wait for their flush
// window.
func (s Storm) or(d Storm) Storm {
	s.Duration = cmp.Or(s.Duration, d.Duration)
	s.Rate = cmp.Or(s.Rate, d.Rate)
	s.Hosts = cmp.Or(s.Hosts, d.Hosts)
	s.Customers = cmp.Or(s.Customers, d.Customers)
	s.PerPush = cmp.Or(s.PerPush, d.PerPush, 100)
	s.PushEvery = cmp.Or(s.PushEvery, d.PushEvery, time.Second)
	s.RateLimit = cmp.Or(s.RateLimit, d.RateLimit)
	s.RateWindow = cmp.Or(s.RateWindow, d.RateWindow)
	s.Timeout = cmp.Or(s.Timeout, d.Timeout, s.Duration+15*time.Minute)
	return s
}

// validate bounds the storm of partners partners to what one machine can
// push and the simulators hold, naming the flag that sets each bound.
func (s Storm) validate(partners int) error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(s.Duration > 0 && s.Duration <= 24*time.Hour, "the storm's duration must be more than 0 and at most 24h, got %s", s.Duration)
	check(s.Rate > 0 && s.Rate <= 10_000, "--rate must be more than 0 and at most 10000 alerts a second, got %g", s.Rate)
	check(s.Hosts >= partners && s.Hosts <= 100_000, "--hosts must be between %d (one per partner) and 100000, got %d", partners, s.Hosts)
	check(s.Customers >= 1 && s.Customers <= 200, "--customers must be between 1 and 200, got %d", s.Customers)
	check(s.PerPush >= 1 && s.PerPush <= 1000, "--per-push must be between 1 and 1000 events, got %d", s.PerPush)
	check(s.RateLimit >= 1 && s.RateLimit <= 100_000, "--halo-rate-limit must be between 1 and 100000 requests, got %d", s.RateLimit)
	check(s.RateWindow >= 100*time.Millisecond && s.RateWindow <= time.Hour, "--halo-rate-window must be between 100ms and 1h, got %s", s.RateWindow)
	return errors.Join(errs...)
}

// loadResult is what a sustained storm pushed.
type loadResult struct {
	// alerts were pushed and acknowledged; hosts had at least one.
	alerts int
	hosts  int
	// seconds is how long pushing took.
	seconds float64
}

// run pushes the storm, the partners in parallel, and stops at the first
// push that fails.
func (l Storm) run(ctx context.Context, partners []*partner) (loadResult, error) {
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	results := make([]loadResult, len(partners))
	for i, p := range partners {
		share := l
		share.Rate = l.Rate / float64(len(partners))
		share.Hosts = l.Hosts / len(partners)
		if i < l.Hosts%len(partners) {
			share.Hosts++
		}
		g.Go(func() error {
			var err error
			results[i], err = share.push(gctx, p, start, int64(i+1))
			return err
		})
	}
	err := g.Wait()
	var total loadResult
	for _, r := range results {
		total.alerts += r.alerts
		total.hosts += r.hosts
	}
	total.seconds = time.Since(start).Seconds()
	return total, err
}

// push sends p's alerts as they fall due: alert n at start + n/rate.
func (l Storm) push(ctx context.Context, p *partner, start time.Time, seed int64) (loadResult, error) {
	var r loadResult
	if l.Hosts <= 0 || l.Rate <= 0 {
		return r, nil
	}
	total := max(int(math.Round(l.Rate*l.Duration.Seconds())), 1)
	hosts := newHostPicker(l.Hosts, total, seed)
	tick := time.NewTicker(l.PushEvery)
	defer tick.Stop()
	for r.alerts < total {
		due := min(int(time.Since(start).Seconds()*l.Rate), total)
		if time.Since(start) >= l.Duration {
			due = total
		}
		for r.alerts < due {
			batch := make([]gzsim.Event, 0, min(l.PerPush, due-r.alerts))
			for len(batch) < cap(batch) {
				ev, err := p.event(hosts.next())
				if err != nil {
					return r, err
				}
				batch = append(batch, ev)
			}
			if err := p.gz.Push(ctx, batch...); err != nil {
				return r, fmt.Errorf("push the storm after %d alerts: %w", r.alerts, err)
			}
			r.alerts += len(batch)
		}
		if r.alerts == total {
			break
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-tick.C:
		}
	}
	r.hosts = hosts.joined
	return r, nil
}

// hostPicker chooses the host of each alert of a storm of total alerts
// over hosts hosts: host k joins with the alert at k/hosts of the storm,
// and the alerts between joins fall at random on the hosts that joined.
// With fewer alerts than hosts, each alert brings a host of its own and
// the last hosts never join.
type hostPicker struct {
	hosts, total int
	sent         int
	// joined hosts have had an alert: hosts 0 to joined-1.
	joined int
	rng    *rand.Rand
}

func newHostPicker(hosts, total int, seed int64) *hostPicker {
	return &hostPicker{hosts: hosts, total: total, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
}

func (h *hostPicker) next() int {
	h.sent++
	// The hosts that have joined by this alert, rounding up so that the
	// first alert brings the first host.
	due := min((h.sent*h.hosts+h.total-1)/h.total, h.hosts)
	if due > h.joined {
		h.joined++
		return h.joined - 1
	}
	return h.rng.IntN(h.joined)
}
