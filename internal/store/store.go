package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"halobridge/internal/datadir"
	"halobridge/internal/secret"
	"halobridge/internal/source"
)

// Store is everything halobridge keeps. Every implementation passes
// storetest.Run.
type Store interface {
	// Migrate brings the schema up to date. Replicas starting together may
	// all call it: one applies the migrations, the others then find nothing
	// left to do.
	Migrate(ctx context.Context) error
	// Ping reports whether the database answers, for readiness checks.
	Ping(ctx context.Context) error
	Close() error

	// CreatePartner stores a new partner and returns it with its id. An
	// empty Slug is made from the Name.
	CreatePartner(ctx context.Context, p Partner) (Partner, error)
	Partner(ctx context.Context, id int64) (Partner, error)
	PartnerBySlug(ctx context.Context, slug string) (Partner, error)
	// Partners lists every partner by name.
	Partners(ctx context.Context) ([]Partner, error)
	// UpdatePartner changes the name and slug of partner p.ID.
	UpdatePartner(ctx context.Context, p Partner) (Partner, error)
	// DeletePartner removes a partner and everything it owns.
	DeletePartner(ctx context.Context, id int64) error

	// SaveHaloConnection creates or replaces the partner's Halo connection.
	SaveHaloConnection(ctx context.Context, c HaloConnection) (HaloConnection, error)
	HaloConnection(ctx context.Context, partnerID int64) (HaloConnection, error)
	DeleteHaloConnection(ctx context.Context, partnerID int64) error
	// RotateRefreshToken calls fn with the stored refresh token and stores
	// the token fn returns, holding a lock on the connection for the whole
	// call: Halo refresh tokens are single-use, so two processes refreshing
	// at once must not both spend the same one. The second caller gets the
	// token the first stored. fn must not write through the store.
	RotateRefreshToken(ctx context.Context, partnerID int64, fn func(current string) (next string, err error)) error
	// ReencryptSecrets re-seals with the current key every secret sealed
	// with an older one and returns how many it re-sealed.
	ReencryptSecrets(ctx context.Context) (int, error)

	// ReplaceCatalog makes the stored catalog of one kind exactly entries,
	// in one transaction, and reports what changed. entries are the whole
	// HaloPSA list, read from syncedAt on: it records a full read then.
	ReplaceCatalog(ctx context.Context, partnerID int64, kind string, entries []CatalogEntry, syncedAt time.Time) (CatalogDiff, error)
	// MergeCatalog adds entries to the stored catalog of one kind, or
	// writes them over the records with the same Halo ids, removing none,
	// in one transaction, and reports what changed. entries are every
	// record HaloPSA changed since the kind's last read, read from syncedAt
	// on: it records a read of changes then.
	MergeCatalog(ctx context.Context, partnerID int64, kind string, entries []CatalogEntry, syncedAt time.Time) (CatalogDiff, error)
	// PutCatalogEntry adds one record to the catalog or writes it over the
	// record with its Halo id, such as one halobridge just created in
	// HaloPSA, without counting as a read of the kind.
	PutCatalogEntry(ctx context.Context, e CatalogEntry) error
	// CatalogReads says when each kind of the partner's catalog was last
	// read, by kind; a kind never read is missing.
	CatalogReads(ctx context.Context, partnerID int64) (map[string]CatalogRead, error)
	// Catalog lists one kind of catalog records by name, then Halo id.
	Catalog(ctx context.Context, partnerID int64, kind string) ([]CatalogEntry, error)
	CatalogEntry(ctx context.Context, partnerID int64, kind, haloID string) (CatalogEntry, error)
	// CatalogChildren lists the records of kind whose parent is parentID,
	// e.g. the sites of a client, in Catalog's order.
	CatalogChildren(ctx context.Context, partnerID int64, kind, parentID string) ([]CatalogEntry, error)

	// CreateSource stores a new source, with a fresh random Token when none is given.
	CreateSource(ctx context.Context, src Source) (Source, error)
	// UpdateSource changes a source's name, credentials and settings.
	UpdateSource(ctx context.Context, src Source) (Source, error)
	Source(ctx context.Context, id int64) (Source, error)
	// SourceByToken finds the source a pushed request is addressed to.
	SourceByToken(ctx context.Context, token string) (Source, error)
	// Sources lists a partner's sources.
	Sources(ctx context.Context, partnerID int64) ([]Source, error)
	// DeleteSource removes a source with everything it owns and reports
	// what went and which HaloPSA tickets stay.
	DeleteSource(ctx context.Context, id int64) (SourceRemoval, error)
	// SourceCursor and SaveSourceCursor keep where a poller stopped, per scope.
	SourceCursor(ctx context.Context, sourceID int64, scope string) (json.RawMessage, error)
	SaveSourceCursor(ctx context.Context, sourceID int64, scope string, cursor json.RawMessage) error

	// StoreInbound stores what pushed requests carried, all batches in one
	// transaction, skipping events a source delivered before.
	StoreInbound(ctx context.Context, batches []InboundBatch) ([]InboundResult, error)
	Alerts(ctx context.Context, q AlertQuery) ([]StoredAlert, error)
	Alert(ctx context.Context, id int64) (StoredAlert, error)
	CountAlerts(ctx context.Context, sourceID int64) (int, error)
	Resolutions(ctx context.Context, sourceID int64) ([]source.Resolution, error)

	// SaveSourceCustomers upserts a source's customers; replace removes the others.
	SaveSourceCustomers(ctx context.Context, sourceID int64, customers []source.Customer, replace bool) error
	SourceCustomers(ctx context.Context, sourceID int64) ([]source.Customer, error)
	// SaveUsage upserts usage; a non-nil replace first clears that month.
	SaveUsage(ctx context.Context, sourceID int64, usage []source.Usage, replace *source.Month) error
	Usage(ctx context.Context, sourceID int64, month source.Month) ([]source.Usage, error)

	// Each area below declares its methods in its own file.
	HaloBudgetStore
	SyncRunStore
	MappingStore
	RejectionStore
	TicketStore
	AccountStore
	BillingStore
	SetupStore
	RetentionStore
}

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
func Open(ctx context.Context, cfg Config) (Store, error) {
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
