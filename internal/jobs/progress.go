package jobs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"halobridge/internal/store"
)

const (
	// saveEvery spaces the writes of a run's progress, so that a sync of
	// thousands of records writes a few rows a second, not one per record.
	saveEvery = 250 * time.Millisecond
	// saveTimeout bounds one write of progress. Writes do not use the job's
	// context: a run whose job was cancelled must still be recorded as
	// ended, not left running.
	saveTimeout = 10 * time.Second
	// maxStepErrors is how many error messages a step keeps: enough to see
	// what went wrong, without storing thousands of the same message.
	maxStepErrors = 20
	// errorsCount is the count key of the errors Fail records.
	errorsCount = "errors"
)

// RunSaver is where a Progress saves its run: the store.
type RunSaver interface {
	SaveSyncRunProgress(ctx context.Context, id int64, steps []store.SyncStep) error
	FinishSyncRun(ctx context.Context, id int64, state, errText string) (store.SyncRun, error)
}

// Progress is how a sync worker reports on its run: steps, items done,
// counts and errors, saved to the store as it goes. It is safe for
// concurrent use.
type Progress struct {
	st RunSaver
	// now is the clock the throttle reads.
	now func() time.Time

	mu      sync.Mutex
	run     store.SyncRun
	savedAt time.Time
	dirty   bool
}

// NewProgress reports on run, which StartSyncRun returned. A nil *Progress
// reports nothing: work done outside a sync run passes nil.
func NewProgress(st RunSaver, run store.SyncRun) *Progress {
	return &Progress{st: st, now: time.Now, run: cloneRun(run)}
}

// Run is the run as reported so far.
func (p *Progress) Run() store.SyncRun {
	p.mu.Lock()
	defer p.mu.Unlock()
	return cloneRun(p.run)
}

// Step begins the step name of total items (0 when unknown) and saves.
func (p *Progress) Step(name string, total int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.run.Steps = append(p.run.Steps, store.SyncStep{Name: name, Total: total})
	p.dirty = true
	p.save()
}

// Advance records n more items of the current step done.
func (p *Progress) Advance(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	step := p.current()
	step.Done += n
	step.WaitingUntil = time.Time{}
	p.changed()
}

// Wait records that the current step waits for the HaloPSA request budget
// until until, and saves at once: a person watching sees why it stands
// still. The next Advance ends the wait.
func (p *Progress) Wait(until time.Time) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.current().WaitingUntil = until.UTC()
	p.dirty = true
	p.save()
}

// Count adds n to the current step's count of key, e.g. "created".
func (p *Progress) Count(key string, n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	addCount(p.current(), key, n)
	p.changed()
}

func addCount(step *store.SyncStep, key string, n int) {
	if step.Counts == nil {
		step.Counts = make(map[string]int)
	}
	step.Counts[key] += n
}

// Fail records err on the current step: something went wrong with one
// item, and the run goes on. Every error is counted under "errors"; the
// first few messages are kept. A nil err records nothing.
func (p *Progress) Fail(err error) {
	if p == nil || err == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	step := p.current()
	if len(step.Errors) < maxStepErrors {
		step.Errors = append(step.Errors, err.Error())
	}
	addCount(step, errorsCount, 1)
	p.changed()
}

// Finish saves the last progress and ends the run: succeeded when err is
// nil, failed with err's message otherwise. It returns what kept the run
// from being recorded, not err.
func (p *Progress) Finish(err error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	state, errText := store.SyncSucceeded, ""
	if err != nil {
		state, errText = store.SyncFailed, err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), saveTimeout)
	defer cancel()
	if p.dirty {
		if saveErr := p.st.SaveSyncRunProgress(ctx, p.run.ID, p.run.Steps); saveErr != nil {
			return fmt.Errorf("finish %s sync run %d: %w", p.run.Kind, p.run.ID, saveErr)
		}
		p.dirty = false
	}
	run, finishErr := p.st.FinishSyncRun(ctx, p.run.ID, state, errText)
	if finishErr != nil {
		return fmt.Errorf("finish %s sync run %d: %w", p.run.Kind, p.run.ID, finishErr)
	}
	p.run = run
	return nil
}

// current is the step being worked; reports made before the first Step
// go to a step named after the run's kind.
func (p *Progress) current() *store.SyncStep {
	if len(p.run.Steps) == 0 {
		p.run.Steps = append(p.run.Steps, store.SyncStep{Name: p.run.Kind})
	}
	return &p.run.Steps[len(p.run.Steps)-1]
}

// changed saves unless the last save was less than saveEvery ago.
func (p *Progress) changed() {
	p.dirty = true
	if p.now().Sub(p.savedAt) >= saveEvery {
		p.save()
	}
}

// save writes the steps. A failed write leaves them dirty for the next
// one: progress is advisory until Finish, which reports its own failure.
// A run already ended elsewhere (a later attempt of its job declared it
// interrupted) takes no more progress, so that is not retried.
func (p *Progress) save() {
	ctx, cancel := context.WithTimeout(context.Background(), saveTimeout)
	defer cancel()
	p.savedAt = p.now()
	err := p.st.SaveSyncRunProgress(ctx, p.run.ID, p.run.Steps)
	if err == nil || errors.Is(err, store.ErrConflict) {
		p.dirty = false
	}
}

func cloneRun(r store.SyncRun) store.SyncRun {
	steps := make([]store.SyncStep, len(r.Steps))
	for i, s := range r.Steps {
		s.Counts = maps.Clone(s.Counts)
		s.Errors = slices.Clone(s.Errors)
		steps[i] = s
	}
	r.Steps = steps
	if r.FinishedAt != nil {
		at := *r.FinishedAt
		r.FinishedAt = &at
	}
	return r
}
