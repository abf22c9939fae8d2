package bench

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"halobridge/internal/halo/halosim"
)

// SustainedOptions size 'bench tickets --sustained'; zero values take the
// defaults.
type SustainedOptions struct {
	// Storm defaults to 20 alerts a second for 10 minutes over 1000 hosts
	// of 10 customers, against 300 requests per 30 s: HaloPSA's limit over
	// a tenth of its window, so that a run sees many windows.
	Storm
	// PostgresURL, when set, puts the database in a throw-away schema of
	// this PostgreSQL database instead of a SQLite file.
	PostgresURL string
	// Delivery's timing (zero: delivery's defaults, as serve runs it).
	Gather      time.Duration
	MaxGather   time.Duration
	FlushWindow time.Duration
	// FetchPollInterval is how often the job queue looks for work (default 100 ms).
	FetchPollInterval time.Duration
	Logger            *slog.Logger
}

// sustainedStorm is the storm of 'bench tickets --sustained' by default.
var sustainedStorm = Storm{Duration: 10 * time.Minute, Rate: 20, Hosts: 1000, Customers: 10, RateLimit: 300, RateWindow: 30 * time.Second}

func (o SustainedOptions) withDefaults() SustainedOptions {
	o.Storm = o.Storm.or(sustainedStorm)
	o.FetchPollInterval = cmp.Or(o.FetchPollInterval, 100*time.Millisecond)
	o.Logger = logger(o.Logger)
	return o
}

// Validate reports options out of bounds, by the flag that sets each.
func (o SustainedOptions) Validate() error {
	return o.withDefaults().validate(1)
}

// SustainedReport is what 'bench tickets --sustained' prints.
type SustainedReport struct {
	Engine string `json:"engine"`
	// SustainedSeconds is how long the storm was pushed, at AlertsPerSecond.
	SustainedSeconds float64 `json:"sustained_seconds"`
	AlertsPerSecond  float64 `json:"alerts_per_second"`
	Customers        int     `json:"customers"`
	Delivery
	// ReflectedSeconds runs from the first push until HaloPSA held every
	// alert: after the storm, the last notes wait for their flush window.
	ReflectedSeconds float64 `json:"seconds_until_all_reflected_in_halo"`
	Windows
	Targets BudgetTargets `json:"targets"`
}

// Delivery is what a storm became in HaloPSA, counted in what the
// simulator holds and received.
type Delivery struct {
	// Alerts were pushed and acknowledged, on Hosts hosts.
	Alerts int `json:"alerts"`
	Hosts  int `json:"hosts"`
	// TicketsExpected is one per host; TicketsInHalo the hosts HaloPSA
	// has a ticket for, DuplicateTickets the tickets beyond one per host.
	TicketsExpected  int `json:"tickets_expected"`
	TicketsInHalo    int `json:"tickets_in_halo"`
	DuplicateTickets int `json:"duplicate_tickets"`
	Notes            int `json:"notes"`
	// AlertsInHalo counts the alerts HaloPSA's tickets and notes list;
	// LostAlerts those of the storm it does not, DuplicateAlerts those it
	// lists more than once.
	AlertsInHalo    int `json:"alerts_in_halo"`
	LostAlerts      int `json:"lost_alerts"`
	DuplicateAlerts int `json:"duplicate_alerts"`
	// HaloRequests were sent while the storm was delivered; Halo429s
	// answered 429 Too Many Requests, since the simulator started.
	HaloRequests int `json:"halo_requests"`
	Halo429s     int `json:"halo_429s"`
}

// BudgetTargets are the goals for a storm kept going: HaloPSA
// never refuses a request for the rate limit nor sees more than its limit
// in any window, and holds every alert once, one ticket per host.
type BudgetTargets struct {
	MaxHalo429s         int  `json:"max_halo_429s"`
	MaxWindowRequests   int  `json:"max_window_requests"`
	MaxLostAlerts       int  `json:"max_lost_alerts"`
	MaxDuplicateTickets int  `json:"max_duplicate_tickets"`
	MaxDuplicateAlerts  int  `json:"max_duplicate_alerts"`
	EveryHostHasATicket bool `json:"every_host_has_a_ticket"`
	Met                 bool `json:"met"`
}

// budgetTargets judges d and w.
func budgetTargets(d Delivery, w Windows) BudgetTargets {
	t := BudgetTargets{MaxWindowRequests: w.WindowLimit, EveryHostHasATicket: d.TicketsInHalo == d.TicketsExpected}
	t.Met = d.Halo429s <= t.MaxHalo429s && w.MaxWindowRequests <= t.MaxWindowRequests && d.LostAlerts <= t.MaxLostAlerts &&
		d.DuplicateTickets <= t.MaxDuplicateTickets && d.DuplicateAlerts <= t.MaxDuplicateAlerts && t.EveryHostHasATicket
	return t
}

// Sustain keeps a storm going through halobridge running in this process,
// waits until HaloPSA holds all of it, and reports how the HaloPSA budget
// was spent.
func Sustain(ctx context.Context, o SustainedOptions) (SustainedReport, error) {
	if err := o.Validate(); err != nil {
		return SustainedReport{}, err
	}
	o = o.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	r := SustainedReport{AlertsPerSecond: o.Rate, Customers: o.Customers}
	w, err := startWorld(ctx, o.PostgresURL, worldOptions{RateLimit: o.RateLimit, RateWindow: o.RateWindow, Customers: o.Customers,
		Gather: o.Gather, MaxGather: o.MaxGather, FlushWindow: o.FlushWindow, Logger: o.Logger}, o.FetchPollInterval)
	if err != nil {
		return r, err
	}
	defer w.close()
	r.Engine = w.db.Engine
	start := time.Now()
	pushed, err := o.run(ctx, w.partners)
	r.SustainedSeconds = pushed.seconds
	if err == nil {
		err = w.waitDelivered(ctx)
	}
	end := time.Now()
	r.ReflectedSeconds = end.Sub(start).Seconds()
	r.Delivery, r.Windows = w.measure(pushed, start, end, o.RateLimit, o.RateWindow)
	r.Targets = budgetTargets(r.Delivery, r.Windows)
	r.Targets.Met = r.Targets.Met && err == nil
	return r, err
}

// measure counts what HaloPSA holds of the storm pushed from start, and
// how its requests filled the windows until end.
func (w *world) measure(pushed loadResult, start, end time.Time, limit int, window time.Duration) (Delivery, Windows) {
	d := Delivery{Alerts: pushed.alerts, Hosts: pushed.hosts, TicketsExpected: pushed.hosts}
	requests := w.halo.Requests()
	times := make([]time.Time, len(requests))
	var during []halosim.Request
	for i, req := range requests {
		times[i] = req.Time
		if !req.Time.Before(start) && !req.Time.After(end) {
			during = append(during, req)
		}
	}
	d.HaloRequests = len(during)
	d.Halo429s = tallyRequests(requests).rateLimited
	t := tallyTickets(w.halo)
	d.TicketsInHalo, d.DuplicateTickets, d.Notes, d.AlertsInHalo = t.distinct, t.duplicates, t.notes, t.alertsListed
	d.LostAlerts, d.DuplicateAlerts = max(d.Alerts-d.AlertsInHalo, 0), max(d.AlertsInHalo-d.Alerts, 0)
	return d, measureWindows(times, start, end, window, limit)
}
