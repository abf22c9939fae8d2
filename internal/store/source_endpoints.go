package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"halobridge/internal/source"
)

// SaveSourceEndpoints replaces the endpoints of one customer of a source
// with eps, as the source listed them at listedAt (the store's Now when
// the list was asked for), and returns the ids of the customer's
// endpoints that were kept before and are not in eps (sorted), so that
// the caller can tell what is gone. An endpoint a source pushed a change
// of since listedAt (a DefensX Agent.* webhook arriving while the list was
// read) is left as that change made it: the list is older. An endpoint
// without an id is refused, and so are more than
// source.MaxEndpointsPerCustomer or the same id twice; eps are stored as
// they are: the caller cleans them.
func (s *Store) SaveSourceEndpoints(ctx context.Context, sourceID int64, customerID string, eps []source.Endpoint, listedAt time.Time) (gone []string, err error) {
	if strings.TrimSpace(customerID) == "" {
		return nil, fmt.Errorf("save endpoints of source %d: %w: no customer id", sourceID, ErrInvalid)
	}
	if len(eps) > source.MaxEndpointsPerCustomer {
		return nil, fmt.Errorf("save endpoints of customer %q of source %d: %w: %d endpoints, more than the %d kept per customer",
			customerID, sourceID, ErrInvalid, len(eps), source.MaxEndpointsPerCustomer)
	}
	ids := make(map[string]bool, len(eps))
	for i, e := range eps {
		switch {
		case strings.TrimSpace(e.ID) == "":
			return nil, fmt.Errorf("save endpoints of customer %q of source %d: endpoint %d: %w: no id", customerID, sourceID, i, ErrInvalid)
		case ids[e.ID]:
			return nil, fmt.Errorf("save endpoints of customer %q of source %d: %w: endpoint id %q listed twice", customerID, sourceID, ErrInvalid, e.ID)
		}
		ids[e.ID] = true
	}
	now := s.d.timeArg(s.timestamp())
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		gone = nil
		newer, err := s.endpointsChangedSince(ctx, tx, sourceID, listedAt)
		if err != nil {
			return err
		}
		listed := eps
		if len(newer) > 0 {
			listed = slices.DeleteFunc(slices.Clone(eps), func(e source.Endpoint) bool { return newer[e.ID] })
		}
		rows, err := tx.QueryContext(ctx, "SELECT endpoint_id FROM source_endpoints WHERE source_id = $1 AND customer_id = $2", sourceID, customerID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			if !ids[id] && !newer[id] {
				gone = append(gone, id)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(newer) == 0 {
			if _, err := tx.ExecContext(ctx, "DELETE FROM source_endpoints WHERE source_id = $1 AND customer_id = $2", sourceID, customerID); err != nil {
				return err
			}
		} else {
			// An endpoint a newer change keeps stays as that change left it:
			// only what is gone is deleted, and the listed are written over.
			for _, id := range gone {
				if _, err := tx.ExecContext(ctx, "DELETE FROM source_endpoints WHERE source_id = $1 AND endpoint_id = $2", sourceID, id); err != nil {
					return err
				}
			}
		}
		return s.upsertEndpoints(ctx, tx, sourceID, customerID, listed, now)
	})
	if err != nil {
		return nil, fmt.Errorf("save endpoints of customer %q of source %d: %w", customerID, sourceID, err)
	}
	slices.Sort(gone)
	return gone, nil
}

// endpointsChangedSince are the endpoints of the source whose last pushed
// change was recorded at or after since.
func (s *Store) endpointsChangedSince(ctx context.Context, tx *sql.Tx, sourceID int64, since time.Time) (map[string]bool, error) {
	if since.IsZero() {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT endpoint_id FROM source_endpoint_changes WHERE source_id = $1 AND recorded_at >= $2",
		sourceID, s.d.timeArg(exactTime(since)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	newer := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		newer[id] = true
	}
	return newer, rows.Err()
}

// Now is the store's clock, as it records when things happened: what
// SaveSourceEndpoints compares listedAt with.
func (s *Store) Now() time.Time { return s.timestamp() }

// upsertEndpoints writes eps as endpoints of one customer of a source in
// tx, updated at now; an endpoint kept under another customer of the
// source moves to this one.
func (s *Store) upsertEndpoints(ctx context.Context, tx *sql.Tx, sourceID int64, customerID string, eps []source.Endpoint, now any) error {
	const columns = 12
	for start := 0; start < len(eps); start += rowsPerInsert {
		chunk := eps[start:min(start+rowsPerInsert, len(eps))]
		var q strings.Builder
		q.WriteString("INSERT INTO source_endpoints (source_id, endpoint_id, customer_id, name, label, fqdn, os, ips, macs, managed, last_seen, updated_at) VALUES ")
		args := make([]any, 0, len(chunk)*columns)
		for i, e := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			s.placeholders(&q, i*columns, columns)
			args = append(args, sourceID, e.ID, customerID, e.Name, e.Label, e.FQDN, e.OS,
				addressesJSON(e.IPs), addressesJSON(e.MACs), e.Managed, s.optionalTimeArg(e.LastSeen), now)
		}
		// An endpoint that moved from another customer of the source
		// is now this one's.
		q.WriteString(` ON CONFLICT (source_id, endpoint_id) DO UPDATE SET customer_id = excluded.customer_id, name = excluded.name,
			label = excluded.label, fqdn = excluded.fqdn, os = excluded.os, ips = excluded.ips, macs = excluded.macs,
			managed = excluded.managed, last_seen = excluded.last_seen, updated_at = excluded.updated_at`)
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return mapError(err)
		}
	}
	return nil
}

// addressesJSON is a list of addresses as the ips and macs columns keep
// it: a JSON array, never null.
func addressesJSON(list []string) string {
	if list == nil {
		list = []string{}
	}
	b, _ := json.Marshal(list) // a []string always marshals
	return string(b)
}

// SourceEndpoints reads the endpoints of one customer of a source, by id.
func (s *Store) SourceEndpoints(ctx context.Context, sourceID int64, customerID string) ([]source.Endpoint, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT endpoint_id, customer_id, name, label, fqdn, os, ips, macs, managed, last_seen
		FROM source_endpoints WHERE source_id = $1 AND customer_id = $2 ORDER BY endpoint_id`, sourceID, customerID)
	if err != nil {
		return nil, fmt.Errorf("read endpoints of customer %q of source %d: %w", customerID, sourceID, err)
	}
	defer rows.Close()
	var out []source.Endpoint
	for rows.Next() {
		var e source.Endpoint
		var ips, macs []byte
		if err := rows.Scan(&e.ID, &e.CustomerID, &e.Name, &e.Label, &e.FQDN, &e.OS, &ips, &macs, &e.Managed, timeOrZero{&e.LastSeen}); err != nil {
			return nil, fmt.Errorf("read endpoints of customer %q of source %d: %w", customerID, sourceID, err)
		}
		if err := json.Unmarshal(ips, &e.IPs); err != nil {
			return nil, fmt.Errorf("read endpoints of customer %q of source %d: ips of %q: %w", customerID, sourceID, e.ID, err)
		}
		if err := json.Unmarshal(macs, &e.MACs); err != nil {
			return nil, fmt.Errorf("read endpoints of customer %q of source %d: macs of %q: %w", customerID, sourceID, e.ID, err)
		}
		if len(e.IPs) == 0 {
			e.IPs = nil
		}
		if len(e.MACs) == 0 {
			e.MACs = nil
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read endpoints of customer %q of source %d: %w", customerID, sourceID, err)
	}
	return out, nil
}
