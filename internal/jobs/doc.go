// Package jobs runs halobridge's durable background work (alert delivery,
// catalog, usage and billing syncs, retention pruning) on River, in the same SQLite file or
// PostgreSQL database as the store, so that jobs survive restarts and, on
// PostgreSQL, are shared by every replica. It also reports the progress of
// sync runs, for the CLI's progress bar and the portal's history.
package jobs
