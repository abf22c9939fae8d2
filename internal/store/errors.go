package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	// ErrNotFound reports a record that does not exist, or a write that
	// refers to one (a connection for an unknown partner).
	ErrNotFound = errors.New("not found")
	// ErrConflict reports a write that would break a uniqueness rule, such
	// as a slug another partner already uses.
	ErrConflict = errors.New("conflict")
	// ErrInvalid reports a value the store refuses to keep, such as a slug
	// that is not URL-safe or an unknown catalog kind.
	ErrInvalid = errors.New("invalid")
)

// PostgreSQL SQLSTATE codes of the constraint violations callers can act on.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
	pgCheckViolation      = "23514"
)

// mapError gives constraint violations of either engine the sentinel that
// says what the caller can do about them, keeping the driver's error for
// the details.
func mapError(err error) error {
	var sentinel error
	var pgErr *pgconn.PgError
	var liteErr *sqlite.Error
	switch {
	case errors.As(err, &pgErr):
		switch pgErr.Code {
		case pgUniqueViolation:
			sentinel = ErrConflict
		case pgForeignKeyViolation:
			sentinel = ErrNotFound
		case pgCheckViolation:
			sentinel = ErrInvalid
		}
	case errors.As(err, &liteErr):
		switch liteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			sentinel = ErrConflict
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			sentinel = ErrNotFound
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			sentinel = ErrInvalid
		}
	}
	if sentinel == nil {
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}
