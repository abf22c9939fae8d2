package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"halobridge/internal/ingest"
	"halobridge/internal/source"
	"halobridge/internal/source/gravityzone"
	"halobridge/internal/source/gravityzone/gzsim"
	"halobridge/internal/store"
	"halobridge/internal/web"
)

// Load is the stream of pushes a benchmark's runs post.
type Load struct {
	Senders   int           // concurrent HTTP senders (default 16; see ingestSenders for the ingest benchmark's)
	BatchSize int           // events per addEvents body (default 100)
	Duration  time.Duration // length of each run
}

// withDefaults fills what is not set, the duration with the benchmark's own.
func (l Load) withDefaults(duration time.Duration) Load {
	if l.Senders <= 0 {
		l.Senders = 16
	}
	if l.BatchSize <= 0 {
		l.BatchSize = 100
	}
	if l.Duration <= 0 {
		l.Duration = duration
	}
	return l
}

// IngestOptions shape the ingest benchmark.
type IngestOptions struct {
	// PostgresURL, when set, runs the benchmark on PostgreSQL too (in a
	// throw-away schema).
	PostgresURL string
	Load        // Duration defaults to 10 s
	// PacedRate is the event rate of the latency run (default 5000 events/s).
	PacedRate int
	// BaselineEvents are decoded and inserted without HTTP (default 100,000).
	BaselineEvents int
}

func (o IngestOptions) withDefaults() IngestOptions {
	if o.Senders <= 0 {
		o.Senders = ingestSenders(max(o.BatchSize, 0))
	}
	o.Load = o.Load.withDefaults(10 * time.Second)
	if o.PacedRate <= 0 {
		o.PacedRate = 5000
	}
	if o.BaselineEvents <= 0 {
		o.BaselineEvents = 100_000
	}
	return o
}

// ingestSenders is how many senders the ingest benchmark has unless told:
// enough that, with batch events in each body, three of the committer's
// largest transactions are in flight at once (one being written, one
// being synced and answered, one gathering), and at least 16. The ceiling
// inserts transactions of that largest size; a load that could not fill
// them would measure the load rather than halobridge (with 16 senders of
// 100 events, 1,600 are in flight, and no commit can reach 2,000).
func ingestSenders(batch int) int {
	if batch <= 0 {
		batch = 100
	}
	return max(16, (3*ingest.DefaultMaxItems+batch-1)/batch)
}

// IngestReport is what 'halobridge bench ingest' prints.
type IngestReport struct {
	Machine string         `json:"machine"`
	Options IngestOptions  `json:"options"`
	Engines []EngineReport `json:"engines"`
	Targets IngestTargets  `json:"targets"`
}

// IngestTargets restate the targets next to the figures, and say
// whether every engine measured meets them: no failed post, every
// acknowledged event in the database, ack p99 at the paced rate below
// PacedP99Milliseconds, and over HTTP at least the engine's share of its
// bare ceiling.
type IngestTargets struct {
	SQLiteRatioToCeiling   float64 `json:"sqlite_ratio_to_ceiling_at_least"`
	PostgresRatioToCeiling float64 `json:"postgres_ratio_to_ceiling_at_least"`
	PacedP99Milliseconds   float64 `json:"p99_ms_at_paced_rate_below"`
	Met                    bool    `json:"met"`
	// Missed says which target each engine missed.
	Missed []string `json:"missed,omitempty"`
}

// ingestTargets are the targets of issue 13.
var ingestTargets = IngestTargets{SQLiteRatioToCeiling: 0.7, PostgresRatioToCeiling: 0.5, PacedP99Milliseconds: 50}

// check sets Met and Missed from the engines' figures.
func (t *IngestTargets) check(engines []EngineReport) {
	t.Missed = nil
	for _, r := range engines {
		ratio := t.SQLiteRatioToCeiling
		if r.Engine == "postgres" {
			ratio = t.PostgresRatioToCeiling
		}
		miss := func(format string, args ...any) {
			t.Missed = append(t.Missed, r.Engine+": "+fmt.Sprintf(format, args...))
		}
		if errs := r.Max.Errors + r.Paced.Errors; errs != 0 {
			miss("%d failed posts", errs)
		}
		if r.Stored != r.Acknowledged {
			miss("%d alerts in the database, %d acknowledged", r.Stored, r.Acknowledged)
		}
		if r.Paced.P99Millis >= t.PacedP99Milliseconds {
			miss("ack p99 %.2f ms at the paced rate, not below %.0f", r.Paced.P99Millis, t.PacedP99Milliseconds)
		}
		if r.RatioToCeiling < ratio {
			miss("ratio to ceiling %.2f, below %.2f", r.RatioToCeiling, ratio)
		}
	}
	t.Met = len(engines) > 0 && len(t.Missed) == 0
}

// EngineReport holds one database engine's figures.
type EngineReport struct {
	Engine string `json:"engine"`
	// EventsPerSecond is halobridge's throughput over HTTP, Max's figure.
	EventsPerSecond float64 `json:"events_per_second"`
	// CeilingEventsPerSecond is the bare engine's, Ceiling's figure.
	CeilingEventsPerSecond float64 `json:"ceiling_events_per_second"`
	// RatioToCeiling is EventsPerSecond divided by CeilingEventsPerSecond.
	RatioToCeiling float64 `json:"ratio_to_ceiling"`
	// Max is the throughput with every sender posting as fast as it is answered.
	Max Run `json:"max_throughput"`
	// Paced posts at a fixed event rate and reports acknowledgement latency.
	Paced Run `json:"paced"`
	// PacedCheckpoint says whether the engine checkpointed the max
	// throughput run's writes before the paced run started: "done", or
	// why it could not.
	PacedCheckpoint string `json:"checkpoint_before_paced"`
	// Baseline decodes and stores without HTTP, in one goroutine.
	Baseline Run `json:"baseline_decode_insert"`
	// Ceiling inserts the rows Max stores without HTTP, parsing or
	// redelivery check, batched like the committer (see ceiling).
	Ceiling Run `json:"ceiling"`
	// HTTPToBaseline is Max's events/s divided by Baseline's.
	HTTPToBaseline float64 `json:"http_to_baseline_ratio"`
	// Acknowledged counts the events of Baseline, Max and Paced, each
	// stored (or answered 200) once; Stored counts the alerts in the
	// database after them, the ceiling's aside.
	Acknowledged int `json:"acknowledged"`
	Stored       int `json:"alerts_in_database"`
}

// Run is one measured run.
type Run struct {
	Requests     int     `json:"requests"`
	Events       int     `json:"events"`
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"events_per_second"`
	P50Millis    float64 `json:"p50_ack_ms,omitempty"`
	P99Millis    float64 `json:"p99_ack_ms,omitempty"`
	Errors       int     `json:"errors"`
	// CPUMicrosPerEvent is the CPU time the whole process used during the
	// run (every thread, user and system: senders, server, writer and
	// checkpointer alike), per event stored; CPUCores is that time over
	// the run's seconds, how many cores it kept busy. A PostgreSQL
	// server's own CPU is not in them: it is another process.
	CPUMicrosPerEvent float64 `json:"cpu_us_per_event,omitempty"`
	CPUCores          float64 `json:"cpu_cores,omitempty"`
}

// Ingest runs the ingest benchmark on SQLite (and PostgreSQL when asked).
func Ingest(ctx context.Context, opts IngestOptions) (IngestReport, error) {
	opts = opts.withDefaults()
	report := IngestReport{Machine: machine(), Options: opts, Targets: ingestTargets}
	seconds := opts.Duration.Seconds()
	ahead := opts.BaselineEvents + int(seconds*maxEventsPerSecond) + int(seconds*float64(opts.PacedRate))
	bodies, err := newBodies(opts.BatchSize, ahead)
	if err != nil {
		return report, err
	}
	for _, open := range engines(opts.PostgresURL) {
		db, err := open(ctx)
		if err != nil {
			return report, err
		}
		bodies.rewind()
		r, err := ingestOn(ctx, db, bodies, opts)
		db.Close()
		if err != nil {
			return report, fmt.Errorf("%s: %w", db.Engine, err)
		}
		report.Engines = append(report.Engines, r)
	}
	report.Targets.check(report.Engines)
	return report, nil
}

func ingestOn(ctx context.Context, db *Database, bodies *bodies, opts IngestOptions) (EngineReport, error) {
	r := EngineReport{Engine: db.Engine}
	src, err := benchSource(ctx, db.Store)
	if err != nil {
		return r, err
	}
	if r.Baseline, err = baseline(ctx, db.Store, src, bodies, opts); err != nil {
		return r, err
	}
	bare, err := db.Store.CreateSource(ctx, store.Source{PartnerID: src.PartnerID, Kind: source.GravityZone, Name: "GZ ceiling", Secret: "bench-secret"})
	if err != nil {
		return r, err
	}
	c, err := newCeiling(ctx, db, bare, bodies, opts.BatchSize)
	if err != nil {
		return r, err
	}
	defer c.close()
	post, stop, err := serveIngest(ctx, db.Store, src, bodies, opts.Senders)
	if err != nil {
		return r, err
	}
	defer stop()
	// The ceiling and the max throughput run take turns, each turn the
	// ceiling inserting the events Max is about to post, so that a load
	// the machine has from elsewhere weighs on both alike.
	var maxTally tally
	slice := opts.Load
	slice.Duration = opts.Duration / ceilingRounds
	for range ceilingRounds {
		if err := c.measure(ctx, int(bodies.taken.Load()), slice.Duration); err != nil {
			return r, err
		}
		maxTally.add(closedLoop(slice, post))
	}
	r.Max, r.Ceiling = maxTally.run(), c.tally.run()
	// The max throughput run leaves the engine with its log to write out
	// (on PostgreSQL, a checkpoint every few seconds, whose syncs hold up
	// commits for hundreds of milliseconds): the paced run starts once
	// that is done, to measure latency at its own rate.
	if err := db.checkpoint(ctx); err != nil {
		r.PacedCheckpoint = "failed, so the paced run may pay for the writes of the max throughput run: " + err.Error()
	} else {
		r.PacedCheckpoint = "done"
	}
	r.Paced = openLoop(opts.Load, opts.PacedRate, post).run()
	if r.Baseline.EventsPerSec > 0 {
		r.HTTPToBaseline = round(r.Max.EventsPerSec / r.Baseline.EventsPerSec)
	}
	r.EventsPerSecond, r.CeilingEventsPerSecond = r.Max.EventsPerSec, r.Ceiling.EventsPerSec
	if r.CeilingEventsPerSecond > 0 {
		r.RatioToCeiling = round(r.EventsPerSecond / r.CeilingEventsPerSecond)
	}
	r.Acknowledged = r.Baseline.Events + r.Max.Events + r.Paced.Events
	r.Stored, err = db.Store.CountAlerts(ctx, src.ID)
	return r, err
}

// ceilingRounds is how many turns the ceiling and the max throughput run
// take.
const ceilingRounds = 5

// benchSource makes the partner and the GravityZone source the benchmark
// pushes to.
func benchSource(ctx context.Context, st *store.Store) (store.Source, error) {
	p, err := st.CreatePartner(ctx, store.Partner{Name: "Bench MSP"})
	if err != nil {
		return store.Source{}, err
	}
	return st.CreateSource(ctx, store.Source{PartnerID: p.ID, Kind: source.GravityZone, Name: "GZ", Secret: "bench-secret", APIKey: gzsim.DefaultAPIKey})
}

// serveIngest serves halobridge's ingest endpoint for src on loopback, as
// the server does (group committer, receiver, web shell), and returns a
// function that posts the next body of the stream to it and says how long
// the answer took. stop ends the server and the committer.
func serveIngest(ctx context.Context, st *store.Store, src store.Source, bodies *bodies, senders int) (post func() (time.Duration, error), stop func(), err error) {
	logger := slog.New(slog.DiscardHandler)
	committer := ingest.NewCommitter(st, 0, logger)
	cctx, stopCommitter := context.WithCancel(ctx)
	committed := make(chan struct{})
	go func() { committer.Run(cctx); close(committed) }()
	receiver := ingest.NewReceiver(st, committer, ingest.Parsers(), ingest.Options{Logger: logger})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		stopCommitter()
		<-committed
		return nil, nil, err
	}
	srv := &http.Server{Handler: web.New(web.Deps{Store: st, Gatherer: prometheus.NewRegistry(), Logger: logger, Ingest: receiver})}
	go srv.Serve(ln)
	stop = func() {
		srv.Close()
		stopCommitter()
		<-committed
	}

	endpoint := "http://" + ln.Addr().String() + "/ingest/" + src.Token
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders * 2}, Timeout: 30 * time.Second}
	post = func() (time.Duration, error) {
		body := bodies.next()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		req.Header.Set("Authorization", src.Secret)
		// Signed as GravityZone signs, with the key the push was registered with.
		req.Header.Set("Event-Push-Service-Md5", gzsim.Signature(src.APIKey, body))
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("status %d", resp.StatusCode)
		}
		return time.Since(start), nil
	}
	return post, stop, nil
}

// baseline decodes and stores BaselineEvents events without HTTP.
func baseline(ctx context.Context, st *store.Store, src store.Source, bodies *bodies, opts IngestOptions) (Run, error) {
	start, cpu := time.Now(), processCPU()
	var run Run
	for run.Events < opts.BaselineEvents {
		in, err := gravityzone.ParsePush(nil, bodies.next())
		if err != nil {
			return run, err
		}
		if _, err := st.StoreInbound(ctx, []store.InboundBatch{{PartnerID: src.PartnerID, SourceID: src.ID, ReceivedAt: time.Now(),
			DedupHorizon: ingest.DefaultDedupHorizon, Alerts: in.Alerts}}); err != nil {
			return run, err
		}
		run.Requests++
		run.Events += len(in.Alerts)
	}
	return tally{requests: run.Requests, events: run.Events, elapsed: time.Since(start), cpu: processCPU() - cpu}.run(), nil
}

// tally adds up the posts of one or more runs.
type tally struct {
	requests, events, errors int
	elapsed, cpu             time.Duration
	latencies                []time.Duration
}

func (t *tally) add(o tally) {
	t.requests += o.requests
	t.events += o.events
	t.errors += o.errors
	t.elapsed += o.elapsed
	t.cpu += o.cpu
	t.latencies = append(t.latencies, o.latencies...)
}

// run is the tally's figures.
func (t tally) run() Run {
	run := Run{Requests: t.requests, Events: t.events, Errors: t.errors, Seconds: round(t.elapsed.Seconds())}
	if t.elapsed > 0 {
		run.EventsPerSec = round(float64(t.events) / t.elapsed.Seconds())
		run.CPUCores = round(t.cpu.Seconds() / t.elapsed.Seconds())
	}
	if t.events > 0 {
		run.CPUMicrosPerEvent = round(float64(t.cpu.Microseconds()) / float64(t.events))
	}
	if len(t.latencies) > 0 {
		latencies := slices.Sorted(slices.Values(t.latencies))
		run.P50Millis = millis(latencies[len(latencies)/2])
		run.P99Millis = millis(latencies[min(len(latencies)-1, len(latencies)*99/100)])
	}
	return run
}

// closedLoop has every sender post as soon as its previous post was answered.
func closedLoop(opts Load, post func() (time.Duration, error)) tally {
	var mu sync.Mutex
	var t tally
	deadline := time.Now().Add(opts.Duration)
	start, cpu := time.Now(), processCPU()
	var wg sync.WaitGroup
	for range opts.Senders {
		wg.Go(func() {
			var mine []time.Duration
			errs := 0
			for time.Now().Before(deadline) {
				d, err := post()
				if err != nil {
					errs++
					continue
				}
				mine = append(mine, d)
			}
			mu.Lock()
			t.latencies = append(t.latencies, mine...)
			t.errors += errs
			mu.Unlock()
		})
	}
	wg.Wait()
	t.elapsed, t.cpu = time.Since(start), processCPU()-cpu
	t.requests, t.events = len(t.latencies), len(t.latencies)*opts.BatchSize
	return t
}

// openLoop posts at a fixed rate whatever the answers do, so slow answers
// show as latency instead of lowering the rate.
func openLoop(opts Load, rate int, post func() (time.Duration, error)) tally {
	interval := time.Duration(float64(time.Second) * float64(opts.BatchSize) / float64(rate))
	var mu sync.Mutex
	var t tally
	var wg sync.WaitGroup
	start, cpu := time.Now(), processCPU()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for time.Since(start) < opts.Duration {
		<-tick.C
		wg.Go(func() {
			d, err := post()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.errors++
				return
			}
			t.latencies = append(t.latencies, d)
		})
	}
	wg.Wait()
	t.elapsed, t.cpu = time.Since(start), processCPU()-cpu
	t.requests, t.events = len(t.latencies), len(t.latencies)*opts.BatchSize
	return t
}

func millis(d time.Duration) float64 { return round(float64(d) / float64(time.Millisecond)) }

func round(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// bodies hands out addEvents bodies of events the GravityZone simulator
// made, in the order they happened: as in a real push stream, every event
// happened after the one before it (the simulated clock moves on
// eventInterval per event), and no two are the same (each also carries a
// bench_sequence field). The events of a run are made before it starts, so
// that making them costs the measured runs nothing; should a run outlast
// them, the rest are made as they are needed.
type bodies struct {
	batch int
	taken atomic.Int64

	mu        sync.Mutex // guards what follows
	sim       *gzsim.Sim
	clock     time.Time
	companies []gzsim.Company
	modules   []string
	events    [][]byte // events[n] is the n-th event, a JSON object
}

// eventInterval is how far the simulated clock moves on between two
// events: a storm of 30,000 events a second.
const eventInterval = time.Second / 30000

// maxEventsPerSecond bounds the rate the events made ahead are sized for.
const maxEventsPerSecond = 45000

func newBodies(batch int, ahead int) (*bodies, error) {
	b := &bodies{batch: batch, clock: time.Now().Add(-time.Duration(ahead) * eventInterval)}
	b.sim = gzsim.New(gzsim.Options{Seed: 42, Now: func() time.Time { return b.clock }})
	b.companies = b.sim.Companies()[1:] // the first is the partner itself
	b.modules = gzsim.Modules()
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.events) < ahead {
		if err := b.makeLocked(); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// makeLocked makes the next event; b.mu is held.
func (b *bodies) makeLocked() error {
	n := len(b.events)
	b.clock = b.clock.Add(eventInterval)
	ev, err := b.sim.NewEvent(b.modules[n%len(b.modules)], b.companies[n%len(b.companies)].ID)
	if err != nil {
		return err
	}
	ev["bench_sequence"] = n
	raw, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	b.events = append(b.events, raw)
	return nil
}

// event returns the n-th event, making it (and those before it) if need be.
func (b *bodies) event(n int) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.events) <= n {
		if err := b.makeLocked(); err != nil {
			// The simulator made every earlier event of the same modules
			// and companies; it cannot fail now.
			panic(err)
		}
	}
	return b.events[n]
}

// rewind starts the stream again from its first event, for the next engine.
func (b *bodies) rewind() { b.taken.Store(0) }

func (b *bodies) next() []byte {
	return b.body(int(b.taken.Add(int64(b.batch))) - b.batch)
}

// body is the addEvents body of the batch of events from the first-th on.
func (b *bodies) body(first int) []byte {
	var buf bytes.Buffer
	buf.Grow(b.batch * 1024)
	buf.WriteString(`{"jsonrpc":"2.0","method":"addEvents","params":{"events":[`)
	for i := range b.batch {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b.event(first + i))
	}
	buf.WriteString(`]},"id":1}`)
	return buf.Bytes()
}
