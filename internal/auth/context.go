// Package auth decides who is calling: portal sessions, API tokens, operator
// accounts and "Log in with HaloPSA". Handlers learn the caller's partner from
// the request context, never from the request itself.
package auth

import "context"

type partnerKey struct{}

// WithPartner returns ctx carrying the id of the partner the caller acts for.
func WithPartner(ctx context.Context, partnerID int64) context.Context {
	return context.WithValue(ctx, partnerKey{}, partnerID)
}

// PartnerID is the partner the caller acts for, set by the authentication
// middleware; false when the request is not authenticated.
func PartnerID(ctx context.Context) (int64, bool) {
	id, ok := ctx.Value(partnerKey{}).(int64)
	return id, ok && id != 0
}
