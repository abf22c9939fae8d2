package run

import (
	"context"
	"fmt"
	"strings"

	"halobridge/internal/halo"
)

// suppliers finds the HaloPSA supplier an item is filed under by name, as
// the DefensX integration files its items under "DefensX", creating it the
// first time it is needed. HaloPSA accepts two suppliers of one name, so
// every name is looked up among all suppliers (read once) before one is
// created.
type suppliers struct {
	hc     *halo.Client
	byName map[string]int // trimmed, lower-cased name → id; nil until read
}

// id is the supplier named name, or 0 when name is empty.
func (s *suppliers) id(ctx context.Context, name string) (int, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return 0, nil
	}
	if s.byName == nil {
		if err := s.read(ctx); err != nil {
			return 0, err
		}
	}
	key := strings.ToLower(name)
	if id, ok := s.byName[key]; ok {
		return id, nil
	}
	sp, err := s.hc.CreateSupplier(ctx, halo.Supplier{Name: name})
	if err != nil {
		return 0, fmt.Errorf("create the HaloPSA supplier %q: %w", name, err)
	}
	s.byName[key] = sp.ID
	return sp.ID, nil
}

// read indexes HaloPSA's suppliers by name. An active supplier wins over an
// inactive one of the same name; an inactive one is still used rather than
// adding a duplicate beside it.
func (s *suppliers) read(ctx context.Context) error {
	list, err := s.hc.Suppliers(ctx)
	if err != nil {
		return fmt.Errorf("read the HaloPSA suppliers: %w", err)
	}
	s.byName = map[string]int{}
	for _, inactive := range []bool{false, true} {
		for _, sp := range list {
			key := strings.ToLower(strings.TrimSpace(sp.Name))
			if _, taken := s.byName[key]; !taken && sp.Inactive == inactive && key != "" && sp.ID > 0 {
				s.byName[key] = sp.ID
			}
		}
	}
	return nil
}
