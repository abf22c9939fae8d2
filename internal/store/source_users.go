package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"halobridge/internal/source"
)

// SaveSourceUsers replaces the users of one customer of a source with
// users, as the source listed them just now. A user without an id is
// refused; more than source.MaxUsersPerCustomer are too.
func (s *Store) SaveSourceUsers(ctx context.Context, sourceID int64, customerID string, users []source.User) error {
	if strings.TrimSpace(customerID) == "" {
		return fmt.Errorf("save users of source %d: %w: no customer id", sourceID, ErrInvalid)
	}
	if len(users) > source.MaxUsersPerCustomer {
		return fmt.Errorf("save users of customer %q of source %d: %w: %d users, more than the %d kept per customer",
			customerID, sourceID, ErrInvalid, len(users), source.MaxUsersPerCustomer)
	}
	for i, u := range users {
		if strings.TrimSpace(u.ID) == "" {
			return fmt.Errorf("save users of customer %q of source %d: user %d: %w: no id", customerID, sourceID, i, ErrInvalid)
		}
	}
	now := s.d.timeArg(s.timestamp())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM source_users WHERE source_id = $1 AND customer_id = $2", sourceID, customerID); err != nil {
			return err
		}
		for _, u := range users {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO source_users (source_id, user_id, customer_id, name, email, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (source_id, user_id) DO UPDATE SET customer_id = excluded.customer_id, name = excluded.name,
					email = excluded.email, updated_at = excluded.updated_at`,
				sourceID, u.ID, customerID, u.Name, u.Email, now)
			if err != nil {
				return mapError(err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save users of customer %q of source %d: %w", customerID, sourceID, err)
	}
	return nil
}

// SourceUsers reads the users of a source with the given ids, by id; an id
// the source's users do not hold is left out.
func (s *Store) SourceUsers(ctx context.Context, sourceID int64, ids []string) (map[string]source.User, error) {
	out := make(map[string]source.User, len(ids))
	// Ids go in chunks to stay under both engines' limits on parameters.
	for start := 0; start < len(ids); start += rowsPerInsert {
		in, args := inList([]any{sourceID}, ids[start:min(start+rowsPerInsert, len(ids))])
		if err := s.readUsers(ctx, out, "SELECT user_id, customer_id, name, email FROM source_users WHERE source_id = $1 AND user_id IN ("+in+")", args...); err != nil {
			return nil, fmt.Errorf("read users of source %d: %w", sourceID, err)
		}
	}
	return out, nil
}

func (s *Store) readUsers(ctx context.Context, into map[string]source.User, query string, args ...any) error {
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var u source.User
		if err := rows.Scan(&u.ID, &u.CustomerID, &u.Name, &u.Email); err != nil {
			return err
		}
		into[u.ID] = u
	}
	return rows.Err()
}

// inList is the placeholders of an IN (...) list of values that follow
// args, and args with the values appended.
func inList(args []any, values []string) (string, []any) {
	all := append(make([]any, 0, len(args)+len(values)), args...)
	var in strings.Builder
	for i, v := range values {
		if i > 0 {
			in.WriteString(", ")
		}
		all = append(all, v)
		fmt.Fprintf(&in, "$%d", len(all))
	}
	return in.String(), all
}
