package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"halobridge/internal/store"
)

// Writer stores batches, several in one transaction, in two steps: the
// commit, then durable, which returns once that commit is on disk (see
// store.Store.CommitInbound).
type Writer interface {
	CommitInbound(ctx context.Context, batches []store.InboundBatch) (results []store.InboundResult, durable func() error, err error)
}

// Committer stores the batches of concurrent requests in shared
// transactions (group commit): a request waits until its batch is durable,
// but a hundred requests arriving together cost one commit, not a hundred.
// That is what lets one SQLite writer keep up with a storm of pushes. A
// group waits for its commit to reach the disk beside the writer, which
// meanwhile gathers what arrived and commits it: the writer never waits
// for the disk, and each group is as large as what arrived while the one
// before it was written.
type Committer struct {
	w        Writer
	in       chan *pending
	maxItems int
	log      *slog.Logger
	// stopped is closed when Run has returned.
	stopped chan struct{}
	// onStored is told, after each commit, which partners got new alerts
	// or resolutions, so that delivery can start; nil does nothing.
	onStored func(ctx context.Context, partnerIDs []int64)
	// expected counts the batches announced by Expect and not yet queued.
	expected atomic.Int64
}

// OnStored sets what is told, after each commit, which partners received
// new alerts or resolutions. A crash between the commit and the call loses
// nothing: delivery also sweeps for undelivered alerts.
func (c *Committer) OnStored(fn func(ctx context.Context, partnerIDs []int64)) { c.onStored = fn }

// notify tells onStored which partners of group got something new.
func (c *Committer) notify(ctx context.Context, group []*pending, results []store.InboundResult) {
	if c.onStored == nil {
		return
	}
	seen := map[int64]bool{}
	var partners []int64
	for i, p := range group {
		if len(results[i].AlertIDs) == 0 && results[i].Resolutions == 0 {
			continue
		}
		if id := p.batch.PartnerID; !seen[id] {
			seen[id] = true
			partners = append(partners, id)
		}
	}
	if len(partners) > 0 {
		c.onStored(ctx, partners)
	}
}

type pending struct {
	ctx   context.Context
	batch store.InboundBatch
	done  chan outcome
}

type outcome struct {
	res store.InboundResult
	err error
}

// ErrStopped is returned for batches offered after the committer stopped.
var ErrStopped = errors.New("ingest is shutting down")

// DefaultMaxItems is how many alerts a committer stores in one transaction
// unless told otherwise.
const DefaultMaxItems = 2000

// NewCommitter returns a committer that stores at most maxItems alerts per
// transaction (a single larger batch still goes in whole); 0 means
// DefaultMaxItems.
func NewCommitter(w Writer, maxItems int, log *slog.Logger) *Committer {
	if maxItems <= 0 {
		maxItems = DefaultMaxItems
	}
	return &Committer{w: w, in: make(chan *pending, 1024), maxItems: maxItems, log: log, stopped: make(chan struct{})}
}

// Store returns once batch is durable (or failed).
func (c *Committer) Store(ctx context.Context, batch store.InboundBatch) (store.InboundResult, error) {
	return c.Expect().Store(ctx, batch)
}

// Expect announces a batch that is about to be stored, its body read and
// now being parsed: a commit about to start waits a moment for it rather
// than leave it to a commit of its own (see gather). The batch is then
// given to Expected.Store, or Cancel says it will not come.
func (c *Committer) Expect() *Expected {
	c.expected.Add(1)
	return &Expected{c: c}
}

// Expected is a batch announced to a committer.
type Expected struct {
	c    *Committer
	once sync.Once
}

// Cancel says the batch will not be stored after all; after Store it does
// nothing, so that it can be deferred.
func (e *Expected) Cancel() { e.once.Do(func() { e.c.expected.Add(-1) }) }

// Store stores the batch as Committer.Store does.
func (e *Expected) Store(ctx context.Context, batch store.InboundBatch) (store.InboundResult, error) {
	defer e.Cancel()
	c := e.c
	// Encoding here, in the request's goroutine, keeps that work out of
	// the shared transaction every request waits on.
	if err := batch.Encode(); err != nil {
		return store.InboundResult{}, fmt.Errorf("store events: %w", err)
	}
	p := &pending{ctx: ctx, batch: batch, done: make(chan outcome, 1)}
	select {
	case c.in <- p:
		// Queued, so no longer expected: a commit gathering now finds it.
		e.Cancel()
	case <-ctx.Done():
		return store.InboundResult{}, ctx.Err()
	case <-c.stopped:
		return store.InboundResult{}, ErrStopped
	}
	// Once queued the batch will be written whatever happens to ctx, so
	// wait for the outcome rather than report a failure that was not one.
	select {
	case o := <-p.done:
		return o.res, o.err
	case <-c.stopped:
		// Run answers every batch it took before it closes stopped.
		select {
		case o := <-p.done:
			return o.res, o.err
		default:
			return store.InboundResult{}, ErrStopped
		}
	}
}

// Run writes queued batches until ctx ends, then writes what is queued and
// returns once every batch it took is answered. When the writer says it
// takes several transactions at once (Writers), that many groups are
// written at once.
func (c *Committer) Run(ctx context.Context) {
	defer close(c.stopped)
	writers := 1
	if w, ok := c.w.(interface{ Writers() int }); ok {
		writers = max(1, w.Writers())
	}
	var wg, syncing sync.WaitGroup
	for range writers {
		wg.Go(func() { c.write(ctx, &syncing) })
	}
	wg.Wait()
	syncing.Wait()
}

// write commits groups of queued batches until ctx ends, then commits
// what is queued; the groups wait for durability in syncing.
func (c *Committer) write(ctx context.Context, syncing *sync.WaitGroup) {
	for {
		select {
		case p := <-c.in:
			c.commit(c.gather(p), syncing)
		case <-ctx.Done():
			for {
				select {
				case p := <-c.in:
					c.commit(c.gather(p), syncing)
				default:
					return
				}
			}
		}
	}
}

// gather takes first and whatever else is queued, up to maxItems items.
// While batches announced by Expect are still being parsed it waits for
// them, at most maxGatherWait: in a storm a commit so takes every request
// under way rather than the one or two that happened to be queued, and
// SQLite writes the same index and table pages out once for all of them,
// not again at every small commit. With nothing under way nothing waits.
func (c *Committer) gather(first *pending) []*pending {
	group := []*pending{first}
	items := first.batch.Items()
	var deadline <-chan time.Time
	for items < c.maxItems {
		select {
		case p := <-c.in:
			group = append(group, p)
			items += p.batch.Items()
			continue
		default:
		}
		if c.expected.Load() <= 0 {
			return group
		}
		if deadline == nil {
			t := time.NewTimer(maxGatherWait)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case p := <-c.in:
			group = append(group, p)
			items += p.batch.Items()
		case <-deadline:
			return group
		}
	}
	return group
}

// maxGatherWait bounds how long a commit waits for announced batches.
const maxGatherWait = 5 * time.Millisecond

// commit writes a group in one transaction, and answers its requests in
// syncing once the commit is durable. When the transaction fails, each
// batch is written on its own, so one bad batch cannot fail the requests
// it shared a transaction with.
func (c *Committer) commit(group []*pending, syncing *sync.WaitGroup) {
	batches := make([]store.InboundBatch, len(group))
	for i, p := range group {
		batches[i] = p.batch
	}
	// The write must not be cut short by one request's context: the others
	// wait on it too.
	ctx := context.WithoutCancel(group[0].ctx)
	results, durable, err := c.w.CommitInbound(ctx, batches)
	if err == nil {
		syncing.Go(func() { c.answer(ctx, group, results, durable) })
		return
	}
	if len(group) > 1 {
		c.log.Warn("group commit failed; storing its batches one by one", "batches", len(group), "error", err)
	}
	for _, p := range group {
		res, durable, err := c.w.CommitInbound(ctx, []store.InboundBatch{p.batch})
		if err != nil {
			p.done <- outcome{err: fmt.Errorf("store events: %w", err)}
			continue
		}
		c.answer(ctx, []*pending{p}, res, durable)
	}
}

// answer waits until the group's commit is durable, then tells onStored
// and the group's requests.
func (c *Committer) answer(ctx context.Context, group []*pending, results []store.InboundResult, durable func() error) {
	if err := durable(); err != nil {
		for _, p := range group {
			p.done <- outcome{err: fmt.Errorf("store events: %w", err)}
		}
		return
	}
	c.notify(ctx, group, results)
	for i, p := range group {
		p.done <- outcome{res: results[i]}
	}
}
