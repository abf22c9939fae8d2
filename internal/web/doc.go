// Package web is halobridge's HTTP shell: one router for the probes, the
// metrics, the push receivers and every other area's routes, and what holds
// for every request whatever its route: an id (X-Request-Id) that 5xx
// answers and their log lines carry, security headers, bounded bodies and
// forms, the client's address, and the server's timeouts.
//
// It also holds what the areas' handlers share at the edge: every JSON
// answer of every area is written by WriteJSON, and every JSON error as an
// ErrorBody by WriteError; the error body of every refusal (Problem), logging a fault of halobridge's own with the
// request id a person quotes (Fault), refusing input no text halobridge
// keeps may hold (CheckInput, Unreadable, ParseID), Retry-After, page
// headers, embedded assets, and redirects that stay on halobridge
// (LocalPath).
package web
