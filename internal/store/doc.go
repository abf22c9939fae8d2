// Package store persists everything halobridge keeps: partners and operator
// accounts (with sessions and API tokens), HaloPSA connections and source
// credentials (sealed with a secret.Keyring), the HaloPSA and source
// catalogs, alerts, resolutions and usage as they arrive, mappings, ticket
// links and policies, billing ledgers, sync runs, integration events, the
// shared HaloPSA budget, and the pruning of what retention lets go.
//
// One SQL implementation serves both engines, SQLite for the embedded
// single-process default and PostgreSQL for several replicas; package
// storetest holds the conformance suite both must pass.
package store
