package defensx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"halobridge/internal/source"
	"halobridge/internal/vocab"
)

// Cursor is how far the URL-block poll of one customer has read. DefensX rows carry no
// id, so a row is known by a hash of all its fields; the hashes of the rows at the last
// instant read are kept because the next window starts at that instant (DefensX's window
// includes its start), so that rows sharing it are neither counted twice nor missed.
// A Cursor is plain data: store it as JSON between polls.
type Cursor struct {
	CustomerID string    `json:"customer_id"`
	Last       time.Time `json:"last"`
	SeenAtLast []string  `json:"seen_at_last,omitempty"`
}

// NewBlocks turns the rows not yet seen into url_block alerts and returns the cursor moved
// past them. Rows before c.Last were read by an earlier poll (or arrived too late to be
// read: DefensX gives no way to tell) and are skipped; rows at c.Last are skipped when
// their hash is in c.SeenAtLast. Every row moves the cursor, blocked or not; two rows equal
// in every field are one row.
//
// A row is a block when its action contains "block" or its sub_type is url_block_consented
// (blocked, then clicked through by the user). The fingerprint is
// defensx:<customer>:url_block:<agent id, else user id>:<URL host>, so repeated blocks of
// one site on one machine gather on one ticket.
func NewBlocks(rows []URLLog, c Cursor) ([]source.Alert, Cursor) {
	sorted := append([]URLLog(nil), rows...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].CreatedAt.Before(sorted[j].CreatedAt) })

	next := Cursor{CustomerID: c.CustomerID, Last: c.Last}
	seen := map[string]bool{}
	for _, h := range c.SeenAtLast {
		seen[h] = true
	}
	var alerts []source.Alert
	for _, row := range sorted {
		at := row.CreatedAt
		if at.Before(next.Last) {
			continue
		}
		if at.After(next.Last) {
			next.Last = at
			seen = map[string]bool{}
		}
		h := rowHash(row)
		if seen[h] {
			continue
		}
		seen[h] = true
		if isBlock(row) {
			alerts = append(alerts, blockAlert(c.CustomerID, row, h))
		}
	}
	for h := range seen {
		next.SeenAtLast = append(next.SeenAtLast, h)
	}
	sort.Strings(next.SeenAtLast)
	return alerts, next
}

func isBlock(row URLLog) bool {
	return strings.Contains(strings.ToLower(row.Action), "block") || row.SubType == "url_block_consented"
}

func blockAlert(customerID string, row URLLog, rowKey string) source.Alert {
	domain := urlHost(row.URL)
	machine := firstNonEmpty(row.AgentID, row.UserID, "-")
	wire := map[string]string{
		"report_type":  TypeURLBlock,
		"hostname":     domain,
		"url":          row.URL,
		"action":       row.Action,
		"source":       row.Source,
		"sub_type":     row.SubType,
		"risk_score":   row.RiskScore,
		"category_key": row.CategoryKey,
		"agent_id":     row.AgentID,
		"user_id":      row.UserID,
	}
	if row.SubType == "url_block_consented" {
		wire["consented"] = "true"
	}
	facts := map[string]string{}
	vocab.ReadFacts(source.DefensX, TypeURLBlock, func(name string) string { return wire[name] }, facts)
	return source.Alert{
		Source:      source.DefensX,
		CustomerID:  customerID,
		Type:        TypeURLBlock,
		Severity:    vocab.Severity(source.DefensX, TypeURLBlock, facts, source.SeverityLow),
		HostName:    domain,
		User:        facts["user"],
		URL:         row.URL,
		Facts:       facts,
		OccurredAt:  row.CreatedAt,
		Raw:         row.Raw,
		Fingerprint: "defensx:" + customerID + ":" + TypeURLBlock + ":" + machine + ":" + domain,
		EventID:     "defensx:" + customerID + ":url_log:" + rowKey,
	}
}

// urlHost is the lower-cased host of a logged URL, which DefensX may log without a scheme.
func urlHost(raw string) string {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return strings.ToLower(strings.TrimSpace(raw))
	}
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}

// rowHash identifies a URL-log row by every field DefensX sends.
func rowHash(row URLLog) string {
	h := sha256.New()
	for _, f := range []string{
		row.CreatedAt.UTC().Format(time.RFC3339Nano), row.UserID, row.AgentID, row.Action,
		row.URL, row.Source, row.SubType, row.RiskScore, row.CategoryKey,
	} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// PollURLBlocks reads a customer's URL log from the cursor to now, every page of it, and
// returns the new blocks as alerts with the moved cursor. A zero cursor starts
// Config.BlockLookback ago. On error nothing is returned and cur stays valid: poll again.
func (c *Client) PollURLBlocks(ctx context.Context, customerID string, cur Cursor) ([]source.Alert, Cursor, error) {
	if cur.CustomerID == "" {
		cur.CustomerID = customerID
	}
	if cur.CustomerID != customerID {
		return nil, cur, fmt.Errorf("URL-block cursor belongs to DefensX customer %s, not %s", cur.CustomerID, customerID)
	}
	// The window closes at the poll's start so that rows arriving while we page cannot
	// shift rows between pages.
	end := c.now().UTC()
	start := cur.Last
	if start.IsZero() {
		start = end.Add(-c.lookback)
	}
	var rows []URLLog
	for page := 1; ; page++ {
		if page > maxPages {
			return nil, cur, fmt.Errorf("DefensX URL log of customer %s still had more pages after %d", customerID, maxPages)
		}
		p, err := c.URLLogs(ctx, customerID, URLLogQuery{Start: start, End: end, Page: page, Limit: logPageLimit})
		if err != nil {
			return nil, cur, fmt.Errorf("poll URL blocks of DefensX customer %s: %w", customerID, err)
		}
		rows = append(rows, p.Items...)
		if p.Limit == 0 {
			p.Limit = logPageLimit
		}
		if p.last(page, len(p.Items)) {
			break
		}
	}
	alerts, next := NewBlocks(rows, cur)
	if next.Last.IsZero() {
		// Nothing yet: keep the first window's start, or the next poll would skip the gap.
		next.Last = start
	}
	return alerts, next, nil
}
