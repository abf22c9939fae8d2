package syncrun

import (
	"context"
	"fmt"

	"halobridge/internal/jobs"
	"halobridge/internal/mapping/mapper"
	"halobridge/internal/store"
)

// detect evaluates every confirmed mapping, the configuration's references,
// in append mode the billed clients' invoices, and the asset mappings of
// mapped companies, then settles the events of what it could check:
// problems found are raised, and open events of problems no longer found
// are cleared.
func (s *Syncer) detect(ctx context.Context, partnerID int64, snap *mapper.Snapshot, sources []store.Source, fresh map[string]bool, p *jobs.Progress, res *Result) error {
	p.Step(stepEvents, 4)
	all, err := s.Store.Mappings(ctx, partnerID)
	if err != nil {
		return fmt.Errorf("mapping events: %w", err)
	}
	if fresh[store.KindSite] && fresh[store.KindUser] {
		raised, cleared, err := mapper.SettleMappings(ctx, s.Store, partnerID, snap, sources, all)
		if err != nil {
			return err
		}
		res.Raised += raised
		res.Cleared += cleared
	}
	p.Advance(1)
	if err := s.settleRefs(ctx, partnerID, fresh, res); err != nil {
		return err
	}
	p.Advance(1)
	if err := s.settleInvoices(ctx, partnerID, snap, all, fresh, res); err != nil {
		return err
	}
	p.Advance(1)
	if err := s.refreshAssets(ctx, partnerID, p, res); err != nil {
		return err
	}
	p.Advance(1)
	p.Count("raised", res.Raised)
	p.Count("cleared", res.Cleared)
	return nil
}
