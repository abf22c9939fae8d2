package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"halobridge/internal/datadir"
	"halobridge/internal/secret"
)

// Config says which database to open.
type Config struct {
	// DatabaseURL is "" or "sqlite:///path/to/file.db" for SQLite, or
	// "postgres://..." for PostgreSQL.
	DatabaseURL string
	// DataDir holds the SQLite file halobridge.db when DatabaseURL is empty.
	DataDir string
	// Keys seals credentials before they reach the database.
	Keys *secret.Keyring
	// Logger receives migration and re-encryption notices; nil discards them.
	Logger *slog.Logger
}

// Open connects to the database cfg names. It does not migrate: call
// Migrate before first use.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Keys == nil {
		return nil, errors.New("open store: a secret keyring is required to seal credentials")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	switch url := cfg.DatabaseURL; {
	case url == "":
		if cfg.DataDir == "" {
			return nil, errors.New("open store: neither a database URL nor a data directory is set")
		}
		if err := datadir.Dir(cfg.DataDir, logger); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return openSQLite(ctx, filepath.Join(cfg.DataDir, "halobridge.db"), cfg.Keys, logger)
	case strings.HasPrefix(url, "sqlite://"):
		path := strings.TrimPrefix(url, "sqlite://")
		if path == "" {
			return nil, errors.New("open store: the sqlite:// URL has no file path; use sqlite:///path/to/halobridge.db")
		}
		return openSQLite(ctx, path, cfg.Keys, logger)
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return openPostgres(ctx, url, cfg.Keys, logger)
	default:
		scheme, _, _ := strings.Cut(url, ":")
		return nil, fmt.Errorf("open store: unsupported database URL scheme %q; use sqlite:///path/to/halobridge.db or postgres://user@host/db", scheme)
	}
}
