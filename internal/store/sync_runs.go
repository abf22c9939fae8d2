package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SyncRun is one synchronisation of a partner: a catalog refresh, a usage
// import, a billing pass. Its steps carry the progress, counts and errors
// that the CLI draws as a progress bar and the portal shows as history.
type SyncRun struct {
	ID        int64
	PartnerID int64
	Kind      string // SyncCatalog, SyncUsage, SyncBilling...
	State     string // SyncRunning, SyncSucceeded, SyncFailed
	StartedAt time.Time
	// FinishedAt is nil while the run is running.
	FinishedAt *time.Time
	Steps      []SyncStep
	Error      string
	// JobID is the durable job that runs the sync; 0 when none does.
	JobID int64
}

// SyncStep is one part of a run, e.g. reading the Halo clients: Done of
// Total items, counts by outcome ("created": 3, "unchanged": 257) and the
// errors met on the way. The JSON names are the stored format.
type SyncStep struct {
	Name   string         `json:"name"`
	Total  int            `json:"total"`
	Done   int            `json:"done"`
	Counts map[string]int `json:"counts,omitempty"`
	Errors []string       `json:"errors,omitempty"`
	// WaitingUntil is set while the step waits for the tenant's HaloPSA
	// request budget: it resumes then.
	WaitingUntil time.Time `json:"waiting_until,omitzero"`
}

// Kinds of sync run. The kind is free text; these are the ones halobridge
// itself runs.
const (
	SyncCatalog = "catalog"
	SyncMapping = "mapping"
	SyncUsage   = "usage"
	SyncBilling = "billing"
)

// States of a sync run.
const (
	SyncRunning   = "running"
	SyncSucceeded = "succeeded"
	SyncFailed    = "failed"
)

// SyncInterrupted is the error of a run whose process stopped before the
// run finished; StartSyncRun records it when the run's job starts again.
const SyncInterrupted = "interrupted: halobridge stopped before this run finished; the sync was started again"

const syncRunColumns = "id, partner_id, kind, state, started_at, finished_at, steps, error, job_id"

// maxSyncRuns bounds one page of history whatever the caller asks.
const maxSyncRuns = 1000

func scanSyncRun(row scanner) (SyncRun, error) {
	var r SyncRun
	var steps string
	err := row.Scan(&r.ID, &r.PartnerID, &r.Kind, &r.State, timeColumn{&r.StartedAt}, nullTimeColumn{&r.FinishedAt},
		&steps, &r.Error, &r.JobID)
	if err != nil {
		return SyncRun{}, err
	}
	if err := json.Unmarshal([]byte(steps), &r.Steps); err != nil {
		return SyncRun{}, fmt.Errorf("sync run %d steps: %w", r.ID, err)
	}
	return r, nil
}

// nullTimeColumn scans a time column that is NULL until something happens.
type nullTimeColumn struct{ t **time.Time }

func (c nullTimeColumn) Scan(src any) error {
	if src == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeColumn{&t}).Scan(src); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// encodeSteps stores no steps as [], never null, so that every run reads
// back with a non-nil Steps.
func encodeSteps(steps []SyncStep) (string, error) {
	if steps == nil {
		steps = []SyncStep{}
	}
	b, err := json.Marshal(steps)
	if err != nil {
		return "", fmt.Errorf("encode steps: %w", err)
	}
	return string(b), nil
}

// StartSyncRun stores a new running run of r.PartnerID and r.Kind,
// started now unless r.StartedAt is set. A run of the same job that is
// still marked running was cut short by a crash or a kill: it is
// finished as failed with SyncInterrupted.
func (s *Store) StartSyncRun(ctx context.Context, r SyncRun) (SyncRun, error) {
	r.Kind = strings.TrimSpace(r.Kind)
	if r.Kind == "" {
		return SyncRun{}, fmt.Errorf("start sync run: %w: the kind is empty", ErrInvalid)
	}
	steps, err := encodeSteps(r.Steps)
	if err != nil {
		return SyncRun{}, fmt.Errorf("start %s sync run: %w", r.Kind, err)
	}
	now := s.timestamp()
	if r.StartedAt.IsZero() {
		r.StartedAt = now
	}
	r.StartedAt = r.StartedAt.UTC().Truncate(time.Microsecond)
	r.State, r.FinishedAt, r.Error = SyncRunning, nil, ""
	if r.Steps == nil {
		r.Steps = []SyncStep{}
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if r.JobID != 0 {
			_, err := tx.ExecContext(ctx, `
				UPDATE sync_runs SET state = $2, finished_at = $3, error = $4
				WHERE job_id = $1 AND state = $5`,
				r.JobID, SyncFailed, s.d.timeArg(now), SyncInterrupted, SyncRunning)
			if err != nil {
				return fmt.Errorf("finish the interrupted runs of job %d: %w", r.JobID, err)
			}
		}
		return tx.QueryRowContext(ctx, `
			INSERT INTO sync_runs (partner_id, kind, state, started_at, steps, error, job_id)
			VALUES ($1, $2, $3, $4, $5, '', $6) RETURNING id`,
			r.PartnerID, r.Kind, r.State, s.d.timeArg(r.StartedAt), steps, r.JobID).Scan(&r.ID)
	})
	if err != nil {
		return SyncRun{}, fmt.Errorf("start %s sync run of partner %d: %w", r.Kind, r.PartnerID, mapError(err))
	}
	return r, nil
}

// SaveSyncRunProgress replaces the steps of a running run; a finished
// run is ErrConflict.
func (s *Store) SaveSyncRunProgress(ctx context.Context, id int64, steps []SyncStep) error {
	encoded, err := encodeSteps(steps)
	if err != nil {
		return fmt.Errorf("save progress of sync run %d: %w", id, err)
	}
	res, err := s.writer.ExecContext(ctx, "UPDATE sync_runs SET steps = $2 WHERE id = $1 AND state = $3", id, encoded, SyncRunning)
	if err != nil {
		return fmt.Errorf("save progress of sync run %d: %w", id, err)
	}
	return s.requireRunning(ctx, res, id, "save progress of")
}

// FinishSyncRun ends a running run as SyncSucceeded or SyncFailed with
// errText; a run finished before is ErrConflict.
func (s *Store) FinishSyncRun(ctx context.Context, id int64, state, errText string) (SyncRun, error) {
	if state != SyncSucceeded && state != SyncFailed {
		return SyncRun{}, fmt.Errorf("finish sync run %d as %q: %w: want %s or %s", id, state, ErrInvalid, SyncSucceeded, SyncFailed)
	}
	r, err := scanSyncRun(s.writer.QueryRowContext(ctx, `
		UPDATE sync_runs SET state = $2, finished_at = $3, error = $4
		WHERE id = $1 AND state = $5 RETURNING `+syncRunColumns,
		id, state, s.d.timeArg(s.timestamp()), errText, SyncRunning))
	if errors.Is(err, sql.ErrNoRows) {
		return SyncRun{}, s.notRunning(ctx, id, "finish")
	}
	if err != nil {
		return SyncRun{}, fmt.Errorf("finish sync run %d: %w", id, err)
	}
	return r, nil
}

// requireRunning turns an update of no row into the reason: no such run,
// or a run that has already finished.
func (s *Store) requireRunning(ctx context.Context, res sql.Result, id int64, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s sync run %d: %w", what, id, err)
	}
	if n == 0 {
		return s.notRunning(ctx, id, what)
	}
	return nil
}

func (s *Store) notRunning(ctx context.Context, id int64, what string) error {
	var state string
	err := s.writer.QueryRowContext(ctx, "SELECT state FROM sync_runs WHERE id = $1", id).Scan(&state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s sync run %d: %w", what, id, ErrNotFound)
	case err != nil:
		return fmt.Errorf("%s sync run %d: %w", what, id, err)
	default:
		return fmt.Errorf("%s sync run %d: %w: it has already %s", what, id, ErrConflict, state)
	}
}

// SyncRun reads one run of the partner.
func (s *Store) SyncRun(ctx context.Context, partnerID, id int64) (SyncRun, error) {
	r, err := scanSyncRun(s.reader.QueryRowContext(ctx, "SELECT "+syncRunColumns+" FROM sync_runs WHERE partner_id = $1 AND id = $2", partnerID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return SyncRun{}, fmt.Errorf("sync run %d of partner %d: %w", id, partnerID, ErrNotFound)
	}
	if err != nil {
		return SyncRun{}, fmt.Errorf("read sync run %d: %w", id, err)
	}
	return r, nil
}

// SyncRuns lists the partner's runs of kind ("" for every kind), newest
// first, at most limit of them (100 when limit is not positive).
func (s *Store) SyncRuns(ctx context.Context, partnerID int64, kind string, limit int) ([]SyncRun, error) {
	query := "SELECT " + syncRunColumns + " FROM sync_runs WHERE partner_id = $1"
	args := []any{partnerID}
	if kind != "" {
		args = append(args, kind)
		query += " AND kind = $2"
	}
	if limit <= 0 {
		limit = 100
	}
	query += fmt.Sprintf(" ORDER BY started_at DESC, id DESC LIMIT %d", min(limit, maxSyncRuns))
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list sync runs of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []SyncRun
	for rows.Next() {
		r, err := scanSyncRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list sync runs of partner %d: %w", partnerID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
