// Package mapper is the mapping service: what a person does with a
// partner's mappings (map and unmap customers, confirm or reject
// suggestions, create a HaloPSA client for a customer, recheck and resolve
// mapping findings), and the suggestions and mapping events a sync stores.
//
// The deciding is done by the pure mapping package; this package reads
// the stored catalog, writes mappings and raises their events.
package mapper
