package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"halobridge/internal/secret"
)

// openPostgres opens a pgx pool and puts database/sql on top of it, so the
// store's SQL is shared with SQLite while the pool stays available to pgx
// users through PgxPool.
func openPostgres(ctx context.Context, databaseURL string, keys *secret.Keyring, logger *slog.Logger) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	if err := db.PingContext(ctx); err != nil {
		err = errors.Join(fmt.Errorf("open postgres %s@%s/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Database, err), db.Close())
		pool.Close()
		return nil, err
	}
	d := postgresDialect()
	// Up to three ingest transactions at once, leaving the pool at least
	// one connection for everything else.
	d.writers = max(1, min(3, int(cfg.MaxConns)-1))
	return &Store{
		d:      d,
		writer: db,
		reader: db,
		pool:   pool,
		keys:   keys,
		log:    logger,
		now:    time.Now,
	}, nil
}
