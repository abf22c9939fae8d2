package events

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"halobridge/internal/connect"
	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// Denied groups the lists HaloPSA refused by the permission they lack, so
// that one missing permission is one event however many lists need it.
type Denied map[string]*denial

type denial struct {
	permission string
	what       []string
	kinds      []string
	err        *halo.APIError
}

// Add records that HaloPSA refused err to read the list named what, which
// fills kinds.
func (d Denied) Add(what string, kinds []string, err error) {
	var ae *halo.APIError
	if !errors.As(err, &ae) {
		return
	}
	// Without a permission named, the path is what the admin can look for.
	key := cmp.Or(ae.Permission, ae.Method+" "+ae.Path)
	if d[key] == nil {
		d[key] = &denial{permission: ae.Permission, err: ae}
	}
	d[key].what = append(d[key].what, what)
	d[key].kinds = append(d[key].kinds, kinds...)
}

// SettleAccess raises an event per permission HaloPSA refused in this
// sync, and clears the credentials event and the permission events of
// permissions no longer refused: the sync signed in and read everything
// else. The events of Test Connection's checks are left to it: most are
// writes, which a sync never tries.
func SettleAccess(ctx context.Context, st *store.Store, partnerID int64, denied Denied) error {
	conn, err := st.HaloConnection(ctx, partnerID)
	if err != nil {
		return fmt.Errorf("HaloPSA connection: %w", err)
	}
	var found []store.Event
	for key, d := range denied {
		found = append(found, PermissionEvent(partnerID, conn, key, d))
	}
	_, _, err = Settle(ctx, st, partnerID, found, func(e store.Event) bool {
		return e.Kind == EventPermissionMissing && len(DataOf(e).Checks) == 0 || e.Kind == EventCredentialsRevoked
	})
	return err
}

// PermissionEvent is the event of a permission HaloPSA refused, as Denied
// keeps it under key.
func PermissionEvent(partnerID int64, conn store.HaloConnection, key string, d *denial) store.Event {
	need := "a permission it does not name"
	if d.permission != "" {
		need = "the " + d.permission + " permission"
	}
	said := ""
	if d.err.Message != "" {
		said = " HaloPSA said: " + d.err.Message
	}
	return store.Event{
		PartnerID: partnerID,
		Kind:      EventPermissionMissing,
		Key:       EventPermissionMissing + "/" + key,
		Subject:   connect.ApplicationLabel(conn),
		Message: fmt.Sprintf("HaloPSA refused to let halobridge read %s (%s %s): %s needs %s.%s",
			joinWords(d.what), d.err.Method, d.err.Path, connect.ApplicationLabel(conn), need, said),
		Fix: fmt.Sprintf("In HaloPSA, under Configuration > Integrations > HaloPSA API > View Applications, open the application with Client ID '%s' and grant %s on its Permissions tab; the agent it logs in as needs access to the same area.",
			conn.ClientID, need),
		Data: Data{Permission: d.permission, Kinds: d.kinds}.Encode(),
	}
}

// ReportFailure raises the integration event that a failed HaloPSA request
// calls for, and says whether there was one: revoked credentials, or a
// missing permission (what names what halobridge tried to read or write,
// kinds the catalog kinds a recheck reads again, none for a write). Other
// failures raise nothing.
func ReportFailure(ctx context.Context, st *store.Store, partnerID int64, what string, kinds []string, failure error) (bool, error) {
	if !halo.IsRevoked(failure) && !halo.IsForbidden(failure) {
		return false, nil
	}
	conn, err := st.HaloConnection(ctx, partnerID)
	if err != nil {
		return false, fmt.Errorf("HaloPSA connection: %w", err)
	}
	e := connect.CredentialsEvent(partnerID, conn, failure)
	if !halo.IsRevoked(failure) {
		denied := Denied{}
		denied.Add(what, kinds, failure)
		for key, d := range denied {
			e = PermissionEvent(partnerID, conn, key, d)
		}
	}
	if _, err := st.RaiseEvent(ctx, e); err != nil {
		return false, fmt.Errorf("raise event: %w", err)
	}
	return true, nil
}

// Failed raises the event a HaloPSA failure calls for and returns the
// failure.
func Failed(ctx context.Context, st *store.Store, partnerID int64, what string, kinds []string, err error) error {
	_, ferr := ReportFailure(ctx, st, partnerID, what, kinds, err)
	return errors.Join(err, ferr)
}

// joinWords lists things as a sentence does: "a, b and c".
func joinWords(words []string) string {
	words = slices.Compact(slices.Clone(words))
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
