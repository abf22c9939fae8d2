// Package halo is the client halobridge uses to talk to a partner's HaloPSA: it signs in with
// OAuth2 (client credentials, or authorization code + PKCE with single-use refresh tokens),
// reads Halo's catalog and tickets as typed records across every page, and writes tickets,
// actions, recurring-invoice lines and the integration's own agent and application.
//
// Every request of a tenant shares one rolling-window rate limit, is retried only when Halo
// cannot have acted on it, and fails with a typed error that keeps Halo's own words.
package halo
