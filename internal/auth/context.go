// Package auth decides who is calling: portal sessions, API tokens, operator
// accounts and the "Log in with HaloPSA" handshake. Handlers learn the
// caller's partner from the request context, never from the request itself.
// What a sign-in sets up in HaloPSA is connect's (a Provisioner), and the
// portal draws the sign-in pages (Pages).
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
