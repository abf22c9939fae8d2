package store

// SyncRunStore keeps sync runs (kind, progress, counts, history per partner).
type SyncRunStore interface {
}
