// Package ingest receives what security platforms push (GravityZone's Event
// Push Service, DefensX's webhook, the generic push API), authenticates the
// sender and, for GravityZone, the body's signature, parses and normalises
// the payload, and stores the alerts durably before answering. Requests
// arriving together share one transaction.
package ingest
