package syncrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"halobridge/internal/connect"
	"halobridge/internal/events"
	"halobridge/internal/halo"
	"halobridge/internal/jobs"
	"halobridge/internal/mapping/assetmap"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/ref"
	"halobridge/internal/source"
	"halobridge/internal/store"
	"halobridge/internal/ticketing"
)

// Syncer refreshes one partner's catalogs and what follows from them.
type Syncer struct {
	Store *store.Store
	Halo  *connect.Halo
	// Sources builds the source connectors; *connect.Sources in production.
	Sources Connectors
	// Refs are the parts of the configuration whose HaloPSA records every
	// sync checks; none when empty.
	Refs []ref.ConfigRefs
	// Invoices says whether billing appends to existing recurring invoices;
	// nil means it does not, and no invoice is looked for.
	Invoices ref.InvoiceMode
	// TicketTypes checks the ticket policy against the mandatory fields of
	// its ticket types; nil checks nothing.
	TicketTypes TicketTypeChecker
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives a line per step that failed; nil discards them.
	Logger *slog.Logger
}

// syncBudgetWait is how long one request of a sync may wait for the
// tenant's HaloPSA budget: more than a whole window, within the job's
// timeout.
const syncBudgetWait = 10 * time.Minute

// Connectors builds the connector of a stored source and says where the
// source pushes to reach halobridge (*connect.Sources).
type Connectors interface {
	Connector(src store.Source) (source.Source, error)
	Delivery(src store.Source) (source.Delivery, error)
}

// TicketTypeChecker checks a partner's ticket policy against the mandatory
// fields of its ticket types in HaloPSA and settles their events
// (*deliver.Service).
type TicketTypeChecker interface {
	CheckTicketType(ctx context.Context, partnerID int64) (gaps []ticketing.Gap, raised, cleared int, err error)
}

// Result counts what one sync did.
type Result struct {
	// Catalog says what changed in each kind of HaloPSA record refreshed.
	Catalog map[string]store.CatalogDiff
	// Customers, Usage and Users count the source records read.
	Customers int
	Usage     int
	Users     int
	// Assets counts the HaloPSA assets kept of the clients tickets go to;
	// GoneAssets are the ids of those gone since the last sync.
	Assets     int
	GoneAssets []int
	// Suggested counts suggestions stored or changed, Withdrawn the stale
	// ones removed.
	Suggested int
	Withdrawn int
	// AssetSuggestions counts the asset suggestions of mapped companies,
	// AssetsCreated the HaloPSA assets created for unmatched endpoints.
	AssetSuggestions int
	AssetsCreated    int
	// Ambiguous are the customers several clients match equally well: they
	// are reported for a person to choose, never chosen.
	Ambiguous []mapper.Suggestion
	// Raised counts the problems found, Cleared the events of problems gone.
	Raised  int
	Cleared int
	// Endpoints counts the source endpoints (devices) kept of every
	// customer of the sources that list them.
	Endpoints int
}

// Progress step names, as the CLI and the API show them.
const (
	stepHalo   = "HaloPSA catalog"
	stepEvents = "Mapping statuses and events"
)

// Sync refreshes the partner's HaloPSA catalog and every source's
// customers and usage (this month and last), checks every GravityZone
// source's Event Push Service, stores auto-match suggestions for the
// customers not yet mapped, and raises or clears integration events. It reports each step on p. A step that fails is recorded and the
// sync goes on with what it can still do; the error returned joins them.
// Suggestions and mapping events are decided only on a HaloPSA catalog read
// in this very sync, so a HaloPSA outage never turns into a page of false
// "client not found" events. A rate limit or a cancelled ctx stops the sync
// at once, for the job to retry.
func (s *Syncer) Sync(ctx context.Context, partnerID int64, p *jobs.Progress) (Result, error) {
	// A sync spends what tickets leave of the budget: when that runs out
	// it waits, saying so in its progress, rather than fail.
	ctx = halo.WithBudgetWait(halo.WithRequestPriority(ctx, halo.PriorityBackground), syncBudgetWait, p.Wait)
	res := Result{Catalog: map[string]store.CatalogDiff{}}
	if _, err := s.Store.Partner(ctx, partnerID); err != nil {
		return res, fmt.Errorf("sync: %w", err)
	}
	var errs []error
	fresh, err := s.syncHalo(ctx, partnerID, p, &res)
	if stops(err) {
		return res, err
	}
	errs = append(errs, err)
	sources, err := s.Store.Sources(ctx, partnerID)
	if err != nil {
		return res, fmt.Errorf("sync: %w", err)
	}
	for _, src := range sources {
		err := s.syncSource(ctx, src, p, &res)
		if stops(err) {
			return res, err
		}
		errs = append(errs, err)
	}
	err = s.checkPushes(ctx, partnerID, sources, p, &res)
	if stops(err) {
		return res, err
	}
	errs = append(errs, err)
	if !fresh[store.KindClient] {
		return res, errors.Join(append(errs, errors.New("suggestions and mapping events were not updated: the HaloPSA clients could not be read"))...)
	}
	snap, err := mapper.LoadSnapshot(ctx, s.Store, partnerID)
	if err != nil {
		return res, fmt.Errorf("sync: %w", err)
	}
	suggested, withdrawn, ambiguous, err := mapper.SuggestAll(ctx, s.Store, partnerID, snap, sources, p)
	res.Suggested += suggested
	res.Withdrawn += withdrawn
	res.Ambiguous = append(res.Ambiguous, ambiguous...)
	if err != nil {
		return res, err
	}
	if err := s.detect(ctx, partnerID, snap, sources, fresh, p, &res); err != nil {
		return res, err
	}
	err = s.checkTicketType(ctx, partnerID, &res)
	if stops(err) {
		return res, err
	}
	return res, errors.Join(append(errs, err)...)
}

// Assets is the asset mapping service on the syncer's store and HaloPSA.
func (s *Syncer) Assets() *assetmap.Service {
	return &assetmap.Service{Store: s.Store, Halo: s.Halo, ReadAssets: s.readClientAssets}
}

// refreshAssets stores the smart match's asset suggestions for the mapped
// companies, creates the assets the settings ask for and settles the
// events of confirmed asset mappings, on the endpoints and assets this
// sync read (or, where a read failed, the last ones read).
func (s *Syncer) refreshAssets(ctx context.Context, partnerID int64, p *jobs.Progress, res *Result) error {
	got, err := s.Assets().Refresh(ctx, partnerID)
	res.AssetSuggestions += got.Suggested
	res.AssetsCreated += got.Created
	res.Raised += got.Raised
	res.Cleared += got.Cleared
	p.Count("asset suggestions", got.Suggested)
	p.Count("asset ambiguous", got.Ambiguous)
	if got.Created > 0 {
		p.Count("assets created", got.Created)
	}
	if err != nil {
		return fmt.Errorf("asset mapping: %w", err)
	}
	return nil
}

// SyncHaloCatalog refreshes only the partner's HaloPSA catalog in the store
// (the first step of Sync), for work that needs the catalog but not the
// sources, suggestions and events.
func (s *Syncer) SyncHaloCatalog(ctx context.Context, partnerID int64) (map[string]store.CatalogDiff, error) {
	res := Result{Catalog: map[string]store.CatalogDiff{}}
	_, err := s.syncHalo(ctx, partnerID, nil, &res)
	return res.Catalog, err
}

// syncHalo reads every HaloPSA list and stores the catalog kind by kind:
// of clients, sites and users only the records changed since the last
// read when that suffices (readList), of the others the whole list. It
// returns the kinds refreshed. A missing permission fails only the lists
// that need it; revoked credentials fail the rest of the step.
func (s *Syncer) syncHalo(ctx context.Context, partnerID int64, p *jobs.Progress, res *Result) (map[string]bool, error) {
	lists := s.haloLists(partnerID)
	p.Step(stepHalo, len(lists))
	fresh := map[string]bool{}
	client, err := s.Halo.Client(ctx, partnerID)
	if err != nil {
		err = fmt.Errorf("HaloPSA catalog: %w", err)
		p.Fail(err)
		return fresh, err
	}
	reads, err := s.Store.CatalogReads(ctx, partnerID)
	if err != nil {
		return fresh, fmt.Errorf("HaloPSA catalog: %w", err)
	}
	appends, err := s.appends(ctx, partnerID)
	if err != nil {
		return fresh, fmt.Errorf("HaloPSA catalog: %w", err)
	}
	now := s.now()
	var errs []error
	denied := events.Denied{}
	for _, l := range lists {
		if l.kinds[0] == store.KindRecurringInvoice && !appends {
			// Only appending to existing invoices needs them known: a
			// large tenant's invoices cost many pages.
			p.Advance(1)
			continue
		}
		var got listRead
		if l.keep != nil {
			err = l.keep(ctx, client, p, res)
		} else {
			got, err = s.readList(ctx, partnerID, client, l, reads, now)
		}
		switch {
		case stops(err):
			return fresh, fmt.Errorf("read HaloPSA %s: %w", l.what, err)
		case halo.IsRevoked(err):
			err = fmt.Errorf("read HaloPSA %s: %w", l.what, err)
			p.Fail(err)
			return fresh, errors.Join(err, s.raiseFailure(ctx, partnerID, l, err))
		case halo.IsForbidden(err):
			denied.Add(l.what, l.kinds, err)
		}
		if err != nil {
			err = fmt.Errorf("read HaloPSA %s: %w", l.what, err)
			p.Fail(err)
			s.logger().Warn("HaloPSA list not refreshed", "partner", partnerID, "list", l.what, "error", err)
			errs = append(errs, err)
			p.Advance(1)
			continue
		}
		if l.keep != nil {
			for _, kind := range l.kinds {
				fresh[kind] = true
			}
			p.Advance(1)
			continue
		}
		write := s.Store.ReplaceCatalog
		if !got.whole {
			write = s.Store.MergeCatalog
		}
		for _, kind := range l.kinds {
			diff, err := write(ctx, partnerID, kind, got.byKind[kind], now)
			if err != nil {
				return fresh, fmt.Errorf("store HaloPSA %s: %w", l.what, err)
			}
			res.Catalog[kind] = diff
			fresh[kind] = true
			p.Count(kind, diff.Added+diff.Updated+diff.Unchanged)
		}
		p.Advance(1)
	}
	if err := events.SettleAccess(ctx, s.Store, partnerID, denied); err != nil {
		return fresh, err
	}
	return fresh, errors.Join(errs...)
}

// raiseFailure raises the event a HaloPSA failure calls for, if any.
func (s *Syncer) raiseFailure(ctx context.Context, partnerID int64, l haloList, err error) error {
	_, ferr := events.ReportFailure(ctx, s.Store, partnerID, l.what, l.kinds, err)
	return ferr
}

// stops reports an error after which the sync must not go on: the tenant's
// rate limit (the job snoozes and runs again) or the end of ctx.
func stops(err error) bool {
	return halo.IsRateLimited(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Syncer) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// checkTicketType reads what the ticket policy's ticket types require, so
// that a field the policy leaves empty is an event before HaloPSA refuses a
// ticket for it.
func (s *Syncer) checkTicketType(ctx context.Context, partnerID int64, res *Result) error {
	if s.TicketTypes == nil {
		return nil
	}
	_, raised, cleared, err := s.TicketTypes.CheckTicketType(ctx, partnerID)
	res.Raised += raised
	res.Cleared += cleared
	if err != nil {
		return fmt.Errorf("check the ticket type's mandatory fields: %w", err)
	}
	return nil
}
