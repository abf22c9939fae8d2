package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"halobridge/internal/jsonread"
)

// pushedCustomer is a company that alerts of one transaction name, with
// the name an event of it gave ("" for none).
type pushedCustomer struct {
	sourceID   int64
	customerID string
	name       string
}

// pushedCustomers lists the distinct companies the batches' alerts name,
// by source and id. Test events are left out: they prove the delivery path
// with made-up data, not that a company exists.
func pushedCustomers(batches []InboundBatch) []pushedCustomer {
	at := map[customerRef]int{}
	var out []pushedCustomer
	for _, b := range batches {
		for i := range b.Alerts {
			a := &b.Alerts[i]
			if a.CustomerID == "" || a.Test {
				continue
			}
			k := customerRef{b.SourceID, a.CustomerID}
			j, ok := at[k]
			if !ok {
				at[k] = len(out)
				out = append(out, pushedCustomer{sourceID: b.SourceID, customerID: a.CustomerID, name: a.CustomerName()})
				continue
			}
			if out[j].name == "" {
				out[j].name = a.CustomerName()
			}
		}
	}
	// The same order in every transaction, so that two committers adding
	// the same companies on PostgreSQL wait for each other, never deadlock.
	slices.SortFunc(out, func(x, y pushedCustomer) int {
		return cmp.Or(cmp.Compare(x.sourceID, y.sourceID), strings.Compare(x.customerID, y.customerID))
	})
	return out
}

type customerRef struct {
	sourceID   int64
	customerID string
}

// knownCustomer is what the store holds of a company an alert names.
type knownCustomer struct {
	name       string
	seenInPush bool
}

// notePushedCustomers makes every company the batches' alerts name a known
// customer of its source, in the ingest transaction tx: a company the
// source's customer list does not hold is added at once, marked
// seen_in_push, with the name its events gave; a company known only from
// pushes takes a new name an event gives. Its cost is one read per 200
// distinct companies of the transaction, whatever the number of alerts,
// and writes only for what is new: a storm of known companies' alerts
// writes nothing here, and takes no lock another committer would wait on.
func (s *Store) notePushedCustomers(ctx context.Context, tx *sql.Tx, batches []InboundBatch) error {
	seen := pushedCustomers(batches)
	if len(seen) == 0 {
		return nil
	}
	known, err := s.knownCustomers(ctx, tx, seen)
	if err != nil {
		return err
	}
	now := s.d.timeArg(s.timestamp())
	var added []pushedCustomer
	for _, c := range seen {
		k, ok := known[customerRef{c.sourceID, c.customerID}]
		switch {
		case !ok:
			added = append(added, c)
		case k.seenInPush && c.name != "" && c.name != k.name:
			_, err := tx.ExecContext(ctx, "UPDATE source_customers SET name = $1, updated_at = $2 WHERE source_id = $3 AND customer_id = $4 AND seen_in_push",
				c.name, now, c.sourceID, c.customerID)
			if err != nil {
				return fmt.Errorf("rename company %q seen in a push: %w", c.customerID, mapError(err))
			}
		}
	}
	const columns = 8
	for start := 0; start < len(added); start += rowsPerInsert {
		chunk := added[start:min(start+rowsPerInsert, len(added))]
		var q strings.Builder
		q.WriteString("INSERT INTO source_customers (source_id, customer_id, name, parent_id, domain, reseller, seen_in_push, updated_at) VALUES ")
		args := make([]any, 0, len(chunk)*columns)
		for i, c := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			s.placeholders(&q, i*columns, columns)
			args = append(args, c.sourceID, c.customerID, c.name, "", "", false, true, now)
		}
		// A sync or another committer may have added it meanwhile: theirs stands.
		q.WriteString(" ON CONFLICT (source_id, customer_id) DO NOTHING")
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("add the companies first seen in a push: %w", mapError(err))
		}
	}
	return nil
}

// knownCustomers reads what the store holds of the companies seen.
func (s *Store) knownCustomers(ctx context.Context, tx *sql.Tx, seen []pushedCustomer) (map[customerRef]knownCustomer, error) {
	out := map[customerRef]knownCustomer{}
	for start := 0; start < len(seen); start += rowsPerInsert {
		chunk := seen[start:min(start+rowsPerInsert, len(seen))]
		// Sources and ids apart, not as pairs, which the engines write
		// differently: the few rows of other pairs that match are ignored.
		var sources []any
		for i, c := range chunk {
			if i == 0 || c.sourceID != chunk[i-1].sourceID {
				sources = append(sources, c.sourceID)
			}
		}
		args := sources
		for _, c := range chunk {
			args = append(args, c.customerID)
		}
		rows, err := tx.QueryContext(ctx, "SELECT source_id, customer_id, name, seen_in_push FROM source_customers WHERE source_id IN "+
			s.inList(0, len(sources))+" AND customer_id IN "+s.inList(len(sources), len(chunk)), args...)
		if err != nil {
			return nil, fmt.Errorf("read the companies alerts name: %w", err)
		}
		for rows.Next() {
			var k customerRef
			var c knownCustomer
			if err := rows.Scan(&k.sourceID, &k.customerID, &c.name, &c.seenInPush); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read the companies alerts name: %w", err)
			}
			out[k] = c
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("read the companies alerts name: %w", err)
		}
	}
	return out, nil
}

// EndpointQuery looks for the companies an endpoint is known to belong to
// from the other alerts of its source.
type EndpointQuery struct {
	PartnerID int64
	SourceID  int64
	// Facts are the facts that hold the endpoint's id at its source, by
	// name: an alert with any of them equal is of the same endpoint.
	Facts map[string]string
	// HostName, when no alert matches by id, matches alerts by host name,
	// ignoring case.
	HostName string
}

// EndpointLookback is how many of a partner's latest alerts EndpointCompanies
// looks through: enough for an endpoint that reports at all, and a bound
// on the cost of an alert that names no company.
const EndpointLookback = 50000

// EndpointCompanies lists the companies (customer ids) the query's endpoint
// is known to belong to: from the alerts of the endpoint among the
// partner's latest EndpointLookback alerts, test events left out, and from
// the endpoints its source listed (source_endpoints): at most two of each,
// which is enough to tell one company from several. It matches by id
// first, then by name: an alert's host name, an endpoint's name, its FQDN,
// or its FQDN's first label, ignoring case.
func (s *Store) EndpointCompanies(ctx context.Context, q EndpointQuery) ([]string, error) {
	var last int64
	if err := s.reader.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM alerts WHERE partner_id = $1", q.PartnerID).Scan(&last); err != nil {
		return nil, fmt.Errorf("find the company of an endpoint: %w", err)
	}
	base := "SELECT DISTINCT customer_id FROM alerts WHERE partner_id = $1 AND id > $2 AND source_id = $3 AND customer_id <> '' AND NOT test AND "
	listed := "SELECT DISTINCT customer_id FROM source_endpoints WHERE source_id = $1 AND "
	type try struct {
		query string
		args  []any
	}
	var byID, byName []try
	args := []any{q.PartnerID, last - EndpointLookback, q.SourceID}
	var conds, values []string
	for _, name := range slices.Sorted(maps.Keys(q.Facts)) {
		if q.Facts[name] == "" {
			continue
		}
		// Facts are kept as compact JSON with sorted keys, so that a fact
		// is always written the same way.
		pair := string(jsonread.AppendCanonical(nil, map[string]string{name: q.Facts[name]}))
		args = append(args, "%"+likeEscaper.Replace(strings.TrimSuffix(strings.TrimPrefix(pair, "{"), "}"))+"%")
		conds = append(conds, fmt.Sprintf(`facts LIKE $%d ESCAPE '\'`, len(args)))
		if !slices.Contains(values, q.Facts[name]) {
			values = append(values, q.Facts[name])
		}
	}
	if len(conds) > 0 {
		byID = append(byID, try{base + "(" + strings.Join(conds, " OR ") + ")", args})
		in, idArgs := inList([]any{q.SourceID}, values)
		byID = append(byID, try{listed + "endpoint_id IN (" + in + ")", idArgs})
	}
	if name := strings.ToLower(strings.TrimSpace(q.HostName)); name != "" {
		byName = append(byName, try{base + "lower(host_name) = $4", []any{q.PartnerID, last - EndpointLookback, q.SourceID, name}})
		// A host name is the device's name or FQDN; a short one is also
		// the first label of an FQDN the source lists.
		first, _, _ := strings.Cut(name, ".")
		byName = append(byName, try{listed + "(lower(name) = $2 OR lower(name) = $3 OR lower(fqdn) = $2 OR lower(fqdn) LIKE $4 ESCAPE '\\')",
			[]any{q.SourceID, name, first, likeEscaper.Replace(name) + ".%"}})
	}
	for _, tries := range [][]try{byID, byName} {
		var found []string
		for _, t := range tries {
			ids, err := s.companies(ctx, t.query+" LIMIT 2", t.args)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				if !slices.Contains(found, id) {
					found = append(found, id)
				}
			}
		}
		if len(found) > 0 {
			slices.Sort(found)
			return found, nil
		}
	}
	return nil, nil
}

// likeEscaper escapes the wildcards of LIKE (with ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func (s *Store) companies(ctx context.Context, query string, args []any) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find the company of an endpoint: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find the company of an endpoint: %w", err)
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out, rows.Err()
}
