package setup

import (
	"context"

	"halobridge/internal/connect"
	"halobridge/internal/store"
)

// RenamePartner names the partner as its admin wants it shown: in the
// header of every page and in lists of partners. The name is checked by
// store.CheckPartnerName; a name it refuses is a *connect.FieldError of
// the field "name". The slug stays, so that addresses keep working.
func RenamePartner(ctx context.Context, st *store.Store, partnerID int64, name string) (store.Partner, error) {
	name, err := store.CheckPartnerName(name)
	if err != nil {
		return store.Partner{}, &connect.FieldError{Field: "name", Message: err.Error()}
	}
	p, err := st.Partner(ctx, partnerID)
	if err != nil {
		return store.Partner{}, err
	}
	p.Name = name
	return st.UpdatePartner(ctx, p)
}
