package events

import (
	"context"

	"halobridge/internal/connect"
	"halobridge/internal/store"
)

// Service is what a person does with a partner's integration events:
// recheck and resolve them, and connect or test HaloPSA, which settles the
// events of Test Connection's checks. Every method takes the partner the
// caller acts for, and answers store.ErrNotFound for a record of another
// partner.
type Service struct {
	Store *store.Store
	Halo  *connect.Halo
	// Mappings rechecks and resolves the findings about mappings, clients
	// and sites; *mapper.Service in production.
	Mappings Mappings
	// Checks rechecks and resolves what the sync checks besides mappings;
	// *syncrun.Syncer in production.
	Checks Checks
	// Billing rechecks the events of billing runs; *run.Service (of
	// package billing/run) in production. Without it they cannot be
	// rechecked on demand.
	Billing Billing
	// Webhooks checks, and creates or enables again, halobridge's webhook
	// in HaloPSA; *twoway.Service in production. Without it the webhook's
	// events are checked again by the sweep only.
	Webhooks Webhooks
	// Assets rechecks and resolves the events of confirmed asset mappings;
	// *assetmap.Service in production.
	Assets Assets
	// Incidents writes again what a ticket change takes to its GravityZone
	// incident; *twoway.Service in production. Without it those events are
	// settled by the next change of the ticket only.
	Incidents Incidents
	// Fixed, when set, is told of a partner whose problem that held ticket
	// delivery back a person just fixed (Resolve, a Recheck that found it
	// gone, HaloPSA credentials saved): the server wakes delivery with it.
	Fixed func(ctx context.Context, partnerID int64)
}

// Webhooks keeps halobridge's webhook in a partner's HaloPSA.
type Webhooks interface {
	// EnsureWebhook finds or creates the webhook, enables it, and raises
	// or clears its events.
	// It says in words what HaloPSA then holds.
	EnsureWebhook(ctx context.Context, partnerID int64) (string, error)
}

// Incidents takes changes made in HaloPSA back to GravityZone incidents.
type Incidents interface {
	// RecheckIncident writes the latest change of the event's ticket to its
	// incident again, now: the event clears when GravityZone takes it, and
	// is seen again when not.
	RecheckIncident(ctx context.Context, partnerID int64, e store.Event) error
}

// Assets rechecks and resolves the events of confirmed asset mappings
// whose endpoint or asset is gone.
type Assets interface {
	// RecheckAssets reads the event's client's assets from HaloPSA again
	// and settles the partner's asset mapping events on them.
	RecheckAssets(ctx context.Context, partnerID int64, e store.Event) error
	// RemoveAssetMapping is the fix of both: it forgets the mapping, so
	// that the smart match suggests again, and says what it did.
	RemoveAssetMapping(ctx context.Context, partnerID int64, e store.Event) (string, error)
}

// Mappings rechecks and resolves the events of mapping findings.
type Mappings interface {
	// RecheckSite settles a General User finding of ticket delivery, which
	// names a client and site rather than a mapping.
	RecheckSite(ctx context.Context, partnerID int64, e store.Event) error
	// RecheckMapping evaluates the mapping of a finding on what HaloPSA
	// (and, for a company not found, the source) shows now.
	RecheckMapping(ctx context.Context, partnerID int64, e store.Event) error
	// RemoveMapping and AddGeneralUser are the fixes of "both not found"
	// and "site without a General User"; they say what they did.
	RemoveMapping(ctx context.Context, partnerID int64, e store.Event) (string, error)
	AddGeneralUser(ctx context.Context, partnerID int64, e store.Event) (string, error)
}

// Checks rechecks and resolves the events of the sync's other checks: the
// configuration's references and the permissions of the lists it reads,
// recurring invoices, and GravityZone's Event Push Service.
type Checks interface {
	// RecheckKinds reads again the HaloPSA lists that fill kinds.
	RecheckKinds(ctx context.Context, partnerID int64, kinds []string) error
	RecheckInvoice(ctx context.Context, partnerID int64, e store.Event) error
	// RecheckTicketType reads what the ticket policy's ticket types require.
	RecheckTicketType(ctx context.Context, partnerID int64) error
	RecheckPush(ctx context.Context, partnerID int64, e store.Event) error
	// RegisterPush is the fix of a push that does not deliver; it says what
	// it did.
	RegisterPush(ctx context.Context, partnerID int64, e store.Event) (string, error)
}

// Billing rechecks the events of billing runs.
type Billing interface {
	// RecheckBilling bills the client of e in a dry run and settles e on
	// what it finds: cleared when the client bills without the problem,
	// seen again when not.
	RecheckBilling(ctx context.Context, partnerID int64, e store.Event) error
}

// InputError is a request a person must correct; Field names what is
// wrong in the API's words (client_id, site_id...). The mapping service
// answers it too.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Message }
