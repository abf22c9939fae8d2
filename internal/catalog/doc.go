// Package catalog keeps a partner's picture of its systems current and acts
// on it: the sync reads HaloPSA's catalog and each source's customers and
// usage with as few requests as the APIs allow, offers auto-match
// suggestions, and turns what no longer fits (a deleted client, a site
// without a General User, a revoked credential, a missing permission) into
// integration events. The Service is what a person does with the result:
// map and unmap customers, confirm or reject suggestions, create a HaloPSA
// client for a customer, and recheck or resolve events.
//
// The deciding is done by the pure mapping package; this package reads,
// writes and remembers.
package catalog
