package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"halobridge/internal/source"
)

// BillingPolicy is a partner's billing configuration. Policy is the JSON
// internal/billing defines; the store keeps it as it is.
type BillingPolicy struct {
	PartnerID int64
	Policy    json.RawMessage
	UpdatedAt time.Time
}

// BillingLedger is what halobridge wrote to one client's recurring invoice,
// as the JSON internal/billing defines. InvoiceID repeats the ledger's
// invoice (0 before HaloPSA has one) so that it can be queried.
type BillingLedger struct {
	PartnerID int64
	ClientID  int
	InvoiceID int
	Ledger    json.RawMessage
	UpdatedAt time.Time
}

// BillingRun is one billing run, dry or real, for the history a person reads.
type BillingRun struct {
	ID        int64        `json:"id"`
	PartnerID int64        `json:"partner_id"`
	Month     source.Month `json:"month"`
	DryRun    bool         `json:"dry_run"`
	StartedAt time.Time    `json:"started_at"`
	// FinishedAt is zero while the run is running, and stays zero when its
	// process stopped before the run finished.
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// Error is why the run failed as a whole; "" when it did not.
	Error string `json:"error,omitempty"`
	// Result is what the run did, as JSON; "{}" until it finished.
	Result json.RawMessage `json:"result"`
}

// BillingCorrection is one entry of the billing history of corrections:
// the usage of a month of one item of one client changed after halobridge
// had written it, and what billing did about it.
type BillingCorrection struct {
	ID        int64 `json:"id"`
	PartnerID int64 `json:"partner_id"`
	// RunID is the billing run that made the correction.
	RunID      int64        `json:"run_id"`
	ClientID   int          `json:"client_id"`
	ClientName string       `json:"client_name"`
	ItemID     int          `json:"item_id"`
	ItemName   string       `json:"item_name"`
	Month      source.Month `json:"month"`
	Old        float64      `json:"old"`
	New        float64      `json:"new"`
	// Carried is true when the month had been invoiced and the difference
	// went onto the item's next line; false when the line still held the
	// month and was set to the new figure.
	Carried bool `json:"carried"`
	// Action says in words what was done.
	Action      string    `json:"action"`
	CorrectedAt time.Time `json:"corrected_at"`
}

// SaveBillingPolicy creates or replaces the partner's policy.
func (s *Store) SaveBillingPolicy(ctx context.Context, partnerID int64, policy json.RawMessage) (BillingPolicy, error) {
	if !json.Valid(policy) {
		return BillingPolicy{}, fmt.Errorf("save billing policy of partner %d: %w: not JSON", partnerID, ErrInvalid)
	}
	p := BillingPolicy{PartnerID: partnerID, Policy: policy, UpdatedAt: s.timestamp()}
	_, err := s.writer.ExecContext(ctx, `
		INSERT INTO billing_policies (partner_id, policy, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (partner_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
		partnerID, string(policy), s.d.timeArg(p.UpdatedAt))
	if err != nil {
		return BillingPolicy{}, fmt.Errorf("save billing policy of partner %d: %w", partnerID, mapError(err))
	}
	return p, nil
}

// BillingPolicy is ErrNotFound when the partner has none yet.
func (s *Store) BillingPolicy(ctx context.Context, partnerID int64) (BillingPolicy, error) {
	p := BillingPolicy{PartnerID: partnerID}
	var policy string
	err := s.reader.QueryRowContext(ctx, "SELECT policy, updated_at FROM billing_policies WHERE partner_id = $1", partnerID).
		Scan(&policy, timeColumn{&p.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return BillingPolicy{}, fmt.Errorf("billing policy of partner %d: %w", partnerID, ErrNotFound)
	}
	if err != nil {
		return BillingPolicy{}, fmt.Errorf("read billing policy of partner %d: %w", partnerID, err)
	}
	p.Policy = json.RawMessage(policy)
	return p, nil
}

const ledgerColumns = "partner_id, client_id, invoice_id, ledger, updated_at"

func scanLedger(row scanner) (BillingLedger, error) {
	var l BillingLedger
	var ledger string
	err := row.Scan(&l.PartnerID, &l.ClientID, &l.InvoiceID, &ledger, timeColumn{&l.UpdatedAt})
	l.Ledger = json.RawMessage(ledger)
	return l, err
}

// SaveBillingLedger creates or replaces the ledger of (PartnerID,
// ClientID) and, in the same transaction, records the corrections the
// ledger applies, each of that client, corrected now: the history gains
// them exactly when the ledger does.
func (s *Store) SaveBillingLedger(ctx context.Context, l BillingLedger, corrections ...BillingCorrection) (BillingLedger, error) {
	if l.ClientID <= 0 {
		return BillingLedger{}, fmt.Errorf("save billing ledger: %w: a HaloPSA client id is required", ErrInvalid)
	}
	if !json.Valid(l.Ledger) {
		return BillingLedger{}, fmt.Errorf("save billing ledger of client %d: %w: not JSON", l.ClientID, ErrInvalid)
	}
	for i, c := range corrections {
		if c.ClientID != l.ClientID || c.Month.Year == 0 || c.ItemID <= 0 {
			return BillingLedger{}, fmt.Errorf("save billing ledger of client %d: correction %d: %w: it needs the ledger's client, an item and a month", l.ClientID, i, ErrInvalid)
		}
	}
	l.UpdatedAt = s.timestamp()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO billing_ledgers (`+ledgerColumns+`) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (partner_id, client_id) DO UPDATE SET invoice_id = excluded.invoice_id,
				ledger = excluded.ledger, updated_at = excluded.updated_at`,
			l.PartnerID, l.ClientID, l.InvoiceID, string(l.Ledger), s.d.timeArg(l.UpdatedAt))
		if err != nil {
			return mapError(err)
		}
		for _, c := range corrections {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO billing_corrections (partner_id, run_id, client_id, client_name, item_id, item_name, month,
					old_quantity, new_quantity, carried, action, corrected_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
				l.PartnerID, c.RunID, c.ClientID, c.ClientName, c.ItemID, c.ItemName, c.Month.String(),
				c.Old, c.New, c.Carried, c.Action, s.d.timeArg(l.UpdatedAt))
			if err != nil {
				return mapError(err)
			}
		}
		return nil
	})
	if err != nil {
		return BillingLedger{}, fmt.Errorf("save billing ledger of client %d of partner %d: %w", l.ClientID, l.PartnerID, err)
	}
	return l, nil
}

// BillingLedgers lists a partner's ledgers by client.
func (s *Store) BillingLedgers(ctx context.Context, partnerID int64) ([]BillingLedger, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+ledgerColumns+" FROM billing_ledgers WHERE partner_id = $1 ORDER BY client_id", partnerID)
	if err != nil {
		return nil, fmt.Errorf("list billing ledgers of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []BillingLedger
	for rows.Next() {
		l, err := scanLedger(rows)
		if err != nil {
			return nil, fmt.Errorf("list billing ledgers of partner %d: %w", partnerID, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

const correctionColumns = "id, partner_id, run_id, client_id, client_name, item_id, item_name, month, old_quantity, new_quantity, carried, action, corrected_at"

// BillingCorrections lists a partner's latest corrections, newest
// first; limit is 1 to 1000, 100 when out of range.
func (s *Store) BillingCorrections(ctx context.Context, partnerID int64, limit int) ([]BillingCorrection, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.reader.QueryContext(ctx,
		fmt.Sprintf("SELECT %s FROM billing_corrections WHERE partner_id = $1 ORDER BY id DESC LIMIT %d", correctionColumns, limit), partnerID)
	if err != nil {
		return nil, fmt.Errorf("list billing corrections of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []BillingCorrection
	for rows.Next() {
		var c BillingCorrection
		var month string
		if err := rows.Scan(&c.ID, &c.PartnerID, &c.RunID, &c.ClientID, &c.ClientName, &c.ItemID, &c.ItemName, &month,
			&c.Old, &c.New, &c.Carried, &c.Action, timeColumn{&c.CorrectedAt}); err != nil {
			return nil, fmt.Errorf("list billing corrections of partner %d: %w", partnerID, err)
		}
		if c.Month, err = source.ParseMonth(month); err != nil {
			return nil, fmt.Errorf("billing correction %d: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

const billingRunColumns = "id, partner_id, month, dry_run, started_at, finished_at, error, result"

func scanBillingRun(row scanner) (BillingRun, error) {
	var r BillingRun
	var month, result string
	var finished any
	if err := row.Scan(&r.ID, &r.PartnerID, &month, &r.DryRun, timeColumn{&r.StartedAt}, &finished, &r.Error, &result); err != nil {
		return BillingRun{}, err
	}
	if finished != nil {
		if err := (timeColumn{&r.FinishedAt}).Scan(finished); err != nil {
			return BillingRun{}, err
		}
	}
	m, err := source.ParseMonth(month)
	if err != nil {
		return BillingRun{}, fmt.Errorf("billing run %d: %w", r.ID, err)
	}
	r.Month, r.Result = m, json.RawMessage(result)
	return r, nil
}

// StartBillingRun stores a run of r.PartnerID for r.Month, started now.
func (s *Store) StartBillingRun(ctx context.Context, r BillingRun) (BillingRun, error) {
	if r.Month.Year == 0 {
		return BillingRun{}, fmt.Errorf("start billing run: %w: the month is required", ErrInvalid)
	}
	r.StartedAt, r.FinishedAt, r.Error, r.Result = s.timestamp(), time.Time{}, "", json.RawMessage("{}")
	err := s.writer.QueryRowContext(ctx, `
		INSERT INTO billing_runs (partner_id, month, dry_run, started_at, error, result)
		VALUES ($1, $2, $3, $4, '', '{}') RETURNING id`,
		r.PartnerID, r.Month.String(), r.DryRun, s.d.timeArg(r.StartedAt)).Scan(&r.ID)
	if err != nil {
		return BillingRun{}, fmt.Errorf("start billing run of partner %d for %s: %w", r.PartnerID, r.Month, mapError(err))
	}
	return r, nil
}

// FinishBillingRun records a run's result and error, finished now; a
// run finished before is ErrConflict.
func (s *Store) FinishBillingRun(ctx context.Context, id int64, result json.RawMessage, errText string) (BillingRun, error) {
	if len(result) == 0 {
		result = json.RawMessage("{}")
	}
	if !json.Valid(result) {
		return BillingRun{}, fmt.Errorf("finish billing run %d: %w: the result is not JSON", id, ErrInvalid)
	}
	r, err := scanBillingRun(s.writer.QueryRowContext(ctx, `
		UPDATE billing_runs SET finished_at = $2, error = $3, result = $4
		WHERE id = $1 AND finished_at IS NULL RETURNING `+billingRunColumns,
		id, s.d.timeArg(s.timestamp()), errText, string(result)))
	if errors.Is(err, sql.ErrNoRows) {
		var exists bool
		if err := s.writer.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM billing_runs WHERE id = $1)", id).Scan(&exists); err != nil {
			return BillingRun{}, fmt.Errorf("finish billing run %d: %w", id, err)
		}
		if exists {
			return BillingRun{}, fmt.Errorf("finish billing run %d: %w: it finished before", id, ErrConflict)
		}
		return BillingRun{}, fmt.Errorf("finish billing run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return BillingRun{}, fmt.Errorf("finish billing run %d: %w", id, err)
	}
	return r, nil
}

func (s *Store) BillingRun(ctx context.Context, partnerID, id int64) (BillingRun, error) {
	r, err := scanBillingRun(s.reader.QueryRowContext(ctx,
		"SELECT "+billingRunColumns+" FROM billing_runs WHERE partner_id = $1 AND id = $2", partnerID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return BillingRun{}, fmt.Errorf("billing run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return BillingRun{}, fmt.Errorf("read billing run %d: %w", id, err)
	}
	return r, nil
}

// BillingRuns lists a partner's latest runs, newest first; limit is
// 1 to 1000, 100 when out of range.
func (s *Store) BillingRuns(ctx context.Context, partnerID int64, limit int) ([]BillingRun, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.reader.QueryContext(ctx,
		fmt.Sprintf("SELECT %s FROM billing_runs WHERE partner_id = $1 ORDER BY id DESC LIMIT %d", billingRunColumns, limit), partnerID)
	if err != nil {
		return nil, fmt.Errorf("list billing runs of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []BillingRun
	for rows.Next() {
		r, err := scanBillingRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list billing runs of partner %d: %w", partnerID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
