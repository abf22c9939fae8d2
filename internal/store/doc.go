// Package store persists halobridge's data: partners, their Halo
// connections (credentials sealed with a secret.Keyring) and the cached Halo
// catalog. One SQL implementation serves both engines, SQLite for the
// embedded single-process default and PostgreSQL for several replicas, and
// package storetest holds the conformance suite both must pass.
package store
