// Package dxsim is an in-memory DefensX that speaks the Partner API halobridge uses
// (status, products, customers, usage and URL logs under /api/partner/v1, with bearer-key
// auth, DefensX's error body, paging object, date rules and limits) and sends the
// webhooks DefensX sends ("API Callback Notifications"). It is seeded with a partner's
// customers, subscriptions whose quantities move month by month and URL logs, all
// deterministic from Options.Seed and the clock.
//
// Paths of the spec that halobridge does not call answer 404, as unknown paths do.
package dxsim
