package connect

import (
	"context"
	"fmt"
	"strings"

	"halobridge/internal/halo"
	"halobridge/internal/store"
)

// EventCredentialsRevoked is the integration event of a HaloPSA that no
// longer accepts the partner's credentials. Its key is CredentialsEventKey:
// one per partner.
const (
	EventCredentialsRevoked = "credentials_revoked"
	CredentialsEventKey     = EventCredentialsRevoked + "/halo"
)

// CredentialsEvent is the credentials_revoked event of conn, refused with
// err. Its fix uses the words of the portal's screens: the Setup page's
// HaloPSA section for an application's Client ID and Secret, the sign-in
// page for a sign-in's refresh token.
func CredentialsEvent(partnerID int64, conn store.HaloConnection, err error) store.Event {
	fix := fmt.Sprintf("In HaloPSA, under Configuration > Integrations > HaloPSA API > View Applications, make the application with Client ID '%s' active again or give it a new Client Secret "+
		"(if it was deleted, create an application with the authentication method \"Client ID and Secret (Services)\"). "+
		"Then in halobridge open Setup and, under HaloPSA, choose \"Use another application's Client ID and Secret\", enter the Client ID and Client Secret and choose \"Save and test connection\". "+
		"From the command line: halobridge halo connect --client-id %s --client-secret <new secret>. "+
		"If halobridge created the application when you logged in with HaloPSA, you may instead sign out and choose \"Log in with HaloPSA\" as a HaloPSA administrator: halobridge then sets itself up again.",
		conn.ClientID, conn.ClientID)
	if conn.GrantType == store.GrantAuthorizationCode {
		fix = "Sign out of halobridge and choose \"Log in with HaloPSA\" as a HaloPSA administrator: halobridge then keeps the new sign-in. " +
			"HaloPSA refresh tokens are single-use, and the one halobridge held was revoked or has expired."
	}
	return store.Event{
		PartnerID: partnerID,
		Kind:      EventCredentialsRevoked,
		Key:       CredentialsEventKey,
		Subject:   ApplicationLabel(conn),
		Message:   "HaloPSA no longer accepts halobridge's credentials: " + strings.TrimSuffix(err.Error(), ".") + ".",
		Fix:       fix,
	}
}

// ApplicationLabel names the HaloPSA API application and agent halobridge
// acts as, the two places where access is granted.
func ApplicationLabel(conn store.HaloConnection) string {
	label := fmt.Sprintf("the HaloPSA API application with Client ID '%s'", conn.ClientID)
	if conn.AgentID != 0 {
		label += fmt.Sprintf(" (logging in as agent id %d)", conn.AgentID)
	}
	return label
}

// access is what HaloPSA last answered a cached client's token requests.
type access int8

const (
	accessUnknown access = iota
	accessWorking
	accessRevoked
)

// tokenResult settles the credentials event on HaloPSA's answer to a token
// request of entry's client, whichever part of halobridge needed the token:
// raised at the first refusal that only a person can fix, cleared at the
// first token issued after it. It writes only when the answer changes, so a
// partner whose credentials were revoked costs one write, not one per
// request; other failures (HaloPSA down, a rate limit) settle nothing.
func (h *Halo) tokenResult(ctx context.Context, conn store.HaloConnection, entry *cachedClient, err error) {
	next := accessWorking
	switch {
	case err == nil:
	case halo.IsRevoked(err):
		next = accessRevoked
	default:
		return
	}
	h.mu.Lock()
	// A client replaced by newer credentials has nothing to say about them.
	current := h.clients[conn.PartnerID] == entry
	changed := current && entry.access != next
	if changed {
		entry.access = next
	}
	h.mu.Unlock()
	if !changed {
		return
	}
	ctx = context.WithoutCancel(ctx)
	var werr error
	if next == accessRevoked {
		_, werr = h.Store.RaiseEvent(ctx, CredentialsEvent(conn.PartnerID, conn, err))
	} else {
		werr = h.Store.ClearEvent(ctx, conn.PartnerID, CredentialsEventKey)
	}
	if werr != nil {
		// The next answer tries again.
		h.mu.Lock()
		if entry.access == next {
			entry.access = accessUnknown
		}
		h.mu.Unlock()
		h.logger().Error("could not record what HaloPSA answered a token request", "partner_id", conn.PartnerID, "revoked", next == accessRevoked, "error", werr)
	}
}

// RefusedError says that HaloPSA credentials were not saved because Test
// Connection showed they cannot work. Blocker is the check that decided it;
// Report has every check.
type RefusedError struct {
	Report  halo.TestReport
	Blocker halo.Check
}

func (e *RefusedError) Error() string {
	msg := fmt.Sprintf("The HaloPSA connection was not saved: the check %q failed", e.Blocker.Name)
	if e.Blocker.Message != "" {
		msg += ": " + strings.TrimSuffix(e.Blocker.Message, ".")
	}
	if e.Blocker.Fix != "" {
		msg += ". " + e.Blocker.Fix
	}
	return msg
}

// Connect runs Test Connection with conn, a client ID and secret
// connection as a person entered it, and saves it unless the report has a
// blocker (see halo.TestReport.Blocker): then it returns *RefusedError and
// the partner keeps the connection it had, if any. The saved connection
// records the agent it acts as; the credentials event is cleared, since
// these credentials just got a token.
func (h *Halo) Connect(ctx context.Context, conn store.HaloConnection) (halo.TestReport, store.HaloConnection, error) {
	if conn.GrantType != store.GrantClientCredentials {
		return halo.TestReport{}, store.HaloConnection{}, fmt.Errorf("connect HaloPSA: grant %q: %w: only a client ID and secret can be entered; a sign-in is kept by logging in with HaloPSA",
			conn.GrantType, store.ErrInvalid)
	}
	client, err := halo.New(h.config(conn))
	if err != nil {
		return halo.TestReport{}, store.HaloConnection{}, fmt.Errorf("connect HaloPSA: %w", err)
	}
	report := client.TestConnection(ctx)
	if blocker, ok := report.Blocker(); ok {
		return report, store.HaloConnection{}, &RefusedError{Report: report, Blocker: blocker}
	}
	conn.AgentID = report.Agent.ID
	saved, err := h.Store.SaveHaloConnection(ctx, conn)
	if err != nil {
		return report, store.HaloConnection{}, fmt.Errorf("connect HaloPSA: %w", err)
	}
	h.forget(conn.PartnerID)
	if err := h.Store.ClearEvent(ctx, conn.PartnerID, CredentialsEventKey); err != nil {
		return report, saved, fmt.Errorf("connect HaloPSA: %w", err)
	}
	return report, saved, nil
}
