package bench

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"halobridge/internal/config"
)

// ReplicasOptions size 'bench replicas'; zero values take the defaults.
type ReplicasOptions struct {
	// Storm defaults to 30 alerts a second for 2 minutes over 600 hosts,
	// all partners together, each partner with 4 customers, against 300
	// requests per 30 s.
	Storm
	// Replicas is how many serve processes share the database (default 3).
	Replicas int
	// PostgresURL is the PostgreSQL database the replicas share, in a
	// throw-away schema of their own; required.
	PostgresURL string
	// Program is the halobridge executable each replica runs ('Program
	// serve ...'). Env is added to the environment the replicas inherit,
	// whose HALOBRIDGE_ variables they do not: the benchmark sets what
	// they run with.
	Program string
	Env     []string
	// Partners (default 3) share the simulated HaloPSA tenant, so that
	// several replicas deliver at once from the same budget.
	Partners int
	// LogDir keeps the replicas' logs; by default they go to a temporary
	// directory, kept only when the run failed or missed its targets.
	LogDir string
	// StartTimeout bounds how long a replica may take to serve (default 2
	// minutes).
	StartTimeout time.Duration
	Logger       *slog.Logger
}

// replicasStorm is the storm of 'bench replicas' by default.
var replicasStorm = Storm{Duration: 2 * time.Minute, Rate: 30, Hosts: 600, Customers: 4, RateLimit: 300, RateWindow: 30 * time.Second}

func (o ReplicasOptions) withDefaults() ReplicasOptions {
	o.Storm = o.Storm.or(replicasStorm)
	o.Replicas = cmp.Or(o.Replicas, 3)
	o.Partners = cmp.Or(o.Partners, 3)
	o.StartTimeout = cmp.Or(o.StartTimeout, 2*time.Minute)
	o.Logger = logger(o.Logger)
	return o
}

// Validate reports options that cannot work, by the flag that sets each.
func (o ReplicasOptions) Validate() error {
	if o.PostgresURL == "" {
		return errNeedsPostgres
	}
	o = o.withDefaults()
	var errs []error
	if o.Program == "" {
		errs = append(errs, errors.New("no halobridge program to run the replicas with"))
	}
	if o.Replicas < 1 || o.Replicas > 16 {
		errs = append(errs, fmt.Errorf("--replicas must be between 1 and 16, got %d", o.Replicas))
	}
	if o.Partners < 1 || o.Partners > 50 {
		errs = append(errs, fmt.Errorf("--partners must be between 1 and 50, got %d", o.Partners))
	}
	errs = append(errs, o.validate(o.Partners))
	return errors.Join(errs...)
}

// ReplicasReport is what 'bench replicas' prints.
type ReplicasReport struct {
	Engine    string           `json:"engine"`
	Replicas  []ReplicaFigures `json:"replicas"`
	Partners  int              `json:"partners"`
	Customers int              `json:"customers_per_partner"`
	// SustainedSeconds is how long the storm was pushed, at AlertsPerSecond.
	SustainedSeconds float64 `json:"sustained_seconds"`
	AlertsPerSecond  float64 `json:"alerts_per_second"`
	// IngestEvents and TicketsByReplicas add the replicas' own counts up.
	IngestEvents      int `json:"ingest_events"`
	TicketsByReplicas int `json:"tickets_created_by_replicas"`
	// HaloRequestsFromReplicas is what HaloPSA received from the replicas'
	// start until it held the whole storm: theirs alone, since the
	// benchmark itself calls HaloPSA only to set the partners up before.
	HaloRequestsFromReplicas int `json:"halo_requests_from_replicas"`
	Delivery
	ReflectedSeconds float64 `json:"seconds_until_all_reflected_in_halo"`
	Windows
	// Logs is where the replicas' logs were kept, if they were.
	Logs    string        `json:"logs,omitempty"`
	Targets BudgetTargets `json:"targets"`
}

// ReplicaFigures are one replica's own counts, read from its /metrics
// when the storm was in HaloPSA.
type ReplicaFigures struct {
	Name string `json:"name"`
	// IngestEvents the replica acknowledged (stored, or recognised as
	// stored already), in IngestRequests pushes it answered 200.
	IngestEvents   int `json:"ingest_events"`
	IngestRequests int `json:"ingest_requests"`
	// Tickets and Notes it created in HaloPSA, among HaloRequests it
	// sent; Halo429s of them were answered 429.
	Tickets      int `json:"tickets"`
	Notes        int `json:"notes"`
	HaloRequests int `json:"halo_requests"`
	Halo429s     int `json:"halo_429s"`
	// ExitCode is how the replica ended after SIGTERM (-1: it was killed).
	ExitCode int    `json:"exit_code"`
	Log      string `json:"log,omitempty"`
}

// stopGrace is how long a replica may take to stop after SIGTERM before
// it is killed: its --shutdown-timeout and some.
const (
	replicaShutdown = 5 * time.Second
	stopGrace       = 3 * replicaShutdown
)

// errNeedsPostgres is the answer without a PostgreSQL database.
var errNeedsPostgres = errors.New("bench replicas needs PostgreSQL: replicas share one database, and SQLite serves a single process; " +
	"give --postgres-url postgres://user@host:5432/db (the benchmark works in a throw-away schema of it, dropped afterwards)")

// Replicas starts serve processes on one PostgreSQL database and one
// HaloPSA simulator, pushes a sustained storm through all of them in turn,
// waits until HaloPSA holds all of it, and reports each replica's figures
// and how the shared HaloPSA budget was spent.
func Replicas(ctx context.Context, o ReplicasOptions) (ReplicasReport, error) {
	if err := o.Validate(); err != nil {
		return ReplicasReport{}, err
	}
	o = o.withDefaults()
	r := ReplicasReport{Engine: "postgres", Partners: o.Partners, Customers: o.Customers, AlertsPerSecond: o.Rate}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	logs := o.LogDir
	if logs == "" {
		dir, err := os.MkdirTemp("", "halobridge-replicas-")
		if err != nil {
			return r, err
		}
		logs = dir
	} else if err := os.MkdirAll(logs, 0o700); err != nil {
		return r, err
	}
	err := replicas(ctx, o, logs, &r)
	if err != nil || !r.Targets.Met || o.LogDir != "" {
		r.Logs = logs
		for i := range r.Replicas {
			r.Replicas[i].Log = filepath.Join(logs, r.Replicas[i].Name+".log")
		}
		if err != nil {
			err = fmt.Errorf("%w (the replicas' logs are in %s)", err, logs)
		}
	} else {
		os.RemoveAll(logs)
	}
	return r, err
}

// replicas runs the benchmark, the replicas' logs going to logs.
func replicas(ctx context.Context, o ReplicasOptions, logs string, r *ReplicasReport) error {
	wo := worldOptions{RateLimit: o.RateLimit, RateWindow: o.RateWindow, Partners: o.Partners, Customers: o.Customers, Logger: o.Logger}
	w, err := openWorld(ctx, o.PostgresURL, wo)
	if err != nil {
		return err
	}
	defer w.close()
	lb := &balancer{}
	lbSrv := httptest.NewServer(lb)
	w.closers = append(w.closers, lbSrv.Close)
	if err := w.addPartners(ctx, wo, lbSrv.URL); err != nil {
		return fmt.Errorf("set the benchmark's partners up: %w", err)
	}

	started := time.Now()
	reps, err := startReplicas(ctx, o, w.db.URL, w.db.Key, lbSrv.URL, logs)
	defer func() {
		for _, rep := range reps {
			rep.stop(stopGrace)
		}
	}()
	for _, rep := range reps {
		r.Replicas = append(r.Replicas, ReplicaFigures{Name: rep.name})
	}
	if err != nil {
		return err
	}
	lb.use(reps)

	// A replica that ends during the run ends the run, and is its error.
	watch, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	for _, rep := range reps {
		go func() {
			select {
			case <-rep.exited:
				stopWatching()
			case <-watch.Done():
			}
		}()
	}
	start := time.Now()
	pushed, err := o.run(watch, w.partners)
	r.SustainedSeconds = pushed.seconds
	if err == nil {
		err = w.waitDelivered(watch)
	}
	if err != nil {
		for _, rep := range reps {
			if unwell := rep.unwell(); unwell != nil {
				err = errors.Join(unwell, err)
				break
			}
		}
	}
	end := time.Now()
	r.ReflectedSeconds = end.Sub(start).Seconds()
	for i, rep := range reps {
		f, serr := scrapeReplica(ctx, rep.url)
		if serr != nil {
			err = errors.Join(err, fmt.Errorf("read the figures of %s: %w", rep.name, serr))
		}
		f.Name = rep.name
		r.Replicas[i] = f
	}
	stopWatching()
	for i, rep := range reps {
		r.Replicas[i].ExitCode = rep.stop(stopGrace)
	}

	r.Delivery, r.Windows = w.measure(pushed, start, end, o.RateLimit, o.RateWindow)
	for _, req := range w.halo.Requests() {
		if !req.Time.Before(started) && !req.Time.After(end) {
			r.HaloRequestsFromReplicas++
		}
	}
	for _, f := range r.Replicas {
		r.IngestEvents += f.IngestEvents
		r.TicketsByReplicas += f.Tickets
	}
	r.Targets = budgetTargets(r.Delivery, r.Windows)
	r.Targets.Met = r.Targets.Met && err == nil
	return err
}

// startReplicas starts o.Replicas serve processes on the database at
// databaseURL, their credentials sealed with key, and waits until every
// one serves. It returns those it started, also on failure, for the
// caller to stop.
func startReplicas(ctx context.Context, o ReplicasOptions, databaseURL string, key []byte, baseURL, logs string) ([]*replica, error) {
	env := []string{config.EnvName("secret-key") + "=" + base64.StdEncoding.EncodeToString(key)}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, config.EnvPrefix) {
			env = append(env, kv)
		}
	}
	env = append(env, o.Env...)
	args := []string{"serve",
		"--database-url", databaseURL,
		"--listen", "127.0.0.1:0",
		// The replicas stand behind one address, as behind a load balancer:
		// the GravityZone pushes go there.
		"--base-url", baseURL,
		"--halo-rate-limit", strconv.Itoa(o.RateLimit),
		"--halo-rate-window", o.RateWindow.String(),
		// The simulators listen on loopback over plain http.
		"--allow-private-urls", "loopback", "--allow-http",
		"--log-format", "json",
		"--shutdown-timeout", replicaShutdown.String(),
	}
	var reps []*replica
	for i := range o.Replicas {
		name := fmt.Sprintf("replica-%d", i+1)
		dir := filepath.Join(logs, name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return reps, err
		}
		rep, err := startReplica(name, o.Program, args, env, dir, filepath.Join(logs, name+".log"))
		if err != nil {
			return reps, err
		}
		reps = append(reps, rep)
	}
	ready, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	for _, rep := range reps {
		if err := rep.ready(ready); err != nil {
			return reps, fmt.Errorf("%w; its last words:\n%s", err, rep.logTail(5))
		}
	}
	return reps, nil
}

// balancer hands each push to the next replica in turn, as a load
// balancer in front of them does.
type balancer struct {
	mu      sync.Mutex
	proxies []*httputil.ReverseProxy
	next    int
}

// use starts handing pushes to reps.
func (b *balancer) use(reps []*replica) {
	var proxies []*httputil.ReverseProxy
	for _, rep := range reps {
		target, _ := url.Parse(rep.url)
		p := httputil.NewSingleHostReverseProxy(target)
		p.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, fmt.Sprintf("%s did not answer: %v", rep.name, err), http.StatusBadGateway)
		}
		proxies = append(proxies, p)
	}
	b.mu.Lock()
	b.proxies = proxies
	b.mu.Unlock()
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	if len(b.proxies) == 0 {
		b.mu.Unlock()
		http.Error(w, "no replica is serving yet", http.StatusServiceUnavailable)
		return
	}
	p := b.proxies[b.next%len(b.proxies)]
	b.next++
	b.mu.Unlock()
	p.ServeHTTP(w, r)
}

// scrapeReplica reads a replica's figures from its /metrics.
func scrapeReplica(ctx context.Context, baseURL string) (ReplicaFigures, error) {
	var f ReplicaFigures
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/metrics", nil)
	if err != nil {
		return f, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return f, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return f, fmt.Errorf("GET /metrics answered %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return f, fmt.Errorf("read /metrics: %w", err)
	}
	each := func(family string, fn func(labels map[string]string, value int)) {
		mf := families[family]
		if mf == nil {
			return
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			fn(labels, int(m.GetCounter().GetValue()))
		}
	}
	each("halobridge_ingest_events_total", func(l map[string]string, n int) {
		if l["outcome"] == "stored" || l["outcome"] == "duplicate" {
			f.IngestEvents += n
		}
	})
	each("halobridge_ingest_requests_total", func(l map[string]string, n int) {
		if l["status"] == "200" {
			f.IngestRequests += n
		}
	})
	each("halobridge_halo_requests_total", func(l map[string]string, n int) {
		f.HaloRequests += n
		if l["status"] == "429" {
			f.Halo429s += n
		}
		if l["method"] != http.MethodPost || !strings.HasPrefix(l["status"], "2") {
			return
		}
		switch l["path"] {
		case "/api/Tickets":
			f.Tickets += n
		case "/api/Actions":
			f.Notes += n
		}
	})
	return f, nil
}
