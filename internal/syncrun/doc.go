// Package syncrun keeps a partner's picture of its systems current: a sync
// run reads HaloPSA's catalog and each source's customers and usage with as
// few requests as the APIs allow, checks the records the configuration
// refers to, the recurring invoices billing appends to and GravityZone's
// Event Push Service, and then has the mapping service store suggestions
// and settle mapping events. It runs as a durable job, per partner on
// demand and for every partner on a schedule, recorded as a sync run.
//
// The name is not sync, which would shadow the standard library's in
// every file that uses both.
package syncrun
