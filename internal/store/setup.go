package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The steps of the setup wizard, in the order a person walks them.
const (
	// SetupIntegration: the HaloPSA connection, a source and the consent.
	SetupIntegration = "integration"
	// SetupBilling: the billing policy (items per product, invoice mode).
	SetupBilling = "billing"
	// SetupTicketing: the ticket policy.
	SetupTicketing = "ticketing"
)

// SetupSteps lists the wizard's steps in order.
func SetupSteps() []string {
	return []string{SetupIntegration, SetupBilling, SetupTicketing}
}

// setupStepColumns names the column that keeps when each step was saved.
var setupStepColumns = map[string]string{
	SetupIntegration: "integration_at",
	SetupBilling:     "billing_at",
	SetupTicketing:   "ticketing_at",
}

// SetupProgress is a partner's way through the setup wizard. Zero times
// mean "not yet".
type SetupProgress struct {
	PartnerID int64
	// Completed holds when each step (SetupIntegration...) was last saved;
	// a step never saved is absent.
	Completed map[string]time.Time
	// Consent is the agreement that halobridge collects and processes the
	// partner's HaloPSA data: who gave it (the account, 0 for an API
	// token, and a name people recognise) and when.
	ConsentAccountID int64
	ConsentBy        string
	ConsentAt        time.Time
	// ActivatedAt is when "Save configuration" activated the integration,
	// and ActivatedBy who did; until then the portal's other sections are
	// locked.
	ActivatedBy string
	ActivatedAt time.Time
	// UpdatedAt is zero for a partner that never opened the wizard.
	UpdatedAt time.Time
}

// Done reports whether step has been saved.
func (p SetupProgress) Done(step string) bool {
	return !p.Completed[step].IsZero()
}

// Missing lists, in order, what activation still needs: the steps not
// saved yet, then "consent" when none was given.
func (p SetupProgress) Missing() []string {
	var out []string
	for _, step := range SetupSteps() {
		if !p.Done(step) {
			out = append(out, step)
		}
	}
	if p.ConsentAt.IsZero() {
		out = append(out, "consent")
	}
	return out
}

// Active reports whether the integration has been activated.
func (p SetupProgress) Active() bool { return !p.ActivatedAt.IsZero() }

// RecentAlert is an alert with what delivery did with it.
type RecentAlert struct {
	StoredAlert
	// Delivery is nil while the alert has not been tried.
	Delivery *AlertDelivery
}

// DayActivity is one UTC day of a partner's activity.
type DayActivity struct {
	// Day is midnight UTC.
	Day     time.Time
	Alerts  int
	Tickets int
}

const setupColumns = "partner_id, integration_at, billing_at, ticketing_at, consent_account_id, consent_by, consent_at, activated_by, activated_at, updated_at"

func scanSetup(row scanner) (SetupProgress, error) {
	var p SetupProgress
	var integration, billing, ticketing, consent, activated nullTime
	err := row.Scan(&p.PartnerID, &integration, &billing, &ticketing, &p.ConsentAccountID, &p.ConsentBy, &consent,
		&p.ActivatedBy, &activated, timeColumn{&p.UpdatedAt})
	if err != nil {
		return SetupProgress{}, err
	}
	p.ConsentAt, p.ActivatedAt = consent.t, activated.t
	p.Completed = map[string]time.Time{}
	for step, t := range map[string]time.Time{SetupIntegration: integration.t, SetupBilling: billing.t, SetupTicketing: ticketing.t} {
		if !t.IsZero() {
			p.Completed[step] = t
		}
	}
	return p, nil
}

// SetupProgress reads the partner's progress; a partner that never
// opened the wizard has a zero one. An unknown partner is ErrNotFound.
func (s *Store) SetupProgress(ctx context.Context, partnerID int64) (SetupProgress, error) {
	p, err := scanSetup(s.reader.QueryRowContext(ctx, "SELECT "+setupColumns+" FROM setup_progress WHERE partner_id = $1", partnerID))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.Partner(ctx, partnerID); err != nil {
			return SetupProgress{}, fmt.Errorf("setup progress: %w", err)
		}
		return SetupProgress{PartnerID: partnerID, Completed: map[string]time.Time{}}, nil
	}
	if err != nil {
		return SetupProgress{}, fmt.Errorf("read setup progress of partner %d: %w", partnerID, err)
	}
	return p, nil
}

// changeSetup creates the partner's row when it has none, then applies
// set (assignments with $2 as now and $3… as args) and returns the row.
func (s *Store) changeSetup(ctx context.Context, partnerID int64, what, set string, args ...any) (SetupProgress, error) {
	now := s.d.timeArg(s.timestamp())
	var p SetupProgress
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO setup_progress (partner_id, consent_account_id, consent_by, activated_by, updated_at)
			VALUES ($1, 0, '', '', $2) ON CONFLICT (partner_id) DO NOTHING`, partnerID, now)
		if err != nil {
			return mapError(err)
		}
		p, err = scanSetup(tx.QueryRowContext(ctx, "UPDATE setup_progress SET "+set+", updated_at = $2 WHERE partner_id = $1 RETURNING "+setupColumns,
			append([]any{partnerID, now}, args...)...))
		return err
	})
	if err != nil {
		return SetupProgress{}, fmt.Errorf("%s for partner %d: %w", what, partnerID, err)
	}
	return p, nil
}

// CompleteSetupStep records that step was saved now.
func (s *Store) CompleteSetupStep(ctx context.Context, partnerID int64, step string) (SetupProgress, error) {
	column, ok := setupStepColumns[step]
	if !ok {
		return SetupProgress{}, fmt.Errorf("complete setup step %q: %w: the steps are %s", step, ErrInvalid, strings.Join(SetupSteps(), ", "))
	}
	return s.changeSetup(ctx, partnerID, "complete setup step "+step, column+" = $2")
}

// RecordConsent records that the person by (account accountID, 0 for
// an API token) agreed now to halobridge collecting and processing the
// partner's HaloPSA data. Agreeing again keeps the first agreement.
func (s *Store) RecordConsent(ctx context.Context, partnerID, accountID int64, by string) (SetupProgress, error) {
	by = strings.TrimSpace(by)
	if by == "" {
		return SetupProgress{}, fmt.Errorf("record consent: %w: say who gave it", ErrInvalid)
	}
	return s.changeSetup(ctx, partnerID, "record consent",
		`consent_account_id = CASE WHEN consent_at IS NULL THEN $3 ELSE consent_account_id END,
		consent_by = CASE WHEN consent_at IS NULL THEN $4 ELSE consent_by END,
		consent_at = COALESCE(consent_at, $2)`, accountID, by)
}

// ActivateSetup activates the integration now, once every step is saved
// and consent given; otherwise it is ErrInvalid, naming what is
// missing. Activating again keeps the first activation.
func (s *Store) ActivateSetup(ctx context.Context, partnerID int64, by string) (SetupProgress, error) {
	by = strings.TrimSpace(by)
	if by == "" {
		return SetupProgress{}, fmt.Errorf("activate setup: %w: say who activates it", ErrInvalid)
	}
	current, err := s.SetupProgress(ctx, partnerID)
	if err != nil {
		return SetupProgress{}, fmt.Errorf("activate setup: %w", err)
	}
	if missing := current.Missing(); len(missing) > 0 {
		return SetupProgress{}, fmt.Errorf("activate setup of partner %d: %w: still missing: %s", partnerID, ErrInvalid, strings.Join(missing, ", "))
	}
	// The steps are only ever added, never taken back, so what was checked
	// above still holds when the row is written.
	return s.changeSetup(ctx, partnerID, "activate setup",
		`activated_by = CASE WHEN activated_at IS NULL THEN $3 ELSE activated_by END,
		activated_at = COALESCE(activated_at, $2)`, by)
}

// RecentAlerts lists the partner's latest alerts, newest first, each
// with what delivery did with it (nil when not tried yet); limit is 1 to
// 1000, 50 when out of range.
func (s *Store) RecentAlerts(ctx context.Context, partnerID int64, limit int) ([]RecentAlert, error) {
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT a.id, "+prefixed("a.", alertColumns)+", "+prefixed("d.", deliveryColumns)+`
		FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id
		WHERE a.partner_id = $1 ORDER BY a.id DESC LIMIT $2`, partnerID, limit)
	if err != nil {
		return nil, fmt.Errorf("list recent alerts of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []RecentAlert
	for rows.Next() {
		a, err := scanPendingAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("list recent alerts of partner %d: %w", partnerID, err)
		}
		out = append(out, RecentAlert(a))
	}
	return out, rows.Err()
}

// utcDay is the SQL for the UTC day of a time column, as YYYY-MM-DD.
func (s *Store) utcDay(column string) string {
	if s.d.name == "postgres" {
		return fmt.Sprintf("to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD')", column)
	}
	// SQLite keeps UTC times as RFC 3339 text (sqliteTimeLayout).
	return fmt.Sprintf("substr(%s, 1, 10)", column)
}

// DailyActivity counts, per UTC day from since's day on, the alerts the
// partner received and the HaloPSA tickets delivery created. Days
// without any are left out; days are in order.
func (s *Store) DailyActivity(ctx context.Context, partnerID int64, since time.Time) ([]DayActivity, error) {
	start := since.UTC().Truncate(24 * time.Hour)
	// A ticket is counted once, on the day delivery recorded it created
	// (or, after a crash, found) it, however many alerts it carries.
	rows, err := s.reader.QueryContext(ctx, `
		SELECT day, CAST(SUM(alerts) AS BIGINT), CAST(SUM(tickets) AS BIGINT) FROM (
			SELECT `+s.utcDay("received_at")+` AS day, COUNT(*) AS alerts, 0 AS tickets
			FROM alerts WHERE partner_id = $1 AND received_at >= $2 GROUP BY 1
			UNION ALL
			SELECT `+s.utcDay("updated_at")+` AS day, 0 AS alerts, COUNT(DISTINCT ticket_id) AS tickets
			FROM alert_deliveries WHERE partner_id = $1 AND updated_at >= $2 AND state = 'done'
				AND action IN ('create', 'reconcile') AND ticket_id > 0 GROUP BY 1
		) AS activity GROUP BY day ORDER BY day`, partnerID, s.d.timeArg(start))
	if err != nil {
		return nil, fmt.Errorf("count daily activity of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var out []DayActivity
	for rows.Next() {
		var day string
		var d DayActivity
		if err := rows.Scan(&day, &d.Alerts, &d.Tickets); err != nil {
			return nil, fmt.Errorf("count daily activity of partner %d: %w", partnerID, err)
		}
		if d.Day, err = time.Parse(time.DateOnly, day); err != nil {
			return nil, fmt.Errorf("count daily activity of partner %d: day %q: %w", partnerID, day, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
