package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"halobridge/internal/source"
)

// SaveSourceCustomers upserts customers of a source. With replace, the
// customers not in the list are removed, which is what a full sync means,
// except those seen in pushed events only (SeenInPush), which stay until
// the list names them; without it (the push API) the list only adds and
// changes. A customer the list names takes the list's name and mark: a
// company seen in a push becomes a normal customer once the source lists it.
func (s *Store) SaveSourceCustomers(ctx context.Context, sourceID int64, customers []source.Customer, replace bool) error {
	for i, c := range customers {
		if strings.TrimSpace(c.ID) == "" {
			return fmt.Errorf("save customers of source %d: customer %d: %w: no id", sourceID, i, ErrInvalid)
		}
	}
	now := s.d.timeArg(s.timestamp())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if replace {
			if _, err := tx.ExecContext(ctx, "DELETE FROM source_customers WHERE source_id = $1 AND NOT seen_in_push", sourceID); err != nil {
				return err
			}
		}
		for _, c := range customers {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO source_customers (source_id, customer_id, name, parent_id, domain, reseller, seen_in_push, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (source_id, customer_id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id,
					domain = excluded.domain, reseller = excluded.reseller, seen_in_push = excluded.seen_in_push,
					updated_at = excluded.updated_at`,
				sourceID, c.ID, c.Name, c.ParentID, c.Domain, c.Reseller, c.SeenInPush, now)
			if err != nil {
				return mapError(err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save customers of source %d: %w", sourceID, err)
	}
	return nil
}

// SourceCustomers lists a source's customers by name.
func (s *Store) SourceCustomers(ctx context.Context, sourceID int64) ([]source.Customer, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT customer_id, name, parent_id, domain, reseller, seen_in_push FROM source_customers
		WHERE source_id = $1 ORDER BY lower(name), customer_id`, sourceID)
	if err != nil {
		return nil, fmt.Errorf("list customers of source %d: %w", sourceID, err)
	}
	defer rows.Close()
	var out []source.Customer
	for rows.Next() {
		var c source.Customer
		if err := rows.Scan(&c.ID, &c.Name, &c.ParentID, &c.Domain, &c.Reseller, &c.SeenInPush); err != nil {
			return nil, fmt.Errorf("list customers of source %d: %w", sourceID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveUsage upserts usage rows. With replace set, the source's usage for
// that month is first removed, so a product no longer used disappears.
func (s *Store) SaveUsage(ctx context.Context, sourceID int64, usage []source.Usage, replace *source.Month) error {
	for i, u := range usage {
		if u.CustomerID == "" || u.Product == "" || u.Month.Year == 0 {
			return fmt.Errorf("save usage of source %d: row %d: %w: customer, product and month are required", sourceID, i, ErrInvalid)
		}
		if err := u.CheckQuantity(); err != nil {
			return fmt.Errorf("save usage of source %d: %w: %w", sourceID, ErrInvalid, err)
		}
		if replace != nil && u.Month != *replace {
			return fmt.Errorf("save usage of source %d: row %d is for %s, not %s: %w", sourceID, i, u.Month, replace, ErrInvalid)
		}
	}
	now := s.d.timeArg(s.timestamp())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if replace != nil {
			if _, err := tx.ExecContext(ctx, "DELETE FROM source_usage WHERE source_id = $1 AND month = $2", sourceID, replace.String()); err != nil {
				return err
			}
		}
		for _, u := range usage {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO source_usage (source_id, customer_id, month, product, quantity, includes_children, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (source_id, customer_id, month, product) DO UPDATE SET quantity = excluded.quantity,
					includes_children = excluded.includes_children, updated_at = excluded.updated_at`,
				sourceID, u.CustomerID, u.Month.String(), u.Product, u.Quantity, u.IncludesChildren, now)
			if err != nil {
				return mapError(err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save usage of source %d: %w", sourceID, err)
	}
	return nil
}

// Usage lists a source's usage in one month, by customer and product.
func (s *Store) Usage(ctx context.Context, sourceID int64, month source.Month) ([]source.Usage, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT customer_id, product, quantity, includes_children FROM source_usage
		WHERE source_id = $1 AND month = $2 ORDER BY customer_id, product`, sourceID, month.String())
	if err != nil {
		return nil, fmt.Errorf("list usage of source %d for %s: %w", sourceID, month, err)
	}
	defer rows.Close()
	var out []source.Usage
	for rows.Next() {
		u := source.Usage{Month: month}
		if err := rows.Scan(&u.CustomerID, &u.Product, &u.Quantity, &u.IncludesChildren); err != nil {
			return nil, fmt.Errorf("list usage of source %d: %w", sourceID, err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
