package events

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// ConnectHalo saves a client ID and secret connection as a person entered
// it, the one way the portal, the API and the CLI do: Test Connection
// first, nothing saved when it shows the connection cannot work
// (*connect.RefusedError), and otherwise one permission_missing event per
// permission still missing.
func (s *Service) ConnectHalo(ctx context.Context, conn store.HaloConnection) (halo.TestReport, error) {
	report, saved, err := s.Halo.Connect(ctx, conn)
	if err != nil {
		return report, err
	}
	if err := s.settleTest(ctx, saved, report); err != nil {
		return report, err
	}
	// Credentials that work now end whatever delivery waited for.
	return report, s.resumeDelivery(ctx, saved.PartnerID)
}

// TestHalo runs Test Connection with the partner's stored connection and
// settles the events of its checks.
func (s *Service) TestHalo(ctx context.Context, partnerID int64) (halo.TestReport, error) {
	hc, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		return halo.TestReport{}, err
	}
	report := hc.TestConnection(ctx)
	conn, err := s.Store.HaloConnection(ctx, partnerID)
	if err != nil {
		return report, err
	}
	return report, s.settleTest(ctx, conn, report)
}

// settleTest raises an event per permission a check found missing, and
// clears the events of earlier tests whose checks now pass. A check that
// could not tell (HaloPSA failing, a rate limit) leaves its event as it
// was, and so does a test that got no token: what HaloPSA answers a token
// request is package connect's to settle.
func (s *Service) settleTest(ctx context.Context, conn store.HaloConnection, report halo.TestReport) error {
	if len(report.Checks) < 2 {
		return nil
	}
	told := map[string]bool{}
	byPermission := map[string][]halo.Check{}
	var permissions []string
	for _, c := range report.Checks {
		told[c.Name] = c.OK || c.Permission != ""
		if c.OK || c.Permission == "" {
			continue
		}
		if byPermission[c.Permission] == nil {
			permissions = append(permissions, c.Permission)
		}
		byPermission[c.Permission] = append(byPermission[c.Permission], c)
	}
	var found []store.Event
	for _, p := range permissions {
		found = append(found, checkEvent(conn, p, byPermission[p]))
	}
	_, _, err := Settle(ctx, s.Store, conn.PartnerID, found, func(e store.Event) bool {
		checks := DataOf(e).Checks
		return e.Kind == EventPermissionMissing && len(checks) > 0 && !slices.ContainsFunc(checks, func(name string) bool { return !told[name] })
	})
	if err != nil {
		return fmt.Errorf("settle the events of Test Connection: %w", err)
	}
	return nil
}

// checkEvent is the event of a permission that checks found missing.
func checkEvent(conn store.HaloConnection, permission string, checks []halo.Check) store.Event {
	var names, needs []string
	for _, c := range checks {
		names = append(names, c.Name)
		needs = append(needs, strings.ToLower(c.Name))
	}
	said := ""
	if msg := checks[0].Message; msg != "" {
		said = " HaloPSA said: " + msg
	}
	label := connect.ApplicationLabel(conn)
	return store.Event{
		PartnerID: conn.PartnerID,
		Kind:      EventPermissionMissing,
		Key:       EventPermissionMissing + "/" + permission,
		Subject:   label,
		Message: fmt.Sprintf("Test Connection found that %s lacks the %s permission, which halobridge needs to %s.%s",
			label, permission, joinWords(needs), said),
		Fix:  fmt.Sprintf("%s The application is the one with Client ID '%s'. Then choose Recheck.", checks[0].Fix, conn.ClientID),
		Data: Data{Permission: permission, Checks: names}.Encode(),
	}
}
