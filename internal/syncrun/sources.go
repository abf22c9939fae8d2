package syncrun

import (
	"context"
	"errors"
	"fmt"

	"halobridge/internal/connect"
	"halobridge/internal/jobs"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// syncSource replaces a source's stored customers with what it lists now,
// and its usage of this month and the last: the previous month stays open
// to change until the source closes it, and billing reads both. A source
// whose alerts name users by id has its customers' users read too, and one
// that lists devices its customers' endpoints.
func (s *Syncer) syncSource(ctx context.Context, src store.Source, p *jobs.Progress, res *Result) error {
	p.Step(fmt.Sprintf("%s customers and usage", connect.Label(src)), 3)
	err := s.readSource(ctx, src, p, res)
	if err != nil {
		err = fmt.Errorf("%s: %w", connect.Label(src), err)
		p.Fail(err)
		s.logger().Warn("source not refreshed", "source", src.ID, "error", err)
	}
	return err
}

func (s *Syncer) readSource(ctx context.Context, src store.Source, p *jobs.Progress, res *Result) error {
	conn, err := s.Sources.Connector(src)
	if err != nil {
		return err
	}
	customers, err := conn.Customers(ctx)
	if err != nil {
		return fmt.Errorf("list customers: %w", err)
	}
	if err := s.Store.SaveSourceCustomers(ctx, src.ID, customers, true); err != nil {
		return err
	}
	res.Customers += len(customers)
	p.Count("customers", len(customers))
	p.Advance(1)
	this := source.MonthOf(s.now().UTC())
	for _, month := range []source.Month{this, this.Prev()} {
		usage, err := conn.Usage(ctx, month)
		if err != nil {
			return fmt.Errorf("read usage of %s: %w", month, err)
		}
		if err := s.Store.SaveUsage(ctx, src.ID, usage, &month); err != nil {
			return err
		}
		res.Usage += len(usage)
		p.Count("usage", len(usage))
		p.Advance(1)
	}
	var errs []error
	if lister, ok := conn.(source.UserLister); ok {
		errs = append(errs, s.readUsers(ctx, src, lister, customers, p, res))
	}
	if lister, ok := conn.(source.EndpointLister); ok {
		errs = append(errs, s.readEndpoints(ctx, src, lister, customers, p, res))
	}
	return errors.Join(errs...)
}
