package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The kinds of Halo records the catalog caches.
const (
	KindClient           = "client"
	KindSite             = "site"
	KindUser             = "user"
	KindAgent            = "agent"
	KindTeam             = "team"
	KindStatus           = "status"
	KindTicketType       = "ticket_type"
	KindSLA              = "sla"
	KindPriority         = "priority"
	KindCategory         = "category"
	KindOutcome          = "outcome"
	KindRequestSource    = "request_source"
	KindItem             = "item"
	KindRecurringInvoice = "recurring_invoice"
	KindApplication      = "application"
	// KindEndUser holds the users of the clients tickets go to, read only
	// while the ticket policy files tickets on the users alerts name.
	KindEndUser = "end_user"
)

// ValidCatalogKind reports whether kind is one of the Kind constants.
func ValidCatalogKind(kind string) bool {
	switch kind {
	case KindClient, KindSite, KindUser, KindEndUser, KindAgent, KindTeam, KindStatus, KindTicketType, KindSLA, KindPriority,
		KindCategory, KindOutcome, KindRequestSource, KindItem, KindRecurringInvoice, KindApplication:
		return true
	}
	return false
}

// CatalogEntry is one cached Halo record.
type CatalogEntry struct {
	PartnerID int64
	Kind      string
	// HaloID is text because Halo's ids are not all numbers: priorities
	// are uuids and applications strings.
	HaloID string
	Name   string
	// ParentID is the record this one belongs to ("" for none): a site's
	// client, a user's site, a priority's SLA.
	ParentID string
	// Data is the record's JSON as Halo sent it. PostgreSQL may hand it
	// back re-formatted, but always with the same meaning.
	Data json.RawMessage
	// SyncedAt is when the record was last written, or found unchanged by
	// a read of its whole list.
	SyncedAt time.Time
}

// CatalogDiff counts what a ReplaceCatalog or MergeCatalog changed. Updated
// counts records whose name, parent or data changed; the rest of those kept
// are Unchanged, so that Added, Updated and Unchanged add up to the records
// the kind holds after either.
type CatalogDiff struct {
	Added     int
	Updated   int
	Removed   int
	Unchanged int
}

// emptyData stands in for a record stored without its JSON.
const emptyData = "{}"

func checkCatalog(kind string, entries []CatalogEntry) error {
	if !ValidCatalogKind(kind) {
		return fmt.Errorf("catalog kind %q: %w", kind, ErrInvalid)
	}
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if e.HaloID == "" {
			return fmt.Errorf("%s %q: %w: empty Halo id", kind, e.Name, ErrInvalid)
		}
		if seen[e.HaloID] {
			return fmt.Errorf("%s %s: %w: listed twice", kind, e.HaloID, ErrInvalid)
		}
		seen[e.HaloID] = true
		if len(e.Data) > 0 && !json.Valid(e.Data) {
			return fmt.Errorf("%s %s: %w: data is not JSON", kind, e.HaloID, ErrInvalid)
		}
	}
	return nil
}

// CatalogRead says when a kind of a partner's catalog was last read from
// HaloPSA.
type CatalogRead struct {
	// Full is when the last read of the whole list began; zero for never.
	Full time.Time
	// Changes is when the last read began, of the whole list or of the
	// records changed since the read before: the catalog holds every change
	// HaloPSA reported before then.
	Changes time.Time
}

// ReplaceCatalog holds a lock on the partner's row so that two syncs of
// the same partner do not interleave their diffs.
func (s *Store) ReplaceCatalog(ctx context.Context, partnerID int64, kind string, entries []CatalogEntry, syncedAt time.Time) (CatalogDiff, error) {
	return s.writeCatalog(ctx, partnerID, kind, entries, syncedAt, true)
}

// MergeCatalog adds entries to the stored catalog of one kind, or
// writes them over the records with the same Halo ids, removing none,
// in one transaction, and reports what changed. entries are every
// record HaloPSA changed since the kind's last read, read from syncedAt
// on: it records a read of changes then.
func (s *Store) MergeCatalog(ctx context.Context, partnerID int64, kind string, entries []CatalogEntry, syncedAt time.Time) (CatalogDiff, error) {
	return s.writeCatalog(ctx, partnerID, kind, entries, syncedAt, false)
}

// writeCatalog writes a read of one kind, of the whole list or of the
// records changed, with the time of the read, so that the record of reads
// always tells what the stored catalog holds: two syncs writing one after
// the other leave the second's records and the second's time.
func (s *Store) writeCatalog(ctx context.Context, partnerID int64, kind string, entries []CatalogEntry, syncedAt time.Time, whole bool) (CatalogDiff, error) {
	verb := "merge"
	if whole {
		verb = "replace"
	}
	if err := checkCatalog(kind, entries); err != nil {
		return CatalogDiff{}, fmt.Errorf("%s catalog: %w", verb, err)
	}
	var diff CatalogDiff
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockPartner(ctx, tx, partnerID); err != nil {
			return err
		}
		stored, err := storedCatalog(ctx, tx, partnerID, kind)
		if err != nil {
			return err
		}
		synced := s.d.timeArg(syncedAt.UTC().Truncate(time.Microsecond))
		if diff, err = putCatalog(ctx, tx, partnerID, kind, entries, stored, synced); err != nil {
			return err
		}
		full := s.d.timeArg(time.Time{})
		if !whole {
			diff.Unchanged += len(stored)
			_, err = tx.ExecContext(ctx, `INSERT INTO halo_catalog_reads (partner_id, kind, full_at, changes_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (partner_id, kind) DO UPDATE SET changes_at = excluded.changes_at`, partnerID, kind, full, synced)
			if err != nil {
				return fmt.Errorf("record the read of %s changes: %w", kind, err)
			}
			return nil
		}
		for haloID := range stored {
			diff.Removed++
			if _, err := tx.ExecContext(ctx, "DELETE FROM halo_catalog WHERE partner_id = $1 AND kind = $2 AND halo_id = $3",
				partnerID, kind, haloID); err != nil {
				return fmt.Errorf("remove %s %s: %w", kind, haloID, err)
			}
		}
		// Unchanged records were seen in this read too.
		if _, err := tx.ExecContext(ctx, "UPDATE halo_catalog SET synced_at = $3 WHERE partner_id = $1 AND kind = $2",
			partnerID, kind, synced); err != nil {
			return fmt.Errorf("mark %s catalog synced: %w", kind, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO halo_catalog_reads (partner_id, kind, full_at, changes_at) VALUES ($1, $2, $3, $3)
			ON CONFLICT (partner_id, kind) DO UPDATE SET full_at = excluded.full_at, changes_at = excluded.changes_at`, partnerID, kind, synced)
		if err != nil {
			return fmt.Errorf("record the full read of %s: %w", kind, err)
		}
		return nil
	})
	if err != nil {
		return CatalogDiff{}, fmt.Errorf("%s %s catalog of partner %d: %w", verb, kind, partnerID, err)
	}
	return diff, nil
}

// PutCatalogEntry adds one record to the catalog or writes it over the
// record with its Halo id, such as one halobridge just created in
// HaloPSA, without counting as a read of the kind.
func (s *Store) PutCatalogEntry(ctx context.Context, e CatalogEntry) error {
	if err := checkCatalog(e.Kind, []CatalogEntry{e}); err != nil {
		return fmt.Errorf("put catalog entry: %w", err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockPartner(ctx, tx, e.PartnerID); err != nil {
			return err
		}
		stored := map[string]CatalogEntry{}
		old, err := scanCatalogEntry(tx.QueryRowContext(ctx,
			"SELECT "+catalogColumns+" FROM halo_catalog WHERE partner_id = $1 AND kind = $2 AND halo_id = $3", e.PartnerID, e.Kind, e.HaloID))
		switch {
		case err == nil:
			stored[e.HaloID] = old
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("read %s %s: %w", e.Kind, e.HaloID, err)
		}
		_, err = putCatalog(ctx, tx, e.PartnerID, e.Kind, []CatalogEntry{e}, stored, s.d.timeArg(e.SyncedAt.UTC().Truncate(time.Microsecond)))
		return err
	})
	if err != nil {
		return fmt.Errorf("put %s %s of partner %d: %w", e.Kind, e.HaloID, e.PartnerID, err)
	}
	return nil
}

// lockPartner locks the partner's row for the rest of tx, or says there is
// no such partner.
func (s *Store) lockPartner(ctx context.Context, tx *sql.Tx, partnerID int64) error {
	var id int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM partners WHERE id = $1"+s.d.forNoKeyUpdate, partnerID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("partner %d: %w", partnerID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("lock partner %d: %w", partnerID, err)
	}
	return nil
}

// putCatalog adds entries or writes them over the stored records with
// their Halo ids, and takes each one it was given out of stored, which
// leaves there the records entries did not name.
func putCatalog(ctx context.Context, tx *sql.Tx, partnerID int64, kind string, entries []CatalogEntry, stored map[string]CatalogEntry, synced any) (CatalogDiff, error) {
	var diff CatalogDiff
	for _, e := range entries {
		data := string(e.Data)
		if data == "" {
			data = emptyData
		}
		old, ok := stored[e.HaloID]
		delete(stored, e.HaloID)
		var err error
		switch {
		case !ok:
			diff.Added++
			_, err = tx.ExecContext(ctx, `INSERT INTO halo_catalog (partner_id, kind, halo_id, name, parent_id, data, synced_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, partnerID, kind, e.HaloID, e.Name, e.ParentID, data, synced)
		case old.Name != e.Name || old.ParentID != e.ParentID || !sameJSON(old.Data, []byte(data)):
			diff.Updated++
			_, err = tx.ExecContext(ctx, `UPDATE halo_catalog SET name = $4, parent_id = $5, data = $6, synced_at = $7
				WHERE partner_id = $1 AND kind = $2 AND halo_id = $3`, partnerID, kind, e.HaloID, e.Name, e.ParentID, data, synced)
		default:
			diff.Unchanged++
		}
		if err != nil {
			return diff, fmt.Errorf("write %s %s: %w", kind, e.HaloID, err)
		}
	}
	return diff, nil
}

// CatalogReads says when each kind of the partner's catalog was last
// read, by kind; a kind never read is missing.
func (s *Store) CatalogReads(ctx context.Context, partnerID int64) (map[string]CatalogRead, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT kind, full_at, changes_at FROM halo_catalog_reads WHERE partner_id = $1", partnerID)
	if err != nil {
		return nil, fmt.Errorf("read the catalog reads of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	out := map[string]CatalogRead{}
	for rows.Next() {
		var kind string
		var r CatalogRead
		if err := rows.Scan(&kind, timeColumn{&r.Full}, timeColumn{&r.Changes}); err != nil {
			return nil, fmt.Errorf("read the catalog reads of partner %d: %w", partnerID, err)
		}
		if r.Full.IsZero() {
			r.Full = time.Time{} // never, without the location a scan gives
		}
		out[kind] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the catalog reads of partner %d: %w", partnerID, err)
	}
	return out, nil
}

// storedCatalog reads every stored record of one kind, keyed by Halo id.
// It reads them all before writing: PostgreSQL cannot run another
// statement on a connection while a result set is still open.
func storedCatalog(ctx context.Context, tx *sql.Tx, partnerID int64, kind string) (map[string]CatalogEntry, error) {
	rows, err := tx.QueryContext(ctx, "SELECT halo_id, name, parent_id, data FROM halo_catalog WHERE partner_id = $1 AND kind = $2",
		partnerID, kind)
	if err != nil {
		return nil, fmt.Errorf("read %s catalog: %w", kind, err)
	}
	defer rows.Close()
	out := make(map[string]CatalogEntry)
	for rows.Next() {
		var e CatalogEntry
		var data []byte
		if err := rows.Scan(&e.HaloID, &e.Name, &e.ParentID, &data); err != nil {
			return nil, fmt.Errorf("read %s catalog: %w", kind, err)
		}
		e.Data = data
		out[e.HaloID] = e
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s catalog: %w", kind, err)
	}
	return out, nil
}

// sameJSON compares meaning, not text: PostgreSQL's JSONB re-orders keys
// and re-spaces what it stores, so a byte comparison would report every
// record as updated on every sync.
func sameJSON(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	va, errA := decodeJSON(a)
	vb, errB := decodeJSON(b)
	return errA == nil && errB == nil && reflect.DeepEqual(va, vb)
}

// decodeJSON keeps numbers as written so large ids do not lose digits.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

const catalogColumns = "partner_id, kind, halo_id, name, parent_id, data, synced_at"

// Catalog lists one kind of catalog records by name, then Halo id.
func (s *Store) Catalog(ctx context.Context, partnerID int64, kind string) ([]CatalogEntry, error) {
	return s.queryCatalog(ctx, kind, "SELECT "+catalogColumns+" FROM halo_catalog WHERE partner_id = $1 AND kind = $2",
		partnerID, kind)
}

// CatalogChildren lists the records of kind whose parent is parentID,
// e.g. the sites of a client, in Catalog's order.
func (s *Store) CatalogChildren(ctx context.Context, partnerID int64, kind, parentID string) ([]CatalogEntry, error) {
	return s.queryCatalog(ctx, kind, "SELECT "+catalogColumns+" FROM halo_catalog WHERE partner_id = $1 AND kind = $2 AND parent_id = $3",
		partnerID, kind, parentID)
}

func (s *Store) CatalogEntry(ctx context.Context, partnerID int64, kind, haloID string) (CatalogEntry, error) {
	if !ValidCatalogKind(kind) {
		return CatalogEntry{}, fmt.Errorf("catalog kind %q: %w", kind, ErrInvalid)
	}
	e, err := scanCatalogEntry(s.reader.QueryRowContext(ctx,
		"SELECT "+catalogColumns+" FROM halo_catalog WHERE partner_id = $1 AND kind = $2 AND halo_id = $3",
		partnerID, kind, haloID))
	if errors.Is(err, sql.ErrNoRows) {
		return CatalogEntry{}, fmt.Errorf("%s %s of partner %d: %w", kind, haloID, partnerID, ErrNotFound)
	}
	if err != nil {
		return CatalogEntry{}, fmt.Errorf("read %s %s of partner %d: %w", kind, haloID, partnerID, err)
	}
	return e, nil
}

// queryCatalog sorts in Go so both engines give the same order: names
// case-insensitively, then Halo ids as numbers when both are numbers.
func (s *Store) queryCatalog(ctx context.Context, kind, query string, args ...any) ([]CatalogEntry, error) {
	if !ValidCatalogKind(kind) {
		return nil, fmt.Errorf("catalog kind %q: %w", kind, ErrInvalid)
	}
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s catalog: %w", kind, err)
	}
	defer rows.Close()
	var out []CatalogEntry
	for rows.Next() {
		e, err := scanCatalogEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("read %s catalog: %w", kind, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s catalog: %w", kind, err)
	}
	slices.SortFunc(out, func(a, b CatalogEntry) int {
		return cmp.Or(compareNames(a.Name, b.Name), compareHaloIDs(a.HaloID, b.HaloID))
	})
	return out, nil
}

func scanCatalogEntry(row scanner) (CatalogEntry, error) {
	var e CatalogEntry
	var data []byte
	err := row.Scan(&e.PartnerID, &e.Kind, &e.HaloID, &e.Name, &e.ParentID, &data, timeColumn{&e.SyncedAt})
	e.Data = data
	return e, err
}

func compareHaloIDs(a, b string) int {
	na, errA := strconv.ParseInt(a, 10, 64)
	nb, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(na, nb)
	}
	return strings.Compare(a, b)
}
