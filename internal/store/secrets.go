package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// sealedTable names a table's key column and the columns that hold sealed
// secrets, so that re-encryption covers every secret the store keeps.
type sealedTable struct {
	table   string
	key     string
	columns []string
}

var sealedTables = []sealedTable{
	{"halo_connections", "partner_id", []string{"client_secret", "refresh_token"}},
	{"sources", "id", []string{"secret", "api_key"}},
	{"halo_webhooks", "partner_id", []string{"secret"}},
}

// ReencryptSecrets runs in one transaction with the rows locked, so a token
// rotated meanwhile is neither lost nor overwritten with its old value.
func (s *Store) ReencryptSecrets(ctx context.Context) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, t := range sealedTables {
			resealed, err := s.reencryptTable(ctx, tx, t)
			if err != nil {
				return err
			}
			n += resealed
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("re-encrypt secrets: %w", err)
	}
	if n > 0 {
		s.log.Info("re-sealed secrets with the current key", "count", n, "key_id", s.keys.CurrentKeyID())
	}
	return n, nil
}

// sealedRow is the key and the sealed values of one row.
type sealedRow struct {
	key    int64
	values []string
}

func (s *Store) reencryptTable(ctx context.Context, tx *sql.Tx, t sealedTable) (int, error) {
	rows, err := readSealed(ctx, tx, t, s.d.forUpdate)
	if err != nil {
		return 0, err
	}
	var sets []string
	for i, c := range t.columns {
		sets = append(sets, fmt.Sprintf("%s = $%d", c, i+2))
	}
	update := "UPDATE " + t.table + " SET " + strings.Join(sets, ", ") + " WHERE " + t.key + " = $1"
	n := 0
	for _, r := range rows {
		args := []any{r.key}
		changed := false
		for i, sealed := range r.values {
			resealed, did, err := s.reseal(sealed)
			if err != nil {
				return 0, fmt.Errorf("%s %d %s: %w", t.table, r.key, t.columns[i], err)
			}
			if did {
				n++
				changed = true
			}
			args = append(args, resealed)
		}
		if !changed {
			continue
		}
		if _, err := tx.ExecContext(ctx, update, args...); err != nil {
			return 0, fmt.Errorf("%s %d: store re-sealed secrets: %w", t.table, r.key, err)
		}
	}
	return n, nil
}

// reseal seals again with the current key a value sealed with an old one,
// and reports whether it did.
func (s *Store) reseal(sealed string) (string, bool, error) {
	if !s.keys.NeedsRotation(sealed) {
		return sealed, false, nil
	}
	plain, err := s.keys.Open(sealed)
	if err != nil {
		return "", false, err
	}
	resealed, err := s.keys.Seal(plain)
	if err != nil {
		return "", false, err
	}
	return resealed, true, nil
}

func readSealed(ctx context.Context, tx *sql.Tx, t sealedTable, lock string) ([]sealedRow, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+t.key+", "+strings.Join(t.columns, ", ")+" FROM "+t.table+lock)
	if err != nil {
		return nil, fmt.Errorf("read sealed secrets of %s: %w", t.table, err)
	}
	defer rows.Close()
	var out []sealedRow
	for rows.Next() {
		r := sealedRow{values: make([]string, len(t.columns))}
		dest := []any{&r.key}
		for i := range r.values {
			dest = append(dest, &r.values[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read sealed secrets of %s: %w", t.table, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sealed secrets of %s: %w", t.table, err)
	}
	return out, nil
}
