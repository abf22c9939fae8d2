package syncrun

import (
	"context"
	"fmt"

	"halobridge/internal/jobs"
	"halobridge/internal/source"
	"halobridge/internal/store"
)

// readUsers keeps the users of every customer of a source whose alerts name
// users by id (DefensX), so that tickets name the person: one customer's
// list replaces what the last sync kept of it. Users without an id, or with
// one too long to be found again, are left out.
func (s *Syncer) readUsers(ctx context.Context, src store.Source, lister source.UserLister, customers []source.Customer, p *jobs.Progress, res *Result) error {
	for _, c := range customers {
		users, err := lister.Users(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("list the users of customer %s: %w", customerNamed(c), err)
		}
		kept := users[:0]
		for _, u := range users {
			if u.Clean() {
				kept = append(kept, u)
			}
		}
		if len(kept) > source.MaxUsersPerCustomer {
			kept = kept[:source.MaxUsersPerCustomer]
		}
		if err := s.Store.SaveSourceUsers(ctx, src.ID, c.ID, kept); err != nil {
			return err
		}
		res.Users += len(kept)
		p.Count("users", len(kept))
	}
	return nil
}

// customerNamed names a source customer for a person: "Name" (id), or its id.
func customerNamed(c source.Customer) string {
	if c.Name == "" {
		return fmt.Sprintf("%q", c.ID)
	}
	return fmt.Sprintf("%q (id %s)", c.Name, c.ID)
}
