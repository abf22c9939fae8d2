package deliver

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// Clients gives the HaloPSA client of a partner; *connect.Halo is one.
type Clients interface {
	Client(ctx context.Context, partnerID int64) (*halo.Client, error)
}

// Options tune delivery; zero values take the defaults.
type Options struct {
	// Gather is how long a partner's new alerts must have been quiet before
	// a batch is decided, so that a storm's alerts for one group land in one
	// ticket instead of a ticket and notes (default 1 s).
	Gather time.Duration
	// MaxGather bounds how long the first new alert waits for a storm to
	// calm down (default 30 s).
	MaxGather time.Duration
	// FlushWindow is the least time between two notes on one ticket: alerts
	// for an open ticket wait and go into one note (default 1 minute). With
	// many tickets open it grows, so that notes spend at most half of
	// BudgetLimit requests per BudgetWindow, the tenant's HaloPSA budget
	// (default 300 per 5 minutes), and new tickets always find room.
	FlushWindow  time.Duration
	BudgetLimit  int
	BudgetWindow time.Duration
	// RetryBackoff is how long a group whose ticket or note HaloPSA failed
	// or refused waits before it is tried again (default 10 s); each
	// further failure in a row doubles the wait, up to MaxRetryBackoff
	// (default 15 minutes). Other groups are not held back.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
	// MaxProbeBackoff caps the wait between two looks at a partner's
	// HaloPSA while its delivery is paused (default 1 minute): how soon
	// delivery resumes once HaloPSA is back.
	MaxProbeBackoff time.Duration
	// PauseGrace is how long a pause caused by HaloPSA failing (not by its
	// refusing the credentials) lasts before an event tells the partner
	// (default 30 s): a blip that mends itself needs nobody.
	PauseGrace time.Duration
	// BatchSize bounds the alerts one pass reads (default 20,000): a storm
	// larger than that is decided in parts, and the later parts of a group
	// become notes.
	BatchSize int
	// LeaseTTL is how long a pass holds the partner's delivery lease
	// between renewals (default 30 s): how soon delivery resumes after the
	// process running it died.
	LeaseTTL time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Gather <= 0 {
		o.Gather = time.Second
	}
	if o.MaxGather <= 0 {
		o.MaxGather = 30 * time.Second
	}
	if o.FlushWindow <= 0 {
		o.FlushWindow = time.Minute
	}
	if o.BudgetLimit <= 0 {
		o.BudgetLimit = 300
	}
	if o.BudgetWindow <= 0 {
		o.BudgetWindow = 5 * time.Minute
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 10 * time.Second
	}
	if o.MaxRetryBackoff <= 0 {
		o.MaxRetryBackoff = 15 * time.Minute
	}
	if o.MaxProbeBackoff <= 0 {
		o.MaxProbeBackoff = time.Minute
	}
	if o.PauseGrace <= 0 {
		o.PauseGrace = 30 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 20_000
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Service delivers alerts and resolutions to HaloPSA and keeps ticket
// policies. It is safe for concurrent use.
type Service struct {
	store *store.Store
	halo  Clients
	opts  Options

	mu sync.Mutex
	// resting holds, per partner, until when waking its delivery is
	// pointless: it is paused or out of HaloPSA budget.
	resting map[int64]time.Time
	// typeFields remembers the ticket types' mandatory fields as last read.
	typeFields map[typeFieldsKey]typeFields
}

// New returns a Service.
func New(st *store.Store, clients Clients, opts Options) *Service {
	return &Service{store: st, halo: clients, opts: opts.withDefaults()}
}

// Result says what one pass did, and whether the partner needs another.
type Result struct {
	Created, Noted, Reopened, Closed, Reconciled, Skipped, Failed int
	// Deferred counts the groups that failed in this pass and wait for
	// their retry; Paused says the partner's whole delivery waits for its
	// HaloPSA to answer again.
	Deferred int
	Paused   bool
	// Again is how long to wait before the next pass: alerts are still
	// gathering or wait for a ticket's flush window. Zero: nothing is
	// waiting that this pass knows of.
	Again time.Duration
}

// again keeps the earliest of the waits asked for.
func (r *Result) again(d time.Duration) {
	d = max(d, time.Millisecond)
	if r.Again == 0 || d < r.Again {
		r.Again = d
	}
}
