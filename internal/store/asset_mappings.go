package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The states of an asset mapping.
const (
	AssetSuggested = "suggested" // the smart match found one asset
	AssetAmbiguous = "ambiguous" // it found several: Candidates, for a person
	AssetConfirmed = "confirmed" // a person accepted it; syncs never touch it
)

// Bounds of asset mappings.
const (
	// MaxAssetMappingsPerSave bounds the rows of one customer's
	// suggestions, and the keys of one bulk accept.
	MaxAssetMappingsPerSave = 20_000
	// MaxAssetCandidates are the candidates an ambiguous row keeps, the
	// lowest asset ids first: a person does not choose among more.
	MaxAssetCandidates = 50
	// maxAssetText bounds ids, names and values, in bytes.
	maxAssetText = 255
	// maxAssetSettings bounds the smart-match settings' JSON.
	maxAssetSettings = 64 << 10
)

// AssetKey names one endpoint of a source.
type AssetKey struct {
	SourceID   int64
	EndpointID string
}

// AssetMapping links an endpoint of a source's customer to a HaloPSA asset
// of the client that customer is mapped to. AssetID is 0 for none (an
// ambiguous row); Rule is the index of the smart-match rule that found it,
// Value the endpoint's value that matched.
type AssetMapping struct {
	SourceID     int64
	CustomerID   string
	EndpointID   string
	EndpointName string
	ClientID     int
	AssetID      int
	State        string
	Rule         int
	Value        string
	Candidates   []int
	UpdatedAt    time.Time
}

// AssetMappingQuery filters AssetMappings; zero fields do not filter.
type AssetMappingQuery struct {
	SourceID   int64
	CustomerID string
	ClientID   int
	State      string
	// Search finds endpoint names that contain it, without case.
	Search string
	Limit  int // default 100, at most 1000
	Offset int
}

const assetMappingColumns = "source_id, customer_id, endpoint_id, endpoint_name, client_id, asset_id, state, rule, value, candidates, updated_at"

func scanAssetMapping(row scanner) (AssetMapping, error) {
	var m AssetMapping
	var candidates string
	if err := row.Scan(&m.SourceID, &m.CustomerID, &m.EndpointID, &m.EndpointName, &m.ClientID, &m.AssetID, &m.State, &m.Rule,
		&m.Value, &candidates, timeColumn{&m.UpdatedAt}); err != nil {
		return AssetMapping{}, err
	}
	if err := json.Unmarshal([]byte(candidates), &m.Candidates); err != nil {
		return AssetMapping{}, fmt.Errorf("candidates of endpoint %q: %w", m.EndpointID, err)
	}
	return m, nil
}

// checkAssetText refuses an empty (when required) or overlong text.
func checkAssetText(what, v string, required bool) error {
	switch {
	case required && strings.TrimSpace(v) == "":
		return fmt.Errorf("%w: no %s", ErrInvalid, what)
	case len(v) > maxAssetText:
		return fmt.Errorf("%w: %s of %d bytes, more than %d", ErrInvalid, what, len(v), maxAssetText)
	case !utf8.ValidString(v):
		return fmt.Errorf("%w: %s is not UTF-8 text", ErrInvalid, what)
	}
	return nil
}

// checkAssetRow checks a row's own values: ids, texts, and that its state
// and asset agree.
func checkAssetRow(m AssetMapping) error {
	err := errors.Join(checkAssetText("endpoint id", m.EndpointID, true), checkAssetText("endpoint name", m.EndpointName, false),
		checkAssetText("matched value", m.Value, false))
	if err != nil {
		return err
	}
	if m.Rule < -1 || m.Rule > 100 {
		return fmt.Errorf("%w: rule %d is not a smart-match rule's index (-1 for none)", ErrInvalid, m.Rule)
	}
	for _, id := range m.Candidates {
		if id <= 0 {
			return fmt.Errorf("%w: candidate asset id %d", ErrInvalid, id)
		}
	}
	switch m.State {
	case AssetSuggested, AssetConfirmed:
		if m.AssetID <= 0 {
			return fmt.Errorf("%w: a %s mapping needs a HaloPSA asset id, not %d", ErrInvalid, m.State, m.AssetID)
		}
	case AssetAmbiguous:
		if m.AssetID != 0 || len(m.Candidates) == 0 {
			return fmt.Errorf("%w: an ambiguous mapping has candidates and no asset (asset %d, %d candidates)", ErrInvalid, m.AssetID, len(m.Candidates))
		}
	default:
		return fmt.Errorf("%w: state %q: use %s, %s or %s", ErrInvalid, m.State, AssetSuggested, AssetAmbiguous, AssetConfirmed)
	}
	return nil
}

// candidatesJSON writes the first MaxAssetCandidates candidates.
func candidatesJSON(ids []int) string {
	if ids == nil {
		ids = []int{}
	}
	raw, _ := json.Marshal(ids[:min(len(ids), MaxAssetCandidates)]) // ints always encode
	return string(raw)
}

// sourceOfPartner reports ErrNotFound unless the source is the partner's.
func sourceOfPartner(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, partnerID, sourceID int64) error {
	var id int64
	err := q.QueryRowContext(ctx, "SELECT id FROM sources WHERE id = $1 AND partner_id = $2", sourceID, partnerID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("source %d of partner %d: %w", sourceID, partnerID, ErrNotFound)
	}
	return err
}

const assetMappingInsertColumns = "partner_id, source_id, customer_id, endpoint_id, endpoint_name, endpoint_name_key, client_id, asset_id, state, rule, value, candidates, updated_at"

// assetMappingInsertCount counts assetMappingInsertColumns.
var assetMappingInsertCount = strings.Count(assetMappingInsertColumns, ", ") + 1

// assetMappingUpsert writes a row over the endpoint's row.
const assetMappingUpsert = `ON CONFLICT (partner_id, source_id, endpoint_id) DO UPDATE SET customer_id = excluded.customer_id,
	endpoint_name = excluded.endpoint_name, endpoint_name_key = excluded.endpoint_name_key, client_id = excluded.client_id,
	asset_id = excluded.asset_id, state = excluded.state, rule = excluded.rule, value = excluded.value,
	candidates = excluded.candidates, updated_at = excluded.updated_at`

// SaveAssetSuggestions replaces the suggested and ambiguous rows of one
// customer of a source with rows, the smart match's latest result for the
// customer's endpoints and the assets of clientID. A confirmed row is never
// touched: a row for its endpoint is skipped. Each row's SourceID,
// CustomerID and ClientID are those given here.
func (s *Store) SaveAssetSuggestions(ctx context.Context, partnerID, sourceID int64, customerID string, clientID int, rows []AssetMapping) error {
	what := fmt.Sprintf("save asset suggestions of customer %q of source %d", customerID, sourceID)
	if err := checkAssetText("customer id", customerID, true); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if partnerID <= 0 || sourceID <= 0 || clientID <= 0 {
		return fmt.Errorf("%s: %w: partner %d, source %d and HaloPSA client %d must be ids", what, ErrInvalid, partnerID, sourceID, clientID)
	}
	if len(rows) > MaxAssetMappingsPerSave {
		return fmt.Errorf("%s: %w: %d rows, more than the %d of one save", what, ErrInvalid, len(rows), MaxAssetMappingsPerSave)
	}
	seen := make(map[string]bool, len(rows))
	for i, m := range rows {
		if m.State == AssetConfirmed {
			return fmt.Errorf("%s: row %d: %w: a suggestion cannot be saved confirmed; confirm it with ConfirmAssetMappings or SetAssetMapping", what, i, ErrInvalid)
		}
		if err := checkAssetRow(m); err != nil {
			return fmt.Errorf("%s: row %d: %w", what, i, err)
		}
		if seen[m.EndpointID] {
			return fmt.Errorf("%s: row %d: %w: endpoint %q listed twice", what, i, ErrInvalid, m.EndpointID)
		}
		seen[m.EndpointID] = true
	}
	now := s.d.timeArg(s.timestamp())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := sourceOfPartner(ctx, tx, partnerID, sourceID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM asset_mappings WHERE partner_id = $1 AND source_id = $2 AND customer_id = $3 AND state <> 'confirmed'",
			partnerID, sourceID, customerID); err != nil {
			return err
		}
		for start := 0; start < len(rows); start += rowsPerInsert {
			chunk := rows[start:min(start+rowsPerInsert, len(rows))]
			var q strings.Builder
			q.WriteString("INSERT INTO asset_mappings (" + assetMappingInsertColumns + ") VALUES ")
			args := make([]any, 0, len(chunk)*assetMappingInsertCount)
			for i, m := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				s.placeholders(&q, len(args), assetMappingInsertCount)
				args = append(args, partnerID, sourceID, customerID, m.EndpointID, m.EndpointName, strings.ToLower(m.EndpointName),
					clientID, m.AssetID, m.State, m.Rule, m.Value, candidatesJSON(m.Candidates), now)
			}
			// An endpoint that moved from another customer takes its new
			// suggestion; a confirmed one keeps its mapping.
			q.WriteString(assetMappingUpsert + " WHERE asset_mappings.state <> 'confirmed'")
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return mapError(err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// AssetMappings lists a partner's asset mappings that q selects, ordered
// by endpoint name without case, one page of them, and how many q selects
// in all.
func (s *Store) AssetMappings(ctx context.Context, partnerID int64, q AssetMappingQuery) ([]AssetMapping, int, error) {
	what := fmt.Sprintf("list asset mappings of partner %d", partnerID)
	where := []string{"partner_id = $1"}
	args := []any{partnerID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.SourceID != 0 {
		add("source_id = $%d", q.SourceID)
	}
	if q.CustomerID != "" {
		add("customer_id = $%d", q.CustomerID)
	}
	if q.ClientID != 0 {
		add("client_id = $%d", q.ClientID)
	}
	switch q.State {
	case "":
	case AssetSuggested, AssetAmbiguous, AssetConfirmed:
		add("state = $%d", q.State)
	default:
		return nil, 0, fmt.Errorf("%s: %w: state %q: use %s, %s or %s", what, ErrInvalid, q.State, AssetSuggested, AssetAmbiguous, AssetConfirmed)
	}
	if search := strings.TrimSpace(q.Search); search != "" {
		if err := checkAssetText("search", search, false); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", what, err)
		}
		add(`endpoint_name_key LIKE $%d ESCAPE '\'`, "%"+likeEscaper.Replace(strings.ToLower(search))+"%")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	if q.Offset < 0 || q.Offset > 10_000_000 {
		return nil, 0, fmt.Errorf("%s: %w: offset %d", what, ErrInvalid, q.Offset)
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := s.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM asset_mappings WHERE "+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", what, err)
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT "+assetMappingColumns+" FROM asset_mappings WHERE "+cond+
		fmt.Sprintf(" ORDER BY endpoint_name_key, source_id, endpoint_id LIMIT %d OFFSET %d", limit, q.Offset), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []AssetMapping
	for rows.Next() {
		m, err := scanAssetMapping(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", what, err)
	}
	return out, total, nil
}

// ConfirmAssetMappings accepts the suggestions of keys in bulk, and reports
// how many it confirmed. A key whose row is not a suggestion (ambiguous,
// confirmed already, or gone), or whose asset is confirmed to another
// endpoint by now, is left as it is.
func (s *Store) ConfirmAssetMappings(ctx context.Context, partnerID int64, keys []AssetKey) (int, error) {
	what := fmt.Sprintf("confirm asset suggestions of partner %d", partnerID)
	if len(keys) > MaxAssetMappingsPerSave {
		return 0, fmt.Errorf("%s: %w: %d endpoints, more than the %d of one accept", what, ErrInvalid, len(keys), MaxAssetMappingsPerSave)
	}
	for i, k := range keys {
		if k.SourceID <= 0 {
			return 0, fmt.Errorf("%s: key %d: %w: source %d", what, i, ErrInvalid, k.SourceID)
		}
		if err := checkAssetText("endpoint id", k.EndpointID, true); err != nil {
			return 0, fmt.Errorf("%s: key %d: %w", what, i, err)
		}
	}
	now := s.d.timeArg(s.timestamp())
	confirmed := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			res, err := tx.ExecContext(ctx, `UPDATE asset_mappings SET state = 'confirmed', candidates = '[]', updated_at = $4
				WHERE partner_id = $1 AND source_id = $2 AND endpoint_id = $3 AND state = 'suggested'
					AND NOT EXISTS (SELECT 1 FROM asset_mappings held WHERE held.partner_id = $1
						AND held.asset_id = asset_mappings.asset_id AND held.state = 'confirmed')`,
				partnerID, k.SourceID, k.EndpointID, now)
			if err != nil {
				return mapError(err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			confirmed += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return confirmed, nil
}

// SetAssetMapping records that a person mapped an endpoint to an asset by
// hand: m is saved confirmed, over whatever the endpoint had. An asset
// confirmed to another endpoint of the partner is refused with ErrConflict,
// naming that endpoint.
func (s *Store) SetAssetMapping(ctx context.Context, partnerID int64, m AssetMapping) error {
	what := fmt.Sprintf("map endpoint %q of source %d to HaloPSA asset %d", m.EndpointID, m.SourceID, m.AssetID)
	m.State, m.Candidates = AssetConfirmed, nil
	if err := errors.Join(checkAssetRow(m), checkAssetText("customer id", m.CustomerID, true)); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if partnerID <= 0 || m.SourceID <= 0 || m.ClientID <= 0 {
		return fmt.Errorf("%s: %w: partner %d, source %d and HaloPSA client %d must be ids", what, ErrInvalid, partnerID, m.SourceID, m.ClientID)
	}
	now := s.d.timeArg(s.timestamp())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := sourceOfPartner(ctx, tx, partnerID, m.SourceID); err != nil {
			return err
		}
		var holder AssetKey
		var holderName string
		err := tx.QueryRowContext(ctx, `SELECT source_id, endpoint_id, endpoint_name FROM asset_mappings
			WHERE partner_id = $1 AND asset_id = $2 AND state = 'confirmed' AND NOT (source_id = $3 AND endpoint_id = $4)`,
			partnerID, m.AssetID, m.SourceID, m.EndpointID).Scan(&holder.SourceID, &holder.EndpointID, &holderName)
		if err == nil {
			return fmt.Errorf("%w: the asset is already mapped to endpoint %q (id %s) of source %d: unmap it there first",
				ErrConflict, holderName, holder.EndpointID, holder.SourceID)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO asset_mappings ("+assetMappingInsertColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'confirmed', $9, $10, '[]', $11) `+assetMappingUpsert,
			partnerID, m.SourceID, m.CustomerID, m.EndpointID, m.EndpointName, strings.ToLower(m.EndpointName), m.ClientID, m.AssetID,
			m.Rule, m.Value, now)
		return mapError(err)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// DeleteAssetMapping forgets an endpoint's mapping, confirmed or not; the
// next sync suggests again.
func (s *Store) DeleteAssetMapping(ctx context.Context, partnerID int64, key AssetKey) error {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM asset_mappings WHERE partner_id = $1 AND source_id = $2 AND endpoint_id = $3",
		partnerID, key.SourceID, key.EndpointID)
	what := fmt.Sprintf("delete the asset mapping of endpoint %q of source %d", key.EndpointID, key.SourceID)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return requireRow(res, what)
}

// AssetOfEndpoint finds the confirmed mapping of an alert's endpoint: by
// its id when the alert gives one, else by its host name without case
// among the endpoints of the customer (of any customer when customerID is
// empty). ErrNotFound when there is none, or when several endpoints have
// that name: a ticket names no asset rather than a wrong one.
func (s *Store) AssetOfEndpoint(ctx context.Context, partnerID, sourceID int64, customerID, endpointID, hostName string) (AssetMapping, error) {
	query := "SELECT " + assetMappingColumns + " FROM asset_mappings WHERE partner_id = $1 AND source_id = $2 AND state = 'confirmed' AND "
	args := []any{partnerID, sourceID}
	what := fmt.Sprintf("asset of endpoint %q of source %d", endpointID, sourceID)
	switch name := strings.TrimSpace(hostName); {
	case endpointID != "":
		query += "endpoint_id = $3"
		args = append(args, endpointID)
	case name != "":
		what = fmt.Sprintf("asset of host %q of source %d", name, sourceID)
		query += "endpoint_name_key = $3"
		args = append(args, strings.ToLower(name))
		if customerID != "" {
			query += " AND customer_id = $4"
			args = append(args, customerID)
		}
	default:
		return AssetMapping{}, fmt.Errorf("asset of an endpoint of source %d: %w: the alert names no endpoint", sourceID, ErrNotFound)
	}
	rows, err := s.reader.QueryContext(ctx, query+" LIMIT 2", args...)
	if err != nil {
		return AssetMapping{}, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var found []AssetMapping
	for rows.Next() {
		m, err := scanAssetMapping(rows)
		if err != nil {
			return AssetMapping{}, fmt.Errorf("%s: %w", what, err)
		}
		found = append(found, m)
	}
	if err := rows.Err(); err != nil {
		return AssetMapping{}, fmt.Errorf("%s: %w", what, err)
	}
	switch len(found) {
	case 0:
		return AssetMapping{}, fmt.Errorf("%s: %w: no confirmed mapping", what, ErrNotFound)
	case 1:
		return found[0], nil
	}
	return AssetMapping{}, fmt.Errorf("%s: %w: several endpoints have that name", what, ErrNotFound)
}

// AssetMatchSettings reads the partner's smart-match settings as saved;
// ErrNotFound when the partner kept the defaults.
func (s *Store) AssetMatchSettings(ctx context.Context, partnerID int64) (json.RawMessage, error) {
	var raw string
	err := s.reader.QueryRowContext(ctx, "SELECT settings FROM asset_match_settings WHERE partner_id = $1", partnerID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("asset match settings of partner %d: %w", partnerID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read asset match settings of partner %d: %w", partnerID, err)
	}
	return json.RawMessage(raw), nil
}

// SaveAssetMatchSettings keeps the partner's smart-match settings, JSON
// the caller validated (assetmatch.Settings).
func (s *Store) SaveAssetMatchSettings(ctx context.Context, partnerID int64, settings json.RawMessage) error {
	what := fmt.Sprintf("save asset match settings of partner %d", partnerID)
	if len(settings) > maxAssetSettings || !json.Valid(settings) {
		return fmt.Errorf("%s: %w: %d bytes that are not JSON or more than %d", what, ErrInvalid, len(settings), maxAssetSettings)
	}
	_, err := s.writer.ExecContext(ctx, `INSERT INTO asset_match_settings (partner_id, settings, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (partner_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
		partnerID, string(settings), s.d.timeArg(s.timestamp()))
	if err != nil {
		return fmt.Errorf("%s: %w", what, mapError(err))
	}
	return nil
}
