package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// HaloGrantRequest asks for requests of one tenant's window.
type HaloGrantRequest struct {
	Tenant string
	// Priority is the requests' halo.RequestPriority, kept for the
	// budget's breakdown.
	Priority  int
	Want, Min int
	// Cap is how many requests the window may hold with this grant: the
	// share of the limit the priority may fill.
	Cap int
	// Now is when the grant is made; it counts until Now + CountFor.
	Now      time.Time
	CountFor time.Duration
}

// HaloGrant is what GrantHaloRequests granted.
type HaloGrant struct {
	Granted int
	// Spent is what the window holds, the grant included.
	Spent int
	// RetryAt is, when nothing was granted, when Min requests will fit (or
	// the tenant's pause ends).
	RetryAt time.Time
}

// HaloBudget is what one tenant's window holds.
type HaloBudget struct {
	Spent int
	// ByPriority splits Spent by halo.RequestPriority.
	ByPriority  map[int]int
	PausedUntil time.Time
}

// GrantHaloRequests grants up to r.Want requests (at least r.Min, or
// none) of the tenant's window while the window holds no more than
// r.Cap with them. Granting nothing, it says when r.Min would fit.
func (s *Store) GrantHaloRequests(ctx context.Context, r HaloGrantRequest) (HaloGrant, error) {
	if r.Tenant == "" || r.Min < 1 || r.Want < r.Min || r.Cap < r.Min || r.CountFor <= 0 {
		return HaloGrant{}, fmt.Errorf("grant HaloPSA requests of %q: %w: want %d, min %d, cap %d, count for %s",
			r.Tenant, ErrInvalid, r.Want, r.Min, r.Cap, r.CountFor)
	}
	var g HaloGrant
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.d.timeArg(r.Now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO halo_budgets (tenant, paused_until, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (tenant) DO NOTHING`, r.Tenant, s.d.timeArg(time.Time{}), now); err != nil {
			return err
		}
		var paused time.Time
		if err := tx.QueryRowContext(ctx, "SELECT paused_until FROM halo_budgets WHERE tenant = $1"+s.d.forUpdate, r.Tenant).
			Scan(timeColumn{&paused}); err != nil {
			return err
		}
		if paused.After(r.Now) {
			g.RetryAt = paused
			return nil
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM halo_grants WHERE tenant = $1 AND counted_until <= $2", r.Tenant, now); err != nil {
			return err
		}
		grants, err := countedGrants(ctx, tx, r.Tenant)
		if err != nil {
			return err
		}
		for _, c := range grants {
			g.Spent += c.requests
		}
		if room := r.Cap - g.Spent; room >= r.Min {
			g.Granted = min(r.Want, room)
			g.Spent += g.Granted
			_, err := tx.ExecContext(ctx, `INSERT INTO halo_grants (tenant, priority, requests, granted_at, counted_until)
				VALUES ($1, $2, $3, $4, $5)`, r.Tenant, r.Priority, g.Granted, now, s.d.timeArg(r.Now.Add(r.CountFor)))
			return err
		}
		// Nothing fits: Min fits once enough of the oldest grants stop counting.
		need := g.Spent + r.Min - r.Cap
		for _, c := range grants {
			need -= c.requests
			if need <= 0 {
				g.RetryAt = c.until
				break
			}
		}
		return nil
	})
	if err != nil {
		return HaloGrant{}, fmt.Errorf("grant HaloPSA requests of %q: %w", r.Tenant, mapError(err))
	}
	return g, nil
}

// countedGrant is one grant still counted in a window.
type countedGrant struct {
	requests int
	until    time.Time
}

// countedGrants lists a tenant's grants, those that stop counting first
// first.
func countedGrants(ctx context.Context, tx *sql.Tx, tenant string) ([]countedGrant, error) {
	rows, err := tx.QueryContext(ctx, "SELECT requests, counted_until FROM halo_grants WHERE tenant = $1 ORDER BY counted_until", tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []countedGrant
	for rows.Next() {
		var c countedGrant
		if err := rows.Scan(&c.requests, timeColumn{&c.until}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PauseHaloTenant stops the tenant's grants until until (a 429 from
// HaloPSA), unless it is paused longer already.
func (s *Store) PauseHaloTenant(ctx context.Context, tenant string, until time.Time) error {
	_, err := s.writer.ExecContext(ctx, `
		INSERT INTO halo_budgets (tenant, paused_until, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (tenant) DO UPDATE SET paused_until = excluded.paused_until, updated_at = excluded.updated_at
		WHERE halo_budgets.paused_until < excluded.paused_until`,
		tenant, s.d.timeArg(until), s.d.timeArg(s.timestamp()))
	if err != nil {
		return fmt.Errorf("pause HaloPSA tenant %q: %w", tenant, mapError(err))
	}
	return nil
}

// HaloBudget is what the tenant's window holds at at.
func (s *Store) HaloBudget(ctx context.Context, tenant string, at time.Time) (HaloBudget, error) {
	b := HaloBudget{ByPriority: map[int]int{}}
	err := s.reader.QueryRowContext(ctx, "SELECT paused_until FROM halo_budgets WHERE tenant = $1", tenant).Scan(timeColumn{&b.PausedUntil})
	if errors.Is(err, sql.ErrNoRows) {
		return b, nil
	}
	if err != nil {
		return HaloBudget{}, fmt.Errorf("read the HaloPSA budget of %q: %w", tenant, err)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT priority, SUM(requests) FROM halo_grants
		WHERE tenant = $1 AND counted_until > $2 GROUP BY priority`, tenant, s.d.timeArg(at))
	if err != nil {
		return HaloBudget{}, fmt.Errorf("read the HaloPSA budget of %q: %w", tenant, err)
	}
	defer rows.Close()
	for rows.Next() {
		var priority, n int
		if err := rows.Scan(&priority, &n); err != nil {
			return HaloBudget{}, fmt.Errorf("read the HaloPSA budget of %q: %w", tenant, err)
		}
		b.ByPriority[priority] = n
		b.Spent += n
	}
	return b, rows.Err()
}
