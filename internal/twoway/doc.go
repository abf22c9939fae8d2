// Package twoway makes HaloPSA's side an input: halobridge keeps a webhook in each partner's
// HaloPSA (Service.Ensure), receives what it posts (Receiver, POST /halo/webhook/{token}),
// and a durable job records on the ticket links what happened to halobridge's tickets
// (closed, reopened) and takes it back to the source (a GravityZone incident resolved with
// the agent's note, or set back to open; a durable job retries GravityZone with backoff and
// raises an event when it keeps failing). Without the permission to manage webhooks, or when
// no delivery came for an interval, a poller reads the tickets changed since its cursor
// instead. Changes halobridge made itself are recorded but never sent back.
package twoway
