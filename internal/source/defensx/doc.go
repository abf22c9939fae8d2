// Package defensx connects halobridge to DefensX: a client for the DefensX Partner API
// (customers, subscription usage, URL logs), the source.Source connector built on it, the
// parser for DefensX's webhook ("API Callback Notifications") and a poller that turns URL
// blocks, which DefensX never pushes, into alerts.
//
// The client does not retry: every failure is a typed *Error keeping DefensX's own message,
// so that the durable job calling it decides when to try again.
package defensx
