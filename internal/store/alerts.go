package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"halobridge/internal/jsonread"
	"halobridge/internal/source"
)

// InboundBatch is what one pushed request carried, for one source.
type InboundBatch struct {
	PartnerID   int64
	SourceID    int64
	ReceivedAt  time.Time
	Alerts      []source.Alert
	Resolutions []source.Resolution
	// Endpoints are the changes to the source's endpoints that came with
	// the alerts, applied in the same transaction (see EndpointChange).
	Endpoints []source.EndpointChange
	// DedupHorizon is how long after a Timeless alert was received the same
	// EventID is taken for a redelivery of it; it must be positive when an
	// alert is Timeless.
	DedupHorizon time.Duration

	// encoded holds each alert's columns that take work to render, made
	// by Encode before the batch reaches the writer; done says Encode ran.
	encoded []encodedAlert
	done    bool
}

// Items counts what the batch writes: alerts, resolutions and endpoint
// changes.
func (b *InboundBatch) Items() int { return len(b.Alerts) + len(b.Resolutions) + len(b.Endpoints) }

// encodedAlert is an alert's facts as JSON and its raw payload as text.
type encodedAlert struct{ facts, raw string }

// Encode cleans the batch's alerts and resolutions (see source.Alert.Clean),
// so that both engines keep the same rows for them and no text of one event
// can fail the batch it came with, and renders the alerts as they will be
// stored (facts as JSON, the raw payload as text). The work is done by the
// caller, beside the single writer, rather than inside the writer's
// transaction; StoreInbound encodes a batch that was not.
func (b *InboundBatch) Encode() error {
	if b.done {
		return nil
	}
	for i := range b.Resolutions {
		b.Resolutions[i].Clean()
	}
	for i := range b.Endpoints {
		if !b.Endpoints[i].Clean() {
			return fmt.Errorf("endpoint change %d of source %d: %w: it has no endpoint id of at most %d bytes, no customer id or no time",
				i, b.SourceID, ErrInvalid, source.MaxIDBytes)
		}
	}
	encoded := make([]encodedAlert, len(b.Alerts))
	// Every alert's facts and raw payload go into one buffer, turned into
	// one string that each alert takes its parts of: one allocation and
	// copy for the batch, not two per alert. The facts take about as much
	// room as the payload.
	size := 0
	for _, a := range b.Alerts {
		size += 2*len(a.Raw) + 16
	}
	text := make([]byte, 0, size)
	ends := make([]int, 2*len(b.Alerts))
	for i := range b.Alerts {
		a := &b.Alerts[i]
		a.Clean()
		text = jsonread.AppendCanonical(text, a.Facts)
		ends[2*i] = len(text)
		if len(a.Raw) == 0 {
			text = append(text, "null"...)
		} else {
			text = append(text, a.Raw...)
		}
		ends[2*i+1] = len(text)
	}
	all := string(text)
	start := 0
	for i := range b.Alerts {
		encoded[i] = encodedAlert{facts: all[start:ends[2*i]], raw: all[ends[2*i]:ends[2*i+1]]}
		start = ends[2*i+1]
	}
	b.encoded, b.done = encoded, true
	return nil
}

// InboundResult says what StoreInbound kept of one batch.
type InboundResult struct {
	// AlertIDs are the ids of the alerts stored now, in batch order.
	AlertIDs []int64
	// Duplicates counts alerts and resolutions already stored before (a redelivery).
	Duplicates  int
	Resolutions int
	// Endpoints counts the endpoint changes applied; StaleEndpoints those
	// that were not, being older than the last change of their endpoint
	// (a redelivery, or one overtaken);
	// EndpointsOverLimit the new endpoints left out because their customer
	// has source.MaxEndpointsPerCustomer already.
	Endpoints, StaleEndpoints, EndpointsOverLimit int
}

// StoredAlert is an alert as kept. Timeless is not kept: it matters only
// when an alert arrives.
type StoredAlert struct {
	ID         int64
	PartnerID  int64
	SourceID   int64
	ReceivedAt time.Time
	source.Alert
}

// AlertQuery selects alerts, newest last. Zero fields do not filter.
type AlertQuery struct {
	PartnerID   int64
	SourceID    int64
	Fingerprint string
	AfterID     int64
	Limit       int // default 100, at most 1000
}

// rowsPerInsert bounds one multi-row INSERT well under both engines'
// limits on bound parameters.
const rowsPerInsert = 200

// alertInsertColumns counts alertColumns.
var alertInsertColumns = strings.Count(alertColumns, ", ") + 1

const alertColumns = "partner_id, source_id, event_id, source_kind, type, customer_id, severity, host_name, host_ip, user_name, url, facts, fingerprint, test, occurred_at, received_at, raw"

// AlertColumns names the columns of an alert row, in the order of the
// values AlertRows gives.
var AlertColumns = strings.Split(alertColumns, ", ")

// AlertRows returns the rows StoreInbound writes for the batch's alerts,
// each value as this engine binds it, for a benchmark to insert the same
// rows by other means. It encodes the batch first.
func (s *Store) AlertRows(b *InboundBatch) ([][]any, error) {
	if err := b.Encode(); err != nil {
		return nil, err
	}
	rows := make([][]any, len(b.Alerts))
	for i := range b.Alerts {
		rows[i] = s.appendAlertRow(make([]any, 0, alertInsertColumns), b, i)
	}
	return rows, nil
}

// appendAlertRow appends the values of the i-th alert of the encoded batch b, in alertColumns' order.
func (s *Store) appendAlertRow(args []any, b *InboundBatch, i int) []any {
	a, enc := &b.Alerts[i], b.encoded[i]
	return append(args, b.PartnerID, b.SourceID, a.EventID, string(a.Source), a.Type, a.CustomerID, string(a.Severity),
		a.HostName, a.HostIP, a.User, a.URL, enc.facts, a.Fingerprint, a.Test,
		s.d.timeArg(a.OccurredAt), s.d.timeArg(b.ReceivedAt), enc.raw)
}

// StoreInbound stores every batch in one transaction, so that concurrent
// requests share one commit, and skips events already stored for the same
// source: an alert whose EventID was stored before, unless the alert is
// Timeless and the one stored was received at least its batch's
// DedupHorizon earlier. That one then keeps its EventID with "@" and its id
// appended, and the new one is stored. It returns one result per batch,
// once the transaction is durable.
func (s *Store) StoreInbound(ctx context.Context, batches []InboundBatch) ([]InboundResult, error) {
	results, durable, err := s.CommitInbound(ctx, batches)
	if err != nil {
		return nil, err
	}
	if err := durable(); err != nil {
		return nil, fmt.Errorf("store inbound events: %w", err)
	}
	return results, nil
}

// CommitInbound is StoreInbound in two steps: it commits the batches and
// returns their results, and durable, which returns once that commit is on
// disk. On SQLite the commit does not sync: the single writer is free for
// the next transaction at once, and the syncs of commits waiting on
// durable at the same time are shared, so that a storm costs far fewer
// syncs than commits. On PostgreSQL a commit is durable when it returns,
// and durable does nothing. Nothing may be taken for stored, or
// acknowledged, before durable returned nil.
func (s *Store) CommitInbound(ctx context.Context, batches []InboundBatch) ([]InboundResult, func() error, error) {
	alerts := 0
	for _, b := range batches {
		alerts += len(b.Alerts)
	}
	// The rows go in chunks of a few fixed sizes, each size's statement
	// prepared once: parsing a statement of thousands of parameters at
	// every commit would cost the writer a third of its time in a storm.
	// They are prepared before the transaction takes SQLite's only writer
	// connection.
	var inserts *alertInserts
	if alerts > 0 && !s.d.copyFrom {
		var err error
		if inserts, err = s.alertInserts(ctx); err != nil {
			return nil, nil, fmt.Errorf("store inbound events: %w", err)
		}
	}
	results := make([]InboundResult, len(batches))
	// COPY needs the driver's connection beneath the transaction, and
	// SQLite's commit without sync must not lend its setting to another.
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("store inbound events: %w", err)
	}
	durable := func() error { return nil }
	if s.wal != nil {
		var commit uint64
		err = s.commitUnsynced(ctx, conn, func() error {
			err := s.inConnTx(ctx, conn, func(tx *sql.Tx) error {
				return s.insertInbound(ctx, tx, nil, inserts, batches, results)
			})
			if err == nil {
				// Counted while the writer is still held, so that the
				// counts follow the order of the commits.
				commit = s.wal.committed.Add(1)
			}
			return err
		})
		durable = func() error { return s.wal.syncThrough(commit) }
	} else {
		err = s.inConnTx(ctx, conn, func(tx *sql.Tx) error {
			return s.insertInbound(ctx, tx, conn, inserts, batches, results)
		})
	}
	conn.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("store inbound events: %w", err)
	}
	return results, durable, nil
}

// insertInbound writes the batches' alerts and resolutions in tx, applies
// their endpoint changes and sets their results; the companies the alerts name become known customers in
// the same transaction, so that no alert is ever kept whose company cannot
// be mapped.
func (s *Store) insertInbound(ctx context.Context, tx *sql.Tx, conn *sql.Conn, inserts *alertInserts, batches []InboundBatch, results []InboundResult) error {
	for i := range results {
		results[i] = InboundResult{}
	}
	if err := s.insertAlerts(ctx, tx, conn, inserts, batches, results); err != nil {
		return err
	}
	if err := s.notePushedCustomers(ctx, tx, batches); err != nil {
		return err
	}
	if err := s.insertResolutions(ctx, tx, batches, results); err != nil {
		return err
	}
	return s.applyEndpointChanges(ctx, tx, batches, results)
}

type eventKey struct {
	sourceID int64
	eventID  string
}

// alertRef places one alert of one batch.
type alertRef struct{ batch, index int }

// insertAlertsSQL is the SQLite statement that inserts n alerts, skipping
// those already stored.
func (s *Store) insertAlertsSQL(n int) string {
	var q strings.Builder
	q.WriteString("INSERT INTO alerts (" + alertColumns + ") VALUES ")
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		s.placeholders(&q, i*alertInsertColumns, alertInsertColumns)
	}
	q.WriteString(" ON CONFLICT (source_id, event_id) DO NOTHING")
	return q.String()
}

// insertAlerts stores the batches' alerts in tx; inserts, when not nil,
// holds SQLite's statements prepared.
func (s *Store) insertAlerts(ctx context.Context, tx *sql.Tx, conn *sql.Conn, inserts *alertInserts, batches []InboundBatch, results []InboundResult) error {
	seen := map[eventKey]bool{}
	var refs []alertRef
	for b := range batches {
		if err := batches[b].Encode(); err != nil {
			return err
		}
		batch := batches[b]
		results[b].AlertIDs = make([]int64, 0, len(batch.Alerts))
		for i, a := range batch.Alerts {
			k := eventKey{batch.SourceID, a.EventID}
			if a.EventID == "" {
				return fmt.Errorf("alert %d of source %d: %w: no event id", i, batch.SourceID, ErrInvalid)
			}
			if a.Timeless && batch.DedupHorizon <= 0 {
				return fmt.Errorf("alert %d of source %d: %w: a timeless alert needs a positive dedup horizon", i, batch.SourceID, ErrInvalid)
			}
			if seen[k] {
				results[b].Duplicates++
				continue
			}
			seen[k] = true
			refs = append(refs, alertRef{b, i})
		}
	}
	stored := map[eventKey]int64{}
	if err := s.insertAlertRows(ctx, tx, conn, inserts, batches, refs, stored); err != nil {
		return err
	}
	// Only an EventID that was taken costs more: a redelivery, or a repeat
	// of a timeless event whose horizon has passed.
	var taken []alertRef
	for _, r := range refs {
		batch := batches[r.batch]
		if a := batch.Alerts[r.index]; a.Timeless {
			if _, ok := stored[eventKey{batch.SourceID, a.EventID}]; !ok {
				taken = append(taken, r)
			}
		}
	}
	if len(taken) > 0 {
		repeats, err := s.releaseExpired(ctx, tx, batches, taken)
		if err != nil {
			return err
		}
		if err := s.insertAlertRows(ctx, tx, conn, inserts, batches, repeats, stored); err != nil {
			return err
		}
	}
	for _, r := range refs {
		batch := batches[r.batch]
		if id, ok := stored[eventKey{batch.SourceID, batch.Alerts[r.index].EventID}]; ok {
			results[r.batch].AlertIDs = append(results[r.batch].AlertIDs, id)
		} else {
			results[r.batch].Duplicates++
		}
	}
	return nil
}

// insertAlertRows inserts the alerts refs point to, skipping those whose
// EventID is taken, and adds the ids of those it stored to stored: on
// PostgreSQL by COPY on conn, the connection of tx; on SQLite in
// statements of insertChunk's sizes, prepared in inserts when it is not
// nil.
func (s *Store) insertAlertRows(ctx context.Context, tx *sql.Tx, conn *sql.Conn, inserts *alertInserts, batches []InboundBatch, refs []alertRef, stored map[eventKey]int64) error {
	if s.d.copyFrom {
		return s.copyAlertRows(ctx, tx, conn, batches, refs, stored)
	}
	args := make([]any, 0, min(len(refs), rowsPerInsert)*alertInsertColumns)
	for start := 0; start < len(refs); {
		chunk := refs[start : start+insertChunk(len(refs)-start)]
		start += len(chunk)
		args = args[:0]
		for _, r := range chunk {
			args = s.appendAlertRow(args, &batches[r.batch], r.index)
		}
		var stmt *sql.Stmt
		if inserts != nil {
			stmt = tx.StmtContext(ctx, inserts.of(len(chunk)))
		}
		if err := s.execAlertRows(ctx, tx, stmt, batches, chunk, args, stored); err != nil {
			return err
		}
	}
	return nil
}

// insertChunk is how many of n rows still to insert the next statement
// takes: rowsPerInsert, or the largest power of two not above n when
// fewer are left. A commit of any size so needs at most eight statements
// beyond its full ones, each of a size prepared once (alertInserts).
func insertChunk(n int) int {
	if n >= rowsPerInsert {
		return rowsPerInsert
	}
	return 1 << (bits.Len(uint(n)) - 1)
}

// alertInserts holds insertAlertsSQL prepared for each size insertChunk
// gives: rowsPerInsert, and every power of two below it.
type alertInserts struct {
	full   *sql.Stmt
	powers []*sql.Stmt // powers[k] inserts 1<<k rows
}

// of is the statement that inserts n rows, n a size insertChunk gives.
func (a *alertInserts) of(n int) *sql.Stmt {
	if n == rowsPerInsert {
		return a.full
	}
	return a.powers[bits.Len(uint(n))-1]
}

// alertInserts prepares, once, SQLite's statements for every size of
// chunk insertChunk gives.
func (s *Store) alertInserts(ctx context.Context) (*alertInserts, error) {
	s.insertsMu.Lock()
	defer s.insertsMu.Unlock()
	if s.inserts != nil {
		return s.inserts, nil
	}
	a := &alertInserts{}
	var err error
	if a.full, err = s.prepare(ctx, s.insertAlertsSQL(rowsPerInsert)); err != nil {
		return nil, err
	}
	for n := 1; n < rowsPerInsert; n *= 2 {
		stmt, err := s.prepare(ctx, s.insertAlertsSQL(n))
		if err != nil {
			return nil, err
		}
		a.powers = append(a.powers, stmt)
	}
	s.inserts = a
	return a, nil
}

// copyAlertRows inserts the alerts refs point to on PostgreSQL, skipping
// those whose EventID is taken, and adds the ids of those it stored to
// stored. The rows go by COPY, on conn, the connection of tx, into a
// temporary table that each commit empties, and from there into alerts in
// one INSERT that leaves out the redeliveries exactly as a direct one
// would: COPY itself cannot skip a row that is already stored.
func (s *Store) copyAlertRows(ctx context.Context, tx *sql.Tx, conn *sql.Conn, batches []InboundBatch, refs []alertRef, stored map[eventKey]int64) error {
	if len(refs) == 0 {
		return nil
	}
	// A second copy in one transaction, of timeless alerts whose event
	// ids were freed, finds the first's rows there: they go first.
	if _, err := tx.ExecContext(ctx, createAlertsInSQL+"; DELETE FROM alerts_in"); err != nil {
		return fmt.Errorf("insert alerts: %w", err)
	}
	rows := make([][]any, len(refs))
	for i, r := range refs {
		rows[i] = s.appendAlertRow(make([]any, 0, alertInsertColumns), &batches[r.batch], r.index)
	}
	err := conn.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"alerts_in"}, AlertColumns, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return fmt.Errorf("insert alerts: copy: %w", mapError(err))
	}
	// In the order copied (ctid), so that ids follow batch order.
	res, err := tx.QueryContext(ctx, "INSERT INTO alerts ("+alertColumns+") SELECT "+alertColumns+
		" FROM alerts_in ORDER BY ctid ON CONFLICT (source_id, event_id) DO NOTHING RETURNING id, source_id, event_id")
	if err != nil {
		return fmt.Errorf("insert alerts: %w", mapError(err))
	}
	return scanStored(res, stored)
}

// createAlertsInSQL makes, once per connection, the temporary table
// copyAlertRows copies into: alerts' columns without id, emptied at every
// commit.
const createAlertsInSQL = "CREATE TEMPORARY TABLE IF NOT EXISTS alerts_in ON COMMIT DELETE ROWS AS SELECT " + alertColumns + " FROM alerts WITH NO DATA"

// execAlertRows runs insertAlertsSQL for chunk on SQLite, with args its
// rows' values, and adds the ids of the alerts it stored to stored; stmt,
// when not nil, is that statement prepared. SQLite's single writer gives
// the rows one INSERT stores consecutive ids, each the largest plus one, in
// the order of its VALUES, and LastInsertId says the last: when every alert
// was stored their ids follow from it, with no RETURNING to step through
// and scan; otherwise the rows of the ids it stored are read back.
func (s *Store) execAlertRows(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, batches []InboundBatch, chunk []alertRef, args []any, stored map[eventKey]int64) error {
	var res sql.Result
	var err error
	if stmt != nil {
		res, err = stmt.ExecContext(ctx, args...)
	} else {
		res, err = tx.ExecContext(ctx, s.insertAlertsSQL(len(chunk)), args...)
	}
	if err != nil {
		return fmt.Errorf("insert alerts: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("insert alerts: %w", err)
	}
	if n == 0 {
		return nil
	}
	last, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert alerts: %w", err)
	}
	first := last - n + 1
	if n == int64(len(chunk)) {
		for i, r := range chunk {
			b := &batches[r.batch]
			stored[eventKey{b.SourceID, b.Alerts[r.index].EventID}] = first + int64(i)
		}
		return nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, source_id, event_id FROM alerts WHERE id BETWEEN $1 AND $2", first, last)
	if err != nil {
		return fmt.Errorf("insert alerts: read the ids stored: %w", err)
	}
	got := len(stored)
	if err := scanStored(rows, stored); err != nil {
		return err
	}
	if int64(len(stored)-got) != n {
		return fmt.Errorf("insert alerts: %d stored, but ids %d to %d hold %d of them", n, first, last, len(stored)-got)
	}
	return nil
}

// scanStored adds the rows of id, source_id and event_id to stored, and
// closes them.
func scanStored(rows *sql.Rows, stored map[eventKey]int64) error {
	for rows.Next() {
		var id int64
		var k eventKey
		if err := rows.Scan(&id, &k.sourceID, &k.eventID); err != nil {
			rows.Close()
			return fmt.Errorf("insert alerts: %w", err)
		}
		stored[k] = id
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("insert alerts: %w", mapError(err))
	}
	return nil
}

// releaseExpired looks at the stored alerts that hold the EventIDs of the
// timeless alerts taken, and frees each EventID whose horizon has passed by
// the time its new alert was received, renaming the stored alert's. It
// returns the alerts that may now be stored. The renames go in EventID
// order, so that two replicas releasing the same ones on PostgreSQL wait
// for each other instead of deadlocking; the one that waited finds the
// EventID renamed already, and its alert is a redelivery of the other's.
func (s *Store) releaseExpired(ctx context.Context, tx *sql.Tx, batches []InboundBatch, taken []alertRef) ([]alertRef, error) {
	slices.SortFunc(taken, func(x, y alertRef) int {
		a, b := batches[x.batch], batches[y.batch]
		return cmp.Or(cmp.Compare(a.SourceID, b.SourceID), strings.Compare(a.Alerts[x.index].EventID, b.Alerts[y.index].EventID))
	})
	type holder struct {
		id       int64
		received time.Time
	}
	holders := map[eventKey]holder{}
	for start := 0; start < len(taken); {
		// One query per source and chunk: the alerts of a source are together.
		source := batches[taken[start].batch].SourceID
		end := start
		args := []any{source}
		for end < len(taken) && end-start < rowsPerInsert && batches[taken[end].batch].SourceID == source {
			args = append(args, batches[taken[end].batch].Alerts[taken[end].index].EventID)
			end++
		}
		rows, err := tx.QueryContext(ctx, "SELECT id, event_id, received_at FROM alerts WHERE source_id = $1 AND event_id IN "+
			s.inList(1, end-start), args...)
		if err != nil {
			return nil, fmt.Errorf("find the alerts holding timeless event ids: %w", err)
		}
		for rows.Next() {
			var h holder
			var eventID string
			if err := rows.Scan(&h.id, &eventID, timeColumn{&h.received}); err != nil {
				rows.Close()
				return nil, fmt.Errorf("find the alerts holding timeless event ids: %w", err)
			}
			holders[eventKey{source, eventID}] = h
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("find the alerts holding timeless event ids: %w", err)
		}
		start = end
	}
	var free []alertRef
	for _, r := range taken {
		batch := batches[r.batch]
		eventID := batch.Alerts[r.index].EventID
		h, held := holders[eventKey{batch.SourceID, eventID}]
		if !held {
			// Pruned meanwhile: the insert decides.
			free = append(free, r)
			continue
		}
		if batch.ReceivedAt.Before(h.received.Add(batch.DedupHorizon)) {
			continue
		}
		res, err := tx.ExecContext(ctx, "UPDATE alerts SET event_id = event_id || '@' || CAST(id AS TEXT) WHERE id = $1 AND event_id = $2", h.id, eventID)
		if err != nil {
			return nil, fmt.Errorf("free the event id of alert %d: %w", h.id, mapError(err))
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("free the event id of alert %d: %w", h.id, err)
		} else if n == 1 {
			free = append(free, r)
		}
	}
	return free, nil
}

func (s *Store) insertResolutions(ctx context.Context, tx *sql.Tx, batches []InboundBatch, results []InboundResult) error {
	for b, batch := range batches {
		for _, r := range batch.Resolutions {
			if r.EventID == "" {
				return fmt.Errorf("resolution of source %d: %w: no event id", batch.SourceID, ErrInvalid)
			}
			raw := string(r.Raw)
			if raw == "" {
				raw = "null"
			}
			res, err := tx.ExecContext(ctx, `
				INSERT INTO resolutions (partner_id, source_id, event_id, customer_id, fingerprint, reason, resolved_at, received_at, raw)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (source_id, event_id) DO NOTHING`,
				batch.PartnerID, batch.SourceID, r.EventID, r.CustomerID, r.Fingerprint, r.Reason,
				s.d.timeArg(r.ResolvedAt), s.d.timeArg(batch.ReceivedAt), raw)
			if err != nil {
				return fmt.Errorf("insert resolution: %w", mapError(err))
			}
			if n, _ := res.RowsAffected(); n == 1 {
				results[b].Resolutions++
			} else {
				results[b].Duplicates++
			}
		}
	}
	return nil
}

// placeholders writes the n parameters after the first from: "($from+1, …)"
// on PostgreSQL, "(?, …)" on SQLite.
func (s *Store) placeholders(q *strings.Builder, from, n int) {
	q.WriteByte('(')
	for i := 1; i <= n; i++ {
		if i > 1 {
			q.WriteString(", ")
		}
		if !s.d.numberedParams {
			q.WriteByte('?')
			continue
		}
		q.WriteByte('$')
		q.WriteString(strconv.Itoa(from + i))
	}
	q.WriteByte(')')
}

// inList is the parameter list of an IN with n values, the first after
// the statement's first from parameters.
func (s *Store) inList(from, n int) string {
	var b strings.Builder
	s.placeholders(&b, from, n)
	return b.String()
}

func (s *Store) Alerts(ctx context.Context, query AlertQuery) ([]StoredAlert, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if query.PartnerID != 0 {
		add("partner_id = $%d", query.PartnerID)
	}
	if query.SourceID != 0 {
		add("source_id = $%d", query.SourceID)
	}
	if query.Fingerprint != "" {
		add("fingerprint = $%d", query.Fingerprint)
	}
	add("id > $%d", query.AfterID)
	limit := query.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	rows, err := s.reader.QueryContext(ctx, "SELECT id, "+alertColumns+" FROM alerts WHERE "+strings.Join(where, " AND ")+
		" ORDER BY id LIMIT "+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	defer rows.Close()
	var out []StoredAlert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("list alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (s *Store) Alert(ctx context.Context, id int64) (StoredAlert, error) {
	a, err := scanAlert(s.reader.QueryRowContext(ctx, "SELECT id, "+alertColumns+" FROM alerts WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return StoredAlert{}, fmt.Errorf("alert %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return StoredAlert{}, fmt.Errorf("read alert %d: %w", id, err)
	}
	return a, nil
}

// CountAlerts counts the alerts stored for a source.
func (s *Store) CountAlerts(ctx context.Context, sourceID int64) (int, error) {
	var n int
	if err := s.reader.QueryRowContext(ctx, "SELECT count(*) FROM alerts WHERE source_id = $1", sourceID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count alerts of source %d: %w", sourceID, err)
	}
	return n, nil
}

// Resolutions lists what a source resolved, oldest first.
func (s *Store) Resolutions(ctx context.Context, sourceID int64) ([]source.Resolution, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT event_id, customer_id, fingerprint, reason, resolved_at, raw FROM resolutions
		WHERE source_id = $1 ORDER BY id`, sourceID)
	if err != nil {
		return nil, fmt.Errorf("list resolutions of source %d: %w", sourceID, err)
	}
	defer rows.Close()
	var out []source.Resolution
	for rows.Next() {
		var r source.Resolution
		var raw string
		if err := rows.Scan(&r.EventID, &r.CustomerID, &r.Fingerprint, &r.Reason, timeColumn{&r.ResolvedAt}, &raw); err != nil {
			return nil, fmt.Errorf("list resolutions of source %d: %w", sourceID, err)
		}
		r.Raw = json.RawMessage(raw)
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanAlert(row scanner) (StoredAlert, error) {
	var a StoredAlert
	var severity, facts, raw string
	var kind string
	err := row.Scan(&a.ID, &a.PartnerID, &a.SourceID, &a.EventID, &kind, &a.Type, &a.CustomerID, &severity,
		&a.HostName, &a.HostIP, &a.User, &a.URL, &facts, &a.Fingerprint, &a.Test,
		timeColumn{&a.OccurredAt}, timeColumn{&a.ReceivedAt}, &raw)
	if err != nil {
		return StoredAlert{}, err
	}
	a.Source = source.Kind(kind)
	a.Severity = source.Severity(severity)
	a.Raw = json.RawMessage(raw)
	if err := json.Unmarshal([]byte(facts), &a.Facts); err != nil {
		return StoredAlert{}, fmt.Errorf("alert %d facts: %w", a.ID, err)
	}
	return a, nil
}
