package run

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"halobridge/internal/billing"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// fetchReports reads each source's usage in each month from the source
// itself: GravityZone and DefensX through their APIs, a push source from
// what its vendor pushed. A source that cannot be read gets reports that say
// why, so billing carries those months instead of billing nothing; only a
// cancelled ctx is an error.
func (s *Service) fetchReports(ctx context.Context, sources []store.Source, months []source.Month, p Progress) ([]billing.Report, error) {
	var out []billing.Report
	for _, src := range sources {
		unavailable := func(m source.Month, err error) billing.Report {
			return billing.Report{Source: src.Kind, Month: m, Unavailable: fmt.Sprintf("the usage of %q could not be read: %v", src.Name, err)}
		}
		conn, err := s.Sources.Connector(src)
		var customers []source.Customer
		if err == nil {
			customers, err = conn.Customers(ctx)
		}
		for _, m := range months {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("read usage: %w", ctx.Err())
			}
			p.Advance(1)
			if err != nil {
				out = append(out, unavailable(m, err))
				continue
			}
			usage, uerr := conn.Usage(ctx, m)
			if uerr == nil {
				uerr = checkQuantities(usage)
			}
			switch {
			case uerr != nil:
				out = append(out, unavailable(m, uerr))
			case len(usage) == 0 && src.Kind == source.Push:
				// A vendor that pushed nothing for a month has not reported it
				// yet; billing it as no use would lose the month.
				out = append(out, billing.Report{Source: source.Push, Month: m,
					Unavailable: fmt.Sprintf("%q has pushed no usage for %s yet", src.Name, m)})
			default:
				out = append(out, billing.Report{Source: src.Kind, Month: m, Customers: customers, Usage: usage})
			}
		}
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("read usage: %w", ctx.Err())
	}
	return out, nil
}

// inUse lists the products the partner's sources report in the last
// complete month or the current one, which a policy must cover, and says
// why for the sources that could be read in neither. A push product's
// supplier is the push source's name.
func (s *Service) inUse(ctx context.Context, partnerID int64) ([]billing.Product, []string, error) {
	sources, err := s.Store.Sources(ctx, partnerID)
	if err != nil {
		return nil, nil, err
	}
	current := source.MonthOf(s.now())
	months := []source.Month{current.Prev(), current}
	reports, err := s.fetchReports(ctx, sources, months, noProgress{})
	if err != nil {
		return nil, nil, err
	}
	var products []billing.Product
	var unchecked []string
	for i, src := range sources {
		mine := reports[i*len(months) : (i+1)*len(months)]
		if !slices.ContainsFunc(mine, func(r billing.Report) bool { return r.Unavailable == "" }) {
			unchecked = append(unchecked, mine[len(mine)-1].Unavailable)
		}
		for _, p := range billing.ProductsInUse(mine) {
			if p.Source == source.Push {
				p.Supplier = src.Name
			}
			if !slices.ContainsFunc(products, func(q billing.Product) bool { return q.Source == p.Source && q.Key == p.Key }) {
				products = append(products, p)
			}
		}
	}
	slices.SortFunc(products, func(a, b billing.Product) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Key, b.Key))
	})
	return products, unchecked, nil
}

// checkQuantities refuses a month whose usage holds a quantity billing
// cannot use (one stored before such quantities were refused, or a
// platform's answer out of bounds): the month waits as unavailable, saying
// which figure to correct, rather than being billed wrong or failing every
// run.
func checkQuantities(usage []source.Usage) error {
	for _, u := range usage {
		if err := u.CheckQuantity(); err != nil {
			return fmt.Errorf("%w; correct it at the source", err)
		}
	}
	return nil
}
