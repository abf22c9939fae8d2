// Package ticketing decides what happens in HaloPSA when an alert or a
// resolution arrives: create a ticket, add a note, reopen, close, reconcile
// after a crash, or skip, and says why. It also holds the partner's ticket
// policy, checks it against the HaloPSA catalog and renders titles and notes.
//
// Everything here is pure: no network, no database, no clock. The delivery
// code reads the state (mapping, ticket link, catalog), calls these functions
// and carries out the Decision.
package ticketing
