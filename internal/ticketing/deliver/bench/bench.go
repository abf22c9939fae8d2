// Package bench measures ticket delivery end to end: a storm of GravityZone
// alerts pushed to halobridge's ingest endpoint, delivered by the durable
// jobs to a HaloPSA simulator that enforces the real rate limit, then
// single alerts timed from webhook to ticket. It backs
// "halobridge bench tickets" and reports what a partner's HaloPSA budget
// pays for each ticket and alert. Sustain keeps a storm going and reports
// how the budget was spent window by window ("bench tickets --sustained");
// Replicas does the same through several serve processes sharing one
// PostgreSQL database ("bench replicas").
package bench

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"halobridge/internal/halo/halosim"
	"halobridge/internal/source/gravityzone/gzsim"
)

// Options size the benchmark; zero values take the figures.
type Options struct {
	// Alerts in the storm (default 10,000), over Hosts hosts (default 50)
	// of Customers customers (default 10).
	Alerts    int
	Hosts     int
	Customers int
	// PerPush is how many events one Event Push message carries (default
	// 100), and Pushers how many messages are in flight at once (default 8).
	PerPush int
	Pushers int
	// Samples is how many single alerts are timed after the storm (default 20).
	Samples int
	// RateLimit requests per RateWindow: HaloPSA's 300 per 5 minutes.
	RateLimit  int
	RateWindow time.Duration
	// Gather is delivery's gathering delay (0: delivery's default).
	Gather time.Duration
	// FetchPollInterval is how often the job queue looks for work (default 100 ms).
	FetchPollInterval time.Duration
	// Timeout bounds the whole run (default 10 minutes).
	Timeout time.Duration
	// FailRate and FailAfterApplyRate make the HaloPSA simulator fail that
	// share of write requests during the storm (halosim.Trouble); with
	// either set, the same storm first runs without faults in a world of
	// its own, to measure what the faults cost.
	FailRate           float64
	FailAfterApplyRate float64
	// PostgresURL, when set, puts the database in a throw-away schema of
	// this PostgreSQL database instead of a SQLite file.
	PostgresURL string
	Logger      *slog.Logger
}

func (o Options) withDefaults() Options {
	o.Alerts = cmp.Or(o.Alerts, 10_000)
	o.Hosts = cmp.Or(o.Hosts, 50)
	o.Customers = cmp.Or(o.Customers, 10)
	o.PerPush = cmp.Or(o.PerPush, 100)
	o.Pushers = cmp.Or(o.Pushers, 8)
	o.Samples = cmp.Or(o.Samples, 20)
	o.RateLimit = cmp.Or(o.RateLimit, 300)
	o.RateWindow = cmp.Or(o.RateWindow, 5*time.Minute)
	o.FetchPollInterval = cmp.Or(o.FetchPollInterval, 100*time.Millisecond)
	o.Timeout = cmp.Or(o.Timeout, 10*time.Minute)
	o.Logger = logger(o.Logger)
	o.Hosts = max(o.Hosts, o.Customers)
	return o
}

// Report is what the benchmark measured. Requests are counted by the
// HaloPSA simulator, so they include everything halobridge sent: the token
// request, retries and reads as well as creates.
type Report struct {
	// Engine is the database halobridge ran on: sqlite or postgres.
	Engine    string `json:"engine"`
	Alerts    int    `json:"alerts"`
	Hosts     int    `json:"hosts"`
	Customers int    `json:"customers"`
	// IngestSeconds is how long pushing the storm took.
	IngestSeconds float64 `json:"ingest_seconds"`
	// ReflectedSeconds runs from the first push until HaloPSA held every
	// alert of the storm (in a ticket or a note).
	ReflectedSeconds float64 `json:"seconds_until_all_reflected_in_halo"`
	// FaultFreeSeconds is ReflectedSeconds of the same storm without
	// faults, measured in the same run (equal to it when there are none).
	FaultFreeSeconds float64 `json:"fault_free_seconds"`
	FailRate         float64 `json:"fail_rate"`
	// FailAfterApplyRate: writes HaloPSA applied but answered with an
	// error, or without an answer.
	FailAfterApplyRate float64 `json:"fail_after_apply_rate"`
	// HaloWriteFailures counts the writes the simulator failed on purpose.
	HaloWriteFailures int `json:"halo_write_failures"`
	// TicketsExpected is one per host; TicketsInHalo what HaloPSA holds.
	TicketsExpected int `json:"tickets_expected"`
	TicketsInHalo   int `json:"tickets_in_halo"`
	// AlertsInHalo counts the alerts HaloPSA's tickets and notes list;
	// LostAlerts those of the storm it does not, DuplicateAlerts those it
	// lists more than once.
	AlertsInHalo    int `json:"alerts_in_halo"`
	LostAlerts      int `json:"lost_alerts"`
	DuplicateAlerts int `json:"duplicate_alerts"`
	HaloRequests    int `json:"halo_requests"`
	// TokenRequests are the sign-ins among HaloRequests.
	TokenRequests int `json:"halo_token_requests"`
	RateLimited   int `json:"halo_rate_limited_answers"`
	NewTickets    int `json:"new_tickets"`
	Notes         int `json:"notes"`
	// RequestsPerNewTicket counts what creating tickets cost: creates and
	// look-ups by group key, not the sign-in nor notes.
	RequestsPerNewTicket float64 `json:"halo_requests_per_new_ticket"`
	RequestsPerAlert     float64 `json:"halo_requests_per_alert"`
	DuplicateTickets     int     `json:"duplicate_tickets"`
	// SingleAlertP50Ms is the median time from pushing one alert (with the
	// catalog warm) until its ticket exists in HaloPSA.
	SingleAlertP50Ms float64 `json:"single_alert_p50_ms"`
	SingleAlertMaxMs float64 `json:"single_alert_max_ms"`
	Samples          int     `json:"single_alert_samples"`
	Targets          Targets `json:"targets"`
}

// Targets are the goals and whether the storm met them. Every
// storm must reach HaloPSA whole: one ticket per host, every alert listed
// once, none lost. Without faults it must also be cheap; with faults, it
// must be reflected within twice the fault-free time plus 30 s.
type Targets struct {
	MaxRequestsPerNewTicket float64 `json:"max_halo_requests_per_new_ticket,omitempty"`
	MaxStormRequests        int     `json:"max_halo_requests_for_the_storm,omitempty"`
	MaxReflectedSeconds     float64 `json:"max_seconds_until_all_reflected_in_halo,omitempty"`
	Met                     bool    `json:"met"`
}

// faultAllowance is what the targets give a storm under faults on top of
// twice its fault-free time: the retries' first backoffs.
const faultAllowance = 30 * time.Second

// Run builds the world in a temporary directory, runs the storm and the
// single-alert samples, and reports. With faults, the storm runs twice, in
// two worlds: first without faults (and the samples), then with them.
func Run(ctx context.Context, o Options) (Report, error) {
	o = o.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	r := Report{Alerts: o.Alerts, Hosts: o.Hosts, Customers: o.Customers, FailRate: o.FailRate, FailAfterApplyRate: o.FailAfterApplyRate}
	faults := halosim.Trouble{FailRate: o.FailRate, FailAfterApplyRate: o.FailAfterApplyRate}
	if err := faults.Validate(); err != nil {
		return r, err
	}
	clean := Report{Alerts: o.Alerts, Hosts: o.Hosts, Customers: o.Customers}
	if err := runWorld(ctx, o, func(w *world) error {
		if err := w.storm(ctx, o, &clean); err != nil {
			return err
		}
		return w.samples(ctx, o, &clean)
	}); err != nil {
		return r, err
	}
	if faults == (halosim.Trouble{}) {
		r = clean
		r.FaultFreeSeconds = r.ReflectedSeconds
		r.Targets = Targets{MaxRequestsPerNewTicket: 1.0, MaxStormRequests: 60}
		r.Targets.Met = r.whole() && r.RequestsPerNewTicket <= r.Targets.MaxRequestsPerNewTicket &&
			(r.Alerts < 10_000 || r.HaloRequests <= r.Targets.MaxStormRequests)
		return r, nil
	}
	err := runWorld(ctx, o, func(w *world) error {
		if err := w.halo.SetTrouble(faults); err != nil {
			return err
		}
		return w.storm(ctx, o, &r)
	})
	r.FaultFreeSeconds = clean.ReflectedSeconds
	r.Samples, r.SingleAlertP50Ms, r.SingleAlertMaxMs = clean.Samples, clean.SingleAlertP50Ms, clean.SingleAlertMaxMs
	r.Targets = Targets{MaxReflectedSeconds: 2*clean.ReflectedSeconds + faultAllowance.Seconds()}
	r.Targets.Met = err == nil && r.whole() && r.ReflectedSeconds <= r.Targets.MaxReflectedSeconds
	return r, err
}

// whole reports whether HaloPSA holds the storm exactly: one ticket per
// host, every alert listed once.
func (r Report) whole() bool {
	return r.DuplicateTickets == 0 && r.TicketsInHalo == r.TicketsExpected && r.LostAlerts == 0 && r.DuplicateAlerts == 0
}

// runWorld builds a world with ingest and delivery in this process, runs
// fn in it and takes it down.
func runWorld(ctx context.Context, o Options, fn func(*world) error) error {
	w, err := startWorld(ctx, o.PostgresURL, worldOptions{RateLimit: o.RateLimit, RateWindow: o.RateWindow, Customers: o.Customers,
		Gather: o.Gather, Logger: o.Logger}, o.FetchPollInterval)
	if err != nil {
		return err
	}
	defer w.close()
	return fn(w)
}

// storm pushes the alerts as GravityZone would, several messages at once,
// and waits until HaloPSA reflects every one.
func (w *world) storm(ctx context.Context, o Options, r *Report) error {
	events := make([]gzsim.Event, o.Alerts)
	for i := range events {
		ev, err := w.partners[0].event(i % o.Hosts)
		if err != nil {
			return err
		}
		events[i] = ev
	}
	r.Engine = w.db.Engine
	w.halo.ResetRequests()
	start := time.Now()
	batches := make(chan []gzsim.Event)
	errs := make(chan error, o.Pushers)
	var wg sync.WaitGroup
	for range o.Pushers {
		wg.Go(func() {
			for batch := range batches {
				if err := w.partners[0].gz.Push(ctx, batch...); err != nil {
					errs <- fmt.Errorf("push the storm: %w", err)
					return
				}
			}
		})
	}
	for i := 0; i < len(events); i += o.PerPush {
		select {
		case batches <- events[i:min(i+o.PerPush, len(events))]:
		case err := <-errs:
			close(batches)
			wg.Wait()
			return err
		}
	}
	close(batches)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	r.IngestSeconds = time.Since(start).Seconds()

	if err := w.waitDelivered(ctx); err != nil {
		return err
	}
	r.ReflectedSeconds = time.Since(start).Seconds()
	w.count(r)
	return nil
}

// count fills the request and ticket figures of the storm.
func (w *world) count(r *Report) {
	q := tallyRequests(w.halo.Requests())
	t := tallyTickets(w.halo)
	r.HaloRequests, r.TokenRequests, r.RateLimited, r.HaloWriteFailures = q.requests, q.tokens, q.rateLimited, q.writeFailures
	r.NewTickets, r.Notes, r.AlertsInHalo, r.DuplicateTickets = t.tickets, t.notes, t.alertsListed, t.duplicates
	r.TicketsExpected, r.TicketsInHalo = r.Hosts, t.distinct
	r.LostAlerts, r.DuplicateAlerts = max(r.Alerts-r.AlertsInHalo, 0), max(r.AlertsInHalo-r.Alerts, 0)
	if r.NewTickets > 0 {
		r.RequestsPerNewTicket = float64(q.ticketRequests) / float64(r.NewTickets)
	}
	r.RequestsPerAlert = float64(r.HaloRequests) / float64(max(r.Alerts, 1))
}

// requestTally counts the requests HaloPSA received.
type requestTally struct {
	requests int
	// tokens are the sign-ins; ticketRequests the creates (POST) and
	// look-ups by group key (GET) of tickets.
	tokens         int
	ticketRequests int
	// rateLimited were answered 429; writeFailures are the writes that
	// failed (5xx, or no answer).
	rateLimited   int
	writeFailures int
}

func tallyRequests(reqs []halosim.Request) requestTally {
	var t requestTally
	for _, req := range reqs {
		t.requests++
		path := strings.ToLower(req.Path)
		switch {
		case strings.HasPrefix(path, "/auth/"):
			t.tokens++
		case path == "/api/tickets":
			t.ticketRequests++
		}
		if req.Status == http.StatusTooManyRequests {
			t.rateLimited++
		}
		if req.Method != http.MethodGet && (req.Status == 0 || req.Status >= 500) {
			t.writeFailures++
		}
	}
	return t
}

// ticketTally is what HaloPSA holds of the tickets halobridge raised
// (those carrying its group key).
type ticketTally struct {
	tickets int
	// distinct counts the group keys among them, duplicates the tickets
	// beyond one per key.
	distinct   int
	duplicates int
	// notes are the actions added after each ticket's first; alertsListed
	// the alerts that tickets and notes list.
	notes        int
	alertsListed int
}

func tallyTickets(sim *halosim.Sim) ticketTally {
	var t ticketTally
	keys := map[string]int{}
	for _, tk := range sim.Tickets() {
		if tk.ThirdPartyIDString == "" {
			continue
		}
		keys[tk.ThirdPartyIDString]++
		t.tickets++
		t.alertsListed += alertsListed(tk.DetailsHTML, 1)
		for _, a := range sim.Actions(tk.ID) {
			if a.ID > 1 {
				t.notes++
				t.alertsListed += alertsListed(a.NoteHTML, 0)
			}
		}
	}
	t.distinct = len(keys)
	for _, n := range keys {
		t.duplicates += n - 1
	}
	return t
}

// listedCount finds how many alerts a ticket's details or a note lists
// ("3 new alerts", "1 new alert").
var listedCount = regexp.MustCompile(`(\d+) new alerts?\b`)

// alertsListed is how many alerts html lists; a ticket's details for a
// single alert list none and count as single.
func alertsListed(html string, single int) int {
	m := listedCount.FindStringSubmatch(html)
	if m == nil {
		return single
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// samples times single alerts on hosts that have no ticket yet, one at a
// time, from the push until the ticket exists in HaloPSA.
func (w *world) samples(ctx context.Context, o Options, r *Report) error {
	var took []time.Duration
	p := w.partners[0]
	for i := range o.Samples {
		h := o.Hosts + i
		ev, err := p.event(h)
		if err != nil {
			return err
		}
		start := time.Now()
		if err := p.gz.Push(ctx, ev); err != nil {
			return fmt.Errorf("push a single alert: %w", err)
		}
		host := strings.ToLower(p.hostName(h))
		for !w.hasTicket(host) {
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for the ticket of a single alert: %w", ctx.Err())
			case <-time.After(5 * time.Millisecond):
			}
		}
		took = append(took, time.Since(start))
	}
	if len(took) == 0 {
		return nil
	}
	slices.Sort(took)
	r.Samples = len(took)
	r.SingleAlertP50Ms = float64(took[(len(took)-1)/2].Microseconds()) / 1000
	r.SingleAlertMaxMs = float64(took[len(took)-1].Microseconds()) / 1000
	return nil
}

func (w *world) hasTicket(host string) bool {
	for _, t := range w.halo.Tickets() {
		if strings.HasSuffix(t.ThirdPartyIDString, "/av/"+host) {
			return true
		}
	}
	return false
}
