// Package events raises, rechecks and resolves integration events: the
// problems that need a person (a client not found, a site without a
// General User, a missing permission, revoked credentials...), each with a
// fix. The sync and the mapping service raise them through Settle and
// ReportFailure; Recheck and Resolve reach back to those two through the
// small interfaces Mappings and Checks, so that this package imports
// neither.
package events
